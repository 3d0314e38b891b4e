"""The Just Culture self-assessment: read responses, score, protect anonymity, compare rounds.

Every rule comes from the framework (content), not from code: the scale and which
answers count as positive, which items are reverse-scored, the domains, the bands
and the anonymity floor. An organisation changes them with an overlay.

How scores are defined (and why):

- An item's score is the answer on the scale; a reverse-scored item is mirrored
  (``min + max - answer``) so that a higher score is always the more just answer.
  A blank cell is *not answered*: it adds nothing, it is never a zero.
- A respondent's domain score is the mean of the items they answered in the domain.
  The domain **mean** is the mean of those respondent scores, so ``n`` is people (the
  independent unit) and the 95% interval is a t interval over people.
- **Percent positive** pools the answered items of the domain: positive answers
  (at or above ``scale.positive_from`` after reverse scoring) over answers given,
  as the AHRQ and JCAT surveys report it. ``responses`` is the number of answers.
- The **overall** figure treats all items as one domain (a respondent's overall
  score is the mean of every item they answered).
- A domain's **band** is the highest band whose ``min_score`` the mean reaches.

Anonymity (why the rules are stricter than "hide small groups"): a table of groups
plus an "all respondents" row lets anyone subtract the published groups from the
total. So:

1. A group is withheld whole when it has fewer respondents than the floor, or when
   any of its figures rests on fewer answers than the floor (a row is published
   complete or not at all, so no figure can be rebuilt from the others in its row).
2. Complementary suppression: for every figure published in the total row, the
   withheld groups together must hold either no answers or at least the floor. If
   not, the next-smallest published group is withheld too, and so on. This covers
   "exactly one group withheld" (the subtraction case) and also two tiny groups
   whose sum is still below the floor.
3. In the total row, a figure below the floor is withheld, and then the overall
   figure too (it is an aggregate of the domains).
4. Individual responses and respondent ids never appear in any output.

Speed: a response file is read once. Blocks of plain CSV lines (no quotes, one
character per answer) are scored column by column with C string operations; anything
else goes through an exact row-by-row path, which is also the one that reports
problems. Both give the same codes (see :class:`_Tally`; a property test holds them
together). Sums are kept as exact integers, so means and variances do not drift.

Problem codes for response files (``SVR`` = responses):

======  ============================================================
SVR000  "... and N more": the list stops after MAX_PROBLEMS problems
SVR001  the file cannot be read (encoding, JSON syntax, structure)
SVR002  the header: no ``respondent`` column, or a repeated heading
SVR003  a column (or JSON answer) that is not an item of the framework
SVR004  an item of the framework with no column
SVR005  a row with the wrong number of cells
SVR006  a row with answers but no respondent id
SVR007  a respondent id used twice
SVR008  an answer that is not a whole number
SVR009  an answer that is not on the scale
SVR010  the round label: mixed rounds in one file, or a clash with ``--round``
SVR011  the column to group by is not in the file
SVR012  the responses were collected with another framework
SVR013  no responses at all
======  ============================================================
"""

from __future__ import annotations

import csv
import difflib
import io
import itertools
import json
import math
import operator
import os
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO, TypeVar

from .._gc import paused_gc
from .._report import Problem, Report
from ..exceptions import SecondVictimError
from ..models import AssessmentFramework, Band
from ._stats import CONFIDENCE, mean_interval

OVERALL = "overall"
"""The figure id of the overall score (all items together)."""

NOT_STATED = "(not stated)"
"""The group name for respondents who left the grouping column blank."""

RESPONDENT = "respondent"
"""The heading of the column holding each respondent's id."""

ROUND = "round"
"""The heading of the optional column holding the round label (e.g. ``2026-Q4``)."""

RESULTS_FORMAT = "secondvictim-assessment-results"
RESULTS_FORMAT_VERSION = 1

MAX_PROBLEMS = 100
"""Problems listed before the rest are only counted (a wrong file can have millions)."""

_EPSILON = 1e-9  # floating-point slack when comparing a mean with a band's min_score

InputFormat = Literal["csv", "json"]
ProgressCallback = Callable[[int], None]


class ResponsesError(SecondVictimError, ValueError):
    """A response file could not be used; carries every problem found, each with row and column."""

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(report.render())

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every problem found, in file order."""
        return self.report.problems


# -- scoring rules from the framework ---------------------------------------------------------


def _canonical(cell: str) -> str:
    """' 4 ', '+4' and '04' all mean 4; anything else is returned stripped (and will not match)."""
    text = cell.strip()
    try:
        return str(int(text))
    except ValueError:
        return text


_V = TypeVar("_V")


class _Lazy(dict[int, _V]):
    """A table filled on first use, so C-level ``map(table.__getitem__, codes)`` can do the work."""

    def __init__(self, compute: Callable[[int], _V]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: int) -> _V:
        value = self[key] = self.compute(key)
        return value


@dataclass(frozen=True)
class _Scoring:
    """The framework's rules compiled into lookup tables, so a row is scored in C loops.

    Each answer becomes one packed integer: the score above the scale minimum in the
    low bits, 1 in the middle bits (an answer was given), 1 in the high bits when it
    is positive. Summing a respondent's codes over a domain adds all three at once,
    and a blank (code 0) adds nothing: not answered is not zero.
    """

    items: tuple[str, ...]
    """Item ids scored, domain by domain in framework order."""
    reverse: tuple[bool, ...]
    slices: tuple[slice, ...]
    """One slice of ``items`` per domain."""
    domains: tuple[str, ...]
    lookups: tuple[dict[str, int], ...]
    """Per item: cell text -> packed code ("" -> 0)."""
    shift: int
    """Bits per field of a packed code (16 for any realistic framework)."""
    values: tuple[int, ...]
    """The scale's values, lowest first."""

    @classmethod
    def build(cls, framework: AssessmentFramework, present: set[str] | None = None) -> _Scoring:
        scale = framework.scale
        low, high = scale.minimum, scale.maximum
        items: list[str] = []
        reverse: list[bool] = []
        slices: list[slice] = []
        for domain in framework.domains:
            start = len(items)
            for item in domain.items:
                if present is None or item.id in present:
                    items.append(item.id)
                    reverse.append(item.reverse)
            slices.append(slice(start, len(items)))
        # 16-bit fields hold any realistic framework, and match the fast path's lanes.
        shift = max(16, ((high - low) * max(len(items), 1)).bit_length(), len(items).bit_length())
        if 3 * shift >= 63:  # pragma: no cover - a framework thousands of items long
            msg = "the framework is too large to score (scale range x items must stay below 2**20)"
            raise ValueError(msg)
        lookups: list[dict[str, int]] = []
        for rev in reverse:
            table = {"": 0}
            for point in scale.points:
                score = low + high - point.value if rev else point.value
                positive = 1 if score >= scale.positive_from else 0
                table[str(point.value)] = (score - low) | (1 << shift) | (positive << (2 * shift))
            lookups.append(table)
        return cls(
            items=tuple(items),
            reverse=tuple(reverse),
            slices=tuple(slices),
            domains=tuple(d.id for d in framework.domains),
            lookups=tuple(lookups),
            shift=shift,
            values=tuple(p.value for p in scale.points),
        )


# -- where a problem is ------------------------------------------------------------------------


class _Problems:
    """Collects problems (in file order) up to MAX_PROBLEMS and counts the rest."""

    def __init__(self, name: str, header: Sequence[str], json_kinds: Sequence[str] | None) -> None:
        self.name = name
        self.header = header
        self.json_kinds = json_kinds
        self.found: list[tuple[tuple[int, int], Problem]] = []
        self.more = 0

    def __bool__(self) -> bool:
        return bool(self.found)

    def add(self, code: str, message: str, row: int = 0, col: int | None = None) -> None:
        """Record a problem at a row (CSV: spreadsheet row, 1 = header; JSON: response number)."""
        if len(self.found) >= MAX_PROBLEMS:
            self.more += 1
            return
        order = (row, -1 if col is None else col)
        if self.json_kinds is None:
            parts = [f"row {row}"] if row else []
            if col is not None:
                parts.append(f"column {col + 1} ({self.header[col]!r})")
            text = f"{', '.join(parts)}: {message}" if parts else message
            column = col + 1 if col is not None else 0
            self.found.append((order, Problem(self.name, row, column, code, text)))
            return
        loc: tuple[str | int, ...] = ()
        where = ""
        if row:
            loc = ("responses", row - 1)
            where = f"response {row}"
            if col is not None:
                kind = self.json_kinds[col]
                key = self.header[col]
                loc += (key,) if kind == RESPONDENT else (kind, key)
                where += ", respondent" if kind == RESPONDENT else f", {kind[:-1]} {key!r}"
        text = f"{where}: {message}" if where else message
        self.found.append((order, Problem(self.name, 0, 0, code, text, loc=loc)))

    def report(self) -> Report:
        found = [problem for _, problem in sorted(self.found, key=lambda pair: pair[0])]
        if self.more:
            found.append(Problem(self.name, 0, 0, "SVR000", f"... and {self.more} more problem(s) not shown"))
        return Report(tuple(found))


# -- reading -----------------------------------------------------------------------------------


@dataclass
class _Table:
    """Response data as text cells, whatever the input format."""

    name: str
    header: list[str]
    stream: TextIO | None = None
    """CSV: the open file, positioned after the header row."""
    records: Iterable[list[str]] = ()
    """JSON: the responses flattened to rows of text cells, one per response."""
    json_kinds: list[str] | None = None
    """For JSON input: what each column is (respondent, groups, answers)."""
    round_label: str | None = None
    framework_id: str | None = None
    framework_version: str | None = None
    problems: list[tuple[str, str, int]] = field(default_factory=list)
    """(code, message, record) found while flattening JSON."""
    key_records: list[int] = field(default_factory=list)
    """For JSON input: the first response using each column's key (to locate header problems)."""


def _open(
    responses: str | os.PathLike[str] | TextIO, input_format: InputFormat | None
) -> tuple[TextIO, str, InputFormat, bool]:
    if isinstance(responses, str | os.PathLike):
        path = Path(responses)
        fmt: InputFormat = input_format or ("json" if path.suffix.lower() == ".json" else "csv")
        return path.open(encoding="utf-8-sig", newline=""), str(path), fmt, True
    name = str(getattr(responses, "name", "<responses>"))
    if input_format is None:
        text = responses.read()
        fmt = "json" if text.lstrip("\ufeff \t\r\n")[:1] in ("[", "{") else "csv"
        return io.StringIO(text), name, fmt, True
    return responses, name, input_format, False


def _csv_table(stream: TextIO, name: str) -> _Table:
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        header = []
    header = [cell.strip() for cell in header]
    if header:
        header[0] = header[0].lstrip("\ufeff")
    return _Table(name, header, stream=stream)


def _json_cell(value: object) -> str | None:
    """A JSON value as the text a CSV cell would hold; None when it cannot be one."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"  # fails as "not a whole number", with the value shown
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return None


def _json_table(stream: TextIO, name: str, items: Sequence[str]) -> _Table:
    """Flatten ``{"round", "framework", "responses": [{"respondent", "groups", "answers"}]}``.

    ``items`` are item ids to give a column even when no response answers them (in
    JSON an unanswered item may simply be left out).
    """
    try:
        doc = json.load(stream)
    except json.JSONDecodeError as exc:
        table = _Table(name, [])
        table.problems.append(("SVR001", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", 0))
        return table
    table = _Table(name, [])
    records: object = doc
    if isinstance(doc, dict):
        unknown = sorted(set(doc) - {"responses", "round", "framework"})
        if unknown:
            table.problems.append(
                (
                    "SVR001",
                    f"unknown top-level key(s) {', '.join(map(repr, unknown))}; "
                    "expected 'responses', and optionally 'round' and 'framework'",
                    0,
                )
            )
        records = doc.get("responses")
        label = doc.get("round")
        table.round_label = str(label) if label is not None else None
        ref = doc.get("framework")
        if isinstance(ref, dict):
            table.framework_id = str(ref["id"]) if "id" in ref else None
            table.framework_version = str(ref["version"]) if "version" in ref else None
    if not isinstance(records, list):
        table.problems.append(("SVR001", "expected a list of responses (or an object with a 'responses' list)", 0))
        return table
    groups: dict[str, int] = {}
    answers: dict[str, int] = dict.fromkeys(items, 0)
    clean: list[tuple[int, str, dict[str, str], dict[str, str]] | None] = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            table.problems.append(("SVR001", "expected an object with 'respondent' and 'answers'", number))
            clean.append(None)  # keeps the numbering: response N is row N
            continue
        extra = sorted(set(record) - {RESPONDENT, "groups", "answers"})
        if extra:
            table.problems.append(
                (
                    "SVR001",
                    f"unknown key(s) {', '.join(map(repr, extra))}; a response has "
                    "'respondent', 'groups' (optional) and 'answers'",
                    number,
                )
            )
        parts: list[dict[str, str]] = []
        for key in ("groups", "answers"):
            raw = record.get(key, {})
            if not isinstance(raw, dict):
                table.problems.append(("SVR001", f"{key!r} must be an object", number))
                raw = {}
            cells: dict[str, str] = {}
            for k, v in raw.items():
                cell = _json_cell(v)
                if cell is None:
                    table.problems.append(
                        (
                            "SVR001",
                            f"{key} {k!r}: expected a number, text or null, got {type(v).__name__}",
                            number,
                        )
                    )
                    cell = ""
                cells[str(k)] = cell
            parts.append(cells)
        for key in parts[0]:
            groups.setdefault(key, number)
        for key in parts[1]:
            answers.setdefault(key, number)
        respondent = _json_cell(record.get(RESPONDENT))
        clean.append((number, respondent or "", parts[0], parts[1]))
    group_names, answer_names = list(groups), list(answers)
    table.header = [RESPONDENT, *group_names, *answer_names]
    table.key_records = [0, *groups.values(), *answers.values()]
    table.json_kinds = [RESPONDENT] + ["groups"] * len(group_names) + ["answers"] * len(answer_names)
    table.records = [
        []
        if entry is None
        else [entry[1], *(entry[2].get(k, "") for k in group_names), *(entry[3].get(k, "") for k in answer_names)]
        for entry in clean
    ]
    return table


# -- the header --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    respondent: int
    groups: dict[str, int]
    items: dict[str, int]
    round: int | None
    unknown: tuple[str, ...]
    missing: tuple[str, ...]


def _layout(
    table: _Table, framework: AssessmentFramework, problems: _Problems, *, strict_items: bool
) -> _Layout | None:
    """Work out which column is what. Columns before the first item are grouping columns;
    every column after it must be an item (so a misspelt item id is caught, not taken
    for a grouping column)."""
    header = table.header
    known = {item.id: domain.id for domain in framework.domains for item in domain.items}

    def row(col: int) -> int:  # the header row, or for JSON the first response with the key
        return table.key_records[col] if table.json_kinds is not None else 1

    if not header:
        problems.add("SVR013", "the file is empty: expected a header row naming the columns")
        return None
    first_seen: dict[str, int] = {}
    for col, name in enumerate(header):
        if name in first_seen:
            problems.add(
                "SVR002",
                f"repeats the heading {name!r} (first in column {first_seen[name] + 1})",
                row(col),
                col,
            )
        else:
            first_seen[name] = col
    if RESPONDENT not in first_seen:
        hint = ""
        if table.json_kinds is None and len(header) == 1 and ";" in header[0]:
            hint = "; the file seems to use ';' between cells: save it as 'CSV UTF-8 (comma delimited)'"
        problems.add(
            "SVR002",
            f"no {RESPONDENT!r} column: the first row must name the columns: respondent, any "
            f"grouping columns (e.g. team), then one column per item id{hint}",
            1,
        )
    kinds = table.json_kinds
    first_item = next(
        (c for c, n in enumerate(header) if n in known and (kinds is None or kinds[c] == "answers")),
        None,
    )
    groups: dict[str, int] = {}
    items: dict[str, int] = {}
    unknown: list[str] = []
    round_col: int | None = None
    for col, name in enumerate(header):
        if first_seen.get(name) != col:
            continue
        kind = kinds[col] if kinds is not None else None
        if kind == RESPONDENT or (kind is None and name == RESPONDENT):
            continue
        if kind is None and name == ROUND:
            round_col = col
        elif name in known and kind in (None, "answers"):
            items[name] = col
        elif kind == "groups" or (kind is None and (first_item is None or col < first_item)):
            groups[name] = col
        else:
            unknown.append(name)
            if strict_items:
                close = difflib.get_close_matches(name, list(known), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                where = "" if kinds is not None else " (columns after the first item must all be items)"
                problems.add(
                    "SVR003",
                    f"{framework.id!r} version {framework.version} has no item {name!r}{hint}{where}",
                    row(col),
                    col,
                )
    missing = tuple(item for item in known if item not in items)
    if strict_items and kinds is None:
        for item in missing:
            close = difflib.get_close_matches(item, list(groups), n=1)
            hint = f"; column {groups[close[0]] + 1} {close[0]!r} looks similar" if close else ""
            problems.add(
                "SVR004",
                f"no column for item {item!r} (domain {known[item]!r}); add a column headed "
                f"{item!r} and leave cells blank where people did not answer{hint}",
                1,
            )
    if RESPONDENT not in first_seen:
        return None
    return _Layout(first_seen[RESPONDENT], groups, items, round_col, tuple(unknown), missing)


# -- scoring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One published figure: a domain's (or the overall) scores for one group of people."""

    n: int
    """People who answered at least one item of the domain."""
    mean: float
    """Mean of the respondents' scores, on the framework's scale."""
    sd: float | None
    """Sample standard deviation of the respondents' scores (None when n = 1)."""
    ci: tuple[float, float] | None
    """95% confidence interval of the mean (t interval over people), clipped to the scale."""
    responses: int
    """Answers given to the domain's items (blanks excluded)."""
    positive: int
    """Answers at or above the scale's ``positive_from`` after reverse scoring."""
    band: Band
    """The maturity band the mean falls in."""
    next_band: Band | None
    """The band above, or None for the top band."""

    @property
    def percent_positive(self) -> float:
        """Positive answers as a percentage of answers given."""
        return 100.0 * self.positive / self.responses

    @property
    def gap(self) -> float | None:
        """How far the mean is below the next band (None in the top band)."""
        return None if self.next_band is None else max(0.0, self.next_band.min_score - self.mean)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, rounded so the output is stable."""
        return {
            "n": self.n,
            "mean": round(self.mean, 3),
            "sd": None if self.sd is None else round(self.sd, 3),
            "ci95": None if self.ci is None else [round(self.ci[0], 3), round(self.ci[1], 3)],
            "percent_positive": round(self.percent_positive, 1),
            "responses": self.responses,
            "band": self.band.id,
            "band_label": self.band.label,
            "next_band": None if self.next_band is None else self.next_band.id,
            "gap_to_next_band": None if self.gap is None else round(self.gap, 3),
        }


@dataclass(frozen=True)
class GroupResult:
    """Results for one group (or, with ``name`` None, for all respondents)."""

    name: str | None
    """The group's value in the grouping column; None for all respondents."""
    respondents: int
    """Rows in the group (withheld from outputs when the group is suppressed)."""
    suppressed: bool
    """True when the whole group is withheld to protect anonymity."""
    figures: Mapping[str, Figure]
    """Published figures by domain id (and ``overall``)."""
    withheld: frozenset[str] = frozenset()
    """Figures withheld in a published row (only in the all-respondents row)."""

    def figure(self, figure_id: str) -> Figure | None:
        """The published figure, or None when withheld or nobody answered."""
        return self.figures.get(figure_id)

    def to_dict(self, figure_ids: Sequence[str]) -> dict[str, Any]:
        """The group as results.json holds it: no figures at all when suppressed."""
        doc: dict[str, Any] = {} if self.name is None else {"group": self.name}
        if self.suppressed:
            doc["suppressed"] = True
            return doc
        doc["n"] = self.respondents
        domains: dict[str, Any] = {}
        for fid in figure_ids:
            figure = self.figures.get(fid)
            if figure is not None:
                value: dict[str, Any] = figure.to_dict()
            elif fid in self.withheld:
                value = {"suppressed": True}
            else:
                value = {"n": 0}
            if fid == OVERALL:
                doc[OVERALL] = value
            else:
                domains[fid] = value
        doc["domains"] = domains
        return doc


@dataclass(frozen=True)
class AssessmentResult:
    """Scored, anonymity-protected results of one round of the self-assessment."""

    framework: AssessmentFramework
    round: str | None
    """The round label (e.g. ``2026-Q4``), when known."""
    by: str | None
    """The grouping column, when results are broken down."""
    min_group: int
    """The anonymity floor applied."""
    total: GroupResult
    """All respondents."""
    groups: tuple[GroupResult, ...]
    """One per group, sorted by name; empty without ``by``."""
    scored_items: Mapping[str, tuple[tuple[str, bool], ...]]
    """Per domain: the (item id, reverse) pairs scored; trend comparisons match on these."""
    notes: tuple[str, ...] = ()
    """Things the reader should know (e.g. columns ignored in an older round)."""
    responses_framework_version: str | None = None
    """The framework version the responses say they were collected with, if they say."""

    @property
    def figure_ids(self) -> tuple[str, ...]:
        """Domain ids in framework order, then ``overall``."""
        return (*(d.id for d in self.framework.domains), OVERALL)

    def to_dict(self) -> dict[str, Any]:
        """The results.json document: figures per group, suppressed groups without figures."""
        fw = self.framework
        return {
            "format": RESULTS_FORMAT,
            "format_version": RESULTS_FORMAT_VERSION,
            "framework": {
                "id": fw.id,
                "version": fw.version,
                "title": fw.title,
                "scale": {
                    "min": fw.scale.minimum,
                    "max": fw.scale.maximum,
                    "positive_from": fw.scale.positive_from,
                },
                "bands": [{"id": b.id, "label": b.label, "min_score": b.min_score} for b in fw.bands],
                "domains": [
                    {
                        "id": d.id,
                        "title": d.title,
                        "items": [{"id": i, "reverse": r} for i, r in self.scored_items[d.id]],
                    }
                    for d in fw.domains
                ],
            },
            "round": self.round,
            "by": self.by,
            "min_group_size": self.min_group,
            "confidence": CONFIDENCE,
            "respondents": None if self.total.suppressed else self.total.respondents,
            "all": self.total.to_dict(self.figure_ids),
            "groups": [g.to_dict(self.figure_ids) for g in self.groups],
            "notes": list(self.notes),
        }


def _band_for(framework: AssessmentFramework, mean: float) -> tuple[Band, Band | None]:
    bands = framework.bands
    index = 0
    for i, band in enumerate(bands):
        if mean + _EPSILON >= band.min_score:
            index = i
    return bands[index], bands[index + 1] if index + 1 < len(bands) else None


@dataclass(frozen=True)
class _Moments:
    """Exact running sums for one figure of one group.

    A respondent's score above the scale minimum, ``m``, is a fraction ``S/C`` with
    ``C`` at most the number of items, so ``m * L`` is a whole number when ``L`` is
    the least common multiple of 1..items. Keeping ``sum(m * L)`` and
    ``sum((m * L) ** 2)`` as integers makes the mean and the variance exact, however
    many people answered.
    """

    n: int
    """People who answered at least one item."""
    scaled: int
    """Sum of ``m * L``."""
    scaled_squares: int
    """Sum of ``(m * L) ** 2``."""
    responses: int
    positive: int

    @classmethod
    def combine(cls, parts: Iterable[_Moments]) -> _Moments:
        """The sums over several groups (the all-respondents row)."""
        items = list(parts)
        return cls(
            sum(p.n for p in items),
            sum(p.scaled for p in items),
            sum(p.scaled_squares for p in items),
            sum(p.responses for p in items),
            sum(p.positive for p in items),
        )


class _Sums:
    """Packs everything a figure needs about one respondent into one integer, so that a
    group's sums come from a single C-level ``sum(map(table.__getitem__, codes))``.

    Fields, lowest first: answered anything (0 or 1), answers, positive answers,
    ``m * L`` and ``(m * L) ** 2``; each is wide enough for ``rows`` respondents, so the
    fields never spill into each other.
    """

    def __init__(self, scoring: _Scoring, rows: int, items: int) -> None:
        items = max(items, 1)
        self.scoring = scoring
        self.lcm = math.lcm(*range(1, items + 1))
        spread = max(scoring.values[-1] - scoring.values[0], 1)
        self.count_bits = (max(rows, 1) * items).bit_length() + 1
        self.scaled_bits = (max(rows, 1) * spread * self.lcm).bit_length() + 1
        self.table = _Lazy(self._pack)

    def _pack(self, code: int) -> int:
        mask = (1 << self.scoring.shift) - 1
        above, answered, positive = code & mask, (code >> self.scoring.shift) & mask, code >> (2 * self.scoring.shift)
        if not answered:
            return 0
        scaled = above * self.lcm // answered
        c, s = self.count_bits, self.scaled_bits
        return 1 | answered << c | positive << (2 * c) | scaled << (3 * c) | (scaled * scaled) << (3 * c + s)

    def moments(self, codes: array[int]) -> _Moments:
        """The sums for one figure of one group."""
        total = sum(map(self.table.__getitem__, codes))
        c, s = self.count_bits, self.scaled_bits
        count = (1 << c) - 1
        return _Moments(
            n=total & count,
            responses=(total >> c) & count,
            positive=(total >> (2 * c)) & count,
            scaled=(total >> (3 * c)) & ((1 << s) - 1),
            scaled_squares=total >> (3 * c + s),
        )


def _figure(framework: AssessmentFramework, m: _Moments, lcm: int) -> Figure | None:
    """The figure from one group's sums; None when nobody answered."""
    if not m.n:
        return None
    low, high = framework.scale.minimum, framework.scale.maximum
    mean = low + m.scaled / (lcm * m.n)
    variance = None
    if m.n > 1:  # exact: (n * sum(x^2) - sum(x)^2) / (n (n - 1)), in units of 1/L^2
        variance = (m.n * m.scaled_squares - m.scaled * m.scaled) / (lcm * lcm * m.n * (m.n - 1))
    sd, ci = mean_interval(m.n, mean, variance)
    if ci is not None:
        ci = (max(low, ci[0]), min(high, ci[1]))
    band, next_band = _band_for(framework, mean)
    return Figure(m.n, mean, sd, ci, m.responses, m.positive, band, next_band)


def _withhold_groups(
    rows: Mapping[str, int],
    counts: Mapping[str, Mapping[str, int]],
    open_figures: Iterable[str],
    floor: int,
) -> set[str]:
    """Primary and complementary suppression across a breakdown (see the module docstring)."""
    hidden = {g for g, size in rows.items() if size < floor or any(0 < n < floor for n in counts[g].values())}
    figures = list(open_figures)

    def leaks() -> bool:
        return any(0 < sum(counts[g][f] for g in hidden) < floor for f in figures)

    while hidden and len(hidden) < len(rows) and leaks():
        smallest = min((g for g in rows if g not in hidden), key=lambda g: (rows[g], g))
        hidden.add(smallest)
    return hidden


BLOCK = 4096
"""Rows scored together (and between two progress reports)."""


@dataclass(frozen=True)
class _LinePlan:
    """How the fast path reads a CSV whose item columns are the last ``items`` columns."""

    leading: int
    """Columns before the first item (respondent, groups, round)."""
    items: int
    scores: tuple[bytes, ...]
    """Per item column, in file order: byte -> score above the scale minimum."""
    answered: bytes
    """Byte -> 1 for an answer, 0 for the blank placeholder."""
    positives: tuple[bytes, ...]
    """Per item column: byte -> 1 when the answer counts as positive."""
    members: tuple[tuple[int, ...], ...]
    """Per domain: its item columns (offsets in file order)."""
    valid: bytes
    """Every byte a cell may hold (the scale's digits and the blank placeholder), and newline."""
    field: int
    """Bytes per field while summing: 1 when even the overall sums stay below 256, else 2."""


_BLANK = "\x01"  # stands for an empty cell in the fast path (never valid CSV content we accept)


class _Tally:
    """Turns rows into per-group, per-figure arrays of packed codes (see :class:`_Scoring`).

    Two paths give identical codes. The exact path reads parsed rows one by one and
    reports every problem with its row and column. The fast path takes a block of raw
    CSV lines in which every answer is one character and scores whole columns with C
    string operations: blank cells are filled with a placeholder, each column is
    translated to bytes laid into narrow lanes (one lane per respondent, a byte or two
    per field), a domain's per-respondent sums are additions of those lanes as big
    integers, and each sum is then widened to 64-bit packed codes. A block
    that is not that simple (a quote, a space, an answer off the scale, a duplicate or
    missing id, a blank line) is handed to the exact path, so the fast path never has
    to decide anything about errors. Both are checked against each other in the tests.
    """

    def __init__(self, scoring: _Scoring, layout: _Layout, width: int, by: str | None, problems: _Problems) -> None:
        self.scoring = scoring
        self.span = len(scoring.domains) + 1
        self.positions = [layout.items[item] for item in scoring.items]
        self.getter: Callable[[list[str]], Sequence[str]]
        if len(self.positions) == 1:
            only = self.positions[0]
            self.getter = lambda row: (row[only],)
        else:
            self.getter = operator.itemgetter(*self.positions)
        self.width = width
        self.rpos = layout.respondent
        self.gpos = layout.groups.get(by) if by is not None else None
        self.rcol = layout.round
        self.problems = problems
        self.ids: list[str] = []
        """Every respondent id, in file order (duplicates are found once, at the end)."""
        self.id_rows = array("q")
        """The row of each id in ``ids``."""
        self.rounds: dict[str, int] = {}
        self.columns: dict[str, list[array[int]]] = {}
        self.staged: defaultdict[str, list[int]] = defaultdict(list)
        self.plan = self._line_plan()

    def _line_plan(self) -> _LinePlan | None:
        """The fast path applies when answers are single digits and the items come last."""
        scoring = self.scoring
        count = len(self.positions)
        leading = self.width - count
        if (
            scoring.shift != 16
            or not count
            or any(not 0 <= v <= 9 for v in scoring.values)
            or sorted(self.positions) != list(range(leading, self.width))
            or (self.rcol is not None and self.rcol >= leading)
        ):
            return None
        offset = {pos - leading: j for j, pos in enumerate(self.positions)}  # file column -> scored item
        scores, positives = [], []
        for column in range(count):
            lookup = scoring.lookups[offset[column]]
            score, positive = bytearray(256), bytearray(256)
            for text, code in lookup.items():
                if text:
                    score[ord(text)] = code & 0xFFFF
                    positive[ord(text)] = code >> 32
            scores.append(bytes(score))
            positives.append(bytes(positive))
        answered = bytearray(256)
        for value in scoring.values:
            answered[ord(str(value))] = 1
        members = tuple(
            tuple(column for column in range(count) if part.start <= offset[column] < part.stop)
            for part in scoring.slices
        )
        valid = bytes(ord(str(v)) for v in scoring.values) + _BLANK.encode() + b"\n"
        # The largest per-respondent sum is the overall score (or count) over every item.
        field = 1 if count * max(scoring.values[-1] - scoring.values[0], 1) <= 0xFF else 2
        return _LinePlan(leading, count, tuple(scores), bytes(answered), tuple(positives), members, valid, field)

    # -- the exact path ---------------------------------------------------------------------

    def add_rows(self, rows: Iterable[list[str]], start: int) -> int:
        """Score parsed rows (row ``start`` first); returns how many rows were read."""
        getter, lookups, slices = self.getter, self.scoring.lookups, self.scoring.slices
        getitem = operator.getitem
        width, rpos, gpos, rcol = self.width, self.rpos, self.gpos, self.rcol
        staged, problems = self.staged, self.problems
        add_id, add_row = self.ids.append, self.id_rows.append
        rownum = start - 1
        for rownum, row in enumerate(rows, start):
            if len(row) != width:
                if any(cell.strip() for cell in row):
                    problems.add("SVR005", f"has {len(row)} cells, the header has {width}", rownum)
                continue
            rid = row[rpos].strip()
            if not rid:
                if any(cell.strip() for cell in row):
                    problems.add("SVR006", "has answers but no respondent id", rownum, rpos)
                continue
            add_id(rid)
            add_row(rownum)
            try:
                codes = list(map(getitem, lookups, getter(row)))
            except KeyError:
                checked = _slow_codes(self.scoring, getter(row), self.positions, rownum, problems)
                if checked is None:
                    continue
                codes = checked
            if rcol is not None:
                self.rounds.setdefault(row[rcol].strip(), rownum)
            totals = list(map(sum, map(codes.__getitem__, slices)))
            totals.append(sum(totals))
            staged[(row[gpos].strip() or NOT_STATED) if gpos is not None else ""].extend(totals)
        return rownum - start + 1

    # -- the fast path ----------------------------------------------------------------------

    def add_text(self, text: str, start: int) -> int | None:
        """Score a block of whole CSV lines at once and return how many rows it held; None
        (having changed nothing) when the block needs the exact path."""
        plan = self.plan
        if plan is None:
            return None
        if '"' in text or "\x00" in text or _BLANK in text:
            return None
        newline = "\n"
        if "\r" in text:  # Windows line ends (what Excel and the csv module write) are fine
            newline = "\r\n"
            if text.count("\r") != text.count(newline):
                return None
        lines = text.split(newline)
        if not lines[-1]:
            lines.pop()
        if not lines or newline + newline in text or not lines[0]:
            return None  # blank lines: the exact path skips them
        parts = list(map(operator.methodcaller("split", ",", plan.leading), lines))
        size = len(parts)
        if min(map(len, parts)) != plan.leading + 1:
            return None
        ids = list(map(str.strip, map(operator.itemgetter(self.rpos), parts)))
        if "" in ids:
            return None  # a row without an id: the exact path reports it
        labels: dict[str, int] = {}
        if self.rcol is not None:
            for offset, label in enumerate(map(str.strip, map(operator.itemgetter(self.rcol), parts))):
                labels.setdefault(label, start + offset)
            if len((labels.keys() | self.rounds.keys()) - {""}) > 1:
                return None  # mixed rounds: the exact path reports them
        rows, runs = parts, None
        if self.gpos is not None:  # one run of rows per group, so each group's codes are one slice
            keys = list(map(str.strip, map(operator.itemgetter(self.gpos), parts)))
            runs = Counter(keys)
            rows = list(map(parts.__getitem__, sorted(range(size), key=keys.__getitem__)))
        # Every line becomes ",c1,c2,...,cN," so that any blank cell, even first or last, is ",,".
        items = "," + ",\n,".join(map(operator.itemgetter(plan.leading), rows)) + ","
        # The first pass leaves ",," only where three commas were in a row, and then always
        # right after a placeholder: searching from the (absent elsewhere) placeholder is quicker.
        filled = items.replace(",,", "," + _BLANK + ",").replace(_BLANK + ",,", _BLANK + "," + _BLANK + ",")
        stride = plan.items + 1  # N cells and a newline per line, once the commas are dropped
        if len(filled) != 2 * stride * size - 1 or filled[0::2] != "," * (stride * size):
            return None  # a cell longer than one character, or a row with too few or many cells
        try:
            cells = filled[1::2].encode("ascii")
        except UnicodeEncodeError:
            return None
        if cells.translate(None, plan.valid):
            return None
        # Narrow lanes while adding (score, answered, positive: ``field`` bytes each), then
        # each figure is widened once to the 16-bit fields of a packed code.
        field = plan.field
        lane = 3 * field
        lanes = bytearray(lane * size)
        lanes_per_column = []
        for column in range(plan.items):
            raw = cells[column::stride]
            lanes[0::lane] = raw.translate(plan.scores[column])
            lanes[field::lane] = raw.translate(plan.answered)
            lanes[2 * field :: lane] = raw.translate(plan.positives[column])
            lanes_per_column.append(int.from_bytes(lanes, "little"))
        domains = [sum(lanes_per_column[c] for c in members) for members in plan.members]
        domains.append(sum(domains))
        figures = []
        for value in domains:
            narrow = value.to_bytes(lane * size, "little")
            wide = bytearray(8 * size)
            for part in range(3):
                for byte in range(field):
                    wide[2 * part + byte :: 8] = narrow[part * field + byte :: lane]
            codes = array("q")
            codes.frombytes(wide)
            if sys.byteorder == "big":  # pragma: no cover - big-endian machines
                codes.byteswap()
            figures.append(codes)
        # Accepted: only now record ids and rounds (a refused block must leave no trace).
        self.ids.extend(ids)
        self.id_rows.extend(range(start, start + size))
        for label, row in labels.items():
            self.rounds.setdefault(label, row)
        if runs is None:
            self._extend("", figures, 0, size)
            return size
        at = 0
        for key in sorted(runs):
            self._extend(key or NOT_STATED, figures, at, at + runs[key])
            at += runs[key]
        return size

    def _extend(self, key: str, figures: list[array[int]], start: int, stop: int) -> None:
        target = self.columns.get(key)
        if target is None:
            target = self.columns[key] = [array("q") for _ in range(self.span)]
        for codes, new in zip(target, figures, strict=True):
            codes.extend(new[start:stop])

    def report_duplicates(self) -> None:
        """Report every repeated respondent id with the row it first appeared in."""
        if len(set(self.ids)) == len(self.ids):
            return
        first: dict[str, int] = {}
        for rid, row in zip(self.ids, self.id_rows, strict=True):
            earlier = first.setdefault(rid, row)
            if earlier != row:
                self.problems.add("SVR007", f"respondent {rid!r} already appears in row {earlier}", row, self.rpos)

    def finish(self) -> dict[str, list[array[int]]]:
        """Per group, per figure: every respondent's packed code."""
        for key, flat in self.staged.items():
            columns = [array("q", flat[f :: self.span]) for f in range(self.span)]
            self._extend(key, columns, 0, len(flat) // self.span)
        self.staged.clear()
        return self.columns


def _feed_rows(tally: _Tally, rows: Iterable[list[str]], start: int, progress: ProgressCallback | None) -> None:
    """Parsed rows, block by block, through the exact path."""
    source = iter(rows)
    while block := list(itertools.islice(source, BLOCK)):
        start += tally.add_rows(block, start)
        if progress is not None:
            progress(start - 1)


CHUNK = 1 << 20
"""Characters of CSV text read at a time (the fast path scores each chunk's whole lines)."""


def _feed_csv(tally: _Tally, stream: TextIO, progress: ProgressCallback | None) -> None:
    """CSV text after the header, a chunk of whole lines at a time: the fast path where it
    applies, the csv module otherwise."""
    start = 2
    pending = ""
    while True:
        chunk = stream.read(CHUNK)
        text = pending + chunk
        if not text:
            return
        cut = text.rfind("\n") if chunk else len(text) - 1
        if cut < 0:
            pending = text
            continue
        block, pending = text[: cut + 1], text[cut + 1 :]
        scored = tally.add_text(block, start)
        if scored is not None:
            start += scored
        elif '"' in block:
            # A quoted cell may run over several lines: from here the csv module reads everything.
            # The unread rest is joined to the pending partial line *as text*: chaining line
            # iterators would end that partial line early and split one row into two.
            rest = io.StringIO(block + pending + stream.read(), newline="")
            _feed_rows(tally, csv.reader(rest), start, progress)
            return
        else:
            start += tally.add_rows(csv.reader(io.StringIO(block, newline="")), start)
        if progress is not None:
            progress(start - 2)


def _score(
    table: _Table,
    framework: AssessmentFramework,
    *,
    by: str | None,
    floor: int,
    round_label: str | None,
    strict_items: bool,
    progress: ProgressCallback | None,
) -> AssessmentResult:
    problems = _Problems(table.name, table.header, table.json_kinds)
    for code, message, record in table.problems:
        problems.add(code, message, record)
    if table.framework_id is not None and table.framework_id != framework.id:
        problems.add(
            "SVR012",
            f"the responses were collected with framework {table.framework_id!r}, "
            f"not {framework.id!r}; pass --framework {table.framework_id}",
        )
    layout = _layout(table, framework, problems, strict_items=strict_items)
    if layout is not None and by is not None and by not in layout.groups:
        names = ", ".join(layout.groups) or "none"
        problems.add("SVR011", f"no column {by!r} to group by; grouping columns in this file: {names}", 1)
    if layout is None or (strict_items and layout.missing):
        raise ResponsesError(problems.report())  # nothing can be scored without these columns

    scoring = _Scoring.build(framework, set(layout.items) if not strict_items else None)
    tally = _Tally(scoring, layout, len(table.header), by, problems)
    try:
        with paused_gc():
            if table.stream is not None:
                _feed_csv(tally, table.stream, progress)
            else:
                _feed_rows(tally, table.records, 1, progress)
    except UnicodeDecodeError as exc:
        problems.add("SVR001", f"the file is not UTF-8 text ({exc.reason}); save it as 'CSV UTF-8'")
    except csv.Error as exc:
        problems.add("SVR001", f"the file is not valid CSV: {exc}")
    tally.report_duplicates()
    columns = tally.finish()
    rounds = tally.rounds
    figure_ids = (*scoring.domains, OVERALL)
    count = sum(len(figures[0]) for figures in columns.values())
    if progress is not None:
        progress(count)

    label = round_label
    found_rounds = [r for r in rounds if r]
    if len(found_rounds) > 1:
        listed = ", ".join(f"{r!r} (first in row {rounds[r]})" for r in found_rounds)
        problems.add("SVR010", f"the file mixes rounds {listed}; score one round at a time")
    in_file = found_rounds[0] if found_rounds else table.round_label
    if in_file and label and in_file != label:
        problems.add("SVR010", f"the file is round {in_file!r} but --round says {label!r}")
    label = label or in_file
    if not count and not problems:
        problems.add("SVR013", "the file has no responses (only a header row)")
    if problems:
        raise ResponsesError(problems.report())

    # Per figure, the fixed-point denominator covers that figure's items only (smaller numbers).
    sums = [_Sums(scoring, count, part.stop - part.start) for part in scoring.slices]
    sums.append(_Sums(scoring, count, len(scoring.items)))
    group_moments = {
        key: [s.moments(codes) for s, codes in zip(sums, figures, strict=True)]
        for key, figures in sorted(columns.items())
    }
    total_moments = [_Moments.combine(parts) for parts in zip(*group_moments.values(), strict=True)]

    def figures_of(per_figure: list[_Moments]) -> dict[str, Figure]:
        out: dict[str, Figure] = {}
        for fid, m, s in zip(figure_ids, per_figure, sums, strict=True):
            fig = _figure(framework, m, s.lcm)
            if fig is not None:
                out[fid] = fig
        return out

    all_figures = figures_of(total_moments)
    total_withheld = {f for f, fig in all_figures.items() if fig.n < floor}
    if count < floor:
        total_withheld = set(figure_ids)
    if total_withheld:
        total_withheld.add(OVERALL)
    total_suppressed = count < floor
    total = GroupResult(
        name=None,
        respondents=count,
        suppressed=total_suppressed,
        figures={} if total_suppressed else {f: v for f, v in all_figures.items() if f not in total_withheld},
        withheld=frozenset(total_withheld & set(all_figures)),
    )

    groups: list[GroupResult] = []
    if by is not None:
        per_group = {key: figures_of(m) for key, m in group_moments.items()}
        sizes = {key: len(columns[key][0]) for key in group_moments}
        counts = {key: {f: (figs[f].n if f in figs else 0) for f in figure_ids} for key, figs in per_group.items()}
        open_figures = [] if total_suppressed else [f for f in all_figures if f not in total_withheld]
        hidden = _withhold_groups(sizes, counts, open_figures, floor)
        for key in sorted(group_moments, key=lambda k: (k.casefold(), k)):
            withheld = key in hidden
            groups.append(GroupResult(key, sizes[key], withheld, {} if withheld else per_group[key]))

    notes: list[str] = []
    if layout.unknown:
        notes.append(f"columns ignored (not items of version {framework.version}): " + ", ".join(layout.unknown))
    if layout.missing and not strict_items:
        notes.append(f"items with no column (not scored): {', '.join(layout.missing)}")
    if table.framework_version is not None and table.framework_version != framework.version:
        notes.append(
            f"the responses were collected with framework version {table.framework_version}; "
            f"scored with version {framework.version}"
        )
    scored = {
        domain: tuple(zip(scoring.items[s], scoring.reverse[s], strict=True))
        for domain, s in zip(scoring.domains, scoring.slices, strict=True)
    }
    return AssessmentResult(
        framework=framework,
        round=label,
        by=by,
        min_group=floor,
        total=total,
        groups=tuple(groups),
        scored_items=scored,
        notes=tuple(notes),
        responses_framework_version=table.framework_version,
    )


def _slow_codes(
    scoring: _Scoring,
    picked: Sequence[str],
    positions: Sequence[int],
    rownum: int,
    problems: _Problems,
) -> list[int] | None:
    """Score a row cell by cell: spaces and '+4' are fine; report every cell off the scale."""
    codes: list[int] = []
    scale = ", ".join(map(str, scoring.values))
    ok = True
    for j, raw in enumerate(picked):
        code = scoring.lookups[j].get(_canonical(raw))
        if code is None:
            ok = False
            try:
                value = int(raw.strip())
            except ValueError:
                problems.add(
                    "SVR008",
                    f"{raw!r} is not a whole number; expected one of {scale}, or blank if not answered",
                    rownum,
                    positions[j],
                )
            else:
                problems.add(
                    "SVR009",
                    f"{value} is not on the scale ({scale}); leave the cell blank if not answered",
                    rownum,
                    positions[j],
                )
        codes.append(code or 0)
    return codes if ok else None


def score_responses(
    framework: AssessmentFramework,
    responses: str | os.PathLike[str] | TextIO,
    *,
    by: str | None = None,
    min_group: int | None = None,
    round_label: str | None = None,
    input_format: InputFormat | None = None,
    strict_items: bool = True,
    progress: ProgressCallback | None = None,
) -> AssessmentResult:
    """Read a response file and score it with the framework's rules.

    Args:
        framework: the framework the responses answer.
        responses: a CSV or JSON file (path or open text stream). CSV: a ``respondent``
            column, optional grouping columns, then one column per item id; JSON:
            ``{"round": ..., "framework": {"id", "version"}, "responses": [{"respondent",
            "groups": {...}, "answers": {item: value}}]}``.
        by: the grouping column to break results down by (e.g. ``team``).
        min_group: the anonymity floor; defaults to ``framework.min_group_size`` and
            may only raise it (lowering it is a content decision, made in the framework).
        round_label: the round (e.g. ``2026-Q4``); must match a ``round`` column if any.
        input_format: ``csv`` or ``json``; guessed from the suffix or the text otherwise.
        strict_items: False for an older round: unknown item columns are noted and
            ignored, and items without a column are left out (so they cannot be compared).
        progress: called with the number of rows read, every few thousand rows.

    Raises:
        ResponsesError: every problem in the file, each with its row and column.
        ValueError: ``min_group`` is below the framework's floor.
    """
    floor = framework.min_group_size if min_group is None else min_group
    if floor < framework.min_group_size:
        msg = (
            f"the anonymity floor {floor} is below the framework's min_group_size "
            f"{framework.min_group_size}; a lower floor must be agreed and set in the framework "
            "(e.g. with an overlay), not on the command line"
        )
        raise ValueError(msg)
    stream, name, fmt, close = _open(responses, input_format)
    try:
        if fmt == "json":
            items = [i.id for d in framework.domains for i in d.items] if strict_items else []
            table = _json_table(stream, name, items)
        else:
            table = _csv_table(stream, name)
        return _score(
            table,
            framework,
            by=by,
            floor=floor,
            round_label=round_label,
            strict_items=strict_items,
            progress=progress,
        )
    finally:
        if close:
            stream.close()


def response_template_csv(framework: AssessmentFramework, group_columns: Sequence[str] = ()) -> str:
    """The header row of a blank response file: respondent, grouping columns, item ids."""
    buffer = io.StringIO()
    items = [item.id for domain in framework.domains for item in domain.items]
    csv.writer(buffer, lineterminator="\n").writerow([RESPONDENT, *group_columns, *items])
    return buffer.getvalue()


# -- trend -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """How one figure moved between two rounds, for one group."""

    group: str | None
    """The group, or None for all respondents."""
    figure: str
    """A domain id or ``overall``."""
    older: Mapping[str, Any] | None
    """The older round's figure as in results.json (None when not published)."""
    newer: Mapping[str, Any] | None
    """The newer round's figure."""
    change: float | None
    """Newer mean minus older mean (None when not comparable)."""
    meaningful: bool
    """True only when the intervals do not overlap and the change reaches the threshold."""
    note: str
    """Why a change is not shown, or why it may not mean anything."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "group": self.group,
            "figure": self.figure,
            "older": None
            if self.older is None
            else {k: self.older[k] for k in ("n", "mean", "ci95", "percent_positive")},
            "newer": None
            if self.newer is None
            else {k: self.newer[k] for k in ("n", "mean", "ci95", "percent_positive")},
            "change": None if self.change is None else round(self.change, 3),
            "change_percent_positive": (
                None
                if self.older is None or self.newer is None or self.change is None
                else round(self.newer["percent_positive"] - self.older["percent_positive"], 1)
            ),
            "meaningful": self.meaningful,
            "note": self.note,
        }


@dataclass(frozen=True)
class Trend:
    """The comparison of two rounds."""

    older_round: str | None
    newer_round: str | None
    older_version: str
    newer_version: str
    threshold: float
    """Smallest change in the mean (scale points) treated as more than noise."""
    problems: tuple[str, ...]
    """Item-mapping problems: what could not be compared and why."""
    changes: tuple[Change, ...]

    @property
    def comparable(self) -> bool:
        """True when at least one figure could be compared."""
        return any(c.change is not None for c in self.changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "older_round": self.older_round,
            "newer_round": self.newer_round,
            "older_framework_version": self.older_version,
            "newer_framework_version": self.newer_version,
            "threshold": self.threshold,
            "problems": list(self.problems),
            "changes": [c.to_dict() for c in self.changes],
        }


def load_results(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a results.json written by an earlier run (for ``--compare``).

    Raises:
        ResponsesError: the file is not a results.json this version understands.
    """
    name = str(path)
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ResponsesError(
            Report((Problem(name, exc.lineno, exc.colno, "SVR001", f"not valid JSON: {exc.msg}"),))
        ) from None
    if not is_results_document(doc):
        raise ResponsesError(
            Report(
                (
                    Problem(
                        name,
                        0,
                        0,
                        "SVR001",
                        f"not an assessment results.json ({RESULTS_FORMAT!r} format)",
                    ),
                )
            )
        )
    if doc.get("format_version") != RESULTS_FORMAT_VERSION:
        msg = (
            f"results format version {doc.get('format_version')!r} is not supported (expected {RESULTS_FORMAT_VERSION})"
        )
        raise ResponsesError(Report((Problem(name, 0, 0, "SVR001", msg),)))
    return dict(doc)


def is_results_document(doc: object) -> bool:
    """True for a parsed results.json (as opposed to a JSON response file)."""
    return isinstance(doc, dict) and doc.get("format") == RESULTS_FORMAT


def _signatures(doc: Mapping[str, Any]) -> dict[str, tuple[tuple[str, bool], ...]]:
    return {d["id"]: tuple((i["id"], bool(i["reverse"])) for i in d["items"]) for d in doc["framework"]["domains"]}


def _describe_difference(old: Sequence[tuple[str, bool]], new: Sequence[tuple[str, bool]]) -> str:
    old_ids, new_ids = dict(old), dict(new)
    parts = []
    if removed := [i for i in old_ids if i not in new_ids]:
        parts.append(f"only in the older round: {', '.join(removed)}")
    if added := [i for i in new_ids if i not in old_ids]:
        parts.append(f"only in the newer round: {', '.join(added)}")
    if flipped := [i for i in new_ids if i in old_ids and old_ids[i] != new_ids[i]]:
        parts.append(f"reverse scoring changed: {', '.join(flipped)}")
    return "; ".join(parts) or "items differ"


def compare_rounds(
    older: Mapping[str, Any] | AssessmentResult,
    newer: Mapping[str, Any] | AssessmentResult,
    *,
    threshold: float | None = None,
) -> Trend:
    """Compare two rounds figure by figure, saying which changes are too small to mean anything.

    A figure is compared only when both rounds published it and scored the same items
    the same way; otherwise the trend says why not (an item-mapping problem). A change
    is ``meaningful`` only when the two 95% intervals do not overlap *and* the means
    differ by at least ``threshold`` (default: 5% of the scale's range).
    """
    old = older.to_dict() if isinstance(older, AssessmentResult) else older
    new = newer.to_dict() if isinstance(newer, AssessmentResult) else newer
    scale = new["framework"]["scale"]
    limit = threshold if threshold is not None else round(0.05 * (scale["max"] - scale["min"]), 3)
    problems: list[str] = []
    old_fw, new_fw = old["framework"], new["framework"]
    if old_fw["id"] != new_fw["id"]:
        problems.append(
            f"the rounds use different frameworks ({old_fw['id']!r} and {new_fw['id']!r}); nothing can be compared"
        )
        return Trend(
            old.get("round"),
            new.get("round"),
            old_fw["version"],
            new_fw["version"],
            limit,
            tuple(problems),
            (),
        )
    if old_fw["version"] != new_fw["version"]:
        problems.append(
            f"framework version changed from {old_fw['version']} to {new_fw['version']}: "
            "only domains whose items are unchanged are compared"
        )
    if old_fw["scale"] != new_fw["scale"]:
        problems.append("the response scale changed; nothing can be compared")
        return Trend(
            old.get("round"),
            new.get("round"),
            old_fw["version"],
            new_fw["version"],
            limit,
            tuple(problems),
            (),
        )
    old_sig, new_sig = _signatures(old), _signatures(new)
    comparable: dict[str, str] = {}
    for domain in new_sig:
        if domain not in old_sig:
            comparable[domain] = "domain not in the older round"
            problems.append(f"domain {domain!r} is not in the older round")
        elif old_sig[domain] != new_sig[domain]:
            why = _describe_difference(old_sig[domain], new_sig[domain])
            comparable[domain] = f"items differ ({why})"
            problems.append(f"domain {domain!r}: {why}")
    for domain in old_sig:
        if domain not in new_sig:
            problems.append(f"domain {domain!r} of the older round is not in the newer framework")
    overall_note = (
        "not comparable: the items differ between rounds" if comparable or set(old_sig) != set(new_sig) else ""
    )
    figure_ids = [*new_sig, OVERALL]

    def figures(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if row is None or row.get("suppressed"):
            return None
        out = dict(row.get("domains", {}))
        out[OVERALL] = row.get(OVERALL, {"n": 0})
        return out

    pairs: list[tuple[str | None, Mapping[str, Any] | None, Mapping[str, Any] | None]] = [
        (None, old.get("all"), new.get("all"))
    ]
    if new.get("by") is not None:
        if old.get("by") != new.get("by"):
            problems.append(f"the older round is not broken down by {new['by']!r}; only all respondents are compared")
        else:
            old_groups = {g["group"]: g for g in old.get("groups", [])}
            new_groups = {g["group"]: g for g in new.get("groups", [])}
            for name in sorted(set(old_groups) | set(new_groups), key=lambda k: (k.casefold(), k)):
                pairs.append((name, old_groups.get(name), new_groups.get(name)))

    changes: list[Change] = []
    for group, old_row, new_row in pairs:
        old_figs, new_figs = figures(old_row), figures(new_row)
        for fid in figure_ids:
            a = old_figs.get(fid) if old_figs else None
            b = new_figs.get(fid) if new_figs else None
            a = a if a and "mean" in a else None
            b = b if b and "mean" in b else None
            note = comparable.get(fid, "") if fid != OVERALL else overall_note
            if note:
                changes.append(Change(group, fid, a, b, None, False, note))
                continue
            if a is None or b is None:
                missing = []
                if a is None:
                    missing.append(_absent(old_row, old_figs, fid, "older"))
                if b is None:
                    missing.append(_absent(new_row, new_figs, fid, "newer"))
                changes.append(Change(group, fid, a, b, None, False, "; ".join(missing)))
                continue
            delta = b["mean"] - a["mean"]
            overlap = (
                a["ci95"] is None
                or b["ci95"] is None
                or (a["ci95"][1] >= b["ci95"][0] and b["ci95"][1] >= a["ci95"][0])
            )
            small = abs(delta) < limit
            reasons = []
            if overlap:
                reasons.append("confidence intervals overlap")
            if small:
                reasons.append(f"change is below {limit:g}")
            changes.append(Change(group, fid, a, b, delta, not (overlap or small), "; ".join(reasons)))
    return Trend(
        old.get("round"),
        new.get("round"),
        old_fw["version"],
        new_fw["version"],
        limit,
        tuple(problems),
        tuple(changes),
    )


def _absent(row: Mapping[str, Any] | None, figs: Mapping[str, Any] | None, fid: str, which: str) -> str:
    if row is None:
        return f"not in the {which} round"
    fig = (figs or {}).get(fid) or {}
    if row.get("suppressed") or fig.get("suppressed"):
        return f"suppressed in the {which} round"
    return f"nobody answered in the {which} round"
