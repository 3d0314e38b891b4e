"""Credentials, national clouds and the two token providers.

Why two providers: MSAL (:class:`MsalTokenProvider`) is what Microsoft supports for daemons and
caches app tokens in memory, but it insists on an ``https`` authority and does OIDC discovery.
:class:`ClientCredentialsTokenProvider` is a plain OAuth 2.0 client-credentials POST with
``requests`` — the same wire protocol, no discovery — which serves plain-HTTP test endpoints
such as the bundled Graph emulator. Both accept a client secret or a certificate; the
certificate is the recommended default because the private key never leaves the machine.

Secrets are held in :class:`Secret`, whose ``repr`` and ``str`` are masked, so a stray log line,
a dataclass repr or an exception message cannot print one.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ._errors import ConfigError, TokenError


class Secret:
    """A string that never shows itself in ``repr``, ``str`` or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the secret value; call only at the point of use."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class Cloud:
    """One Microsoft cloud: where tokens come from and where Graph lives."""

    name: str
    authority_url: str
    graph_url: str

    @property
    def scope(self) -> str:
        """The single ``.default`` scope for app-only Graph access in this cloud."""
        return f"{self.graph_url.rstrip('/')}/.default"


CLOUDS: dict[str, Cloud] = {
    "global": Cloud("global", "https://login.microsoftonline.com", "https://graph.microsoft.com"),
    "usgov": Cloud("usgov", "https://login.microsoftonline.us", "https://graph.microsoft.us"),
    "usgov-dod": Cloud("usgov-dod", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us"),
    "china": Cloud("china", "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
}
"""National clouds by config name. ``global`` is the one NHS tenants use."""


def cloud_for(name: str, *, graph_url: str | None = None, authority_url: str | None = None) -> Cloud:
    """Return the cloud for a config name, with optional endpoint overrides (emulator, proxies)."""
    try:
        base = CLOUDS[name]
    except KeyError:
        msg = f"unknown cloud {name!r}; expected one of {', '.join(sorted(CLOUDS))}"
        raise ConfigError(msg) from None
    return Cloud(
        base.name if not (graph_url or authority_url) else f"{base.name}+override",
        (authority_url or base.authority_url).rstrip("/"),
        (graph_url or base.graph_url).rstrip("/"),
    )


@dataclass(frozen=True)
class ClientSecretCredential:
    """A client secret (a shared bearer string; prefer a certificate)."""

    secret: Secret


@dataclass(frozen=True)
class CertificateCredential:
    """A certificate credential: the PEM private key plus the certificate's thumbprints."""

    private_key_pem: Secret
    thumbprint_sha1: str
    thumbprint_sha256: str | None = None
    passphrase: Secret | None = field(default=None)

    @classmethod
    def from_pem_file(
        cls, path: str | Path, *, thumbprint: str | None = None, passphrase: Secret | None = None
    ) -> CertificateCredential:
        """Read a PEM file holding the private key and (ideally) the certificate.

        The thumbprints are computed from the certificate when it is in the file; otherwise the
        SHA-1 ``thumbprint`` shown in the Entra portal must be given.
        """
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            msg = f"cannot read certificate file {str(path)!r}: {exc.strerror}"
            raise ConfigError(msg) from None
        if b"PRIVATE KEY" not in data:
            msg = f"certificate file {str(path)!r} holds no PEM private key"
            raise ConfigError(msg)
        sha1 = thumbprint.replace(":", "").strip().upper() if thumbprint else None
        sha256: str | None = None
        if b"BEGIN CERTIFICATE" in data:
            cert = x509.load_pem_x509_certificate(data)
            der = cert.public_bytes(serialization.Encoding.DER)
            sha1 = sha1 or hashlib.sha1(der).hexdigest().upper()
            sha256 = hashlib.sha256(der).hexdigest().upper()
        if not sha1:
            msg = (
                f"certificate file {str(path)!r} has no certificate; "
                "give certificate_thumbprint (SHA-1 hex from the app registration)"
            )
            raise ConfigError(msg)
        return cls(Secret(data.decode("ascii")), sha1, sha256, passphrase)


Credential = ClientSecretCredential | CertificateCredential


class TokenProvider(Protocol):
    """**Protocol**: hands out app-only bearer tokens for Graph."""

    requests: int
    """HTTP requests made to the identity platform so far (reported apart from Graph's)."""

    def token(self, *, force_refresh: bool = False) -> Secret:
        """Return a valid access token, fetching a new one when needed or forced."""
        ...


def _pinned() -> requests.Session:
    from ._client import PinnedSession

    return PinnedSession()


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def client_assertion(credential: CertificateCredential, *, client_id: str, token_url: str, now: float) -> str:
    """Build the signed JWT that proves possession of the certificate's private key.

    Claims as the identity platform documents: ``aud`` is the token URL, ``iss`` = ``sub`` =
    client id, a unique ``jti``, and a ten-minute validity window.
    """
    import jwt  # PyJWT; imported here so importing the plugin stays cheap

    password = credential.passphrase.reveal().encode() if credential.passphrase else None
    key = serialization.load_pem_private_key(credential.private_key_pem.reveal().encode("ascii"), password=password)
    headers: dict[str, Any] = {"x5t": _b64url(bytes.fromhex(credential.thumbprint_sha1))}
    if credential.thumbprint_sha256:
        headers["x5t#S256"] = _b64url(bytes.fromhex(credential.thumbprint_sha256))
    claims = {
        "aud": token_url,
        "iss": client_id,
        "sub": client_id,
        "jti": str(uuid.uuid4()),
        "nbf": int(now),
        "iat": int(now),
        "exp": int(now) + 600,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers=headers)  # type: ignore[arg-type]


class ClientCredentialsTokenProvider:
    """OAuth 2.0 client-credentials grant with ``requests``; caches the token until near expiry."""

    def __init__(
        self,
        *,
        authority_url: str,
        tenant: str,
        client_id: str,
        credential: Credential,
        scope: str,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        timeout: float = 30.0,
    ) -> None:
        self.token_url = f"{authority_url.rstrip('/')}/{tenant}/oauth2/v2.0/token"
        self.client_id = client_id
        self.scope = scope
        self.requests = 0
        self._credential = credential
        self._session = session or _pinned()
        self._clock = clock
        self._timeout = timeout
        self._token: Secret | None = None
        self._refresh_at = 0.0
        self._lock = threading.Lock()

    def token(self, *, force_refresh: bool = False) -> Secret:
        """Return the cached token, or fetch one (refreshing a little before it expires)."""
        with self._lock:
            if not force_refresh and self._token is not None and self._clock() < self._refresh_at:
                return self._token
            return self._fetch()

    def _fetch(self) -> Secret:
        now = self._clock()
        form = {"grant_type": "client_credentials", "client_id": self.client_id, "scope": self.scope}
        if isinstance(self._credential, ClientSecretCredential):
            form["client_secret"] = self._credential.secret.reveal()
        else:
            form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            # The assertion's validity window is wall-clock time, whatever clock caches tokens.
            form["client_assertion"] = client_assertion(
                self._credential,
                client_id=self.client_id,
                token_url=self.token_url,
                now=time.time(),
            )
        self.requests += 1
        try:
            resp = self._session.post(
                self.token_url,
                data=form,
                headers={"client-request-id": str(uuid.uuid4())},
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            raise TokenError("connection_failed", type(exc).__name__) from None
        try:
            body = resp.json()
        except ValueError:
            body = {}
        if resp.status_code != 200 or "access_token" not in body:
            raise TokenError(
                str(body.get("error") or f"http{resp.status_code}"),
                str(body.get("error_description") or "").splitlines()[0] if body else "",
                status=resp.status_code,
            )
        lifetime = float(body.get("expires_in", 3599))
        self._token = Secret(str(body["access_token"]))
        # Refresh five minutes early, as MSAL does; short test lifetimes refresh at 90 %.
        self._refresh_at = now + lifetime - min(300.0, lifetime * 0.1)
        return self._token


class MsalTokenProvider:
    """Tokens through MSAL's ``ConfidentialClientApplication`` (the production default).

    The MSAL application is built on first use (its constructor does network discovery) and
    kept for the life of the process, so its in-memory cache serves every Graph request.
    """

    def __init__(
        self,
        *,
        authority_url: str,
        tenant: str,
        client_id: str,
        credential: Credential,
        scope: str,
        session: requests.Session | None = None,
        timeout: float = 30.0,
        instance_discovery: bool | None = None,
    ) -> None:
        self.authority = f"{authority_url.rstrip('/')}/{tenant}"
        self.client_id = client_id
        self.scope = scope
        self.requests = 0
        self._credential = credential
        self._session = session or _pinned()
        self._session.hooks["response"].append(self._count)
        self._timeout = timeout
        self._instance_discovery = instance_discovery
        self._app: Any = None
        self._lock = threading.Lock()

    def _count(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.requests += 1

    def _build(self) -> Any:
        import msal  # type: ignore[import-untyped]

        cred: Any
        if isinstance(self._credential, ClientSecretCredential):
            cred = self._credential.secret.reveal()
        else:
            cred = {
                "private_key": self._credential.private_key_pem.reveal(),
                "thumbprint": self._credential.thumbprint_sha1,
            }
            if self._credential.passphrase:
                cred["passphrase"] = self._credential.passphrase.reveal()
        try:
            return msal.ConfidentialClientApplication(
                self.client_id,
                client_credential=cred,
                authority=self.authority,
                http_client=self._session,
                timeout=self._timeout,
                instance_discovery=self._instance_discovery,
            )
        except ValueError as exc:
            raise TokenError("invalid_authority", str(exc).splitlines()[0]) from None
        except requests.RequestException as exc:
            raise TokenError("connection_failed", type(exc).__name__) from None

    def token(self, *, force_refresh: bool = False) -> Secret:
        """Return a token from MSAL's cache, or from the token endpoint on a miss or when forced."""
        with self._lock:
            if self._app is None:
                self._app = self._build()
            if force_refresh:
                self._app.remove_tokens_for_client()
            try:
                result = self._app.acquire_token_for_client(scopes=[self.scope])
            except requests.RequestException as exc:
                raise TokenError("connection_failed", type(exc).__name__) from None
            if "access_token" not in result:
                desc = str(result.get("error_description") or "").splitlines()
                raise TokenError(str(result.get("error") or "unknown_error"), desc[0] if desc else "")
            return Secret(str(result["access_token"]))
