"""The emulator's world: tenant, apps, sites, lists, items, pages, clock, meter, faults, journal.

Everything here is plain data guarded by one lock held by the HTTP layer, so the router can be
written as straightforward sequential code. Time is virtual by default: tests advance it (the
sync client's injected ``sleep`` does), so throttling storms and token expiry run instantly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ROLES = ("read", "write", "manage", "fullcontrol")
"""Sites.Selected roles, weakest first."""


class Clock:
    """Virtual time in seconds. In ``real`` mode it also moves with the wall clock."""

    def __init__(self, start: float = 1_767_225_600.0, *, real: bool = False) -> None:
        self._offset = start
        self._real = real
        self._t0 = time.monotonic()
        self._lock = threading.Lock()

    def now(self) -> float:
        """Current virtual time."""
        with self._lock:
            extra = time.monotonic() - self._t0 if self._real else 0.0
            return self._offset + extra

    def advance(self, seconds: float) -> None:
        """Move time forward (what a client's injected ``sleep`` calls)."""
        with self._lock:
            self._offset += max(0.0, seconds)


@dataclass
class Certificate:
    """A test certificate registered for an app: PEM texts and thumbprints."""

    key_pem: str
    cert_pem: str
    sha1: str
    sha256: str

    @property
    def public_key(self) -> Any:
        """The certificate's public key (for JWT verification)."""
        return x509.load_pem_x509_certificate(self.cert_pem.encode()).public_key()


@lru_cache(maxsize=4)
def make_certificate(common_name: str = "secondvictim-emulator-client") -> Certificate:
    """Generate (once per process and name) a self-signed RSA certificate for client auth."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    return Certificate(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        cert.public_bytes(serialization.Encoding.PEM).decode(),
        hashlib.sha1(der).hexdigest().upper(),
        hashlib.sha256(der).hexdigest().upper(),
    )


@dataclass
class App:
    """An app registration with a Sites.Selected grant on the emulated site."""

    client_id: str
    display_name: str
    role: str
    secret: str | None = None
    certificate: Certificate | None = None


@dataclass
class Column:
    """A list column (columnDefinition)."""

    name: str
    display_name: str
    facet: str
    spec: dict[str, Any]
    indexed: bool = False
    unique: bool = False
    required: bool = False
    hidden: bool = False
    read_only: bool = False
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def to_json(self) -> dict[str, Any]:
        """The columnDefinition resource."""
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "displayName": self.display_name,
            "indexed": self.indexed,
            "enforceUniqueValues": self.unique,
            "required": self.required,
            "hidden": self.hidden,
            "readOnly": self.read_only,
        }
        if self.facet != "hyperlinkOrPicture":  # Graph omits this facet on GET (a known quirk)
            out[self.facet] = self.spec
        return out


@dataclass
class Item:
    """A list item with its version (the eTag's second half)."""

    id: int
    fields: dict[str, Any]
    guid: str
    version: int
    created: float
    modified: float

    @property
    def etag(self) -> str:
        """The eTag as Graph sends it, quotes included."""
        return f'"{{{self.guid}}},{self.version}"'


@dataclass
class SpList:
    """A SharePoint list."""

    id: str
    display_name: str
    description: str
    template: str
    columns: dict[str, Column]
    created: float
    items: dict[int, Item] = field(default_factory=dict)
    next_id: int = 1

    index: dict[str, dict[Any, int]] = field(default_factory=dict)
    """Unique column -> value -> item id (what SharePoint's unique index enforces)."""

    def reindex(self) -> None:
        """Rebuild the unique indexes (after a unique column is added)."""
        self.index = {c.name: {} for c in self.columns.values() if c.unique}
        for item in self.items.values():
            self._index(item)

    def _index(self, item: Item) -> None:
        for name, idx in self.index.items():
            value = item.fields.get(name)
            if value not in (None, ""):
                idx.setdefault(value, item.id)

    def _unindex(self, item: Item) -> None:
        for name, idx in self.index.items():
            value = item.fields.get(name)
            if idx.get(value) == item.id:
                del idx[value]

    def add(self, item: Item) -> None:
        """Store a new item."""
        self.items[item.id] = item
        self._index(item)

    def set_fields(self, item: Item, values: dict[str, Any]) -> None:
        """Change an item's values, keeping the indexes right."""
        self._unindex(item)
        item.fields.update(values)
        self._index(item)

    def remove(self, item: Item) -> None:
        """Delete an item."""
        self._unindex(item)
        del self.items[item.id]

    def unique_holder(self, column: str, value: Any) -> int | None:
        """The id of the item holding ``value`` in a unique column, if any."""
        return self.index.get(column, {}).get(value)


@dataclass
class SitePage:
    """A modern site page."""

    id: str
    name: str
    title: str
    description: str
    page_layout: str
    canvas: dict[str, Any] | None
    title_area: dict[str, Any] | None
    show_comments: bool
    created: float
    modified: float
    level: str = "checkout"
    major: int = 0
    minor: int = 1
    version: int = 1
    n: int = 0
    """Creation sequence number (the paging key)."""

    @property
    def etag(self) -> str:
        """The page's eTag."""
        return f'"{{{self.id.upper()}}},{self.version}"'


@dataclass
class Site:
    """A site collection's root web."""

    id: str
    hostname: str
    path: str
    display_name: str
    lists: dict[str, SpList] = field(default_factory=dict)
    pages: dict[str, SitePage] = field(default_factory=dict)

    @property
    def web_url(self) -> str:
        """The site's address."""
        return f"https://{self.hostname}{self.path}"

    def list_by(self, key: str) -> SpList | None:
        """Find a list by id or by display name (case-insensitive), as Graph allows."""
        if key in self.lists:
            return self.lists[key]
        low = key.lower()
        for lst in self.lists.values():
            if lst.display_name.lower() == low or lst.id.lower() == low.strip("{}"):
                return lst
        return None


@dataclass
class Fault:
    """A scripted failure.

    Attributes:
        action: ``status`` (answer ``status``/``code`` without doing anything), ``drop_before``
            (close the connection without processing), ``drop_after`` (process, then close the
            connection without answering) or ``expire_tokens`` (invalidate every token and
            answer 401).
        where: ``request`` (a Graph operation, alone or inside ``$batch``), ``http`` (an HTTP
            request to the Graph endpoint, the ``$batch`` envelope included) or ``token``.
        method: Match this method only.
        path: Regular expression searched in the path (after ``/v1.0``).
        skip: Let this many matching requests through first.
        times: Fire this many times (``0`` = forever).
    """

    action: str = "status"
    where: str = "request"
    method: str | None = None
    path: str | None = None
    skip: int = 0
    times: int = 1
    status: int = 429
    code: str = "activityLimitReached"
    message: str = "The request has been throttled"
    retry_after: str | None = None
    fired: int = 0

    def matches(self, where: str, method: str, path: str) -> bool:
        """Whether this fault applies to a request (ignoring skip/times)."""
        if self.where != where:
            return False
        if self.method and self.method.upper() != method.upper():
            return False
        return not (self.path and not re.search(self.path, path))

    def take(self) -> bool:
        """Count a match; return True when the fault fires for it."""
        if self.skip > 0:
            self.skip -= 1
            return False
        if self.times and self.fired >= self.times:
            return False
        self.fired += 1
        return True

    @property
    def spent(self) -> bool:
        """True once it has fired ``times`` times."""
        return bool(self.times) and self.fired >= self.times


class Meter:
    """Resource units per app in a sliding one-minute window (SharePoint's throttling model).

    Throttled requests are charged too, and a request arriving before the advertised
    ``Retry-After`` is throttled again, as SharePoint (and Dev Proxy's ``RetryAfterPlugin``) do.
    """

    WINDOW = 60.0

    def __init__(self, per_minute: int | None) -> None:
        self.per_minute = per_minute
        self.charges: dict[str, deque[tuple[float, int]]] = {}
        self.in_window: dict[str, int] = {}
        self.not_before: dict[str, float] = {}
        self.total: dict[str, int] = {}

    def used(self, app: str, now: float) -> int:
        """RU used by an app in the window ending now."""
        q = self.charges.setdefault(app, deque())
        while q and q[0][0] <= now - self.WINDOW:
            self.in_window[app] -= q.popleft()[1]
        return self.in_window.setdefault(app, 0)

    def charge(self, app: str, ru: int, now: float) -> float | None:
        """Charge a request; return ``None`` if allowed, else the exact seconds to wait."""
        self.total[app] = self.total.get(app, 0) + ru
        used = self.used(app, now)
        q = self.charges[app]
        early = self.not_before.get(app, 0.0) > now
        q.append((now, ru))
        self.in_window[app] = used + ru
        if self.per_minute is None or (not early and used + ru <= self.per_minute):
            return None
        # Find when enough old charges (this throttled one included) expire for a retry to fit.
        total = used + ru
        acc = 0
        wait_until = now + self.WINDOW
        for t, cost in q:
            if total - acc + ru <= self.per_minute:
                break
            acc += cost
            wait_until = t + self.WINDOW
        wait = max(wait_until - now, self.not_before.get(app, 0.0) - now, 0.001)
        self.not_before[app] = now + wait
        return wait


@dataclass
class Tenant:
    """The emulated tenant and its known apps."""

    id: str = "8b1f3f1c-5a4e-4c38-9d0e-2f6a1b7c9e01"
    domain: str = "svtest.onmicrosoft.com"
    apps: dict[str, App] = field(default_factory=dict)

    def matches(self, value: str) -> bool:
        """Whether a path segment names this tenant (id or domain)."""
        return value.lower() in {self.id, self.domain}


SYNC_CLIENT_ID = "5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
"""The emulator's sync app (``write`` role), as a trust's nightly job would have."""
ADMIN_CLIENT_ID = "0a9b8c7d-6e5f-4a3b-9c2d-1e0f2a3b4c5d"
"""The emulator's admin app (``manage`` role), used to provision lists."""


def default_tenant(secret_seed: str | None = None) -> Tenant:
    """A tenant with the sync app (write) and the admin app (manage), both secret and cert."""
    cert = make_certificate()
    tenant = Tenant()
    for client_id, name, role in (
        (SYNC_CLIENT_ID, "secondvictim sync", "write"),
        (ADMIN_CLIENT_ID, "secondvictim provisioning", "manage"),
    ):
        secret = (
            hashlib.sha256(f"{secret_seed}:{client_id}".encode()).hexdigest()[:32]
            if secret_seed is not None
            else secrets.token_urlsafe(24)
        )
        tenant.apps[client_id] = App(client_id, name, role, secret=secret, certificate=cert)
    return tenant


def new_site() -> Site:
    """The emulated ``Staff Wellbeing`` site, empty."""
    return Site(
        id="svtest.sharepoint.com,3f6c1c52-2b7e-4b8e-9a51-7d1c0e2f4a10,9e2d4b61-0c3a-4f7e-8d25-6b1a3c5e7f90",
        hostname="svtest.sharepoint.com",
        path="/sites/StaffWellbeing",
        display_name="Staff Wellbeing",
    )
