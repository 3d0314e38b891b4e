"""The thin adapter from a validated core Bundle to plain records and page specs.

Why thin: the sync engine works on plain :class:`Record` and :class:`PageSpec` values, so it
can be tested without content packs and does not change when the content model grows. This
module is the only place that knows the core's item shapes, and it reads them through
``model_dump(mode="json")``, which is stable JSON.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ._model import PageSpec, Record, slug

PAGE_KINDS = ("guidance", "story", "case_study", "page")
"""Kinds published one page per item. FAQs are published one page per topic."""
CONSENT_CHANNELS = frozenset({"sharepoint", "intranet"})
"""A story told by a real person is published only if its consent covers one of these."""


class ItemLike(Protocol):
    """What the adapter needs from a content item (the core's models satisfy it)."""

    kind: str
    id: str
    title: str
    summary: str

    def model_dump(self, *, mode: str = ...) -> dict[str, Any]:
        """JSON-able dict of the item."""
        ...


class BundleLike(Protocol):
    """What the adapter needs from a bundle."""

    @property
    def items(self) -> tuple[Any, ...]:
        """Validated items."""
        ...


@dataclass
class Content:
    """Everything a run publishes, plus what it held back and why."""

    records: dict[str, Record] = field(default_factory=dict)
    pages: dict[str, PageSpec] = field(default_factory=dict)
    withheld: dict[str, str] = field(default_factory=dict)
    """External id -> reason (e.g. consent does not cover SharePoint)."""


def markdown_renderer(links: dict[tuple[str, str], str] | None = None) -> Callable[[str], str]:
    """The core's sanitising Markdown renderer, or a local equivalent if it is missing.

    ``links`` maps ``(kind, id)`` to a page file name, so ``kind:id`` links in content point at
    the published page (a relative link: all site pages live in the same ``SitePages`` library).
    Links to content without a page become plain text, as the core renders them.
    """
    table = links or {}
    try:
        from secondvictim_core import render_markdown
    except ImportError:  # pragma: no cover - only on a core without the renderer
        import nh3
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark", {"html": False})
        return lambda text: str(nh3.clean(md.render(text)))

    def resolve(kind: str, item_id: str) -> str | None:
        return table.get((kind, item_id))

    return lambda text: str(render_markdown(text, resolve))


def withheld_reason(dump: dict[str, Any], today: dt.date) -> str | None:
    """Why a story may not be published to SharePoint (consent scope or expiry), if so."""
    consent = dump.get("consent")
    if dump.get("kind") != "story" or not isinstance(consent, dict):
        return None
    scope = {str(s).lower() for s in consent.get("scope") or []}
    if not scope & CONSENT_CHANNELS:
        return "consent does not cover SharePoint or the intranet"
    expires = consent.get("expires")
    if expires and dt.date.fromisoformat(str(expires)) < today:
        return f"consent expired on {expires}"
    return None


def _page_body(dump: dict[str, Any], render: Callable[[str], str]) -> str:
    parts: list[str] = []
    warnings = [str(w) for w in dump.get("content_warnings") or []]
    if warnings:
        parts.append(f"<p><strong>Content note:</strong> {html.escape('; '.join(warnings))}</p>")
    parts.append(f"<p><em>{html.escape(str(dump.get('summary', '')))}</em></p>")
    parts.append(render(str(dump.get("body", ""))))
    sources = [s for s in dump.get("sources") or [] if isinstance(s, dict)]
    if sources:
        links = "".join(
            f'<li><a href="{html.escape(str(s.get("url", "")))}">{html.escape(str(s.get("title", "")))}</a></li>'
            for s in sources
        )
        parts.append(f"<h2>Sources</h2><ul>{links}</ul>")
    review = dump.get("review")
    if isinstance(review, dict) and review.get("next_review_due"):
        parts.append(
            f"<p>Last reviewed {html.escape(str(review.get('last_reviewed', '')))}; "
            f"next review due {html.escape(str(review['next_review_due']))}.</p>"
        )
    return "".join(parts)


def content_from_items(
    items: Iterable[Any],
    *,
    kinds: Iterable[str] | None = None,
    today: dt.date | None = None,
    render: Callable[[str], str] | None = None,
) -> Content:
    """Build records (every kind) and page specs (long-form kinds, FAQs by topic).

    Args:
        items: Validated items (core models or anything with ``kind``/``id``/``model_dump``).
        kinds: Only these kinds (a filtered run: it will never retire or delete).
        today: Date consent expiry is judged against.
        render: Markdown to sanitised HTML.
    """
    today = today or dt.date.today()
    dumps = [item.model_dump(mode="json") for item in items]
    if render is None:
        links: dict[tuple[str, str], str] = {}
        for d in dumps:
            kind, item_id = str(d.get("kind")), str(d.get("id"))
            if kind in PAGE_KINDS:
                links[(kind, item_id)] = f"sv-{slug(kind)}-{slug(item_id)}.aspx"
            elif kind == "faq":
                links[(kind, item_id)] = f"sv-faq-{slug(str(d.get('topic') or 'General'))}.aspx"
        render = markdown_renderer(links)
    wanted = set(kinds) if kinds is not None else None
    out = Content()
    faqs: dict[str, list[dict[str, Any]]] = {}
    for dump in dumps:
        kind = str(dump.get("kind", ""))
        if wanted is not None and kind not in wanted:
            continue
        record = Record.build(
            kind,
            str(dump["id"]),
            str(dump["title"]),
            str(dump["summary"]),
            {k: v for k, v in dump.items() if k not in {"id", "kind"}},
            int(dump.get("order") or 0),
        )
        reason = withheld_reason(dump, today)
        if reason:
            out.withheld[record.external_id] = reason
            continue
        out.records[record.external_id] = record
        if kind in PAGE_KINDS:
            eid = f"page-{kind}:{dump['id']}"
            out.pages[eid] = PageSpec(
                external_id=eid,
                name=f"sv-{slug(kind)}-{slug(str(dump['id']))}.aspx",
                title=record.title,
                summary=record.summary,
                html=_page_body(dump, render),
            )
        elif kind == "faq":
            faqs.setdefault(str(dump.get("topic") or "General"), []).append(dump)
    for topic, entries in sorted(faqs.items()):
        entries.sort(key=lambda d: (int(d.get("order") or 0), str(d["id"])))
        body = "".join(f"<h2>{html.escape(str(d['title']))}</h2>{render(str(d.get('body', '')))}" for d in entries)
        eid = f"page-faq:{slug(topic)}"
        out.pages[eid] = PageSpec(
            external_id=eid,
            name=f"sv-faq-{slug(topic)}.aspx",
            title=f"Questions: {topic}",
            summary=f"Questions staff ask about {topic.lower()}.",
            html=body,
        )
    return out


def content_from_bundle(bundle: BundleLike, **kwargs: Any) -> Content:
    """:func:`content_from_items` over a core Bundle's items."""
    return content_from_items(bundle.items, **kwargs)
