"""The sync engine: resolve, read once, plan, write in batches, re-plan what changed under us.

Why stateless reconciliation: every run re-reads remote state and recomputes the plan, so a run
killed at any point is resumed by running again — finished writes now show as unchanged, the
rest are planned again. The only non-idempotent write is a create; the unique index on
``SvExternalId`` stops a duplicate, and after any ambiguous create failure the engine re-reads
that external id before deciding again. Updates and deletes carry ``If-Match``; a 412 means the
item changed since it was read, so it is re-read and re-planned (a person's edit is reported
and handled by ``--on-conflict``), never overwritten blindly.

Request budget (research §6.5): resolve site and list (2 GETs, skipped when cached), one paged
read of the list, then ``ceil(writes / 20)`` ``$batch`` requests. Pages add one paged read of the
manifest list plus batched page writes.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from ._bundle import Content
from ._client import BatchRequest, BatchResponse, GraphClient
from ._errors import ConfigError, GraphError, NotFoundError, SharePointError, ThrottledError, TokenError
from ._model import (
    ACTIVE,
    CONTENT_COLUMNS,
    CONTENT_LIST,
    MANIFEST_COLUMNS,
    MANIFEST_FIELDS,
    MANIFEST_LIST,
    MARKER,
    READ_FIELDS,
    RETIRED,
    PageSpec,
    Record,
    list_description,
    page_marker,
)
from ._plan import Action, OnConflict, Op, Plan, Policy, RemoteItem, check_guards, plan, plan_item
from ._report import Progress, RunReport, Section, batches_needed

log = logging.getLogger("secondvictim_sharepoint")

MAX_REPLANS = 3
"""How often one item may be re-read and re-planned in a run before it is reported failed."""

RETIRED_PAGE_HTML = (
    "<p><strong>This page has been retired.</strong> Its content is no longer maintained. "
    "Please see the current staff support pages on this site.</p>"
)


class SetupError(SharePointError):
    """The site is not ready for a sync (list missing or not ours): exit code 2."""


class RunStopped(SharePointError):
    """The run stopped on purpose (``--on-conflict fail``)."""


@dataclass(frozen=True)
class SyncSettings:
    """What the engine needs to know about the target and the rules (no credentials)."""

    site_url: str
    list_name: str = CONTENT_LIST
    manifest_list: str = MANIFEST_LIST
    policy: Policy = field(default_factory=Policy)
    page_size: int = 999
    pages: bool = False
    site_id: str | None = None
    list_id: str | None = None
    manifest_list_id: str | None = None

    @property
    def host_and_path(self) -> tuple[str, str]:
        """Hostname and server-relative path of the site URL."""
        parts = urlsplit(self.site_url)
        if parts.scheme != "https" or not parts.hostname or not parts.path.strip("/"):
            msg = f"site must look like https://TENANT.sharepoint.com/sites/NAME, got {self.site_url!r}"
            raise ConfigError(msg)
        return parts.hostname, "/" + parts.path.strip("/")


class StateCache:
    """Cached site and list ids (a JSON file). Losing it costs two GETs, never correctness."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.data: dict[str, dict[str, str]] = {}
        if path is not None and path.exists():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                self.data = {str(k): dict(v) for k, v in loaded.get("targets", {}).items()}
            except (ValueError, OSError, AttributeError):
                log.warning("ignoring unreadable state file %s", path)

    def get(self, key: str) -> dict[str, str]:
        """Cached values for a target key."""
        return dict(self.data.get(key, {}))

    def put(self, key: str, values: Mapping[str, str]) -> None:
        """Store values and write the file atomically (best effort)."""
        self.data[key] = dict(values)
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"version": 1, "targets": self.data}, indent=2, sort_keys=True), encoding="utf-8")
            tmp.replace(self.path)
        except OSError as exc:
            log.warning("could not write state file %s: %s", self.path, exc.strerror)

    def forget(self, key: str) -> None:
        """Drop a target (its ids went stale)."""
        if self.data.pop(key, None) is not None:
            self.put(key, {})
            self.data.pop(key, None)


@dataclass
class Target:
    """Resolved ids."""

    site_id: str
    web_url: str
    list_id: str
    manifest_list_id: str | None = None


def _remote(obj: Mapping[str, Any]) -> RemoteItem:
    fields = dict(obj.get("fields") or {})
    etag = str(obj.get("eTag") or fields.get("@odata.etag") or "")
    return RemoteItem(str(obj["id"]), etag, fields)


class SharePointSync:
    """Runs provision and sync against one site through one :class:`GraphClient`."""

    def __init__(
        self,
        client: GraphClient,
        settings: SyncSettings,
        *,
        state: StateCache | None = None,
        progress: Progress | None = None,
        token_requests: Callable[[], int] = lambda: 0,
    ) -> None:
        self.client = client
        self.settings = settings
        self.state = state or StateCache(None)
        self.progress = progress or Progress(enabled=False)
        self._token_requests = token_requests
        self._ids = 0

    # -- helpers -----------------------------------------------------------------------------

    @property
    def _key(self) -> str:
        s = self.settings
        return f"{self.client.root}|{s.site_url.rstrip('/').lower()}|{s.list_name}|{s.manifest_list}"

    def _rid(self) -> str:
        self._ids += 1
        return str(self._ids)

    def _phase(self, report: RunReport, name: str, before: int) -> None:
        report.requests_by_phase[name] = report.requests_by_phase.get(name, 0) + self.client.stats.requests - before

    def _fill_stats(self, report: RunReport) -> None:
        st = self.client.stats
        report.requests = st.requests
        report.batch_entries = st.batch_entries
        report.retries = st.retries
        report.throttled = st.throttled
        report.throttled_wait_seconds = st.throttled_wait_seconds
        report.token_requests = self._token_requests()

    # -- resolution --------------------------------------------------------------------------

    def resolve_site(self) -> tuple[str, str]:
        """Site id and web URL (1 GET unless pinned or cached)."""
        cached = self.state.get(self._key)
        site_id = self.settings.site_id or cached.get("site_id")
        if site_id:
            return site_id, cached.get("web_url", self.settings.site_url)
        host, path = self.settings.host_and_path
        try:
            site = self.client.get(f"/sites/{host}:{quote(path)}", {"$select": "id,webUrl,displayName"})
        except NotFoundError:
            msg = f"site {self.settings.site_url!r} was not found (or the app has no grant on it)"
            raise SetupError(msg) from None
        return str(site["id"]), str(site.get("webUrl") or self.settings.site_url)

    def _resolve_list(self, site_id: str, name: str, columns: tuple[dict[str, Any], ...]) -> str:
        try:
            lst = self.client.get(
                f"/sites/{site_id}/lists/{quote(name)}",
                {"$select": "id,displayName,description", "$expand": "columns($select=name)"},
            )
        except NotFoundError:
            msg = (
                f"the list {name!r} does not exist on {self.settings.site_url}; "
                "run `secondvictim provision sharepoint` first (it needs the manage role)"
            )
            raise SetupError(msg) from None
        if MARKER not in str(lst.get("description") or ""):
            msg = (
                f"the list {name!r} exists but is not managed by this tool "
                f"(its description lacks {MARKER!r}); refusing to write to it"
            )
            raise SetupError(msg)
        have = {str(c.get("name")) for c in lst.get("columns") or []}
        missing = sorted(str(c["name"]) for c in columns if c["name"] not in have)
        if missing:
            msg = (
                f"the list {name!r} lacks columns {', '.join(missing)}; "
                "run `secondvictim provision sharepoint` to add them"
            )
            raise SetupError(msg)
        return str(lst["id"])

    def resolve(self) -> Target:
        """Site and list ids, from settings, the cache, or Graph (checked as tool-owned)."""
        cached = self.state.get(self._key)
        site_id, web_url = self.resolve_site()
        list_id = self.settings.list_id or cached.get("list_id")
        if not list_id:
            list_id = self._resolve_list(site_id, self.settings.list_name, CONTENT_COLUMNS)
        manifest_id = self.settings.manifest_list_id or cached.get("manifest_list_id")
        if self.settings.pages and not manifest_id:
            manifest_id = self._resolve_list(site_id, self.settings.manifest_list, MANIFEST_COLUMNS)
        values = {"site_id": site_id, "web_url": web_url, "list_id": list_id}
        if manifest_id:
            values["manifest_list_id"] = manifest_id
        if values != cached:
            self.state.put(self._key, values)
        return Target(site_id, web_url, list_id, manifest_id)

    # -- provision ---------------------------------------------------------------------------

    def provision(self) -> list[str]:
        """Create the tool-owned lists (one POST each, columns in the body); add missing columns.

        Returns a line per list saying what was done. Safe to run again.
        """
        site_id, _ = self.resolve_site()
        done: list[str] = []
        wanted = [(self.settings.list_name, CONTENT_COLUMNS, "Second-victim staff support content")]
        if self.settings.pages:
            wanted.append(
                (
                    self.settings.manifest_list,
                    MANIFEST_COLUMNS,
                    "Site pages published from second-victim staff support content",
                )
            )
        for name, columns, what in wanted:
            try:
                lst = self.client.get(
                    f"/sites/{site_id}/lists/{quote(name)}",
                    {"$select": "id,description", "$expand": "columns($select=name)"},
                )
            except NotFoundError:
                body = {
                    "displayName": name,
                    "description": list_description(what),
                    "list": {"template": "genericList"},
                    "columns": list(columns),
                }
                self.client.request("POST", f"/sites/{site_id}/lists", json=body)
                done.append(f"created list {name!r} with {len(columns)} columns")
                continue
            if MARKER not in str(lst.get("description") or ""):
                msg = f"a list named {name!r} exists and is not managed by this tool; not touching it"
                raise SetupError(msg)
            have = {str(c.get("name")) for c in lst.get("columns") or []}
            added = [c for c in columns if c["name"] not in have]
            for col in added:
                self.client.request("POST", f"/sites/{site_id}/lists/{lst['id']}/columns", json=col)
            done.append(
                f"list {name!r} already exists"
                + (f"; added columns {', '.join(c['name'] for c in added)}" if added else "")
            )
        self.state.forget(self._key)
        return done

    # -- reading -----------------------------------------------------------------------------

    def _items_url(self, site_id: str, list_id: str) -> str:
        return f"/sites/{site_id}/lists/{list_id}/items"

    def read_items(self, site_id: str, list_id: str, fields: tuple[str, ...]) -> list[RemoteItem]:
        """Every item of a list in one paged read (``$select`` everywhere)."""
        params = {
            "$select": "id,eTag",
            "$expand": f"fields($select={','.join(fields)})",
            "$top": str(self.settings.page_size),
        }
        return [_remote(obj) for obj in self.client.get_paged(self._items_url(site_id, list_id), params)]

    def _reread_requests(
        self, site_id: str, list_id: str, eids: list[str], fields: tuple[str, ...]
    ) -> dict[str, BatchRequest]:
        out: dict[str, BatchRequest] = {}
        for eid in eids:
            flt = "fields/SvExternalId eq '{}'".format(eid.replace("'", "''"))
            url = (
                f"{self._items_url(site_id, list_id)}?$filter={quote(flt)}&$select=id,eTag"
                f"&$expand=fields($select={','.join(fields)})"
            )
            out[eid] = BatchRequest(self._rid(), "GET", url)
        return out

    def reread(
        self, site_id: str, list_id: str, eids: list[str], fields: tuple[str, ...] = READ_FIELDS
    ) -> dict[str, list[RemoteItem] | GraphError]:
        """Re-read items by external id (indexed filter; batched GETs)."""
        reqs = self._reread_requests(site_id, list_id, eids, fields)
        answers = self.client.batch(list(reqs.values()))
        out: dict[str, list[RemoteItem] | GraphError] = {}
        for eid, req in reqs.items():
            a = answers[req.id]
            err = a.error() if not a.transport_failed else None
            if a.ok:
                out[eid] = [_remote(o) for o in (a.body or {}).get("value", [])]
            else:
                out[eid] = err or GraphError(0, "transportFailed", "the re-read was lost")
        return out

    # -- list items --------------------------------------------------------------------------

    def _write_request(self, op: Op, target: Target) -> BatchRequest:
        base = self._items_url(target.site_id, target.list_id)
        if op.action is Action.CREATE:
            return BatchRequest(self._rid(), "POST", base, body={"fields": dict(op.fields or {})})
        if op.action in {Action.UPDATE, Action.RETIRE}:
            return BatchRequest(
                self._rid(),
                "PATCH",
                f"{base}/{op.item_id}/fields",
                body=dict(op.fields or {}),
                headers={"If-Match": op.etag or "*"},
            )
        return BatchRequest(self._rid(), "DELETE", f"{base}/{op.item_id}", headers={"If-Match": op.etag or "*"})

    def apply_items(self, ops: list[Op], desired: Mapping[str, Record], target: Target, section: Section) -> None:
        """Execute write ops in batches; re-read and re-plan on 412, 409 and ambiguous creates."""
        policy = self.settings.policy
        pending = list(ops)
        replans: dict[str, int] = {}
        total = len(pending)
        self.progress.start("writing items", total)
        while pending:
            reqs = [(op, self._write_request(op, target)) for op in pending]
            pending = []
            try:
                answers = self.client.batch([r for _, r in reqs])
            except ThrottledError as exc:
                for op, req in reqs:  # report what did land before the run stopped
                    done = exc.partial.get(req.id)
                    if done is not None and done.ok:
                        section.record(op, status=done.status, request_id=done.headers.get("request-id"))
                raise
            reread: dict[str, Op] = {}
            for op, req in reqs:
                a = answers[req.id]
                if a.ok:
                    section.record(op, status=a.status, request_id=a.headers.get("request-id"))
                    self.progress.advance(1)
                    continue
                if self._needs_reread(op, a):
                    reread[op.external_id] = op
                    continue
                if op.action is Action.DELETE and a.status == 404:
                    section.record(op)  # already gone, which is what we wanted
                    self.progress.advance(1)
                    continue
                err = a.error()
                section.record(
                    replace(op, reason=f"{op.action.value} failed"),
                    Action.FAILED,
                    status=a.status,
                    error=str(err) if err else "no answer",
                    request_id=a.headers.get("request-id"),
                )
                self.progress.advance(1)
            if not reread:
                break
            fresh = self.reread(target.site_id, target.list_id, sorted(reread))
            for eid, op in sorted(reread.items()):
                replans[eid] = replans.get(eid, 0) + 1
                got = fresh[eid]
                if isinstance(got, GraphError) or replans[eid] > MAX_REPLANS:
                    why = str(got) if isinstance(got, GraphError) else f"re-planned {MAX_REPLANS} times"
                    section.record(replace(op, reason=f"{op.action.value} failed"), Action.FAILED, error=why)
                    self.progress.advance(1)
                    continue
                new = plan_item(desired.get(eid), got, policy, eid)
                if op.action is Action.DELETE and not any(r.owned_by(policy.owner) for r in got):
                    section.record(op)  # already gone
                    self.progress.advance(1)
                elif new.action.writes:
                    if new.action is Action.UPDATE and op.action is Action.CREATE:
                        new = replace(new, reason="created by an earlier attempt; " + new.reason)
                    pending.append(new)
                elif (
                    new.action is Action.UNCHANGED
                    and not new.human_edit
                    and op.action.writes
                    and new.reason != "outside this run's filter"
                ):
                    section.record(op)  # our earlier attempt landed (the answer was lost)
                    self.progress.advance(1)
                else:
                    if new.human_edit and policy.on_conflict is OnConflict.FAIL:
                        section.record(new)
                        self.progress.finish()
                        msg = f"{eid}: edited in SharePoint during this run (--on-conflict fail); stopping"
                        raise RunStopped(msg)
                    section.record(new)
                    self.progress.advance(1)
        self.progress.finish()

    @staticmethod
    def _needs_reread(op: Op, a: BatchResponse) -> bool:
        if a.transport_failed or a.ambiguous:
            return True
        if a.status == 412:
            return True
        if op.action is Action.CREATE and a.status == 409:
            return True
        return op.action in {Action.UPDATE, Action.RETIRE} and a.status == 404

    # -- pages -------------------------------------------------------------------------------

    def _manifest(self, target: Target) -> tuple[dict[str, RemoteItem], list[RemoteItem]]:
        assert target.manifest_list_id is not None
        rows = self.read_items(target.site_id, target.manifest_list_id, MANIFEST_FIELDS)
        owned: dict[str, RemoteItem] = {}
        foreign: list[RemoteItem] = []
        for r in rows:
            if r.owned_by(self.settings.policy.owner):
                owned.setdefault(r.external_id, r)
            else:
                foreign.append(r)
        return owned, foreign

    def plan_pages(
        self,
        pages: Mapping[str, PageSpec],
        owned: Mapping[str, RemoteItem],
        foreign: list[RemoteItem],
        *,
        guard: bool = True,
    ) -> Plan:
        """Plan page creates/updates/retirements from the manifest (no page reads needed)."""
        policy = self.settings.policy
        ops: list[Op] = [
            Op(
                Action.FOREIGN,
                r.external_id or f"item:{r.item_id}",
                "manifest row not managed by this tool; never changed",
                item_id=r.item_id,
            )
            for r in foreign
        ]
        for eid in sorted(set(pages) | set(owned)):
            spec, row = pages.get(eid), owned.get(eid)
            if spec is not None and row is None:
                ops.append(Op(Action.CREATE, eid, "new in content", title=spec.title))
            elif spec is not None and row is not None:
                if row.stored_hash == spec.hash and row.status == ACTIVE:
                    ops.append(
                        Op(
                            Action.UNCHANGED,
                            eid,
                            "rendered content unchanged",
                            item_id=row.item_id,
                            etag=row.etag,
                            title=spec.title,
                        )
                    )
                else:
                    why = "reactivated" if row.status == RETIRED else "rendered content changed"
                    ops.append(Op(Action.UPDATE, eid, why, item_id=row.item_id, etag=row.etag, title=spec.title))
            elif row is not None:
                if not policy.full_set:
                    ops.append(Op(Action.UNCHANGED, eid, "outside this run's filter", item_id=row.item_id))
                elif policy.allow_delete:
                    ops.append(
                        Op(
                            Action.DELETE,
                            eid,
                            "removed from content (--allow-delete)",
                            item_id=row.item_id,
                            etag=row.etag,
                        )
                    )
                elif row.status == RETIRED:
                    ops.append(Op(Action.UNCHANGED, eid, "already retired", item_id=row.item_id))
                else:
                    ops.append(
                        Op(
                            Action.RETIRE,
                            eid,
                            "removed from content; page shows a retired notice",
                            item_id=row.item_id,
                            etag=row.etag,
                        )
                    )
        ops.sort(key=lambda op: (list(Action).index(op.action), op.external_id))
        result = Plan(ops)
        if guard:
            check_guards(result, len(owned), replace(policy, on_conflict=OnConflict.SKIP))
        return result

    def _create_page_request(self, site: str, spec: PageSpec) -> BatchRequest:
        """The POST that creates a page: the same for a first create and a re-create after a
        person deleted the page, so both look alike."""
        return BatchRequest(
            self._rid(),
            "POST",
            f"/sites/{site}/pages",
            body={
                "@odata.type": "#microsoft.graph.sitePage",
                "name": spec.name,
                "pageLayout": "article",
                "showComments": False,
                "titleArea": {
                    "layout": "plain",
                    "showAuthor": False,
                    "showPublishedDate": True,
                    "textAlignment": "left",
                },
                **self._page_body(spec),
            },
        )

    @staticmethod
    def _page_body(spec: PageSpec, html: str | None = None) -> dict[str, Any]:
        return {
            "title": spec.title,
            "description": spec.description(),
            "canvasLayout": {
                "horizontalSections": [
                    {
                        "id": "1",
                        "layout": "oneColumn",
                        "emphasis": "none",
                        "columns": [
                            {
                                "id": "1",
                                "width": 12,
                                "webparts": [
                                    {
                                        "@odata.type": "#microsoft.graph.textWebPart",
                                        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"secondvictim:{spec.external_id}")),
                                        "innerHtml": spec.html if html is None else html,
                                    }
                                ],
                            }
                        ],
                    }
                ]
            },
        }

    def _manifest_fields(
        self, spec: PageSpec, page_id: str, status: str = ACTIVE, hash_: str | None = None
    ) -> dict[str, Any]:
        return {
            "Title": spec.title,
            "SvExternalId": spec.external_id,
            "SvSource": self.settings.policy.owner,
            "SvStatus": status,
            "SvContentHash": hash_ or spec.hash,
            "SvPageId": page_id,
            "SvPageName": spec.name,
        }

    def apply_pages(
        self,
        ops: list[Op],
        pages: Mapping[str, PageSpec],
        owned: Mapping[str, RemoteItem],
        target: Target,
        section: Section,
    ) -> set[str]:
        """Create, update, publish, retire or delete pages; keep the manifest in step.

        Order within one page: write page -> publish -> write manifest row (``dependsOn``), so a
        manifest row always describes a published page. A page left without a manifest row (a
        run killed after creating it) is found by name on the next run's 409 and adopted only if
        its description carries our marker for that external id.

        Returns the external ids whose outcome is unknown (a lost answer); the caller re-reads
        the manifest and plans those again.
        """
        unknown: set[str] = set()
        assert target.manifest_list_id is not None
        site = target.site_id
        mlist = self._items_url(site, target.manifest_list_id)
        creates = [op for op in ops if op.action is Action.CREATE]
        chains: list[tuple[Op, list[BatchRequest]]] = []
        page_of = {eid: str(r.fields.get("SvPageId") or "") for eid, r in owned.items()}
        self.progress.start("writing pages", len(ops))

        def publish_chain(
            op: Op,
            spec: PageSpec,
            page_id: str,
            row: RemoteItem | None,
            body: dict[str, Any] | None,
            status: str = ACTIVE,
            hash_: str | None = None,
        ) -> list[BatchRequest]:
            chain: list[BatchRequest] = []
            if body is not None:
                chain.append(
                    BatchRequest(
                        self._rid(),
                        "PATCH",
                        f"/sites/{site}/pages/{page_id}/microsoft.graph.sitePage",
                        body=body,
                        idempotent=True,
                    )
                )
            chain.append(
                BatchRequest(
                    self._rid(),
                    "POST",
                    f"/sites/{site}/pages/{page_id}/microsoft.graph.sitePage/publish",
                    depends_on=(chain[-1].id,) if chain else (),
                    idempotent=True,
                )
            )
            fields = self._manifest_fields(spec, page_id, status, hash_)
            if row is None:
                chain.append(
                    BatchRequest(self._rid(), "POST", mlist, body={"fields": fields}, depends_on=(chain[-1].id,))
                )
            else:
                chain.append(
                    BatchRequest(
                        self._rid(),
                        "PATCH",
                        f"{mlist}/{row.item_id}/fields",
                        body=fields,
                        headers={"If-Match": row.etag},
                        depends_on=(chain[-1].id,),
                    )
                )
            return chain

        # 1) create pages that have no manifest row
        lookup: list[Op] = []
        if creates:
            reqs = {
                op.external_id: self._create_page_request(site, pages[op.external_id])
                for op in creates
            }
            answers = self.client.batch(list(reqs.values()))
            for op in creates:
                a = answers[reqs[op.external_id].id]
                if a.ok:
                    pid = str(a.body["id"])
                    chains.append((op, publish_chain(op, pages[op.external_id], pid, None, None)))
                elif a.status == 409 or a.ambiguous or a.transport_failed:
                    lookup.append(op)
                else:
                    section.record(op, Action.FAILED, status=a.status, error=str(a.error()))
                    self.progress.advance(1)
        if lookup:
            by_name = {
                str(p.get("name", "")).lower(): p
                for p in self.client.get_paged(
                    f"/sites/{site}/pages/microsoft.graph.sitePage",
                    {"$select": "id,name,description", "$top": str(self.settings.page_size)},
                )
            }
            for op in lookup:
                spec = pages[op.external_id]
                found = by_name.get(spec.name.lower())
                if found is None:
                    section.record(
                        op, Action.FAILED, error="page create failed and no page exists; the next run will try again"
                    )
                    self.progress.advance(1)
                elif page_marker(op.external_id) in str(found.get("description") or ""):
                    chains.append(
                        (
                            replace(op, reason="adopted a page an interrupted run created"),
                            publish_chain(op, spec, str(found["id"]), None, self._page_body(spec)),
                        )
                    )
                else:
                    section.record(
                        replace(
                            op, reason=f"a page named {spec.name} exists and was not made by this tool; left alone"
                        ),
                        Action.CONFLICT,
                    )
                    self.progress.advance(1)
        # 2) updates, retirements, deletes
        for op in ops:
            row = owned.get(op.external_id)
            if op.action is Action.UPDATE and row is not None:
                spec = pages[op.external_id]
                chains.append((op, publish_chain(op, spec, page_of[op.external_id], row, self._page_body(spec))))
            elif op.action is Action.RETIRE and row is not None:
                spec = PageSpec(
                    op.external_id,
                    str(row.fields.get("SvPageName") or ""),
                    str(row.fields.get("Title") or ""),
                    "Retired.",
                    RETIRED_PAGE_HTML,
                )
                chains.append(
                    (
                        op,
                        publish_chain(
                            op, spec, page_of[op.external_id], row, self._page_body(spec), RETIRED, row.stored_hash
                        ),
                    )
                )
            elif op.action is Action.DELETE and row is not None:
                chains.append(
                    (
                        op,
                        [
                            BatchRequest(
                                self._rid(), "DELETE", f"/sites/{site}/pages/{page_of[op.external_id]}", idempotent=True
                            ),
                            BatchRequest(
                                self._rid(), "DELETE", f"{mlist}/{row.item_id}", headers={"If-Match": row.etag}
                            ),
                        ],
                    )
                )
        if chains:
            answers = self.client.batch([r for _, chain in chains for r in chain])
            recreate: list[Op] = []
            for op, chain in chains:
                results = [answers[r.id] for r in chain]
                if op.action is Action.DELETE:
                    bad = [a for a in results if not a.ok and a.status != 404]
                elif results[0].status == 404 and op.action in {Action.UPDATE, Action.RETIRE}:
                    if op.action is Action.UPDATE:
                        recreate.append(op)  # a person deleted the page: make it again
                    else:
                        section.record(op)  # retiring a page that is already gone
                        self.progress.advance(1)
                    continue
                else:
                    bad = [a for a in results if not a.ok]
                if any(a.transport_failed for a in results):
                    unknown.add(op.external_id)
                    continue
                if not bad:
                    section.record(op, status=results[-1].status)
                else:
                    first = bad[0]
                    err = first.error()
                    section.record(
                        op,
                        Action.FAILED,
                        status=first.status,
                        error=str(err) if err else "no answer (the next run retries)",
                    )
                self.progress.advance(1)
            if recreate:
                unknown |= self._recreate(recreate, owned, pages, mlist, site, section)
        self.progress.finish()
        return unknown

    def _recreate(
        self,
        ops: list[Op],
        owned: Mapping[str, RemoteItem],
        pages: Mapping[str, PageSpec],
        mlist: str,
        site: str,
        section: Section,
    ) -> set[str]:
        """Re-create pages a person deleted, then point their manifest rows at the new pages."""
        reqs = {
            op.external_id: self._create_page_request(site, pages[op.external_id])
            for op in ops
        }
        answers = self.client.batch(list(reqs.values()))
        follow: list[tuple[Op, BatchRequest]] = []
        unknown: set[str] = set()
        for op in ops:
            a = answers[reqs[op.external_id].id]
            self.progress.advance(1)
            if a.transport_failed or a.ambiguous:
                unknown.add(op.external_id)
                continue
            if not a.ok:
                section.record(
                    op,
                    Action.FAILED,
                    status=a.status,
                    error=f"page was deleted in SharePoint and re-creating it failed: {a.error()}",
                )
                continue
            pid = str(a.body["id"])
            spec, row = pages[op.external_id], owned[op.external_id]
            pub = BatchRequest(
                self._rid(), "POST", f"/sites/{site}/pages/{pid}/microsoft.graph.sitePage/publish", idempotent=True
            )
            follow += [
                (op, pub),
                (
                    op,
                    BatchRequest(
                        self._rid(),
                        "PATCH",
                        f"{mlist}/{row.item_id}/fields",
                        body=self._manifest_fields(spec, pid),
                        headers={"If-Match": row.etag},
                        depends_on=(pub.id,),
                    ),
                ),
            ]
        if not follow:
            return unknown
        answers = self.client.batch([r for _, r in follow])
        failed: dict[str, BatchResponse] = {}
        for op, r in follow:
            if not answers[r.id].ok:
                failed.setdefault(op.external_id, answers[r.id])
        for op in {o.external_id: o for o, _ in follow}.values():
            bad = failed.get(op.external_id)
            if bad is not None and bad.transport_failed:
                unknown.add(op.external_id)
            elif bad is None:
                section.record(replace(op, reason="page was deleted in SharePoint; re-created"))
            else:
                section.record(op, Action.FAILED, status=bad.status, error=str(bad.error()))
        return unknown

    # -- the run -----------------------------------------------------------------------------

    def run(
        self,
        content: Content,
        *,
        dry_run: bool = False,
        plan_printer: Callable[[RunReport, Plan, Plan | None], None] | None = None,
    ) -> RunReport:
        """Sync content into the site; return the run report (``exit_code`` set)."""
        report = RunReport(self.settings.site_url, dry_run=dry_run, pages_enabled=self.settings.pages)
        report.withheld = dict(content.withheld)
        try:
            self._run(content, report, dry_run, plan_printer)
        except (SetupError, ConfigError, TokenError) as exc:
            report.ok, report.exit_code, report.error = False, 2, str(exc)
        except RunStopped as exc:
            report.ok, report.exit_code, report.error = False, 1, str(exc)
        except SharePointError as exc:
            report.ok, report.exit_code, report.error = False, 1, str(exc)
        finally:
            self._fill_stats(report)
            import datetime as dt

            report.finished = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        if report.ok and (report.items.failed or report.pages.failed):
            report.ok, report.exit_code = False, 1
        return report

    def _run(
        self,
        content: Content,
        report: RunReport,
        dry_run: bool,
        plan_printer: Callable[[RunReport, Plan, Plan | None], None] | None,
    ) -> None:
        before = self.client.stats.requests
        target = self.resolve()
        self._phase(report, "resolve", before)
        before = self.client.stats.requests
        try:
            remote = self.read_items(target.site_id, target.list_id, READ_FIELDS)
        except NotFoundError:
            # cached ids went stale (list re-created): resolve afresh once
            self.state.forget(self._key)
            target = self.resolve()
            remote = self.read_items(target.site_id, target.list_id, READ_FIELDS)
        self._phase(report, "read", before)
        item_plan = plan(content.records, remote, self.settings.policy)
        page_plan: Plan | None = None
        owned: dict[str, RemoteItem] = {}
        if self.settings.pages:
            before = self.client.stats.requests
            owned, foreign = self._manifest(target)
            self._phase(report, "read-manifest", before)
            page_plan = self.plan_pages(content.pages, owned, foreign)
        report.planned_write_requests = batches_needed(len(item_plan.writes))
        if page_plan is not None:
            report.planned_write_requests += self._page_requests_estimate(page_plan)
        report.refused = item_plan.refused or (page_plan.refused if page_plan else None)
        self._fill_stats(report)
        if plan_printer is not None:
            plan_printer(report, item_plan, page_plan)
        if dry_run:
            for op in item_plan.ops:
                report.items.record(op)
            for op in page_plan.ops if page_plan else []:
                report.pages.record(op)
            if report.refused:
                report.ok, report.exit_code = False, 1
            return
        if report.refused:
            report.ok, report.exit_code = False, 1
            return
        for op in item_plan.ops:
            if not op.action.writes:
                report.items.record(op)
        before = self.client.stats.requests
        self.apply_items(item_plan.writes, content.records, target, report.items)
        self._phase(report, "write", before)
        if page_plan is not None:
            for op in page_plan.ops:
                if not op.action.writes:
                    report.pages.record(op)
            before = self.client.stats.requests
            unknown = self.apply_pages(page_plan.writes, content.pages, owned, target, report.pages)
            if unknown:
                # Answers were lost: re-read the manifest and plan just those pages again.
                owned, _ = self._manifest(target)
                retry = self.plan_pages(
                    {e: p for e, p in content.pages.items() if e in unknown},
                    {e: r for e, r in owned.items() if e in unknown},
                    [],
                    guard=False,
                )
                first = {op.external_id: op for op in page_plan.writes}
                for op in retry.ops:
                    if op.action is Action.UNCHANGED and op.external_id in first:
                        report.pages.record(first[op.external_id])  # it landed; the answer was lost
                    elif not op.action.writes:
                        report.pages.record(op)
                still = self.apply_pages(retry.writes, content.pages, owned, target, report.pages)
                for eid in sorted(still):
                    report.pages.record(Op(Action.FAILED, eid, "answer lost twice; the next run retries"))
            self._phase(report, "pages", before)

    @staticmethod
    def _page_requests_estimate(page_plan: Plan) -> int:
        creates = page_plan.count(Action.CREATE)
        entries = 2 * creates + 3 * (page_plan.count(Action.UPDATE) + page_plan.count(Action.RETIRE))
        entries += 2 * page_plan.count(Action.DELETE)
        return batches_needed(creates) + batches_needed(entries)
