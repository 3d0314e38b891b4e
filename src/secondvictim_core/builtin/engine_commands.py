"""CLI commands for the engines: assess, assess-template, signs-check and decide.

Thin on purpose: each command loads the bundle, calls an engine function and renders
the result as text (for people) or JSON (for machines). Exit codes: 0 ok; 1 a
problem in the content or the data (unknown ids, bad responses, an incomplete walk);
2 a usage problem.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from .._bundle import Bundle
from .._load import load
from ..engines.actions import action_plan
from ..engines.assessment import (
    OVERALL,
    AssessmentResult,
    ResponsesError,
    Trend,
    compare_rounds,
    is_results_document,
    load_results,
    score_responses,
)
from ..engines.decision import (
    FlowError,
    IncompleteWalkError,
    Step,
    first_question,
    parse_answer,
    walk,
)
from ..engines.report import write_assessment, write_template
from ..engines.signs import SignsCheckResult, UnknownLadderError, UnknownSignError, signs_check
from ..hookspecs import Command, hookimpl
from ..models import AssessmentFramework, DecisionFlow, FlowQuestion, WarningSign


def _error(message: str) -> None:
    print(f"secondvictim: error: {message}", file=sys.stderr)


def _load(args: argparse.Namespace) -> Bundle:
    return load(args.pack, args.overlay, args.locale)


class _NotFound(LookupError):
    """An id given on the command line is not in the bundle (exit 1)."""


def _pick(bundle: Bundle, kind: type[Any], wanted: str | None, option: str) -> Any:
    """The item of ``kind`` named by ``option``; without one, the only item of that kind."""
    found = bundle.of_kind(kind)
    noun = kind.model_fields["kind"].default.replace("_", " ")
    listed = ", ".join(i.id for i in found) or "none"
    if wanted is None:
        if len(found) == 1:
            return found[0]
        msg = f"the content has {len(found)} {noun}s ({listed}); choose one with {option} ID"
        raise _NotFound(msg)
    for item in found:
        if item.id == wanted:
            return item
    msg = f"no {noun} {wanted!r} in the content; {noun}s: {listed}"
    raise _NotFound(msg)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        msg = f"expected a whole number of at least 1, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _progress(stream: TextIO) -> Callable[[int], None] | None:
    """A progress line for large inputs, only when a person is watching the terminal."""
    if not stream.isatty():
        return None

    def show(rows: int) -> None:
        stream.write(f"\rReading responses: {rows:,} rows")
        stream.flush()

    return show


# -- assess ------------------------------------------------------------------------------------


class Assess:
    """``secondvictim assess RESPONSES --framework ID``."""

    name = "assess"
    help = "score Just Culture self-assessment responses (CSV or JSON), with anonymity protection"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("responses", metavar="RESPONSES", type=Path, help="CSV or JSON file")
        parser.add_argument("--framework", metavar="ID", help="assessment framework id")
        parser.add_argument("--by", metavar="COLUMN", help="grouping column, e.g. team")
        parser.add_argument(
            "--compare",
            metavar="OLDER",
            type=Path,
            help="an older round: its results.json or its response file (exit 1 if nothing can be compared)",
        )
        parser.add_argument(
            "--out",
            metavar="DIR",
            type=Path,
            help="write results.json, the action plan and report.html here (a new folder, or one "
            "this command wrote before: it is replaced whole once complete)",
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--min-group",
            metavar="N",
            type=_positive_int,
            help="anonymity floor (default: the framework's min_group_size; may only be raised)",
        )
        parser.add_argument("--round", metavar="LABEL", help="round label, e.g. 2026-Q4")
        parser.add_argument(
            "--min-change",
            metavar="X",
            type=float,
            help="smallest change in a mean worth flagging (default: 5%% of the scale's range)",
        )

    def run(self, args: argparse.Namespace) -> int:
        bundle = _load(args)
        try:
            framework: AssessmentFramework = _pick(bundle, AssessmentFramework, args.framework, "--framework")
        except _NotFound as exc:
            _error(str(exc))
            return 1
        floor = args.min_group
        if floor is not None and floor < framework.min_group_size:
            _error(
                f"--min-group {floor} is below the framework's anonymity floor of "
                f"{framework.min_group_size}; a lower floor must be agreed and set in the "
                "framework (min_group_size, e.g. in an overlay)"
            )
            return 2
        progress = _progress(sys.stderr)
        try:
            result = score_responses(
                framework,
                args.responses,
                by=args.by,
                min_group=floor,
                round_label=args.round,
                progress=progress,
            )
            if progress is not None:
                sys.stderr.write("\n")
            trend = None
            if args.compare is not None:
                older = _older_round(args.compare, framework, args.by, floor)
                trend = compare_rounds(older, result, threshold=args.min_change)
        except ResponsesError as exc:
            if progress is not None:
                sys.stderr.write("\n")
            print(exc.report.render(), file=sys.stderr)
            return 1
        written: tuple[Path, ...] = ()
        if args.out is not None:
            written = write_assessment(args.out, result, trend)
        if args.format == "json":
            doc = result.to_dict()
            if trend is not None:
                doc["trend"] = trend.to_dict()
            print(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False))
        else:
            print(_assessment_text(result, trend))
            if written:
                names = ", ".join(p.name for p in written)
                print(f"\nWrote {names} to {args.out}")
        return 1 if trend is not None and not trend.comparable else 0


def _older_round(path: Path, framework: AssessmentFramework, by: str | None, floor: int | None) -> dict[str, Any]:
    """The older round as a results document: a results.json, or responses scored now."""
    if path.suffix.lower() == ".json":
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            doc = None
        if is_results_document(doc):
            return load_results(path)
    try:
        older = score_responses(framework, path, by=by, min_group=floor, strict_items=False)
    except ResponsesError as exc:
        if by is None or any(p.code != "SVR011" for p in exc.problems):
            raise
        older = score_responses(framework, path, min_group=floor, strict_items=False)
    doc = older.to_dict()
    if doc["round"] is None:
        doc["round"] = path.stem
    return doc


def _figure_line(title: str, result: AssessmentResult, figure_id: str) -> str:
    figure = result.total.figure(figure_id)
    if figure is None:
        why = "withheld" if figure_id in result.total.withheld else "no answers"
        return f"  {title:<32} {why}"
    ci = "" if figure.ci is None else f"{figure.ci[0]:.2f}-{figure.ci[1]:.2f}"
    gap = (
        f" ({figure.gap:.2f} below {figure.next_band.label})"
        if figure.next_band is not None and figure.gap is not None
        else " (top band)"
    )
    return (
        f"  {title:<32} {figure.mean:5.2f}  {ci:<11}  {figure.percent_positive:5.0f}%"
        f"  {figure.n:>5}  {figure.band.label}{gap}"
    )


def _assessment_text(result: AssessmentResult, trend: Trend | None) -> str:
    fw = result.framework
    titles = {d.id: d.title for d in fw.domains} | {OVERALL: "Overall"}
    out = [f"{fw.title}, version {fw.version}" + (f", round {result.round}" if result.round else "")]
    total = result.total
    if total.suppressed:
        out.append(f"Fewer than {result.min_group} people responded: all results are withheld.")
        return "\n".join(out)
    out.append(
        f"People who responded: {total.respondents}. No figure is shown for fewer than {result.min_group} people."
    )
    out += [f"Note: {note}" for note in result.notes]
    out.append("")
    out.append(f"All respondents (n = {total.respondents})")
    header = f"  {'Domain':<32} {'Mean':>5}  {'95% CI':<11}  {'Pos.':>6}  {'n':>5}  Band"
    out.append(header)
    out += [_figure_line(titles[fid], result, fid) for fid in result.figure_ids]
    if result.by is not None:
        out.append("")
        out.append(f"By {result.by}")
        for group in result.groups:
            if group.suppressed:
                out.append(f"  {group.name}: withheld to protect anonymity")
                continue
            parts = []
            for fid in result.figure_ids:
                figure = group.figure(fid)
                shown = "no answers" if figure is None else f"{figure.mean:.2f} ({figure.band.label})"
                parts.append(f"{titles[fid]} {shown}")
            out.append(f"  {group.name} (n = {group.respondents}): " + "; ".join(parts))
    if trend is not None:
        out.append("")
        out.append(f"Change since {trend.older_round or 'the older round'}")
        out += [f"  Not compared: {p}" for p in trend.problems]
        for change in trend.changes:
            if change.group is not None:
                continue
            if change.change is None:
                out.append(f"  {titles.get(change.figure, change.figure):<32} {change.note}")
                continue
            flag = "meaningful" if change.meaningful else f"not meaningful: {change.note}"
            assert change.older is not None and change.newer is not None
            out.append(
                f"  {titles[change.figure]:<32} {change.older['mean']:.2f} -> "
                f"{change.newer['mean']:.2f} ({change.change:+.2f}; {flag})"
            )
    plan = [p for p in action_plan(result) if p.group is None]
    if plan:
        out.append("")
        out.append("Action plan (all respondents; nearest to the next band first)")
        for entry in plan:
            figure = entry.figure
            where = (
                f"{figure.gap:.2f} below {figure.next_band.label}"
                if figure.next_band is not None and figure.gap is not None
                else "top band"
            )
            out.append(f"  {entry.priority}. {entry.domain.title}: {entry.band.label}, {where}")
            if not entry.actions:
                out.append("     (the framework lists no actions for this band)")
            out += [f"     - {action.text}  [owner: ____ ]" for action in entry.actions]
    return "\n".join(out)


# -- assess-template ---------------------------------------------------------------------------


class AssessTemplate:
    """``secondvictim assess-template --framework ID --out DIR``."""

    name = "assess-template"
    help = "write a blank response file (CSV) and a printable response form (HTML)"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--framework", metavar="ID", help="assessment framework id")
        parser.add_argument("--out", metavar="DIR", type=Path, required=True)
        parser.add_argument(
            "--group",
            metavar="COLUMN",
            action="append",
            default=[],
            help="a grouping column to include, e.g. team (repeatable)",
        )

    def run(self, args: argparse.Namespace) -> int:
        bundle = _load(args)
        try:
            framework = _pick(bundle, AssessmentFramework, args.framework, "--framework")
        except _NotFound as exc:
            _error(str(exc))
            return 1
        written = write_template(args.out, framework, args.group)
        print(f"Wrote {', '.join(p.name for p in written)} to {args.out}")
        return 0


# -- signs-check -------------------------------------------------------------------------------


class SignsCheck:
    """``secondvictim signs-check SIGN_ID...``."""

    name = "signs-check"
    help = "recommend a support level and services for the warning signs someone shows"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("signs", metavar="SIGN_ID", nargs="*", help="warning sign ids")
        parser.add_argument("--ladder", metavar="ID", help="support ladder (default: the organisation's)")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument("--list", action="store_true", help="list the warning sign ids and stop")

    def run(self, args: argparse.Namespace) -> int:
        bundle = _load(args)
        if args.list:
            for sign in bundle.of_kind(WarningSign):
                flag = "  [red flag]" if sign.red_flag else ""
                print(f"{sign.id:<36} {sign.title}{flag}")
            return 0
        try:
            result = signs_check(bundle, args.signs, ladder=args.ladder)
        except (UnknownSignError, UnknownLadderError) as exc:
            _error(str(exc))
            return 1
        if args.format == "json":
            print(json.dumps(result.to_dict(), indent=2, sort_keys=True, ensure_ascii=False))
        else:
            print(_signs_text(result))
        return 0


def _indent(text: str, prefix: str = "  ") -> str:
    return textwrap.indent(text.strip(), prefix)


def _signs_text(result: SignsCheckResult) -> str:
    out: list[str] = []
    if result.urgent:
        names = ", ".join(s.title for s in result.red_flags)
        out.append(f"URGENT: red flag selected ({names}). Offer the crisis services below now.")
        out.append("If someone's life is at risk, call 999.")
        out.append("")
    level = result.level
    out.append(f"Recommended support: {level.title} (level {level.rank}; ladder: {result.ladder.title})")
    if result.reason:
        out.append("Because of: " + ", ".join(s.title for s in result.reason))
    else:
        out.append("No signs selected: the first level of support is for everyone affected.")
    out.append(f"Who gives it: {level.who_delivers}")
    out.append(f"How soon: {level.response_target}")
    out.append("What it looks like:")
    out += [f"  - {approach}" for approach in level.approaches]
    out.append("")
    out.append("What to do:")
    out.append(_indent(result.manager_guidance))
    if result.signposts:
        out.append("")
        out.append("Services to offer:")
        for post in result.signposts:
            tag = " (emergency)" if post.emergency else " (crisis)" if post.crisis else ""
            out.append(f"  - {post.title}{tag}: {post.organisation}")
            for channel in post.channels:
                label = f" ({channel.label})" if channel.label else ""
                keyword = f" {channel.keyword} to" if channel.keyword else ""
                verb = {"phone": "call", "text": "text", "email": "email", "web": "visit"}
                out.append(f"      {verb[channel.type.value]}{keyword} {channel.value}{label}")
            if post.hours:
                out.append(f"      {post.hours}")
    if result.nation is not None:
        out.append("")
        out.append(f"Services shown for: {result.nation.value.replace('_', ' ').title()}")
    return "\n".join(out)


# -- decide ------------------------------------------------------------------------------------


def _answer(text: str) -> tuple[str, bool]:
    question, sep, value = text.partition("=")
    if not sep or not question.strip():
        msg = f"expected QUESTION_ID=yes or QUESTION_ID=no, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    try:
        return question.strip(), parse_answer(value)
    except ValueError as exc:
        msg = f"{question.strip()}: {exc}"
        raise argparse.ArgumentTypeError(msg) from None


class Decide:
    """``secondvictim decide --flow ID --answer QID=yes ...``."""

    name = "decide"
    help = "walk a just culture decision flow: an aid to a fair conversation, not a verdict"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--flow", metavar="ID", help="decision flow id")
        parser.add_argument(
            "--answer",
            metavar="QID=yes|no",
            type=_answer,
            action="append",
            default=[],
            help="an answer (repeatable); without any, the first question is shown",
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def run(self, args: argparse.Namespace) -> int:
        bundle = _load(args)
        try:
            flow: DecisionFlow = _pick(bundle, DecisionFlow, args.flow, "--flow")
        except _NotFound as exc:
            _error(str(exc))
            return 1
        answers: dict[str, bool] = {}
        for qid, value in args.answer:
            if answers.get(qid, value) != value:
                _error(f"question {qid!r} is answered both yes and no")
                return 2
            answers[qid] = value
        as_json = args.format == "json"
        if not answers:
            self._show_next(flow, (), first_question(flow), as_json)
            return 0
        try:
            result = walk(flow, answers)
        except IncompleteWalkError as exc:
            if not as_json:
                print(str(exc), file=sys.stderr)
            self._show_next(flow, exc.route, exc.next_question, as_json)
            return 1
        except FlowError as exc:
            _error(str(exc))
            return 1
        if as_json:
            doc = result.to_dict() | {"complete": True}
            print(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False))
            return 0
        out = [f"{flow.title}", "", _indent(flow.disclaimer, ""), ""]
        out += _route_lines(result.route)
        out += ["", f"Suggested focus for the conversation: {result.outcome.title}"]
        out.append(_indent(result.outcome.guidance))
        out += ["", _indent(flow.disclaimer, "")]
        print("\n".join(out))
        return 0

    @staticmethod
    def _show_next(flow: DecisionFlow, route: Sequence[Step], question: FlowQuestion, as_json: bool) -> None:
        if as_json:
            doc = {
                "disclaimer": flow.disclaimer,
                "flow": flow.id,
                "complete": False,
                "route": [{"question": s.question.id, "answer": "yes" if s.answer else "no"} for s in route],
                "next_question": {
                    "id": question.id,
                    "test": question.test,
                    "text": question.question,
                    "help": question.help,
                },
            }
            print(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False))
            return
        out = [f"{flow.title}", "", _indent(flow.disclaimer, ""), ""]
        if route:
            out += [*_route_lines(route), ""]
        out.append(f"Next: {question.test}")
        out.append(f"  {question.question}")
        if question.help:
            out.append(_indent(question.help, "  "))
        out.append("")
        out.append(f"Answer with: --answer {question.id}=yes  or  --answer {question.id}=no")
        print("\n".join(out))


def _route_lines(route: Sequence[Step]) -> list[str]:
    lines = ["Your answers:"]
    for number, step in enumerate(route, start=1):
        word = "yes" if step.answer else "no"
        lines.append(f"  {number}. {step.question.test}: {step.question.question} {word.upper()}")
    return lines


@hookimpl
def register_commands() -> list[Command]:
    """The engine commands."""
    return [Assess(), AssessTemplate(), SignsCheck(), Decide()]


__all__ = ["register_commands"]
