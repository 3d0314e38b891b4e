"""Action plans from assessment results: each domain's actions for the band it is in.

The actions are content (``domain.actions`` in the framework), chosen by the band a
domain's mean falls in. Within a group, domains are ordered by the gap to the next
band, smallest first: the domains closest to moving up come first, and top-band
domains (no next band) come last. Owners and dates are left blank for the team
to fill in. Withheld groups and figures get no plan (a band would hint at a score).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..models import Action, Band, Domain
from .assessment import AssessmentResult, Figure, GroupResult

ALL_RESPONDENTS = "All respondents"
"""How the plan names the whole population (the row without a group)."""

CSV_COLUMNS = (
    "group",
    "priority",
    "domain",
    "domain_title",
    "band",
    "band_label",
    "mean",
    "n",
    "next_band",
    "gap_to_next_band",
    "action",
    "owner",
    "due_date",
    "progress",
)
"""Columns of action-plan.csv; the last three are for the team to fill in."""


@dataclass(frozen=True)
class PlannedDomain:
    """One domain of one group's plan."""

    group: str | None
    """The group, or None for all respondents."""
    priority: int
    """1 for the domain nearest to its next band."""
    domain: Domain
    figure: Figure
    actions: tuple[Action, ...]
    """The framework's actions for the band the domain is in (may be empty)."""

    @property
    def band(self) -> Band:
        """The band the domain is in."""
        return self.figure.band

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with empty owner and due date for each action."""
        gap = self.figure.gap
        return {
            "priority": self.priority,
            "domain": self.domain.id,
            "domain_title": self.domain.title,
            "band": self.band.id,
            "band_label": self.band.label,
            "mean": round(self.figure.mean, 3),
            "n": self.figure.n,
            "next_band": None if self.figure.next_band is None else self.figure.next_band.id,
            "gap_to_next_band": None if gap is None else round(gap, 3),
            "actions": [{"text": a.text, "owner": "", "due_date": "", "progress": ""} for a in self.actions],
        }


def _plan_group(result: AssessmentResult, group: GroupResult) -> list[PlannedDomain]:
    if group.suppressed:
        return []
    found: list[tuple[Domain, Figure]] = []
    for domain in result.framework.domains:
        figure = group.figure(domain.id)
        if figure is not None:
            found.append((domain, figure))
    order = {d.id: i for i, d in enumerate(result.framework.domains)}

    def urgency(pair: tuple[Domain, Figure]) -> tuple[bool, float, float, int]:
        domain, figure = pair
        gap = figure.gap
        return (gap is None, gap or 0.0, figure.mean, order[domain.id])

    return [
        PlannedDomain(
            group.name,
            priority,
            domain,
            figure,
            tuple(a for a in domain.actions if a.band == figure.band.id),
        )
        for priority, (domain, figure) in enumerate(sorted(found, key=urgency), start=1)
    ]


def action_plan(result: AssessmentResult) -> tuple[PlannedDomain, ...]:
    """The plan for all respondents, then for each published group."""
    planned = _plan_group(result, result.total)
    for group in result.groups:
        planned.extend(_plan_group(result, group))
    return tuple(planned)


def plan_to_dict(result: AssessmentResult, plan: Sequence[PlannedDomain]) -> dict[str, Any]:
    """action-plan.json: the plan grouped as in results.json."""
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for entry in plan:
        groups.setdefault(entry.group, []).append(entry.to_dict())
    return {
        "framework": {"id": result.framework.id, "version": result.framework.version},
        "round": result.round,
        "order": "within each group, smallest gap to the next band first; top band last",
        "all": groups.get(None, []),
        "groups": [{"group": name, "domains": domains} for name, domains in groups.items() if name is not None],
    }


def plan_to_csv(plan: Sequence[PlannedDomain]) -> str:
    """action-plan.csv: one row per action (one row with a blank action when none is listed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in plan:
        figure = entry.figure
        gap = figure.gap
        base = [
            entry.group if entry.group is not None else ALL_RESPONDENTS,
            entry.priority,
            entry.domain.id,
            entry.domain.title,
            entry.band.id,
            entry.band.label,
            f"{figure.mean:.2f}",
            figure.n,
            figure.next_band.id if figure.next_band else "",
            "" if gap is None else f"{gap:.2f}",
        ]
        for action in entry.actions or (None,):
            writer.writerow([*base, action.text if action else "", "", "", ""])
    return buffer.getvalue()
