"""The Just Culture self-assessment as Moodle Feedback items, and as a Feedback template file.

Why mod_feedback: it is anonymous, it scores Likert answers (``multichoicerated``) and its
analysis page shows each statement's average, which is what an organisation compares
year on year. Reverse-scored statements keep their labels in the usual order but carry
reversed values, so a higher average always means a more just culture.

The presentation strings follow ``mod/feedback/item/*/lib.php``:
``r>>>>>`` (radio buttons) then ``value####label`` pairs joined by ``|``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from secondvictim_core.models import AssessmentFramework

from ._html import clean, esc, para
from ._xml import FEEDBACK_DECLARATION, cdata, element, sub, to_bytes

TYPE_SEP = ">>>>>"
VALUE_SEP = "####"
LINE_SEP = "|"
HIDE_NO_SELECT = "h"


@dataclass(frozen=True)
class FeedbackItem:
    """One row of ``feedback_item``."""

    id: int
    typ: str
    name: str
    label: str
    presentation: str
    hasvalue: int
    position: int
    required: int
    options: str


def _plain(text: str) -> str:
    # The separators cannot appear inside a label or the presentation would not parse back.
    cleaned = text.replace(LINE_SEP, "/").replace(TYPE_SEP, " ").replace(VALUE_SEP, " ")
    return " ".join(cleaned.split())


def _clip(text: str, limit: int = 255) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def rated_presentation(framework: AssessmentFramework, *, reverse: bool) -> str:
    """``r>>>>>1####Strongly disagree|...``; values reversed for reverse-scored statements."""
    points = framework.scale.points
    low, high = framework.scale.minimum, framework.scale.maximum
    pairs = [
        f"{(low + high - p.value) if reverse else p.value}{VALUE_SEP}{_plain(p.label)}" for p in points
    ]
    return "r" + TYPE_SEP + LINE_SEP.join(pairs)


def parse_rated(presentation: str) -> tuple[str, list[tuple[int, str]]]:
    """Read a ``multichoicerated`` presentation back as (subtype, [(value, label)])."""
    subtype, _, rest = presentation.partition(TYPE_SEP)
    rows = []
    for line in rest.split(LINE_SEP):
        value, sep, label = line.partition(VALUE_SEP)
        if not sep:
            msg = f"no {VALUE_SEP!r} in {line!r}"
            raise ValueError(msg)
        rows.append((int(value), label))
    return subtype, rows


def feedback_items(framework: AssessmentFramework, first_id: int) -> list[FeedbackItem]:
    """Items for one framework: per domain a page break (after the first), a label, the statements."""
    items: list[FeedbackItem] = []

    def add(typ: str, name: str, label: str, presentation: str, hasvalue: int, required: int,
            options: str) -> None:
        items.append(FeedbackItem(first_id + len(items), typ, name, label, presentation, hasvalue,
                                  len(items) + 1, required, options))

    for number, domain in enumerate(framework.domains):
        if number:
            add("pagebreak", "", "", "", 0, 0, "")
        heading = clean(f"<h3>{esc(domain.title)}</h3>{para(domain.description)}")
        add("label", "", "", heading, 0, 0, "")
        for statement in domain.items:
            add(
                "multichoicerated",
                _clip(_plain(statement.text)),
                _clip(statement.id),
                rated_presentation(framework, reverse=statement.reverse),
                1,
                1,
                HIDE_NO_SELECT,
            )
    return items


def after_submit_html(framework: AssessmentFramework, render: Callable[[str | None], str]) -> str:
    """Shown after submitting: how to read the domain averages, the bands and actions per domain."""
    out = ["<h3>Reading the results</h3>"]
    scale = framework.scale
    out.append(para(
        f"Each statement scores from {scale.minimum} to {scale.maximum}, and a higher score "
        f"always means a more just culture. The mean score of each domain, from the Analysis "
        f"tab, falls in one of the bands below. Do not report results for groups smaller than "
        f"{framework.min_group_size} people."
    ))
    rows = []
    for band in framework.bands:
        rows.append(f"<li><strong>{esc(band.label)}</strong> (from {band.min_score:g}): {esc(band.description)}</li>")
    out.append(f"<ul>{''.join(rows)}</ul>")
    for domain in framework.domains:
        if not domain.actions:
            continue
        labels = {b.id: b.label for b in framework.bands}
        actions = "".join(
            f"<li><strong>{esc(labels.get(a.band, a.band))}</strong>: {esc(a.text)}</li>"
            for a in domain.actions
        )
        out.append(f"<h4>{esc(domain.title)}</h4><ul>{actions}</ul>")
    out.append(render(framework.body))
    return clean("".join(out))


def template_xml(items: list[FeedbackItem]) -> bytes:
    """A Feedback template as ``mod/feedback/export.php`` writes it (``VERSION="200701"``).

    A team imports it into an existing Feedback activity (Templates > Import questions).
    """
    root = element("FEEDBACK", {"VERSION": "200701", "COMMENT": "XML-Importfile for mod/feedback"})
    container = sub(root, "ITEMS")
    for item in items:
        node = sub(container, "ITEM", attrs={"TYPE": item.typ, "REQUIRED": str(item.required)})
        cdata(node, "ITEMID", str(item.id))
        cdata(node, "ITEMTEXT", item.name)
        cdata(node, "ITEMLABEL", item.label)
        cdata(node, "PRESENTATION", item.presentation)
        cdata(node, "OPTIONS", item.options)
        cdata(node, "DEPENDITEM", "0")
        cdata(node, "DEPENDVALUE", "")
    return to_bytes(root, FEEDBACK_DECLARATION)
