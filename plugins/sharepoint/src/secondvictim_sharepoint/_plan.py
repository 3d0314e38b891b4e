"""Planning: desired records + one read of remote state -> a deterministic list of operations.

The plan is pure (no I/O), so ``--dry-run`` shows exactly what a run would do, and the same
function re-plans single items after a 412 or an ambiguous create (re-read, then decide again,
never blind-overwrite).

Ownership (research §6.4) needs all of: ``SvSource`` equal to our owner tag, an external id in
our ``kind:id`` namespace, and a list the tool manages (checked when the list is resolved).
Anything else is *foreign*: reported, never written.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._model import ACTIVE, EXTERNAL_ID, RETIRED, Record, content_hash


class Action(enum.StrEnum):
    """What the plan does with one item."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    RETIRE = "retire"
    DELETE = "delete"
    FOREIGN = "foreign"
    CONFLICT = "conflict"
    FAILED = "failed"

    @property
    def writes(self) -> bool:
        """Whether the action sends a request."""
        return self in {Action.CREATE, Action.UPDATE, Action.RETIRE, Action.DELETE}


class OnConflict(enum.StrEnum):
    """What to do with an owned item a person edited in SharePoint."""

    OVERWRITE = "overwrite"
    SKIP = "skip"
    FAIL = "fail"


@dataclass(frozen=True)
class RemoteItem:
    """One list item as read from SharePoint."""

    item_id: str
    etag: str
    fields: Mapping[str, Any]

    @property
    def external_id(self) -> str:
        """``SvExternalId`` (empty if missing)."""
        return str(self.fields.get("SvExternalId") or "")

    @property
    def source(self) -> str:
        """``SvSource`` (empty if missing)."""
        return str(self.fields.get("SvSource") or "")

    @property
    def stored_hash(self) -> str:
        """``SvContentHash`` as stored."""
        return str(self.fields.get("SvContentHash") or "")

    @property
    def status(self) -> str:
        """``SvStatus``."""
        return str(self.fields.get("SvStatus") or "")

    def owned_by(self, owner: str) -> bool:
        """Our item: owner tag matches and the external id is in our namespace."""
        return self.source == owner and bool(EXTERNAL_ID.match(self.external_id))

    @property
    def actual_hash(self) -> str:
        """The hash recomputed from the remote values of the owned columns."""
        return content_hash(self.fields)

    @property
    def drifted(self) -> bool:
        """A person changed an owned value since the tool wrote it."""
        return self.actual_hash != self.stored_hash


@dataclass(frozen=True)
class Op:
    """One planned operation."""

    action: Action
    external_id: str
    reason: str
    item_id: str | None = None
    etag: str | None = None
    fields: Mapping[str, Any] | None = None
    title: str = ""
    human_edit: bool = False
    """The item was edited by a person (counted as a conflict even when overwritten)."""


@dataclass
class Plan:
    """The operations of a run, sorted for stable output."""

    ops: list[Op] = field(default_factory=list)
    refused: str | None = None
    """Why the run must not write (mass-delete guard, --on-conflict fail), if so."""

    def count(self, action: Action) -> int:
        """How many ops have this action."""
        return sum(1 for op in self.ops if op.action is action)

    @property
    def writes(self) -> list[Op]:
        """Ops that send requests."""
        return [op for op in self.ops if op.action.writes]

    @property
    def human_edits(self) -> int:
        """Owned items a person edited (whatever the policy did with them)."""
        return sum(1 for op in self.ops if op.human_edit)


@dataclass(frozen=True)
class Policy:
    """The run's rules."""

    owner: str = "secondvictim"
    on_conflict: OnConflict = OnConflict.SKIP
    allow_delete: bool = False
    full_set: bool = True
    """False for a filtered run (``--kind``): nothing is retired or deleted."""
    max_delete_ratio: float = 0.2
    allow_mass_delete: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "on_conflict", OnConflict(self.on_conflict))


_ORDER = {a: n for n, a in enumerate(Action)}


def plan_item(record: Record | None, remotes: Iterable[RemoteItem], policy: Policy, external_id: str) -> Op:
    """Decide what to do with one external id, given every remote item carrying it.

    Remote items with that id that are not ours are reported by :func:`plan` separately;
    here they only block a create (the unique index would reject it anyway).
    """
    remotes = sorted(remotes, key=lambda r: int(r.item_id) if r.item_id.isdigit() else 0)
    owned = [r for r in remotes if r.owned_by(policy.owner)]
    title = record.title if record else ""
    if not owned:
        if record is None:
            return Op(Action.UNCHANGED, external_id, "not in content and not ours", title=title)
        if remotes:
            return Op(
                Action.CONFLICT,
                external_id,
                f"an item not managed by {policy.owner!r} already uses this external id "
                f"(item {remotes[0].item_id}); it is left alone",
                title=title,
            )
        if (problem := record.problem()) is not None:
            return Op(Action.FAILED, external_id, problem, title=title)
        return Op(Action.CREATE, external_id, "new in content", fields=record.fields(policy.owner), title=title)
    remote = owned[0]
    base: dict[str, Any] = {
        "item_id": remote.item_id,
        "etag": remote.etag,
        "title": title or str(remote.fields.get("Title") or ""),
    }
    drift = remote.drifted
    if record is None:
        if not policy.full_set:
            return Op(Action.UNCHANGED, external_id, "outside this run's filter", **base)
        if policy.allow_delete:
            if drift and policy.on_conflict is not OnConflict.OVERWRITE:
                return _conflict(external_id, policy, "delete", base)
            return Op(Action.DELETE, external_id, "removed from content (--allow-delete)", human_edit=drift, **base)
        if remote.status == RETIRED:
            return Op(Action.UNCHANGED, external_id, "already retired", **base)
        if drift and policy.on_conflict is not OnConflict.OVERWRITE:
            return _conflict(external_id, policy, "retire", base)
        values = {k: remote.fields.get(k) for k in ("Title", "SvKind", "SvSummary", "SvData", "SvOrder")}
        values["SvStatus"] = RETIRED
        return Op(
            Action.RETIRE,
            external_id,
            "removed from content",
            fields={"SvStatus": RETIRED, "SvContentHash": content_hash(values)},
            human_edit=drift,
            **base,
        )
    if (problem := record.problem()) is not None:
        return Op(Action.FAILED, external_id, problem, **base)
    if remote.stored_hash == record.hash and not drift:
        return Op(Action.UNCHANGED, external_id, "content hash matches", **base)
    if drift:
        if policy.on_conflict is not OnConflict.OVERWRITE:
            return _conflict(external_id, policy, "update", base)
        return Op(
            Action.UPDATE,
            external_id,
            "edited in SharePoint; overwritten (--on-conflict overwrite)",
            fields=record.fields(policy.owner),
            human_edit=True,
            **base,
        )
    reason = "reactivated: back in content" if remote.status == RETIRED else "content changed"
    return Op(Action.UPDATE, external_id, reason, fields=record.fields(policy.owner), **base)


def _conflict(external_id: str, policy: Policy, would: str, base: dict[str, Any]) -> Op:
    how = "run stops (--on-conflict fail)" if policy.on_conflict is OnConflict.FAIL else "skipped"
    return Op(
        Action.CONFLICT,
        external_id,
        f"edited in SharePoint since the last sync; {would} {how}",
        human_edit=True,
        **base,
    )


def plan(desired: Mapping[str, Record], remote: Iterable[RemoteItem], policy: Policy) -> Plan:
    """Diff desired records against remote items into a sorted plan, applying the guards."""
    by_eid: dict[str, list[RemoteItem]] = {}
    ops: list[Op] = []
    for r in remote:
        if r.owned_by(policy.owner):
            by_eid.setdefault(r.external_id, []).append(r)
        else:
            who = f"SvSource={r.source!r}" if r.source else "no ownership marker"
            ops.append(
                Op(
                    Action.FOREIGN,
                    r.external_id or f"item:{r.item_id}",
                    f"not managed by {policy.owner!r} ({who}); never changed",
                    item_id=r.item_id,
                    title=str(r.fields.get("Title") or ""),
                )
            )
            if r.external_id:
                by_eid.setdefault(r.external_id, [])
                by_eid[r.external_id].append(r)
    for eid in sorted(set(desired) | set(by_eid)):
        items = by_eid.get(eid, [])
        record = desired.get(eid)
        if record is None and not any(r.owned_by(policy.owner) for r in items):
            continue  # foreign only: already reported
        ops.append(plan_item(record, items, policy, eid))
        owned = sorted(
            (r for r in items if r.owned_by(policy.owner)), key=lambda r: int(r.item_id) if r.item_id.isdigit() else 0
        )
        for dup in owned[1:]:
            if policy.allow_delete and policy.full_set:
                ops.append(
                    Op(
                        Action.DELETE,
                        eid,
                        f"duplicate of item {owned[0].item_id} (--allow-delete)",
                        item_id=dup.item_id,
                        etag=dup.etag,
                    )
                )
            else:
                ops.append(
                    Op(
                        Action.CONFLICT,
                        eid,
                        f"duplicate of item {owned[0].item_id}; left alone (use --allow-delete)",
                        item_id=dup.item_id,
                    )
                )
    ops.sort(key=lambda op: (_ORDER[op.action], op.external_id, op.item_id or ""))
    result = Plan(ops)
    owned_total = sum(1 for r in remote_list(by_eid) if r.owned_by(policy.owner))
    check_guards(result, owned_total, policy)
    return result


def remote_list(by_eid: Mapping[str, list[RemoteItem]]) -> list[RemoteItem]:
    """Flatten, de-duplicated by item id."""
    seen: dict[str, RemoteItem] = {}
    for items in by_eid.values():
        for r in items:
            seen[r.item_id] = r
    return list(seen.values())


def check_guards(result: Plan, owned_total: int, policy: Policy) -> None:
    """Refuse the run on a mass removal or (with ``--on-conflict fail``) any human edit."""
    removals = result.count(Action.RETIRE) + result.count(Action.DELETE)
    limit = policy.max_delete_ratio * owned_total
    if removals and removals > limit and not policy.allow_mass_delete:
        result.refused = (
            f"mass-delete guard: this run would retire or delete {removals} of {owned_total} "
            f"owned items (more than {policy.max_delete_ratio:.0%}); check the pack, overlays "
            "and locale, then re-run with --allow-mass-delete if this is intended"
        )
    elif policy.on_conflict is OnConflict.FAIL and result.human_edits:
        result.refused = (
            f"{result.human_edits} item(s) were edited in SharePoint since the last sync "
            "(--on-conflict fail); resolve them or choose --on-conflict skip/overwrite"
        )


__all__ = ["ACTIVE", "Action", "OnConflict", "Op", "Plan", "Policy", "RemoteItem", "plan", "plan_item"]
