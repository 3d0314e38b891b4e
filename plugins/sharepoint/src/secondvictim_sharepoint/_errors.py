"""Typed errors for Microsoft Graph and the token endpoint.

Why typed: the sync engine decides what to do from the *kind* of failure (re-read on 412,
convert a create into an update on 409, wait on 429, stop on 403), never from message text.
Graph's documented contract is the OData ``error.code`` (walk ``innerError.code`` for the
specific one); the HTTP status is only the fallback. Messages never contain secrets: they are
built from the server's error code and message, the method and the URL path (Graph URLs never
carry credentials), and the correlation ids that Microsoft support asks for.
"""

from __future__ import annotations

from typing import Any


class SharePointError(Exception):
    """Base class of every error this plugin raises on purpose."""


class ConfigError(SharePointError, ValueError):
    """The settings are missing or inconsistent (a usage/environment problem, exit 2)."""


class TokenError(SharePointError):
    """The identity platform refused to issue a token (wrong tenant, client id or credential)."""

    def __init__(self, error: str, description: str, *, status: int | None = None) -> None:
        self.error = error
        self.description = description
        self.status = status
        msg = f"token request failed: {error}: {description}".rstrip(": ")
        super().__init__(msg)


class GraphError(SharePointError):
    """A Graph request failed with an OData error (or an HTTP status without one)."""

    status: int
    code: str

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        method: str = "",
        path: str = "",
        request_id: str | None = None,
        client_request_id: str | None = None,
        inner_codes: tuple[str, ...] = (),
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.method = method
        self.path = path
        self.request_id = request_id
        self.client_request_id = client_request_id
        self.inner_codes = inner_codes
        self.retry_after = retry_after
        where = f"{method} {path}: ".lstrip() if method or path else ""
        ids = f" (request-id {request_id}, client-request-id {client_request_id})" if request_id else ""
        super().__init__(f"{where}{status} {code}: {message}{ids}")


class BadRequestError(GraphError):
    """400: the request is malformed or a field value is invalid; retrying will not help."""


class AuthenticationError(GraphError):
    """401: the bearer token is missing, expired or invalid."""


class AccessDeniedError(GraphError):
    """403: the app lacks the role on this site (for example ``write`` instead of ``manage``)."""


class NotFoundError(GraphError):
    """404: the site, list, item or page does not exist."""


class ConflictError(GraphError):
    """409: the name or unique value already exists (``nameAlreadyExists``)."""


class ResyncRequiredError(GraphError):
    """410: a delta token expired; a full read is needed."""


class PreconditionFailedError(GraphError):
    """412: the ``If-Match`` eTag is stale because the resource changed since it was read."""


class ThrottledError(GraphError):
    """429/503 that the client gave up waiting for (its total-wait cap would be exceeded)."""

    partial: dict[str, Any]
    """For a ``$batch``: the final answers of the entries that did finish, by request id."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.partial = {}


class ServiceError(GraphError):
    """5xx other than throttling; the operation may or may not have happened."""


class TransportError(SharePointError):
    """The HTTP exchange failed below HTTP (connection refused, reset or dropped, timeout).

    ``sent`` says whether the request may have reached the server: if it did, a non-idempotent
    request (a create) may have been applied, so the caller must re-read before retrying.
    """

    def __init__(self, method: str, path: str, reason: str, *, sent: bool) -> None:
        self.method = method
        self.path = path
        self.sent = sent
        state = "may have been applied" if sent else "was not sent"
        super().__init__(f"{method} {path}: connection failed ({reason}); the request {state}")


_BY_CODE: dict[str, type[GraphError]] = {
    "invalidRequest": BadRequestError,
    "badRequest": BadRequestError,
    "BadRequest": BadRequestError,
    "unauthenticated": AuthenticationError,
    "InvalidAuthenticationToken": AuthenticationError,
    "accessDenied": AccessDeniedError,
    "Authorization_RequestDenied": AccessDeniedError,
    "itemNotFound": NotFoundError,
    "nameAlreadyExists": ConflictError,
    "resourceModified": PreconditionFailedError,
    "resyncRequired": ResyncRequiredError,
    "activityLimitReached": ThrottledError,
    "serviceNotAvailable": ThrottledError,
    "generalException": ServiceError,
}

_BY_STATUS: dict[int, type[GraphError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: AccessDeniedError,
    404: NotFoundError,
    409: ConflictError,
    410: ResyncRequiredError,
    412: PreconditionFailedError,
    429: ThrottledError,
    503: ThrottledError,
}


def odata_codes(body: Any) -> tuple[str, ...]:
    """Return the error codes of an OData error body, outermost first (empty if none)."""
    codes: list[str] = []
    node = body.get("error") if isinstance(body, dict) else None
    while isinstance(node, dict):
        code = node.get("code")
        if isinstance(code, str) and code:
            codes.append(code)
        node = node.get("innerError") or node.get("innererror")
    return tuple(codes)


def error_from_response(
    status: int,
    body: Any,
    *,
    method: str = "",
    path: str = "",
    headers: dict[str, str] | None = None,
    retry_after: float | None = None,
) -> GraphError:
    """Build the typed error for a failed Graph response.

    The class comes from the most specific OData code we know (innermost first), then from
    the HTTP status; unknown 5xx become :class:`ServiceError`.
    """
    codes = odata_codes(body)
    message = ""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = str(body["error"].get("message") or "")
    cls: type[GraphError] | None = None
    for code in reversed(codes):
        cls = _BY_CODE.get(code)
        if cls is not None:
            break
    if cls is None:
        cls = _BY_STATUS.get(status, ServiceError if status >= 500 else GraphError)
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    return cls(
        status,
        codes[0] if codes else f"http{status}",
        message or "no error body",
        method=method,
        path=path,
        request_id=lowered.get("request-id"),
        client_request_id=lowered.get("client-request-id"),
        inner_codes=codes[1:],
        retry_after=retry_after,
    )
