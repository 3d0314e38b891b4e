"""The run report (JSON for the IT team's logs), the plan as text, and the terminal progress line.

The report holds counts, per-item outcomes with reasons and Graph request ids (what Microsoft
support asks for), and request accounting. It never holds a secret: nothing here is given one.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ._plan import Action, Op

COUNTED = ("created", "updated", "unchanged", "retired", "deleted", "foreign", "conflicts", "failed")
_DONE = {
    Action.CREATE: "created",
    Action.UPDATE: "updated",
    Action.UNCHANGED: "unchanged",
    Action.RETIRE: "retired",
    Action.DELETE: "deleted",
    Action.FOREIGN: "foreign",
    Action.CONFLICT: "conflicts",
    Action.FAILED: "failed",
}


@dataclass
class Outcome:
    """What happened to one item (or page)."""

    external_id: str
    action: str
    reason: str
    item_id: str | None = None
    status: int | None = None
    error: str | None = None
    request_id: str | None = None


@dataclass
class Section:
    """Counts and outcomes for the list items or the pages."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    deleted: int = 0
    foreign: int = 0
    conflicts: int = 0
    failed: int = 0
    outcomes: list[Outcome] = field(default_factory=list)

    def record(self, op: Op, action: Action | None = None, **extra: Any) -> None:
        """Count an op's final result and keep the detail unless it is plain ``unchanged``."""
        action = action or op.action
        name = _DONE[action]
        setattr(self, name, getattr(self, name) + 1)
        if op.human_edit and action is not Action.CONFLICT:
            self.conflicts += 1
        if action is not Action.UNCHANGED or op.human_edit:
            self.outcomes.append(Outcome(op.external_id, action.value, op.reason, op.item_id, **extra))

    def counts(self) -> dict[str, int]:
        """The eight counters."""
        return {k: int(getattr(self, k)) for k in COUNTED}


@dataclass
class RunReport:
    """Everything a run did; ``to_json`` is what ``--report FILE`` writes."""

    site: str
    dry_run: bool = False
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    finished: str | None = None
    ok: bool = True
    exit_code: int = 0
    error: str | None = None
    refused: str | None = None
    requests: int = 0
    token_requests: int = 0
    batch_entries: int = 0
    retries: int = 0
    throttled: int = 0
    throttled_wait_seconds: float = 0.0
    requests_by_phase: dict[str, int] = field(default_factory=dict)
    planned_write_requests: int = 0
    withheld: dict[str, str] = field(default_factory=dict)
    items: Section = field(default_factory=Section)
    pages: Section = field(default_factory=Section)
    pages_enabled: bool = False

    def totals(self) -> dict[str, int]:
        """Items and pages added together."""
        a, b = self.items.counts(), self.pages.counts()
        return {k: a[k] + b[k] for k in COUNTED}

    def to_json(self) -> dict[str, Any]:
        """The JSON run report."""
        out: dict[str, Any] = {
            "tool": "secondvictim-sharepoint",
            "run_id": self.run_id,
            "site": self.site,
            "dry_run": self.dry_run,
            "started": self.started,
            "finished": self.finished,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "error": self.error,
            "refused": self.refused,
            "requests": self.requests,
            "token_requests": self.token_requests,
            "batch_entries": self.batch_entries,
            "retries": self.retries,
            "throttled": self.throttled,
            "throttled_wait_seconds": self.throttled_wait_seconds,
            "requests_by_phase": dict(self.requests_by_phase),
            "planned_write_requests": self.planned_write_requests,
        }
        out.update(self.totals())
        out["withheld"] = dict(sorted(self.withheld.items()))
        out["items"] = self.items.counts() | {"outcomes": [asdict(o) for o in self.items.outcomes]}
        if self.pages_enabled:
            out["pages"] = self.pages.counts() | {"outcomes": [asdict(o) for o in self.pages.outcomes]}
        return out

    def write(self, path: Path) -> None:
        """Write the JSON report (via a temporary file, so a reader never sees half of it)."""
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n", encoding="utf-8")
        tmp.replace(path)

    def summary(self) -> str:
        """One paragraph for the terminal."""
        t = self.totals()
        what = "would change" if self.dry_run else "done"
        counts = ", ".join(f"{k} {t[k]}" for k in COUNTED)
        line = f"SharePoint sync {what}: {counts}."
        req = (
            f"Requests: {self.requests} to Graph ({self.batch_entries} batch entries), "
            f"{self.token_requests} to the identity platform"
        )
        if self.throttled:
            req += f"; throttled {self.throttled}x, waited {self.throttled_wait_seconds:g}s"
        lines = [line, req + "."]
        if self.withheld:
            lines.append(
                f"Withheld {len(self.withheld)} item(s): "
                + "; ".join(f"{k}: {v}" for k, v in sorted(self.withheld.items()))
            )
        if self.refused:
            lines.append(f"Refused: {self.refused}")
        if self.error:
            lines.append(f"Error: {self.error}")
        return "\n".join(lines)


def render_plan(report: RunReport, ops: list[Op], page_ops: list[Op], *, verbose: bool) -> str:
    """The dry-run plan: counts, reasons per item and the number of requests it will cost."""
    lines = [f"Plan for {report.site}"]

    def block(title: str, items: list[Op]) -> None:
        counts: dict[str, int] = {}
        for op in items:
            counts[op.action.value] = counts.get(op.action.value, 0) + 1
        lines.append(f"  {title}: " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "nothing"))
        for op in items:
            if op.action is Action.UNCHANGED and not verbose:
                continue
            lines.append(f"    {op.action.value:<9} {op.external_id:<48} {op.reason}")

    block("list items", ops)
    if report.pages_enabled:
        block("pages", page_ops)
    writes = report.planned_write_requests
    lines.append(
        f"  requests: {report.requests} Graph request(s) made to read "
        f"(+{report.token_requests} token request(s)); about {writes} more to apply."
    )
    if report.withheld:
        for eid, why in sorted(report.withheld.items()):
            lines.append(f"    withheld  {eid:<48} {why}")
    if report.refused:
        lines.append(f"  refused: {report.refused}")
    return "\n".join(lines)


def batches_needed(entries: int, size: int = 20) -> int:
    """``$batch`` envelopes for a number of sub-requests."""
    return math.ceil(entries / size) if entries else 0


class Progress:
    """A one-line progress display on a terminal (silent when not a TTY, e.g. under cron)."""

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.label = ""
        self.total = 0
        self.done = 0

    def start(self, label: str, total: int) -> None:
        """Begin a phase."""
        self.label, self.total, self.done = label, total, 0
        self._draw()

    def advance(self, n: int) -> None:
        """Count work done."""
        self.done += n
        self._draw()

    def finish(self) -> None:
        """End the phase (leave the line)."""
        if self.enabled and self.total:
            self.stream.write("\n")
            self.stream.flush()
        self.total = 0

    def _draw(self) -> None:
        if not self.enabled or not self.total:
            return
        width = 30
        filled = int(width * min(self.done, self.total) / self.total)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{self.label:<14} [{bar}] {min(self.done, self.total)}/{self.total}")
        self.stream.flush()
