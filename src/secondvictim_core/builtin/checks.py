"""Integrity checks: ids resolve to the right kind, ladders make sense, flows end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from .._bundle import Bundle
from .._report import Problem
from ..hookspecs import hookimpl
from ..models import (
    CaseStudy,
    ContentItem,
    DecisionFlow,
    Faq,
    GuidanceArticle,
    Question,
    Story,
    SupportLadder,
    SupportLevel,
    WarningSign,
)


def _problem(bundle: Bundle, item_id: str, loc: tuple[str | int, ...], code: str, msg: str,
             severity: str = "error") -> Problem:
    file, line, column = bundle.locate(item_id, *loc)
    return Problem(file, line, column, code, msg, severity, loc)  # type: ignore[arg-type]


def _refs(item: ContentItem) -> Iterator[tuple[tuple[str | int, ...], str, str | None]]:
    """(location, target id, required kind or None) for every reference an item makes."""
    if isinstance(item, GuidanceArticle | Faq | CaseStudy):
        for i, ref in enumerate(item.related):
            yield ("related", i), ref, None
    if isinstance(item, SupportLevel):
        yield ("ladder",), item.ladder, "support_ladder"
        for i, ref in enumerate(item.signs):
            yield ("signs", i), ref, "warning_sign"
        for i, ref in enumerate(item.signposts):
            yield ("signposts", i), ref, "signpost"
    if isinstance(item, WarningSign):
        yield ("support_level",), item.support_level, "support_level"
    if isinstance(item, Story):
        for i, use in enumerate(item.coping):
            yield ("coping", i, "strategy"), use.strategy, "coping_strategy"
    if isinstance(item, Question):
        for i, ref in enumerate(item.checks):
            yield ("checks", i), ref, None


@hookimpl
def check_bundle(bundle: Bundle, today: dt.date) -> list[Problem]:
    """References resolve, ladders have one default and distinct ranks, flows terminate."""
    problems: list[Problem] = []
    for item in bundle.items:
        for loc, target, kind in _refs(item):
            if target not in bundle and bundle.is_known(target):
                continue
            if target not in bundle:
                msg = f"{'.'.join(map(str, loc))}: no item has the id {target!r}"
                problems.append(_problem(bundle, item.id, loc, "SV202", msg))
            elif kind is not None and bundle.get(target).kind != kind:
                got = bundle.get(target).kind
                msg = f"{'.'.join(map(str, loc))}: {target!r} is a {got}, expected a {kind}"
                problems.append(_problem(bundle, item.id, loc, "SV204", msg))
        if isinstance(item, DecisionFlow):
            problems.extend(_check_flow(bundle, item))
    problems.extend(_check_ladders(bundle))
    org = bundle.settings.organisation
    if org and org.support_ladder and org.support_ladder not in bundle:
        msg = f"organisation.support_ladder names {org.support_ladder!r}, which does not exist"
        problems.append(Problem("", 0, 0, "SV202", msg))
    return problems


def _check_ladders(bundle: Bundle) -> list[Problem]:
    problems: list[Problem] = []
    ladders = bundle.of_kind(SupportLadder)
    defaults = [lad for lad in ladders if lad.default]
    if len(defaults) > 1:
        for extra in defaults[1:]:
            msg = (f"more than one support ladder is marked default: {defaults[0].id!r} and "
                   f"{extra.id!r}")
            problems.append(_problem(bundle, extra.id, ("default",), "SV205", msg))
    ranks: dict[tuple[str, int], str] = {}
    for level in bundle.of_kind(SupportLevel):
        key = (level.ladder, level.rank)
        if key in ranks:
            msg = f"ladder {level.ladder!r} already has a level with rank {level.rank}: {ranks[key]!r}"
            problems.append(_problem(bundle, level.id, ("rank",), "SV205", msg))
        ranks[key] = level.id
    return problems


def _check_flow(bundle: Bundle, flow: DecisionFlow) -> list[Problem]:
    problems: list[Problem] = []
    questions = {q.id: i for i, q in enumerate(flow.questions)}
    outcomes = {o.id for o in flow.outcomes}
    if flow.start not in questions:
        msg = f"start: no question has the id {flow.start!r}"
        problems.append(_problem(bundle, flow.id, ("start",), "SV203", msg))
    for i, question in enumerate(flow.questions):
        for answer in ("yes", "no"):
            route = getattr(question, answer)
            if route.next is not None:
                if route.next not in questions:
                    msg = f"questions.{i}.{answer}.next: no question has the id {route.next!r}"
                    problems.append(_problem(bundle, flow.id, ("questions", i, answer, "next"),
                                             "SV203", msg))
                elif questions[route.next] <= i:
                    msg = (f"questions.{i}.{answer}.next: {route.next!r} comes earlier in the flow; "
                           "routes must go forward so that every walk ends")
                    problems.append(_problem(bundle, flow.id, ("questions", i, answer, "next"),
                                             "SV203", msg))
            elif route.outcome not in outcomes:
                msg = f"questions.{i}.{answer}.outcome: no outcome has the id {route.outcome!r}"
                problems.append(_problem(bundle, flow.id, ("questions", i, answer, "outcome"),
                                         "SV203", msg))
    return problems
