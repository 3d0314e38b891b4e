"""A thin Microsoft Graph client on ``requests``: auth, paging, ``$batch``, retries, typed errors.

Why not the Graph SDK: the sync needs exactly a handful of calls, and the places where SDKs have
been weak (per-entry throttling inside ``$batch``, decimal ``Retry-After``, request accounting,
proxies for token *and* Graph calls) are the places where a nightly job must be reliable. This
module keeps them explicit and testable:

* every request carries a fresh ``client-request-id`` and a decorated ``User-Agent``;
* 429/503/504 are retried honouring ``Retry-After`` (decimals rounded up, at least one second),
  also for the individual entries of a ``$batch`` whose envelope is 200;
* all waiting goes through an injectable ``sleep`` and is capped in total, so a throttling storm
  ends the run cleanly (and the next run resumes) instead of hanging the scheduler;
* a 401 refreshes the token once and retries (a long run outlives a token);
* a dropped connection is retried only when resending cannot duplicate anything (GETs,
  conditional PATCH/DELETE); otherwise :class:`TransportError` tells the caller to re-read first.

Secrets never reach logs: the ``Authorization`` header is built per attempt and never stored in
events, errors or reprs.
"""

from __future__ import annotations

import logging
import math
import random
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from ._auth import TokenProvider
from ._errors import (
    AuthenticationError,
    BadRequestError,
    GraphError,
    ServiceError,
    ThrottledError,
    TransportError,
    error_from_response,
)

log = logging.getLogger("secondvictim_sharepoint")

RETRYABLE_STATUSES = frozenset({429, 503, 504})
"""Statuses retried after ``Retry-After`` (504 only when resending is safe)."""

MAX_BATCH = 20
"""Graph's limit on sub-requests in one ``$batch``."""


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often to retry.

    ``max_total_wait`` caps the *sum* of all waits in one client's life (one sync run): once a
    wait would pass it, the request fails with :class:`ThrottledError` and the run stops; the
    next scheduled run picks up where this one ended.
    """

    max_attempts: int = 8
    max_total_wait: float = 900.0
    max_single_wait: float = 300.0
    backoff_base: float = 1.0
    backoff_max: float = 60.0


@dataclass
class ClientStats:
    """What a client has done; the run report copies these."""

    requests: int = 0
    """Graph HTTP requests that reached the wire (a ``$batch`` counts once)."""
    batch_entries: int = 0
    """Sub-requests sent inside ``$batch`` envelopes (each is charged by SharePoint)."""
    retries: int = 0
    """Requests or batch entries sent again after a retryable failure."""
    throttled: int = 0
    """429/503 answers seen, including those of batch entries."""
    throttled_wait_seconds: float = 0.0
    """Seconds spent waiting because of throttling."""
    waited_seconds: float = 0.0
    """All seconds spent waiting (throttling and back-off after connection errors)."""
    auth_refreshes: int = 0
    """Tokens refreshed after a 401 mid-run."""


@dataclass(frozen=True)
class RequestEvent:
    """One HTTP attempt, as seen by hooks (``--verbose`` logging, tests). Holds no secrets."""

    phase: str
    """``"before"`` (about to send) or ``"after"`` (answered or failed)."""
    method: str
    url: str
    client_request_id: str
    status: int | None = None
    request_id: str | None = None
    entries: int = 0
    error: str | None = None


@dataclass(frozen=True)
class GraphResponse:
    """A successful Graph response."""

    status: int
    headers: Mapping[str, str]
    body: Any

    @property
    def request_id(self) -> str | None:
        """Graph's ``request-id`` header, for support tickets."""
        return self.headers.get("request-id")


@dataclass(frozen=True)
class BatchRequest:
    """One sub-request of a ``$batch``.

    ``url`` is relative to the version root (``/sites/...``). ``idempotent`` defaults to true for
    GET and for PATCH/PUT/DELETE that carry ``If-Match`` (resending them cannot duplicate or
    overwrite anything), false otherwise.
    """

    id: str
    method: str
    url: str
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    idempotent: bool | None = None

    @property
    def safe_to_resend(self) -> bool:
        """Whether sending this again after an unknown outcome is harmless."""
        if self.idempotent is not None:
            return self.idempotent
        if self.method == "GET":
            return True
        return self.method in {"PATCH", "PUT", "DELETE"} and "If-Match" in self.headers

    def to_json(self) -> dict[str, Any]:
        """The sub-request as Graph's ``$batch`` format wants it."""
        entry: dict[str, Any] = {"id": self.id, "method": self.method, "url": self.url}
        headers = dict(self.headers)
        if self.body is not None:
            headers.setdefault("Content-Type", "application/json")
            entry["body"] = self.body
        if headers:
            entry["headers"] = headers
        if self.depends_on:
            entry["dependsOn"] = list(self.depends_on)
        return entry


@dataclass(frozen=True)
class BatchResponse:
    """The final answer to one sub-request (after the client's retries)."""

    id: str
    status: int
    headers: Mapping[str, str]
    body: Any
    request: BatchRequest
    transport_failed: bool = False
    """True when the envelope itself was lost after sending (outcome unknown)."""

    @property
    def ok(self) -> bool:
        """2xx."""
        return 200 <= self.status < 300

    @property
    def ambiguous(self) -> bool:
        """The operation may or may not have happened (re-read before retrying a create)."""
        if self.transport_failed:
            return True
        return self.status in {500, 502, 504} and not self.request.safe_to_resend

    def error(self) -> GraphError | None:
        """The typed error for a failed entry, or ``None`` when it succeeded."""
        if self.ok:
            return None
        return error_from_response(
            self.status,
            self.body,
            method=self.request.method,
            path=self.request.url,
            headers=dict(self.headers),
        )


class PinnedSession(requests.Session):
    """A session whose own ``verify`` and ``proxies`` win over environment variables.

    Plain ``requests`` lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` and ``HTTPS_PROXY``
    override a session's settings, so a configured CA bundle or proxy could be silently
    ignored on a server with those variables set. Settings given to the sync must apply to
    token *and* Graph calls, exactly as configured.
    """

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        """Send with this session's ``verify`` and ``proxies`` unless the call names its own."""
        if kwargs.get("verify") is None:
            kwargs["verify"] = self.verify
        if not kwargs.get("proxies") and self.proxies:
            kwargs["proxies"] = dict(self.proxies)
        return super().request(method, url, *args, **kwargs)


def parse_retry_after(value: str | None) -> float | None:
    """Parse ``Retry-After`` seconds; decimals (``0.249``) round *up*, minimum one second.

    HTTP-date forms are not used by Graph; they fall back to back-off (``None``).
    """
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if math.isnan(seconds) or seconds < 0:
        return None
    return float(max(1, math.ceil(seconds)))


def _was_sent(exc: requests.RequestException) -> bool:
    """Tell a refused/unresolved connection (never sent) from one lost after sending."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        if isinstance(node, urllib3.exceptions.NewConnectionError | ConnectionRefusedError):
            return False
        if isinstance(node, urllib3.exceptions.MaxRetryError) and node.reason is not None:
            node = node.reason
            continue
        nxt = node.args[0] if node.args and isinstance(node.args[0], BaseException) else None
        node = nxt or node.__cause__ or node.__context__
    return True


class GraphClient:
    """Send Graph requests with auth, retries and accounting. One instance per sync run."""

    def __init__(
        self,
        *,
        graph_url: str,
        token_provider: TokenProvider,
        session: requests.Session | None = None,
        user_agent: str = "NONISV|unknown|secondvictim-sharepoint",
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        hooks: Sequence[Callable[[RequestEvent], None]] = (),
    ) -> None:
        self.root = graph_url.rstrip("/")
        self.base = f"{self.root}/v1.0"
        self.tokens = token_provider
        self.session = session or PinnedSession()
        self.user_agent = user_agent
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.stats = ClientStats()
        self.hooks: list[Callable[[RequestEvent], None]] = list(hooks)
        self._sleep = sleep
        self._rand = rand

    # -- plumbing -------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """Absolute URL for a path relative to the version root (or an absolute Graph URL)."""
        if path.startswith(("http://", "https://")):
            if not path.startswith(self.root + "/"):
                msg = f"refusing to send the Graph token to a foreign URL {urlsplit(path).netloc!r}"
                raise BadRequestError(400, "foreignUrl", msg)
            return path
        return f"{self.base}/{path.lstrip('/')}"

    def _emit(self, event: RequestEvent) -> None:
        for hook in self.hooks:
            hook(event)

    def wait(self, seconds: float, *, throttled: bool) -> None:
        """Sleep through the injected ``sleep``, within the run's total-wait cap.

        Raises:
            ThrottledError: if this wait would pass ``max_total_wait`` or ``max_single_wait``.
        """
        if seconds > self.retry.max_single_wait or (self.stats.waited_seconds + seconds > self.retry.max_total_wait):
            msg = (
                f"asked to wait {seconds:g}s more after {self.stats.waited_seconds:g}s; "
                f"the cap is {self.retry.max_total_wait:g}s in total "
                f"({self.retry.max_single_wait:g}s at once). Run again later."
            )
            raise ThrottledError(429, "waitCapExceeded", msg, retry_after=seconds)
        self.stats.waited_seconds += seconds
        if throttled:
            self.stats.throttled_wait_seconds += seconds
        log.info("waiting %gs (%s)", seconds, "throttled" if throttled else "back-off")
        self._sleep(seconds)

    def _backoff(self, attempt: int) -> float:
        base = min(self.retry.backoff_max, self.retry.backoff_base * float(2 ** (attempt - 1)))
        return round(base * (0.5 + float(self._rand()) / 2), 3)

    # -- requests -------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        safe_to_resend: bool | None = None,
        entries: int = 0,
    ) -> GraphResponse:
        """Send one request, retrying what is safe to retry; raise a typed error otherwise.

        Args:
            method: HTTP method.
            path: Path under the version root, or an absolute Graph URL (``@odata.nextLink``).
            params: Query parameters.
            json: JSON body.
            headers: Extra headers (``If-Match``, ``Prefer``).
            safe_to_resend: Whether a lost response may be retried blindly; defaults to true for
                GET and conditional PATCH/PUT/DELETE.
            entries: Number of batch entries carried (accounting only).
        """
        url = self.url(path)
        extra = dict(headers or {})
        if safe_to_resend is None:
            safe_to_resend = method == "GET" or (method in {"PATCH", "PUT", "DELETE"} and "If-Match" in extra)
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            crid = str(uuid.uuid4())
            token = self.tokens.token()
            send_headers = {
                "Accept": "application/json",
                "User-Agent": self.user_agent,
                "client-request-id": crid,
                "return-client-request-id": "true",
                **extra,
                "Authorization": f"Bearer {token.reveal()}",
            }
            self._emit(RequestEvent("before", method, url, crid, entries=entries))
            try:
                resp = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers=send_headers,
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                sent = _was_sent(exc)
                if sent:
                    self.stats.requests += 1
                self._emit(RequestEvent("after", method, url, crid, entries=entries, error=type(exc).__name__))
                if (safe_to_resend or not sent) and attempt < self.retry.max_attempts:
                    self.stats.retries += 1
                    self.wait(self._backoff(attempt), throttled=False)
                    continue
                raise TransportError(method, urlsplit(url).path, type(exc).__name__, sent=sent) from None
            self.stats.requests += 1
            resp_headers = {k.lower(): v for k, v in resp.headers.items()}
            self._emit(
                RequestEvent(
                    "after",
                    method,
                    url,
                    crid,
                    status=resp.status_code,
                    request_id=resp_headers.get("request-id"),
                    entries=entries,
                )
            )
            body = _json_or_none(resp)
            status = resp.status_code
            if status == 401 and not refreshed:
                refreshed = True
                self.stats.auth_refreshes += 1
                self.tokens.token(force_refresh=True)
                continue
            if status in RETRYABLE_STATUSES and (status != 504 or safe_to_resend):
                retry_after = parse_retry_after(resp_headers.get("retry-after"))
                throttled = status in {429, 503}
                if throttled:
                    self.stats.throttled += 1
                if attempt < self.retry.max_attempts:
                    self.stats.retries += 1
                    self.wait(retry_after or self._backoff(attempt), throttled=throttled)
                    continue
            if status >= 400:
                raise error_from_response(
                    status,
                    body,
                    method=method,
                    path=urlsplit(url).path,
                    headers=resp_headers,
                    retry_after=parse_retry_after(resp_headers.get("retry-after")),
                )
            return GraphResponse(status, resp_headers, body)

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """GET and return the JSON body."""
        return self.request("GET", path, params=params).body

    def get_paged(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield every element of a collection, following ``@odata.nextLink`` verbatim.

        Completeness is never inferred from page size: only the absence of a next link ends the
        read. The next link must point at the same Graph host (the token is not sent elsewhere).
        """
        body = self.request("GET", path, params=params, headers=headers).body
        while True:
            yield from body.get("value", [])
            nxt = body.get("@odata.nextLink")
            if not nxt:
                return
            body = self.request("GET", nxt, headers=headers).body

    def pages_read(self) -> int:
        """Graph requests sent so far (handy for per-phase accounting)."""
        return self.stats.requests

    # -- $batch ---------------------------------------------------------------------------

    def batch(self, requests_: Sequence[BatchRequest]) -> dict[str, BatchResponse]:
        """Send sub-requests in ``$batch`` envelopes of at most 20; return the final answers by id.

        Entries answered 429/503 (or 504 when safe to resend) are re-queued at the front after
        waiting the largest ``Retry-After`` of that envelope, together with entries that failed
        only because their dependency was throttled (424). Dependency chains (``depends_on``)
        are kept in one envelope. A lost envelope is resent when every entry in it is safe to
        resend; otherwise its entries come back with ``transport_failed`` set, so the caller
        re-reads before retrying creates.
        """
        ids = [r.id.lower() for r in requests_]
        if len(set(ids)) != len(ids):
            msg = "batch request ids must be unique (case-insensitive)"
            raise ValueError(msg)
        groups = _dependency_groups(requests_)
        queue: deque[list[BatchRequest]] = deque(groups)
        attempts: dict[str, int] = {}
        results: dict[str, BatchResponse] = {}
        try:
            while queue:
                envelope: list[BatchRequest] = []
                while queue and len(envelope) + len(queue[0]) <= MAX_BATCH:
                    envelope.extend(queue.popleft())
                if not envelope:  # a single chain longer than 20 cannot be batched
                    msg = "a dependency chain in a batch has more than 20 requests"
                    raise ValueError(msg)
                for r in envelope:
                    attempts[r.id] = attempts.get(r.id, 0) + 1
                    if attempts[r.id] > 1:
                        self.stats.retries += 1
                self.stats.batch_entries += len(envelope)
                try:
                    resp = self.request(
                        "POST",
                        "/$batch",
                        json={"requests": [r.to_json() for r in envelope]},
                        safe_to_resend=all(r.safe_to_resend for r in envelope),
                        entries=len(envelope),
                    )
                except (TransportError, ServiceError):
                    # The envelope's fate is unknown: nothing in it is assumed done or not done.
                    for r in envelope:
                        results[r.id] = BatchResponse(r.id, 0, {}, None, r, transport_failed=True)
                    continue
                answers = _parse_batch(resp.body, envelope)
                retry_ids: set[str] = set()
                wait = 0.0
                any_throttled = False
                for r in envelope:
                    a = answers[r.id]
                    if a.status in RETRYABLE_STATUSES and (a.status != 504 or r.safe_to_resend):
                        if a.status in {429, 503}:
                            self.stats.throttled += 1
                            any_throttled = True
                        if attempts[r.id] < self.retry.max_attempts:
                            retry_ids.add(r.id)
                            ra = parse_retry_after(a.headers.get("retry-after"))
                            wait = max(wait, ra or self._backoff(attempts[r.id]))
                # A dependent that failed only because its dependency is being retried goes too.
                changed = True
                while changed:
                    changed = False
                    for r in envelope:
                        if (
                            r.id not in retry_ids
                            and answers[r.id].status == 424
                            and any(d in retry_ids for d in r.depends_on)
                        ):
                            retry_ids.add(r.id)
                            changed = True
                for r in envelope:
                    if r.id not in retry_ids:
                        results[r.id] = answers[r.id]
                if retry_ids:
                    retry_groups = [
                        [r for r in g if r.id in retry_ids]
                        for g in _dependency_groups([r for r in envelope if r.id in retry_ids])
                    ]
                    try:
                        self.wait(wait, throttled=any_throttled)
                    except ThrottledError:
                        for r in envelope:
                            if r.id in retry_ids:
                                results[r.id] = answers[r.id]
                        raise
                    queue.extendleft(reversed(retry_groups))
        except ThrottledError as exc:
            exc.partial = dict(results)  # what did finish, so the caller can still report it
            raise
        return {r.id: results[r.id] for r in requests_}


def _json_or_none(resp: requests.Response) -> Any:
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return None


def _dependency_groups(requests_: Sequence[BatchRequest]) -> list[list[BatchRequest]]:
    """Split requests into chains connected by ``depends_on`` (order kept within and across)."""
    parent: dict[str, str] = {r.id: r.id for r in requests_}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in requests_:
        for d in r.depends_on:
            if d in parent:
                parent[find(r.id)] = find(d)
    groups: dict[str, list[BatchRequest]] = {}
    for r in requests_:
        groups.setdefault(find(r.id), []).append(r)
    return list(groups.values())


def _parse_batch(body: Any, envelope: Sequence[BatchRequest]) -> dict[str, BatchResponse]:
    by_id = {r.id: r for r in envelope}
    out: dict[str, BatchResponse] = {}
    for item in (body or {}).get("responses", []):
        rid = str(item.get("id"))
        if rid not in by_id:
            continue
        headers = {str(k).lower(): str(v) for k, v in (item.get("headers") or {}).items()}
        out[rid] = BatchResponse(rid, int(item.get("status", 0)), headers, item.get("body"), by_id[rid])
    for r in envelope:
        if r.id not in out:  # a missing answer is an unknown outcome
            out[r.id] = BatchResponse(r.id, 0, {}, None, r, transport_failed=True)
    return out


__all__ = [
    "MAX_BATCH",
    "AuthenticationError",
    "BatchRequest",
    "BatchResponse",
    "ClientStats",
    "GraphClient",
    "GraphResponse",
    "RequestEvent",
    "RetryPolicy",
    "parse_retry_after",
]
