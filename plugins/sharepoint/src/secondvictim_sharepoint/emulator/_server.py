"""The HTTP side of the emulator: a ThreadingHTTPServer on loopback, token endpoint, discovery,
Graph ``/v1.0``, and the ``/_emu`` control plane; plus :class:`Emulator`, the handle tests use.

Why a real server rather than a mock: the sync's correctness depends on wire behaviour
(connection drops after the request was applied, keep-alive, headers, paging links, batch
envelopes), which in-process stubs of ``requests`` cannot reproduce.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import ipaddress
import json
import re
import secrets
import socket
import ssl
import tempfile
import threading
import uuid
from dataclasses import asdict, dataclass, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ._graph import Config, ODataError, Req, World, dumps, error_body
from ._state import ADMIN_CLIENT_ID, SYNC_CLIENT_ID, App, Clock, Fault
from ._tls import make_server_tls

JSON_TYPE = "application/json;odata.metadata=minimal;odata.streaming=true;charset=utf-8"


@dataclass
class Answer:
    """What the HTTP layer writes back (or ``drop``: close without answering)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] | None = None
    drop: bool = False


def _json_answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
    h = {"Content-Type": JSON_TYPE}
    h.update(headers or {})
    return Answer(status, dumps(body) if body is not None else b"", h)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    emulator: Emulator


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms delayed-ACK stalls
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet; the journal is the log."""

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        answer = self.server.emulator.handle(self.command, self.path, headers, raw)
        if answer.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(answer.status)
        for k, v in (answer.headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if answer.body and self.command != "HEAD":
            self.wfile.write(answer.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle


class Emulator:
    """A Microsoft Graph + identity-platform emulator for SharePoint lists and pages.

    Use as a context manager; ``url`` is both the Graph root (``{url}/v1.0``) and the
    authority (``{url}/{tenant}/oauth2/v2.0/token``). Clients that take an injectable sleep
    should pass :meth:`sleep`, which advances the virtual clock instead of waiting.
    """

    SITE_URL = "https://svtest.sharepoint.com/sites/StaffWellbeing"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        config: Config | None = None,
        real_time: bool = False,
        tls: bool = False,
        secret_seed: str | None = None,
    ) -> None:
        if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
            msg = f"the emulator only listens on loopback addresses, not {host!r}"
            raise ValueError(msg)
        self.world = World(config=config, clock=Clock(real=real_time), secret_seed=secret_seed)
        self.lock = threading.RLock()
        self._host = host
        self._port = port
        self._tls = tls
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.ca_path: Path | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind and serve in a background thread."""
        self._tmp = tempfile.TemporaryDirectory(prefix="sv-emulator-")
        server = _Server((self._host, self._port), _Handler)
        server.emulator = self
        if self._tls:
            ca, cert, key = make_server_tls(Path(self._tmp.name) / "tls")
            self.ca_path = ca
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(cert, key)
            server.socket = ctx.wrap_socket(server.socket, server_side=True)
        self._server = server
        self.world.base_url = self.url
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="sv-graph-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and remove temporary files."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port."""
        assert self._server is not None, "emulator not started"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL (Graph root and authority host)."""
        scheme = "https" if self._tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    # -- conveniences for tests and the demo -----------------------------------------------

    @property
    def tenant_id(self) -> str:
        """The tenant GUID."""
        return self.world.tenant.id

    def app(self, client_id: str = SYNC_CLIENT_ID) -> App:
        """An app registration (the sync app by default)."""
        return self.world.tenant.apps[client_id]

    @property
    def sync_client_id(self) -> str:
        """Client id of the ``write`` app."""
        return SYNC_CLIENT_ID

    @property
    def admin_client_id(self) -> str:
        """Client id of the ``manage`` app."""
        return ADMIN_CLIENT_ID

    def certificate_file(self) -> Path:
        """Write the apps' certificate (key + cert PEM, mode 0600) and return its path."""
        assert self._tmp is not None, "emulator not started"
        path = Path(self._tmp.name) / "client-cert.pem"
        if not path.exists():
            cert = self.app().certificate
            assert cert is not None
            path.write_text(cert.key_pem + cert.cert_pem)
            path.chmod(0o600)
        return path

    def sleep(self, seconds: float) -> None:
        """Advance virtual time (pass as a client's ``sleep``)."""
        self.world.clock.advance(seconds)

    def add_fault(self, **kwargs: Any) -> Fault:
        """Script a fault (see :class:`Fault`)."""
        with self.lock:
            fault = Fault(**kwargs)
            self.world.faults.append(fault)
            return fault

    def clear_faults(self) -> None:
        """Remove all scripted faults."""
        with self.lock:
            self.world.faults.clear()

    def journal(self, kind: str | None = "graph") -> list[dict[str, Any]]:
        """Journal entries of one kind (``graph``, ``batch-entry``, ``token``, ...), or all."""
        with self.lock:
            return [dict(e) for e in self.world.journal if kind is None or e["kind"] == kind]

    def clear_journal(self) -> None:
        """Forget the journal (and start RU totals afresh)."""
        with self.lock:
            self.world.journal.clear()
            self.world.meter.total.clear()

    def ru_total(self) -> int:
        """Resource units charged to all apps since the last journal clear."""
        with self.lock:
            return sum(self.world.meter.total.values())

    def snapshot(self) -> dict[str, Any]:
        """A picture of the site (lists, items, pages)."""
        with self.lock:
            return self.world.snapshot()

    def set_config(self, **kwargs: Any) -> None:
        """Change behaviour switches (page size, token TTL, RU budget, ...)."""
        with self.lock:
            for k, v in kwargs.items():
                if k not in {f.name for f in fields(Config)}:
                    msg = f"unknown emulator setting {k!r}"
                    raise KeyError(msg)
                setattr(self.world.config, k, v)
            self.world.meter.per_minute = self.world.config.ru_per_minute

    def expire_tokens(self) -> None:
        """Invalidate every issued token (a token expiring mid-run)."""
        with self.lock:
            self.world.tokens.clear()

    # -- dispatch ----------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Answer:
        """Answer one HTTP request (called on the server's threads)."""
        parts = urlsplit(target)
        path = unquote(parts.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        with self.lock:
            if path.startswith("/_emu/"):
                return self._control(method, path, raw)
            m = re.fullmatch(r"/([^/]+)/oauth2/v2\.0/token", path)
            if m:
                return self._token(m.group(1), headers, raw)
            m = re.fullmatch(r"/([^/]+)(?:/v2\.0)?/\.well-known/openid-configuration", path)
            if m:
                return self._discovery(m.group(1))
            if path == "/v1.0" or path.startswith("/v1.0/"):
                return self._graph(method, path[5:] or "/", parts.query, query, headers, raw)
            return _json_answer(404, error_body("itemNotFound", f"No such endpoint {path!r}."))

    def _graph(
        self, method: str, path: str, raw_query: str, query: dict[str, str], headers: dict[str, str], raw: bytes
    ) -> Answer:
        w = self.world
        crid = headers.get("client-request-id") or str(uuid.uuid4())
        rid = str(uuid.uuid4())
        base_headers = {"request-id": rid, "client-request-id": crid}
        entry = w.log(
            kind="graph",
            method=method,
            path=path,
            query=raw_query,
            client_request_id=crid,
            user_agent=headers.get("user-agent"),
            authorization="authorization" in headers,
            status=None,
            ru=0,
        )
        token = headers.get("authorization", "")
        app: App | None = None
        fault = w.fault_for("http", method, path)
        if fault is not None:
            if fault.action == "drop_before":
                entry["status"] = "dropped-before"
                return Answer(0, drop=True)
            if fault.action == "expire_tokens":
                w.tokens.clear()
            elif fault.action == "status":
                resp = w.fault_response(fault)
                entry["status"] = resp.status
                return self._finish(resp.status, resp.body, resp.headers | base_headers, crid, rid)
        if not token.lower().startswith("bearer ") or not token[7:].strip():
            entry["status"] = 401
            return self._finish(
                401,
                error_body("InvalidAuthenticationToken", "Access token is empty."),
                base_headers | {"WWW-Authenticate": 'Bearer realm=""'},
                crid,
                rid,
            )
        held = w.tokens.get(token[7:].strip())
        if held is None or held[1] <= w.clock.now():
            entry["status"] = 401
            msg = "Lifetime validation failed, the token is expired." if held else "Invalid token."
            return self._finish(
                401,
                error_body("InvalidAuthenticationToken", msg),
                base_headers | {"WWW-Authenticate": 'Bearer realm=""'},
                crid,
                rid,
            )
        app = w.tenant.apps[held[0]]
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                entry["status"] = 400
                return self._finish(400, error_body("invalidRequest", "Malformed JSON body."), base_headers, crid, rid)
        req = Req(method, path, query, headers | {"client-request-id": crid}, body, app, has_body=bool(raw))
        resp = w.operation(req)
        entry["status"] = resp.status
        entry["ru"] = resp.ru
        entry["app"] = app.client_id
        if path == "/$batch" and isinstance(body, dict):
            entry["entries"] = len(body.get("requests") or [])
        if fault is not None and fault.action == "drop_after":
            entry["status"] = f"dropped-after({resp.status})"
            return Answer(0, drop=True)
        return self._finish(resp.status, resp.body, resp.headers | base_headers, crid, rid)

    def _finish(self, status: int, body: Any, headers: dict[str, str], crid: str, rid: str) -> Answer:
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            inner = body["error"].setdefault("innerError", {})
            inner.update({"request-id": rid, "client-request-id": crid})
        return _json_answer(status, body, headers) if body is not None else Answer(status, b"", headers)

    # -- identity platform -------------------------------------------------------------------

    def _discovery(self, tenant: str) -> Answer:
        w = self.world
        w.log(
            kind="discovery",
            method="GET",
            path=f"/{tenant}/v2.0/.well-known/openid-configuration",
            status=200 if w.tenant.matches(tenant) else 400,
            ru=0,
        )
        if not w.tenant.matches(tenant):
            return _json_answer(
                400, {"error": "invalid_tenant", "error_description": f"AADSTS90002: Tenant '{tenant}' not found."}
            )
        base = f"{self.url}/{tenant}"
        return _json_answer(
            200,
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "issuer": f"{self.url}/{w.tenant.id}/v2.0",
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "tenant_region_scope": "EU",
            },
        )

    def _token_error(self, status: int, error: str, desc: str, codes: list[int]) -> Answer:
        return _json_answer(
            status,
            {
                "error": error,
                "error_description": desc,
                "error_codes": codes,
                "timestamp": "2026-01-01 00:00:00Z",
                "trace_id": str(uuid.uuid4()),
                "correlation_id": str(uuid.uuid4()),
            },
        )

    def _token(self, tenant: str, headers: dict[str, str], raw: bytes) -> Answer:
        w = self.world
        entry = w.log(kind="token", method="POST", path=f"/{tenant}/oauth2/v2.0/token", status=None, ru=0)
        answer = self._token_inner(tenant, headers, raw)
        entry["status"] = answer.status
        if answer.status == 0:
            entry["status"] = "dropped"
        return answer

    def _token_inner(self, tenant: str, headers: dict[str, str], raw: bytes) -> Answer:
        w = self.world
        fault = w.fault_for("token", "POST", "/token")
        if fault is not None:
            if fault.action in {"drop_before", "drop_after"}:
                return Answer(0, drop=True)
            return self._token_error(fault.status, fault.code, fault.message, [])
        if not w.tenant.matches(tenant):
            return self._token_error(400, "invalid_request", f"AADSTS90002: Tenant '{tenant}' not found.", [90002])
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        auth = headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                cid, _, sec = base64.b64decode(auth[6:]).decode().partition(":")
                form.setdefault("client_id", unquote(cid))
                form.setdefault("client_secret", unquote(sec))
            except ValueError:
                return self._token_error(400, "invalid_request", "AADSTS900144: bad Basic header.", [900144])
        if form.get("grant_type") != "client_credentials":
            return self._token_error(
                400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.", [70003]
            )
        app = w.tenant.apps.get(form.get("client_id", "").lower())
        if app is None:
            return self._token_error(
                400,
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{form.get('client_id', '')}' was not "
                "found in the directory.",
                [700016],
            )
        scopes = form.get("scope", "").split()
        allowed = {f"{self.url}/.default", "https://graph.microsoft.com/.default"}
        if len(scopes) != 1 or scopes[0] not in allowed:
            return self._token_error(
                400,
                "invalid_scope",
                "AADSTS70011: The provided request must include a 'scope' input parameter with a "
                "single resource and the .default suffix.",
                [70011],
            )
        if "client_assertion" in form:
            problem = self._check_assertion(app, tenant, form)
            if problem:
                return self._token_error(401, "invalid_client", problem, [700027])
        elif "client_secret" in form:
            if not app.secret or not hmac.compare_digest(app.secret, form["client_secret"]):
                return self._token_error(
                    401,
                    "invalid_client",
                    "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent "
                    "in the request is the client secret value, not the client secret ID.",
                    [7000215],
                )
        else:
            return self._token_error(
                400,
                "invalid_client",
                "AADSTS7000218: The request body must contain client_assertion or client_secret.",
                [7000218],
            )
        token = "emu." + secrets.token_urlsafe(32)
        ttl = int(w.config.token_ttl)
        w.tokens[token] = (app.client_id, w.clock.now() + ttl)
        return _json_answer(
            200, {"token_type": "Bearer", "expires_in": ttl, "ext_expires_in": ttl, "access_token": token}
        )

    def _check_assertion(self, app: App, tenant: str, form: dict[str, str]) -> str | None:
        import jwt

        if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return "AADSTS700027: client_assertion_type must be jwt-bearer."
        cert = app.certificate
        if cert is None:
            return "AADSTS700027: no certificate is registered for the app."
        assertion = form["client_assertion"]
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            return "AADSTS700027: the client assertion is not a JWT."
        alg = header.get("alg")
        if alg not in {"RS256", "PS256"}:
            return f"AADSTS700027: unsupported signing algorithm {alg!r}."

        def b64(hexdigest: str) -> str:
            return base64.urlsafe_b64encode(bytes.fromhex(hexdigest)).rstrip(b"=").decode()

        x5t = str(header.get("x5t") or "").rstrip("=")  # MSAL keeps base64 padding; Entra accepts both
        x5t256 = str(header.get("x5t#S256") or "").rstrip("=")
        if x5t != b64(cert.sha1) and x5t256 != b64(cert.sha256):
            return "AADSTS700027: the certificate thumbprint is not registered for the app."
        audiences = [
            f"{self.url}/{t}/oauth2/v2.0/token" for t in {tenant, self.world.tenant.id, self.world.tenant.domain}
        ]
        try:
            claims = jwt.decode(
                assertion,
                cert.public_key,
                algorithms=[alg],
                audience=audiences,
                options={"require": ["exp", "iss", "sub", "aud", "jti"]},
                leeway=60,
            )
        except jwt.PyJWTError as exc:
            return f"AADSTS700027: client assertion failed validation: {type(exc).__name__}."
        if claims["iss"] != app.client_id or claims["sub"] != app.client_id:
            return "AADSTS700027: iss and sub must be the client id."
        # Entra accepts an assertion again within its lifetime (MSAL reuses one for ten minutes),
        # so a repeated jti is recorded, not refused.
        self.world.used_jtis.add(claims["jti"])
        return None

    # -- control plane -----------------------------------------------------------------------

    def _control(self, method: str, path: str, raw: bytes) -> Answer:
        w = self.world
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return _json_answer(400, {"error": "malformed JSON"})
        try:
            if path == "/_emu/state" and method == "GET":
                return _json_answer(200, w.snapshot())
            if path == "/_emu/reset" and method == "POST":
                w.reset()
                return _json_answer(200, {"ok": True})
            if path == "/_emu/tenant" and method == "GET":
                return _json_answer(200, self.describe())
            if path == "/_emu/journal":
                if method == "DELETE":
                    self.clear_journal()
                    return _json_answer(200, {"ok": True})
                return _json_answer(200, {"journal": w.journal})
            if path == "/_emu/faults":
                if method == "DELETE":
                    w.faults.clear()
                    return _json_answer(200, {"ok": True})
                specs = body if isinstance(body, list) else [body]
                for spec in specs:
                    w.faults.append(Fault(**spec))
                return _json_answer(200, {"faults": [asdict(f) for f in w.faults]})
            if path == "/_emu/clock" and method == "POST":
                w.clock.advance(float(body.get("advance", 0)))
                return _json_answer(200, {"now": w.clock.now()})
            if path == "/_emu/config" and method == "POST":
                self.set_config(**body)
                return _json_answer(200, asdict(w.config))
            if path == "/_emu/tokens" and method == "DELETE":
                w.tokens.clear()
                return _json_answer(200, {"ok": True})
            if path == "/_emu/items":
                title = str(body["list"])
                if method == "POST":
                    item = w.human_add(title, dict(body["fields"]))
                    return _json_answer(201, {"id": str(item.id), "eTag": item.etag})
                if method == "PATCH":
                    item = w.human_edit(title, int(body["id"]), dict(body["fields"]))
                    return _json_answer(200, {"id": str(item.id), "eTag": item.etag})
                if method == "DELETE":
                    w.human_delete(title, int(body["id"]))
                    return _json_answer(200, {"ok": True})
        except (KeyError, TypeError, ValueError, ODataError) as exc:
            return _json_answer(400, {"error": f"{type(exc).__name__}: {exc}"})
        return _json_answer(404, {"error": f"no control endpoint {method} {path}"})

    def describe(self) -> dict[str, Any]:
        """The test tenant and the credentials this emulator accepts (test values only)."""
        apps = {}
        for app in self.world.tenant.apps.values():
            apps[app.client_id] = {
                "display_name": app.display_name,
                "role": app.role,
                "client_secret": app.secret,
                "certificate_thumbprint": app.certificate.sha1 if app.certificate else None,
            }
        return {
            "url": self.url,
            "tenant_id": self.world.tenant.id,
            "tenant_domain": self.world.tenant.domain,
            "site_url": self.SITE_URL,
            "apps": apps,
            "certificate_file": str(self.certificate_file()) if self._tmp else None,
            "ca_bundle": str(self.ca_path) if self.ca_path else None,
        }
