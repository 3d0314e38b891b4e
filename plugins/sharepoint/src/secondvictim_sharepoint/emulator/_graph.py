"""The Graph router: sites, lists, columns, items, pages and ``$batch``, with OData semantics.

One :class:`World` holds the emulator's state; :meth:`World.operation` runs one Graph
operation (alone or as a ``$batch`` entry) through the same steps real Graph applies to each:
scripted faults, resource-unit throttling, then the handler. Handlers raise :class:`ODataError`
for failures, which become the OData error envelope.

Paging semantics (documented because the brief asks for them): list items are returned in
ascending id order; ``$skiptoken`` encodes the last id returned (``Paged=TRUE&p_ID=n``, base64),
so a page resumes *after* that id. Items created between pages appear on later pages (their
ids are larger); items deleted between pages are simply not returned; no item is returned twice.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from ._state import (
    ROLES,
    App,
    Clock,
    Column,
    Fault,
    Item,
    Meter,
    Site,
    SitePage,
    SpList,
    Tenant,
    default_tenant,
    new_site,
)

FACETS = (
    "text",
    "number",
    "boolean",
    "choice",
    "dateTime",
    "hyperlinkOrPicture",
    "currency",
    "lookup",
    "personOrGroup",
    "calculated",
)
READ_ONLY_FIELDS = frozenset(
    {
        "id",
        "ID",
        "Created",
        "Modified",
        "Author",
        "Editor",
        "AuthorLookupId",
        "EditorLookupId",
        "ContentType",
        "_UIVersionString",
        "Attachments",
        "Edit",
        "LinkTitle",
        "LinkTitleNoMenu",
        "ItemChildCount",
        "FolderChildCount",
        "_ComplianceFlags",
        "AppAuthorLookupId",
    }
)
ITEM_PROPERTIES = frozenset(
    {
        "id",
        "eTag",
        "createdDateTime",
        "lastModifiedDateTime",
        "webUrl",
        "contentType",
        "createdBy",
        "lastModifiedBy",
        "parentReference",
        "sharepointIds",
        "fields",
    }
)
STANDARD_WEBPARTS = frozenset(
    {
        "bingMap",
        "button",
        "callToAction",
        "divider",
        "documentEmbed",
        "image",
        "imageGallery",
        "linkPreview",
        "orgChart",
        "people",
        "quickLinks",
        "spacer",
        "youTube",
        "title",
    }
)
MULTILINE_MAX = 63_999
MAX_INDEXES = 20


class ODataError(Exception):
    """A failure to be answered as ``{"error": {...}}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        inner: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.inner = inner
        self.headers = headers or {}


@dataclass
class Req:
    """One Graph operation as the router sees it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    app: App
    in_batch: bool = False
    has_body: bool = False


@dataclass
class Resp:
    """The router's answer."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    ru: int = 0
    drop: bool = False


@dataclass
class Config:
    """Behaviour switches; all settable through the control plane."""

    page_size: int = 200
    """Server page cap for collections (tests use 7 so paging is always exercised)."""
    token_ttl: int = 3599
    """Access-token lifetime in (virtual) seconds."""
    ru_per_minute: int | None = None
    """Resource-unit budget per app per minute; ``None`` = unlimited."""
    throttle_status: int = 429
    """429, or 503 to mimic 'server too busy' throttling."""
    fractional_retry_after: bool = False
    """Send Retry-After with decimals (e.g. ``1.249``) inside batch entries."""
    filter_threshold: int = 5000
    """List size above which non-indexed filters fail even with the Prefer header."""
    shuffle_seed: int = 20240229
    """Seed for shuffling ``$batch`` response order."""


def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split at ``sep`` outside parentheses (for ``$expand=fields($select=a,b),columns``)."""
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur))
    return [p.strip() for p in out if p.strip()]


def parse_expand(text: str | None) -> dict[str, dict[str, str]]:
    """``fields($select=A,B)`` -> ``{"fields": {"$select": "A,B"}}``."""
    out: dict[str, dict[str, str]] = {}
    for part in split_top(text or ""):
        m = re.fullmatch(r"([A-Za-z]+)(?:\((.*)\))?", part)
        if not m:
            raise ODataError(400, "invalidRequest", f"Parsing OData expand failed near {part!r}.")
        opts: dict[str, str] = {}
        for o in split_top(m.group(2) or "", ";"):
            k, _, v = o.partition("=")
            opts[k.strip().lstrip("$").lower()] = v.strip()
        out[m.group(1)] = opts
    return out


def q(query: dict[str, str], name: str) -> str | None:
    """A query option with or without the ``$`` prefix."""
    return query.get(f"${name}", query.get(name))


class World:
    """The emulator's whole state and the Graph operations on it."""

    def __init__(
        self, *, config: Config | None = None, clock: Clock | None = None, secret_seed: str | None = None
    ) -> None:
        self.config = config or Config()
        self.clock = clock or Clock()
        self.tenant: Tenant = default_tenant(secret_seed)
        self.base_url = "http://127.0.0.1"
        self.reset()

    def reset(self) -> None:
        """Empty the site, the journal, the faults and the meter (apps and clock stay)."""
        self.site: Site = new_site()
        self.faults: list[Fault] = []
        self.journal: list[dict[str, Any]] = []
        self.tokens: dict[str, tuple[str, float]] = {}
        self.used_jtis: set[str] = set()
        self.meter = Meter(self.config.ru_per_minute)
        self.rng = random.Random(self.config.shuffle_seed)
        self.seq = 0
        self.page_seq = 0

    def _next_page_n(self) -> int:
        self.page_seq += 1
        return self.page_seq

    # -- journal and faults ------------------------------------------------------------------

    def log(self, **entry: Any) -> dict[str, Any]:
        """Append a journal entry and return it."""
        self.seq += 1
        entry.setdefault("t", self.clock.now())
        entry["seq"] = self.seq
        self.journal.append(entry)
        return entry

    def fault_for(self, where: str, method: str, path: str) -> Fault | None:
        """The first scripted fault that fires for this request, if any."""
        for f in self.faults:
            if f.matches(where, method, path) and f.take():
                return f
        return None

    def fault_response(self, f: Fault) -> Resp:
        """The answer for a ``status`` fault."""
        headers = {"Retry-After": f.retry_after} if f.retry_after is not None else {}
        return Resp(f.status, error_body(f.code, f.message), headers)

    # -- one Graph operation -----------------------------------------------------------------

    def operation(self, req: Req) -> Resp:
        """Run one operation: faults, throttling (RU charged), then the handler."""
        handler, params, ru = self.route(req)
        f = self.fault_for("request", req.method, req.path)
        if f is not None and f.action == "status":
            resp = self.fault_response(f)
            resp.ru = ru
            return resp
        wait = self.meter.charge(req.app.client_id, ru, self.clock.now())
        if wait is not None:
            header = (
                f"{wait:.3f}"
                if (self.config.fractional_retry_after and req.in_batch)
                else str(max(1, -(-int(wait * 1000) // 1000)))
            )
            status = self.config.throttle_status
            code = "activityLimitReached" if status == 429 else "serviceNotAvailable"
            body = error_body(code, "The request has been throttled", inner="throttledRequest")
            return Resp(status, body, {"Retry-After": header}, ru=ru)
        try:
            resp = handler(req, **params)
        except ODataError as exc:
            resp = Resp(exc.status, error_body(exc.code, exc.message, inner=exc.inner), exc.headers)
        resp.ru = ru
        self._ratelimit_headers(req.app.client_id, resp)
        return resp

    def _ratelimit_headers(self, app: str, resp: Resp) -> None:
        limit = self.config.ru_per_minute
        if limit is None:
            return
        used = self.meter.used(app, self.clock.now())
        if used >= 0.8 * limit:
            resp.headers.update(
                {
                    "RateLimit-Limit": str(limit),
                    "RateLimit-Remaining": str(max(0, limit - used)),
                    "RateLimit-Reset": "60",
                }
            )

    ROUTES: tuple[tuple[str, str, str, int], ...] = (
        ("POST", r"/\$batch", "batch", 0),
        ("GET", r"/sites/root", "get_root", 1),
        ("GET", r"/sites/(?P<host>[^/:]+):(?P<spath>/[^:]*?):?", "get_site_by_path", 1),
        ("GET", r"/sites/(?P<sid>[^/]+)", "get_site", 1),
        ("GET", r"/sites/(?P<sid>[^/]+)/lists", "get_lists", 2),
        ("POST", r"/sites/(?P<sid>[^/]+)/lists", "create_list", 2),
        ("GET", r"/sites/(?P<sid>[^/]+)/lists/(?P<lid>[^/]+)", "get_list", 1),
        ("GET", r"/sites/(?P<sid>[^/]+)/lists/(?P<lid>[^/]+)/columns", "get_columns", 2),
        ("POST", r"/sites/(?P<sid>[^/]+)/lists/(?P<lid>[^/]+)/columns", "create_column", 2),
        ("GET", r"/sites/(?P<sid>[^/]+)/lists/(?P<lid>[^/]+)/items", "get_items", 2),
        ("POST", r"/sites/(?P<sid>[^/]+)/lists/(?P<lid>[^/]+)/items", "create_item", 2),
        ("GET", r"/sites/(?P<sid>[^/]+)/lists/(?P<lid>[^/]+)/items/(?P<iid>[^/]+)", "get_item", 1),
        ("DELETE", r"/sites/(?P<sid>[^/]+)/lists/(?P<lid>[^/]+)/items/(?P<iid>[^/]+)", "delete_item", 2),
        ("PATCH", r"/sites/(?P<sid>[^/]+)/lists/(?P<lid>[^/]+)/items/(?P<iid>[^/]+)/fields", "update_fields", 2),
        ("GET", r"/sites/(?P<sid>[^/]+)/pages(?:/microsoft\.graph\.sitePage)?", "get_pages", 2),
        ("POST", r"/sites/(?P<sid>[^/]+)/pages", "create_page", 2),
        ("GET", r"/sites/(?P<sid>[^/]+)/pages/(?P<pid>[^/]+)(?:/microsoft\.graph\.sitePage)?", "get_page", 1),
        ("PATCH", r"/sites/(?P<sid>[^/]+)/pages/(?P<pid>[^/]+)/microsoft\.graph\.sitePage", "update_page", 2),
        ("POST", r"/sites/(?P<sid>[^/]+)/pages/(?P<pid>[^/]+)/microsoft\.graph\.sitePage/publish", "publish_page", 2),
        ("DELETE", r"/sites/(?P<sid>[^/]+)/pages/(?P<pid>[^/]+)", "delete_page", 2),
    )

    def route(self, req: Req) -> tuple[Callable[..., Resp], dict[str, str], int]:
        """Find the handler for a request; unknown paths are 400 like Graph's resource errors."""
        path_ok = False
        for method, pattern, name, ru in self.ROUTES:
            m = re.fullmatch(pattern, req.path)
            if m:
                path_ok = True
                if method == req.method:
                    return getattr(self, "h_" + name), m.groupdict(), ru
        if path_ok:
            return self._method_not_allowed, {}, 0
        return self._unknown, {}, 0

    def _method_not_allowed(self, req: Req) -> Resp:
        raise ODataError(405, "methodNotAllowed", f"{req.method} is not supported on {req.path}.")

    def _unknown(self, req: Req) -> Resp:
        raise ODataError(400, "invalidRequest", f"Resource not found for the segment in {req.path!r}.")

    # -- helpers -----------------------------------------------------------------------------

    def _need(self, req: Req, role: str) -> None:
        if ROLES.index(req.app.role) < ROLES.index(role):
            raise ODataError(403, "accessDenied", "Access denied", inner="accessDenied")

    def _site(self, sid: str) -> Site:
        if sid.lower() in {self.site.id.lower(), "root", self.site.id.split(",")[1]}:
            return self.site
        raise ODataError(404, "itemNotFound", "Requested site could not be found")

    def _list(self, sid: str, lid: str) -> SpList:
        lst = self._site(sid).list_by(lid)
        if lst is None:
            raise ODataError(404, "itemNotFound", "The requested list was not found.")
        return lst

    def _item(self, lst: SpList, iid: str) -> Item:
        if not iid.isdigit() or int(iid) not in lst.items:
            raise ODataError(404, "itemNotFound", "The resource could not be found.")
        return lst.items[int(iid)]

    def _check_if_match(self, req: Req, etag: str) -> None:
        wanted = req.headers.get("if-match")
        if wanted is None or wanted.strip() == "*":
            return
        norm = {etag, etag.strip('"')}
        if wanted.strip() not in norm and wanted.strip().strip('"') not in norm:
            raise ODataError(
                412,
                "resourceModified",
                "The resource has changed since the caller last read it.",
                inner="entityTagDoesNotMatch",
            )

    @staticmethod
    def _select(
        obj: dict[str, Any],
        select: str | None,
        allowed: frozenset[str] | None,
        type_name: str,
        keep: tuple[str, ...] = ("@odata.etag",),
    ) -> dict[str, Any]:
        if not select:
            return obj
        names = [s.strip() for s in select.split(",") if s.strip()]
        if allowed is not None:
            for n in names:
                if n not in allowed:
                    raise ODataError(
                        400,
                        "invalidRequest",
                        f"Parsing OData Select and Expand failed: Could not find a property "
                        f"named '{n}' on type '{type_name}'.",
                    )
        return {k: v for k, v in obj.items() if k in names or k in keep}

    def _page(self, req: Req, pairs: list[tuple[int, dict[str, Any]]]) -> Resp:
        """Apply $top, the server page cap and $skiptoken; build ``@odata.nextLink``."""
        after = -1
        token = q(req.query, "skiptoken")
        if token:
            try:
                after = int(base64.b64decode(token).decode().split("p_ID=")[1])
            except (ValueError, IndexError):
                raise ODataError(400, "invalidRequest", "The skip token is invalid.") from None
        top = q(req.query, "top")
        size = self.config.page_size
        if top:
            if not top.isdigit() or int(top) < 1:
                raise ODataError(400, "invalidRequest", "Invalid $top value.")
            size = min(size, int(top))
        rest = [(k, v) for k, v in pairs if k > after]
        page, more = rest[:size], len(rest) > size
        body: dict[str, Any] = {"value": [v for _, v in page]}
        if more:
            nq = {k: v for k, v in req.query.items() if k not in {"$skiptoken", "skiptoken"}}
            nq["$skiptoken"] = base64.b64encode(f"Paged=TRUE&p_ID={page[-1][0]}".encode()).decode()
            body["@odata.nextLink"] = (
                f"{self.base_url}/v1.0{quote(req.path)}?{urlencode(nq, quote_via=quote, safe='$,()=')}"
            )
        return Resp(200, body)

    # -- sites -------------------------------------------------------------------------------

    def _site_json(self, req: Req) -> dict[str, Any]:
        s = self.site
        obj = {
            "id": s.id,
            "name": s.path.rsplit("/", 1)[-1],
            "displayName": s.display_name,
            "webUrl": s.web_url,
            "createdDateTime": _iso(0),
            "siteCollection": {"hostname": s.hostname},
        }
        return self._select(obj, q(req.query, "select"), None, "microsoft.graph.site", ())

    def h_get_root(self, req: Req) -> Resp:
        """GET /sites/root."""
        return Resp(200, self._site_json(req))

    def h_get_site_by_path(self, req: Req, host: str, spath: str) -> Resp:
        """GET /sites/{hostname}:/{server-relative-path}."""
        if host.lower() != self.site.hostname or spath.rstrip("/").lower() != self.site.path.lower():
            raise ODataError(404, "itemNotFound", "Requested site could not be found")
        return Resp(200, self._site_json(req))

    def h_get_site(self, req: Req, sid: str) -> Resp:
        """GET /sites/{site-id}."""
        self._site(sid)
        return Resp(200, self._site_json(req))

    # -- lists and columns -------------------------------------------------------------------

    def _list_json(self, lst: SpList, req: Req) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "@odata.etag": f'"{lst.id},1"',
            "id": lst.id,
            "name": lst.display_name.replace(" ", ""),
            "displayName": lst.display_name,
            "description": lst.description,
            "createdDateTime": _iso(lst.created),
            "lastModifiedDateTime": _iso(lst.created),
            "webUrl": f"{self.site.web_url}/Lists/{lst.display_name.replace(' ', '')}",
            "list": {"template": lst.template, "hidden": False, "contentTypesEnabled": False},
        }
        obj = self._select(obj, q(req.query, "select"), None, "microsoft.graph.list", ())
        expand = parse_expand(q(req.query, "expand"))
        if "columns" in expand:
            cols = [c.to_json() for c in lst.columns.values()]
            sel = expand["columns"].get("select")
            obj["columns"] = [self._select(c, sel, None, "microsoft.graph.columnDefinition", ()) for c in cols]
        if "items" in expand:
            raise ODataError(400, "invalidRequest", "Expanding items is not supported here.")
        return obj

    def h_get_lists(self, req: Req, sid: str) -> Resp:
        """GET /sites/{site-id}/lists (``$filter=displayName eq '...'`` supported)."""
        site = self._site(sid)
        lists = list(site.lists.values())
        flt = q(req.query, "filter")
        if flt:
            m = re.fullmatch(r"displayName eq '((?:[^']|'')*)'", flt.strip())
            if not m:
                raise ODataError(400, "invalidRequest", "Only displayName eq '...' is supported.")
            lists = [x for x in lists if x.display_name == m.group(1).replace("''", "'")]
        values = [self._list_json(x, req) for x in lists]
        return Resp(200, {"value": values})

    def h_get_list(self, req: Req, sid: str, lid: str) -> Resp:
        """GET /sites/{site-id}/lists/{list-id or title}."""
        return Resp(200, self._list_json(self._list(sid, lid), req))

    def _make_column(self, spec: Any, existing: dict[str, Column]) -> Column:
        if not isinstance(spec, dict):
            raise ODataError(400, "invalidRequest", "A column definition must be an object.")
        name = spec.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,31}", name):
            raise ODataError(400, "invalidRequest", f"Invalid column name {name!r}.")
        if name in existing or name in READ_ONLY_FIELDS:
            raise ODataError(409, "nameAlreadyExists", f"A column named '{name}' already exists.")
        facets = [f for f in FACETS if f in spec]
        if len(facets) != 1:
            raise ODataError(400, "invalidRequest", f"Column '{name}' must have exactly one type facet, got {facets}.")
        facet = facets[0]
        body = spec[facet] if isinstance(spec[facet], dict) else {}
        indexed = bool(spec.get("indexed", False))
        unique = bool(spec.get("enforceUniqueValues", False))
        if unique and not indexed:
            raise ODataError(400, "invalidRequest", f"Column '{name}': enforceUniqueValues requires indexed.")
        if facet == "text" and not body.get("allowMultipleLines") and int(body.get("maxLength", 255)) > 255:
            raise ODataError(400, "invalidRequest", f"Column '{name}': single-line text maxLength must be <= 255.")
        if facet == "text" and body.get("allowMultipleLines") and unique:
            raise ODataError(400, "invalidRequest", f"Column '{name}': multi-line text cannot be unique.")
        if facet == "choice" and not body.get("choices"):
            raise ODataError(400, "invalidRequest", f"Column '{name}': a choice column needs choices.")
        return Column(
            name=name,
            display_name=str(spec.get("displayName") or name),
            facet=facet,
            spec=body,
            indexed=indexed,
            unique=unique,
            required=bool(spec.get("required", False)),
            hidden=bool(spec.get("hidden", False)),
        )

    def h_create_list(self, req: Req, sid: str) -> Resp:
        """POST /sites/{site-id}/lists — the list and all its columns in one request."""
        site = self._site(sid)
        self._need(req, "manage")
        body = req.body if isinstance(req.body, dict) else {}
        name = body.get("displayName")
        if not isinstance(name, str) or not name.strip():
            raise ODataError(400, "invalidRequest", "displayName is required.")
        if site.list_by(name) is not None:
            raise ODataError(409, "nameAlreadyExists", f"A list named '{name}' already exists.")
        template = str((body.get("list") or {}).get("template", "genericList"))
        cols: dict[str, Column] = {
            "Title": Column("Title", "Title", "text", {"maxLength": 255}, id="fa564e0f-0c70-4ab9-b863-0177e6ddd247"),
        }
        for spec in body.get("columns") or []:
            col = self._make_column(spec, cols)
            cols[col.name] = col
        if sum(c.indexed for c in cols.values()) > MAX_INDEXES:
            raise ODataError(400, "invalidRequest", "Too many indexed columns.")
        lst = SpList(str(uuid.uuid4()), name, str(body.get("description", "")), template, cols, self.clock.now())
        lst.reindex()
        site.lists[lst.id] = lst
        return Resp(201, self._list_json(lst, Req("GET", "", {}, {}, None, req.app)))

    def h_get_columns(self, req: Req, sid: str, lid: str) -> Resp:
        """GET /sites/{site-id}/lists/{list}/columns."""
        lst = self._list(sid, lid)
        sel = q(req.query, "select")
        cols = [
            self._select(c.to_json(), sel, None, "microsoft.graph.columnDefinition", ()) for c in lst.columns.values()
        ]
        return Resp(200, {"value": cols})

    def h_create_column(self, req: Req, sid: str, lid: str) -> Resp:
        """POST /sites/{site-id}/lists/{list}/columns — one column."""
        lst = self._list(sid, lid)
        self._need(req, "manage")
        col = self._make_column(req.body, lst.columns)
        if col.indexed and sum(c.indexed for c in lst.columns.values()) >= MAX_INDEXES:
            raise ODataError(400, "invalidRequest", "Too many indexed columns.")
        lst.columns[col.name] = col
        lst.reindex()
        return Resp(201, col.to_json())

    # -- items -------------------------------------------------------------------------------

    def _fields_json(self, lst: SpList, item: Item) -> dict[str, Any]:
        out: dict[str, Any] = {"@odata.etag": item.etag}
        out.update({k: v for k, v in item.fields.items() if v is not None})
        out.update(
            {
                "id": str(item.id),
                "ContentType": "Item",
                "Created": _iso(item.created),
                "Modified": _iso(item.modified),
                "AuthorLookupId": "7",
                "EditorLookupId": "7",
                "_UIVersionString": f"{item.version}.0",
                "Attachments": False,
            }
        )
        return out

    def _item_json(self, lst: SpList, item: Item, req: Req) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "@odata.etag": item.etag,
            "createdDateTime": _iso(item.created),
            "eTag": item.etag,
            "id": str(item.id),
            "lastModifiedDateTime": _iso(item.modified),
            "webUrl": f"{self.site.web_url}/Lists/{lst.display_name.replace(' ', '')}/{item.id}_.000",
            "contentType": {"id": "0x0100", "name": "Item"},
        }
        obj = self._select(obj, q(req.query, "select"), ITEM_PROPERTIES, "microsoft.graph.listItem")
        expand = parse_expand(q(req.query, "expand"))
        for name in expand:
            if name != "fields":
                raise ODataError(400, "invalidRequest", f"Cannot expand '{name}' on listItem.")
        if "fields" in expand:
            fields = self._fields_json(lst, item)
            sel = expand["fields"].get("select")
            if sel:
                for n in (s.strip() for s in sel.split(",")):
                    if n and n not in lst.columns and n not in READ_ONLY_FIELDS:
                        raise ODataError(400, "invalidRequest", f"Field '{n}' is not recognized.")
            obj["fields"] = self._select(fields, sel, None, "microsoft.graph.fieldValueSet")
        return obj

    def _filter(self, req: Req, lst: SpList, items: list[Item]) -> list[Item]:
        flt = q(req.query, "filter")
        if not flt:
            return items
        m = re.fullmatch(r"fields/([A-Za-z0-9_]+) eq '((?:[^']|'')*)'", flt.strip())
        if not m:
            raise ODataError(400, "invalidRequest", "Only fields/<column> eq '<value>' is supported.")
        col, value = m.group(1), m.group(2).replace("''", "'")
        column = lst.columns.get(col)
        if column is None:
            raise ODataError(400, "invalidRequest", f"Field '{col}' is not recognized.")
        if not column.indexed:
            honour = "honornonindexedquerieswarningmayfailrandomly" in req.headers.get("prefer", "").lower()
            if not honour or len(lst.items) > self.config.filter_threshold:
                raise ODataError(
                    400,
                    "invalidRequest",
                    f"Field '{col}' cannot be referenced in filter or orderby as it is not indexed. "
                    "Provide the 'Prefer: HonorNonIndexedQueriesWarningMayFailRandomly' header to "
                    "allow this, but be warned that such queries may fail on large lists.",
                )
        return [i for i in items if str(i.fields.get(col)) == value]

    def h_get_items(self, req: Req, sid: str, lid: str) -> Resp:
        """GET .../items with $select, $expand=fields($select=...), $top, $filter, paging."""
        lst = self._list(sid, lid)
        self._select({}, q(req.query, "select"), ITEM_PROPERTIES, "microsoft.graph.listItem")
        items = self._filter(req, lst, sorted(lst.items.values(), key=lambda i: i.id))
        return self._page(req, [(i.id, self._item_json(lst, i, req)) for i in items])

    def h_get_item(self, req: Req, sid: str, lid: str, iid: str) -> Resp:
        """GET .../items/{id}."""
        lst = self._list(sid, lid)
        return Resp(200, self._item_json(lst, self._item(lst, iid), req))

    def _validate_fields(
        self, lst: SpList, fields: Any, *, creating: bool, exclude: int | None = None
    ) -> dict[str, Any]:
        if not isinstance(fields, dict):
            raise ODataError(400, "invalidRequest", "fields must be an object.")
        clean: dict[str, Any] = {}
        for key, value in fields.items():
            if key.startswith("@odata") or key.endswith("@odata.type"):
                continue
            if key in READ_ONLY_FIELDS:
                raise ODataError(400, "invalidRequest", f"Field '{key}' is read-only")
            col = lst.columns.get(key)
            if col is None:
                raise ODataError(400, "invalidRequest", f"Field '{key}' is not recognized")
            clean[key] = self._check_value(col, value)
        if creating:
            for col in lst.columns.values():
                if col.required and clean.get(col.name) in (None, ""):
                    raise ODataError(400, "invalidRequest", f"Field '{col.name}' is required.")
        for col in lst.columns.values():
            if col.unique and clean.get(col.name) not in (None, ""):
                holder = lst.unique_holder(col.name, clean[col.name])
                if holder is not None and holder != exclude:
                    raise ODataError(
                        409,
                        "nameAlreadyExists",
                        "The list item could not be added or updated because duplicate "
                        f"values were found in the following field(s) in the list: [{col.name}].",
                    )
        return clean

    @staticmethod
    def _check_value(col: Column, value: Any) -> Any:
        def bad(why: str) -> ODataError:
            return ODataError(400, "invalidRequest", f"Invalid value for field '{col.name}': {why}.")

        if value is None:
            if col.required:
                raise bad("required")
            return None
        if col.facet == "text":
            if not isinstance(value, str):
                raise bad("expected text")
            limit = MULTILINE_MAX if col.spec.get("allowMultipleLines") else int(col.spec.get("maxLength", 255))
            if len(value) > limit:
                raise bad(f"longer than {limit} characters")
            return value
        if col.facet in {"number", "currency"}:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise bad("expected a number")
            if "minimum" in col.spec and value < col.spec["minimum"]:
                raise bad("below the minimum")
            return float(value)
        if col.facet == "boolean":
            if not isinstance(value, bool):
                raise bad("expected true or false")
            return value
        if col.facet == "choice":
            if not isinstance(value, str):
                raise bad("expected a choice")
            if value not in col.spec.get("choices", []) and not col.spec.get("allowTextEntry"):
                raise bad(f"{value!r} is not one of the choices")
            return value
        if col.facet == "dateTime":
            try:
                dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            except ValueError:
                raise bad("expected an ISO 8601 date") from None
            return value
        return value

    def h_create_item(self, req: Req, sid: str, lid: str) -> Resp:
        """POST .../items with ``{"fields": {...}}``."""
        lst = self._list(sid, lid)
        self._need(req, "write")
        body = req.body if isinstance(req.body, dict) else {}
        fields = self._validate_fields(lst, body.get("fields", {}), creating=True)
        now = self.clock.now()
        item = Item(lst.next_id, fields, str(uuid.uuid4()).upper(), 1, now, now)
        lst.add(item)
        lst.next_id += 1
        obj = self._item_json(lst, item, Req("GET", "", {"$expand": "fields"}, {}, None, req.app))
        return Resp(201, obj)

    def h_update_fields(self, req: Req, sid: str, lid: str, iid: str) -> Resp:
        """PATCH .../items/{id}/fields, honouring If-Match (412 on a stale eTag)."""
        lst = self._list(sid, lid)
        self._need(req, "write")
        item = self._item(lst, iid)
        self._check_if_match(req, item.etag)
        clean = self._validate_fields(lst, req.body, creating=False, exclude=item.id)
        lst.set_fields(item, clean)
        item.version += 1
        item.modified = self.clock.now()
        return Resp(200, self._fields_json(lst, item))

    def h_delete_item(self, req: Req, sid: str, lid: str, iid: str) -> Resp:
        """DELETE .../items/{id}, honouring If-Match."""
        lst = self._list(sid, lid)
        self._need(req, "write")
        item = self._item(lst, iid)
        self._check_if_match(req, item.etag)
        lst.remove(item)
        return Resp(204)

    # -- pages -------------------------------------------------------------------------------

    def _page_json(self, page: SitePage, req: Req) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.sitePage",
            "@odata.etag": page.etag,
            "eTag": page.etag,
            "id": page.id,
            "name": page.name,
            "title": page.title,
            "description": page.description,
            "webUrl": f"SitePages/{page.name}",
            "pageLayout": page.page_layout,
            "showComments": page.show_comments,
            "createdDateTime": _iso(page.created),
            "lastModifiedDateTime": _iso(page.modified),
            "publishingState": {"level": page.level, "versionId": f"{page.major}.{page.minor}"},
        }
        if page.title_area is not None:
            obj["titleArea"] = page.title_area
        obj = self._select(
            obj, q(req.query, "select"), None, "microsoft.graph.sitePage", ("@odata.etag", "@odata.type")
        )
        if "canvasLayout" in parse_expand(q(req.query, "expand")):
            obj["canvasLayout"] = page.canvas
        return obj

    def _page_by(self, sid: str, pid: str) -> SitePage:
        site = self._site(sid)
        page = site.pages.get(pid.lower())
        if page is None:
            raise ODataError(404, "itemNotFound", "The page could not be found.")
        return page

    @staticmethod
    def _check_canvas(canvas: Any) -> None:
        if canvas is None:
            return
        sections = canvas.get("horizontalSections") if isinstance(canvas, dict) else None
        if not isinstance(sections, list):
            raise ODataError(400, "invalidRequest", "canvasLayout.horizontalSections is required.")
        for section in sections:
            for column in section.get("columns", []):
                for wp in column.get("webparts", []):
                    kind = wp.get("@odata.type", "#microsoft.graph.textWebPart")
                    if kind == "#microsoft.graph.textWebPart":
                        if not isinstance(wp.get("innerHtml"), str):
                            raise ODataError(400, "invalidRequest", "A text web part needs innerHtml.")
                    elif kind == "#microsoft.graph.standardWebPart":
                        if wp.get("webPartType") not in STANDARD_WEBPARTS:
                            raise ODataError(
                                400, "invalidRequest", f"Unsupported webPartType {wp.get('webPartType')!r}."
                            )
                    else:
                        raise ODataError(400, "invalidRequest", f"Unknown web part type {kind!r}.")

    def h_get_pages(self, req: Req, sid: str) -> Resp:
        """GET /sites/{site-id}/pages[/microsoft.graph.sitePage] (paged, ordered by creation)."""
        site = self._site(sid)
        pages = sorted(site.pages.values(), key=lambda p: p.n)
        return self._page(req, [(p.n, self._page_json(p, req)) for p in pages])

    def h_create_page(self, req: Req, sid: str) -> Resp:
        """POST /sites/{site-id}/pages — a sitePage in draft (``checkout``)."""
        site = self._site(sid)
        self._need(req, "write")
        body = req.body if isinstance(req.body, dict) else {}
        if body.get("@odata.type") != "#microsoft.graph.sitePage":
            raise ODataError(400, "invalidRequest", "@odata.type must be #microsoft.graph.sitePage.")
        name = body.get("name")
        if not isinstance(name, str) or not name.lower().endswith(".aspx") or "/" in name:
            raise ODataError(400, "invalidRequest", "name must be a file name ending in .aspx.")
        if any(p.name.lower() == name.lower() for p in site.pages.values()):
            raise ODataError(409, "nameAlreadyExists", f"A file with the name {name} already exists.")
        self._check_canvas(body.get("canvasLayout"))
        now = self.clock.now()
        page = SitePage(
            id=str(uuid.uuid4()),
            name=name,
            title=str(body.get("title") or name[:-5]),
            description=str(body.get("description") or ""),
            page_layout=str(body.get("pageLayout") or "article"),
            canvas=body.get("canvasLayout"),
            title_area=body.get("titleArea"),
            show_comments=bool(body.get("showComments", True)),
            created=now,
            modified=now,
            n=self._next_page_n(),
        )
        site.pages[page.id] = page
        return Resp(201, self._page_json(page, Req("GET", "", {}, {}, None, req.app)))

    def h_get_page(self, req: Req, sid: str, pid: str) -> Resp:
        """GET /sites/{site-id}/pages/{id}/microsoft.graph.sitePage[?$expand=canvasLayout]."""
        return Resp(200, self._page_json(self._page_by(sid, pid), req))

    def h_update_page(self, req: Req, sid: str, pid: str) -> Resp:
        """PATCH .../microsoft.graph.sitePage: only sent properties change; back to draft."""
        self._need(req, "write")
        page = self._page_by(sid, pid)
        self._check_if_match(req, page.etag)
        body = req.body if isinstance(req.body, dict) else {}
        if "canvasLayout" in body:
            self._check_canvas(body["canvasLayout"])
            page.canvas = body["canvasLayout"]
        for key, attr in (
            ("title", "title"),
            ("description", "description"),
            ("titleArea", "title_area"),
            ("showComments", "show_comments"),
            ("pageLayout", "page_layout"),
        ):
            if key in body:
                setattr(page, attr, body[key])
        page.level = "checkout"
        page.minor += 1
        page.version += 1
        page.modified = self.clock.now()
        return Resp(200, self._page_json(page, Req("GET", "", {}, {}, None, req.app)))

    def h_publish_page(self, req: Req, sid: str, pid: str) -> Resp:
        """POST .../microsoft.graph.sitePage/publish → 204, page published as a major version."""
        self._need(req, "write")
        page = self._page_by(sid, pid)
        page.level = "published"
        page.major += 1
        page.minor = 0
        page.version += 1
        return Resp(204)

    def h_delete_page(self, req: Req, sid: str, pid: str) -> Resp:
        """DELETE /sites/{site-id}/pages/{id}."""
        self._need(req, "write")
        page = self._page_by(sid, pid)
        del self.site.pages[page.id]
        return Resp(204)

    # -- $batch ------------------------------------------------------------------------------

    def h_batch(self, req: Req) -> Resp:
        """POST /$batch: ≤20 entries, dependsOn, per-entry faults/throttling, shuffled answers."""
        if req.in_batch:
            raise ODataError(400, "invalidRequest", "Nested batch requests are not supported.")
        body = req.body
        if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
            raise ODataError(400, "invalidRequest", "Invalid batch payload format.")
        entries = body["requests"]
        if len(entries) > 20:
            raise ODataError(400, "invalidRequest", "Number of requests inside batch exceed the limit of 20.")
        seen: set[str] = set()
        for e in entries:
            if not isinstance(e, dict) or not all(isinstance(e.get(k), str) for k in ("id", "method", "url")):
                raise ODataError(400, "invalidRequest", "Each batch request needs id, method and url.")
            if e["id"].lower() in seen:
                raise ODataError(400, "invalidRequest", f"Duplicate batch request id {e['id']!r}.")
            for dep in e.get("dependsOn") or []:
                if str(dep).lower() not in seen:
                    raise ODataError(
                        400, "invalidRequest", f"Request {e['id']!r} depends on unknown or later id {dep!r}."
                    )
            seen.add(e["id"].lower())
        answers: list[dict[str, Any]] = []
        status_by_id: dict[str, int] = {}
        for e in entries:
            deps = [str(d).lower() for d in e.get("dependsOn") or []]
            if any(not 200 <= status_by_id.get(d, 0) < 300 for d in deps):
                status_by_id[e["id"].lower()] = 424
                answers.append(
                    {
                        "id": e["id"],
                        "status": 424,
                        "headers": {"Content-Type": "application/json"},
                        "body": error_body("failedDependency", "A dependency failed."),
                    }
                )
                continue
            resp = self._batch_entry(req, e)
            status_by_id[e["id"].lower()] = resp.status
            headers = {"Content-Type": "application/json"} if resp.body is not None else {}
            headers.update(resp.headers)
            answer: dict[str, Any] = {"id": e["id"], "status": resp.status, "headers": headers}
            if resp.body is not None:
                answer["body"] = resp.body
            answers.append(answer)
        self.rng.shuffle(answers)
        return Resp(200, {"responses": answers})

    def _batch_entry(self, parent: Req, e: dict[str, Any]) -> Resp:
        url = e["url"]
        headers = {str(k).lower(): str(v) for k, v in (e.get("headers") or {}).items()}
        if url.startswith(("http://", "https://")):
            return Resp(400, error_body("invalidRequest", "Batch request URLs must be relative."))
        path, _, query = ("/" + url.lstrip("/")).partition("?")
        path = unquote(path)
        if path.startswith("/v1.0/"):
            path = path[5:]
        has_body = "body" in e
        entry = Req(
            e["method"].upper(),
            path,
            dict(parse_qsl(query, keep_blank_values=True)),
            headers,
            e.get("body"),
            parent.app,
            in_batch=True,
            has_body=has_body,
        )
        if path == "/$batch":
            resp = Resp(400, error_body("invalidRequest", "Nested batch requests are not supported."))
        elif has_body and "content-type" not in headers:
            resp = Resp(
                400, error_body("invalidRequest", "Content-Type header must be specified when a body is present.")
            )
        else:
            resp = self.operation(entry)
        self.log(
            kind="batch-entry",
            method=entry.method,
            path=path,
            query=query,
            status=resp.status,
            ru=resp.ru,
            app=parent.app.client_id,
            parent=parent.headers.get("client-request-id"),
        )
        return resp

    # -- control-plane helpers (also used in-process by tests) --------------------------------

    def list_named(self, title: str) -> SpList:
        """The list with this display name (KeyError if none)."""
        lst = self.site.list_by(title)
        if lst is None:
            raise KeyError(title)
        return lst

    def human_add(self, title: str, fields: dict[str, Any]) -> Item:
        """Add an item as a person would in the browser (no ownership marker unless given)."""
        lst = self.list_named(title)
        now = self.clock.now()
        item = Item(lst.next_id, dict(fields), str(uuid.uuid4()).upper(), 1, now, now)
        lst.add(item)
        lst.next_id += 1
        return item

    def human_edit(self, title: str, item_id: int, fields: dict[str, Any]) -> Item:
        """Edit an item as a person would: values change and the eTag version moves on."""
        lst = self.list_named(title)
        item = lst.items[item_id]
        lst.set_fields(item, fields)
        item.version += 1
        item.modified = self.clock.now()
        return item

    def human_delete(self, title: str, item_id: int) -> None:
        """Delete an item as a person would."""
        lst = self.list_named(title)
        lst.remove(lst.items[item_id])

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able picture of the site (lists with items, pages) for tests and /_emu/state."""
        return {
            "clock": self.clock.now(),
            "lists": {
                lst.display_name: {
                    "id": lst.id,
                    "description": lst.description,
                    "columns": sorted(lst.columns),
                    "items": {str(i.id): dict(i.fields) | {"_etag": i.etag} for i in lst.items.values()},
                }
                for lst in self.site.lists.values()
            },
            "pages": {
                p.name: {
                    "id": p.id,
                    "title": p.title,
                    "level": p.level,
                    "version": f"{p.major}.{p.minor}",
                    "description": p.description,
                    "html": _page_html(p.canvas),
                }
                for p in self.site.pages.values()
            },
            "ru_total": dict(self.meter.total),
        }


def _page_html(canvas: dict[str, Any] | None) -> str:
    parts: list[str] = []
    for section in (canvas or {}).get("horizontalSections", []):
        for column in section.get("columns", []):
            for wp in column.get("webparts", []):
                parts.append(str(wp.get("innerHtml", "")))
    return "".join(parts)


def error_body(code: str, message: str, *, inner: str | None = None) -> dict[str, Any]:
    """The OData error envelope (``innerError`` ids are filled in by the HTTP layer)."""
    inner_obj: dict[str, Any] = {"date": _iso(0)}
    if inner:
        inner_obj["code"] = inner
    return {"error": {"code": code, "message": message, "innerError": inner_obj}}


def dumps(body: Any) -> bytes:
    """Compact JSON bytes."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
