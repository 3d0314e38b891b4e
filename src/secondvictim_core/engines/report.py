"""HTML for the self-assessment: the results report and the printable response form.

Why these constraints: the report is opened on NHS intranets with a strict Content
Security Policy and read with screen readers. So it has no scripts and no inline
styles (one small stylesheet ships beside it), the charts are inline SVG with a
text alternative and the same figures in a table, and everything is escaped by
Jinja2's autoescape (group names come from a spreadsheet and are untrusted).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .._export import _swap_into_place
from .._markdown import render_markdown
from ..models import AssessmentFramework
from .actions import action_plan, plan_to_csv, plan_to_dict
from .assessment import OVERALL, AssessmentResult, Figure, Trend, response_template_csv

STYLESHEET = "assessment.css"
"""The stylesheet written beside every page (the pages link to it by this name)."""

RESULT_FILES = (
    "results.json",
    "action-plan.csv",
    "action-plan.json",
    "report.html",
    STYLESHEET,
)
"""What :func:`write_assessment` writes."""

TEMPLATE_FILES = ("responses-template.csv", "form.html", STYLESHEET)
"""What :func:`write_template` writes."""


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("secondvictim_core.engines", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = lambda v, places=2: f"{v:.{places}f}"
    env.filters["pct"] = lambda v: f"{v:.0f}%"
    return env


def stylesheet() -> str:
    """The CSS the pages link to (no page carries inline styles)."""
    return files("secondvictim_core.engines").joinpath("templates", STYLESHEET).read_text("utf-8")


# -- charts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Bar:
    label: str
    y: float
    x: float
    width: float
    mean: float
    ci: tuple[float, float] | None
    band_index: int
    series: str = ""


@dataclass(frozen=True)
class _Chart:
    """Geometry for one horizontal bar chart on the framework's scale."""

    id: str
    title: str
    description: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bars: tuple[_Bar, ...]
    ticks: tuple[tuple[float, str], ...]
    bands: tuple[tuple[float, str], ...]
    legend: tuple[tuple[str, str], ...] = ()


_WIDTH, _LEFT, _RIGHT, _BAR, _GAP, _TOP = 720, 230, 660, 20, 14, 40


def _x(framework: AssessmentFramework, value: float) -> float:
    low, high = framework.scale.minimum, framework.scale.maximum
    return _LEFT + (value - low) / (high - low) * (_RIGHT - _LEFT)


def _short(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _bar(framework: AssessmentFramework, label: str, y: float, figure: Figure, series: str) -> _Bar:
    start = _x(framework, framework.scale.minimum)
    ci = None if figure.ci is None else (_x(framework, figure.ci[0]), _x(framework, figure.ci[1]))
    index = [b.id for b in framework.bands].index(figure.band.id)
    return _Bar(label, y, start, _x(framework, figure.mean) - start, figure.mean, ci, index, series)


def _axes(framework: AssessmentFramework) -> tuple[tuple[tuple[float, str], ...], ...]:
    ticks = tuple((_x(framework, p.value), str(p.value)) for p in framework.scale.points)
    bands = tuple((_x(framework, b.min_score), b.label) for b in framework.bands[1:])
    return ticks, bands


def _results_chart(result: AssessmentResult, titles: dict[str, str]) -> _Chart | None:
    fw = result.framework
    rows = [(fid, result.total.figure(fid)) for fid in result.figure_ids]
    shown = [(fid, fig) for fid, fig in rows if fig is not None]
    if not shown:
        return None
    bars = tuple(_bar(fw, _short(titles[fid]), _TOP + i * (_BAR + _GAP), fig, "") for i, (fid, fig) in enumerate(shown))
    ticks, bands = _axes(fw)
    described = "; ".join(f"{titles[fid]} {fig.mean:.2f} ({fig.band.label})" for fid, fig in shown)
    return _Chart(
        id="chart-domains",
        title="Mean score by domain, all respondents, with 95% confidence intervals",
        description=f"Scale {fw.scale.minimum} to {fw.scale.maximum}. {described}.",
        width=_WIDTH,
        height=_TOP + len(shown) * (_BAR + _GAP) + 30,
        left=_LEFT,
        right=_RIGHT,
        top=_TOP,
        bars=bars,
        ticks=ticks,
        bands=bands,
    )


def _trend_chart(result: AssessmentResult, trend: Trend, titles: dict[str, str]) -> _Chart | None:
    fw = result.framework
    pairs = [c for c in trend.changes if c.group is None and c.change is not None]
    if not pairs:
        return None
    bars: list[_Bar] = []
    parts: list[str] = []
    older_label = trend.older_round or "older round"
    newer_label = trend.newer_round or "this round"
    for i, change in enumerate(pairs):
        assert change.older is not None and change.newer is not None
        y = _TOP + i * (2 * _BAR + _GAP)
        for offset, doc, series in ((0, change.older, "older"), (_BAR, change.newer, "newer")):
            start = _x(fw, fw.scale.minimum)
            ci = doc["ci95"]
            bars.append(
                _Bar(
                    _short(titles[change.figure]) if series == "older" else "",
                    y + offset,
                    start,
                    _x(fw, doc["mean"]) - start,
                    doc["mean"],
                    None if ci is None else (_x(fw, ci[0]), _x(fw, ci[1])),
                    0,
                    series,
                )
            )
        parts.append(f"{titles[change.figure]} {change.older['mean']:.2f} to {change.newer['mean']:.2f}")
    ticks, bands = _axes(fw)
    return _Chart(
        id="chart-trend",
        title=f"Mean score by domain: {older_label} and {newer_label}",
        description=f"Scale {fw.scale.minimum} to {fw.scale.maximum}. " + "; ".join(parts) + ".",
        width=_WIDTH,
        height=_TOP + len(pairs) * (2 * _BAR + _GAP) + 30,
        left=_LEFT,
        right=_RIGHT,
        top=_TOP,
        bars=tuple(bars),
        ticks=ticks,
        bands=bands,
        legend=((older_label, "older"), (newer_label, "newer")),
    )


# -- pages -------------------------------------------------------------------------------------


def _titles(framework: AssessmentFramework) -> dict[str, str]:
    return {**{d.id: d.title for d in framework.domains}, OVERALL: "Overall"}


def render_report(result: AssessmentResult, trend: Trend | None = None) -> str:
    """The accessible HTML report: summary, chart, groups, trend and the action plan."""
    titles = _titles(result.framework)
    plan = action_plan(result)
    context: dict[str, Any] = {
        "result": result,
        "fw": result.framework,
        "titles": titles,
        "figure_ids": result.figure_ids,
        "domains": result.framework.domains,
        "overall": OVERALL,
        "chart": _results_chart(result, titles),
        "trend": trend,
        "trend_chart": None if trend is None else _trend_chart(result, trend, titles),
        "plan": [p for p in plan if p.group is None],
        "stylesheet": STYLESHEET,
        "lang": result.framework.locale or "en-GB",
    }
    return _environment().get_template("report.html.j2").render(context)


def render_form(framework: AssessmentFramework, group_columns: Sequence[str] = ()) -> str:
    """A printable (and fillable) response form generated from the framework."""
    context = {
        "fw": framework,
        "instructions": Markup(render_markdown(framework.instructions)),
        "group_columns": list(group_columns),
        "stylesheet": STYLESHEET,
        "lang": framework.locale or "en-GB",
    }
    return _environment().get_template("form.html.j2").render(context)


# -- writing -----------------------------------------------------------------------------------


def _dump(doc: object) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _write_folder(destination: str | os.PathLike[str], contents: dict[str, str]) -> tuple[Path, ...]:
    """Write files into a temporary sibling folder, then swap it into place whole."""
    dest = Path(destination).absolute()
    if dest.exists() and not dest.is_dir():
        msg = f"{dest} exists and is not a folder"
        raise NotADirectoryError(msg)
    if dest.exists():
        # The whole folder is replaced, so refuse one holding anything we did not write.
        foreign = sorted(p.name for p in dest.iterdir() if p.name not in contents)
        if foreign:
            msg = (
                f"{dest} holds other files ({', '.join(foreign[:5])}); "
                "choose a new or empty folder, since it is replaced as a whole"
            )
            raise FileExistsError(msg)
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    try:
        for name, text in contents.items():
            (work / name).write_text(text, encoding="utf-8", newline="")
        _swap_into_place(work, dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return tuple(dest / name for name in contents)


def write_assessment(
    destination: str | os.PathLike[str], result: AssessmentResult, trend: Trend | None = None
) -> tuple[Path, ...]:
    """Write results.json, the action plan (CSV and JSON) and report.html with its stylesheet.

    The folder is written beside ``destination`` and moved into place only when
    complete; the same input always gives byte-identical files.
    """
    plan = action_plan(result)
    results = result.to_dict()
    if trend is not None:
        results["trend"] = trend.to_dict()
    return _write_folder(
        destination,
        {
            "results.json": _dump(results),
            "action-plan.csv": plan_to_csv(plan),
            "action-plan.json": _dump(plan_to_dict(result, plan)),
            "report.html": render_report(result, trend),
            STYLESHEET: stylesheet(),
        },
    )


def write_template(
    destination: str | os.PathLike[str],
    framework: AssessmentFramework,
    group_columns: Sequence[str] = (),
) -> tuple[Path, ...]:
    """Write a blank response file (CSV) and a printable form (HTML) for the framework."""
    return _write_folder(
        destination,
        {
            "responses-template.csv": response_template_csv(framework, group_columns),
            "form.html": render_form(framework, group_columns),
            STYLESHEET: stylesheet(),
        },
    )
