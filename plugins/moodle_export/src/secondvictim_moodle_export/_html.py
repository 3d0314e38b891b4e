"""HTML for Moodle pages, book chapters and cartridge pages, built from content items.

Why here and not in a template engine: every fragment is either escaped plain text or
Markdown rendered by ``secondvictim_core.render_markdown`` (which sanitises), and the
whole fragment goes through :func:`clean` once more, so nothing an author writes can
add script, style or event handlers to a course. ``kind:id`` links are resolved by the
caller's ``resolve``: to the course's own activities in a backup, to plain text where
there is no page to point at.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence

import nh3

from secondvictim_core import render_markdown
from secondvictim_core.models import (
    CaseStudy,
    Channel,
    ChannelType,
    CopingStrategy,
    DecisionFlow,
    Faq,
    GuidanceArticle,
    ItemBase,
    Page,
    RecoveryStage,
    Signpost,
    Source,
    Story,
    SupportLadder,
    SupportLevel,
    WarningSign,
)

Resolve = Callable[[str, str], str | None]
"""Maps (kind, id) to a link target, or None to show the link's words as plain text."""

_TAGS = {
    "a", "p", "br", "strong", "em", "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td", "div",
}
_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "ol": {"start"}, "div": {"role"}}
_CLASSES = {"div": {"alert", "alert-warning", "alert-info", "alert-danger"}}


def no_links(kind: str, item_id: str) -> str | None:
    """A resolver that turns every internal link into plain text."""
    return None


def clean(fragment: str) -> str:
    """The last gate before HTML enters an export: the core's allow-list plus alert boxes."""
    return nh3.clean(
        fragment,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        allowed_classes=_CLASSES,
        url_schemes={"https", "http", "mailto", "tel"},
        link_rel=None,
    )


def esc(text: str) -> str:
    """Escape plain text for HTML."""
    return html.escape(text, quote=True)


def para(text: str) -> str:
    """Plain text as a paragraph."""
    return f"<p>{esc(text)}</p>"


def markdown(text: str | None, resolve: Resolve) -> str:
    """Markdown as sanitised HTML: content's ``##`` sections become h3 under the activity's h2."""
    return render_markdown(text, resolve, heading_offset=1) if text else ""


def link(url: str | None, words: str) -> str:
    """A link, or the words alone when there is nowhere to go."""
    return f'<a href="{esc(url)}">{esc(words)}</a>' if url else esc(words)


def bullet_list(entries: Iterable[str], *, raw: bool = False) -> str:
    """A <ul>; entries are escaped unless ``raw``."""
    rows = [f"<li>{e if raw else esc(e)}</li>" for e in entries]
    return f"<ul>{''.join(rows)}</ul>" if rows else ""


def warnings_box(warnings: Sequence[str]) -> str:
    """Content warnings, shown before any text (stories, case studies, some guidance)."""
    if not warnings:
        return ""
    label = "Content warning" if len(warnings) == 1 else "Content warnings"
    body = esc(warnings[0]) if len(warnings) == 1 else bullet_list(warnings)
    if len(warnings) == 1:
        return f'<div class="alert alert-warning" role="note"><p><strong>{label}:</strong> {body}</p></div>'
    return f'<div class="alert alert-warning" role="note"><p><strong>{label}:</strong></p>{body}</div>'


def sources_list(sources: Sequence[Source]) -> str:
    """The item's sources, so a reader can check every fact."""
    if not sources:
        return ""
    rows = [link(str(s.url), s.title) for s in sources]
    return "<h3>Sources</h3>" + bullet_list(rows, raw=True)


def channel_html(channel: Channel) -> str:
    """One way to contact a service, as a usable link."""
    value = channel.value
    if channel.type is ChannelType.PHONE:
        target = "tel:" + "".join(ch for ch in value if ch.isdigit() or ch == "+")
        text = link(target, value)
        prefix = "Phone"
    elif channel.type is ChannelType.TEXT:
        text = f"{esc(channel.keyword)} to {esc(value)}" if channel.keyword else esc(value)
        prefix = "Text"
    elif channel.type is ChannelType.EMAIL:
        text = link("mailto:" + value, value)
        prefix = "Email"
    else:
        text = link(value, value)
        prefix = "Website"
    parts = [f"<strong>{esc(channel.label or prefix)}:</strong> {text}"]
    parts.extend(esc(extra) for extra in (channel.cost, channel.hours) if extra)
    return ". ".join(parts)


def signpost_html(post: Signpost, resolve: Resolve, *, heading: str = "h3") -> str:
    """One service in the signposting directory."""
    out = [f"<{heading}>{esc(post.title)}</{heading}>", para(post.summary)]
    facts = [f"<strong>Run by:</strong> {esc(post.organisation)}"]
    facts.extend(channel_html(c) for c in post.channels)
    if post.hours:
        facts.append(f"<strong>When:</strong> {esc(post.hours)}")
    facts.append(f"<strong>Who can use it:</strong> {esc(post.eligibility)}")
    out.append(bullet_list(facts, raw=True))
    if post.not_emergency_note:
        out.append(para(post.not_emergency_note))
    out.append(markdown(post.body, resolve))
    return "".join(out)


def signpost_directory(posts: Sequence[Signpost], resolve: Resolve) -> str:
    """The signposting directory: crisis and emergency services first, as the bundle orders them."""
    crisis = [p for p in posts if p.crisis or p.emergency]
    other = [p for p in posts if not (p.crisis or p.emergency)]
    out: list[str] = []
    if crisis:
        out.append('<div class="alert alert-danger" role="note">')
        out.append("<h3>If you need help now</h3>")
        out.extend(signpost_html(p, resolve, heading="h4") for p in crisis)
        out.append("</div>")
    if other:
        out.append("<h3>Support services</h3>")
        out.extend(signpost_html(p, resolve, heading="h4") for p in other)
    return clean("".join(out))


def _meta(rows: Sequence[tuple[str, str | None]]) -> str:
    return bullet_list(
        (f"<strong>{esc(label)}:</strong> {esc(value)}" for label, value in rows if value),
        raw=True,
    )


def guidance_html(item: GuidanceArticle, resolve: Resolve, titles: dict[str, str]) -> str:
    """A guidance article: warnings, text, related items."""
    out = [warnings_box(item.content_warnings), markdown(item.body, resolve)]
    out.append(related_html(item.related, resolve, titles))
    return "".join(out)


def related_html(ids: Sequence[str], resolve: Resolve, titles: dict[str, str]) -> str:
    """'Read next' links; only items the course can link to are listed."""
    rows = []
    for ref in ids:
        url = resolve("*", ref)
        if url and ref in titles:
            rows.append(link(url, titles[ref]))
    return ("<h3>Read next</h3>" + bullet_list(rows, raw=True)) if rows else ""


def story_html(item: Story, resolve: Resolve, strategy_titles: dict[str, str]) -> str:
    """A staff story: warnings first, who is telling it, the story, what helped."""
    out = [warnings_box(item.content_warnings)]
    kind = "A composite story built from published research" if item.composite else None
    out.append(_meta([("Role", item.profession), ("Setting", item.setting), ("About this story", kind)]))
    out.append(markdown(item.body, resolve))
    if item.coping:
        rows = []
        for use in item.coping:
            title = strategy_titles.get(use.strategy, use.strategy)
            rows.append(f"<strong>{link(resolve('coping_strategy', use.strategy), title)}</strong>: "
                        f"{esc(use.how_it_helped)}")
        out.append("<h3>What helped, and what did not</h3>" + bullet_list(rows, raw=True))
    return "".join(out)


def case_study_html(item: CaseStudy, resolve: Resolve) -> str:
    """An organisation's programme, with outcomes exactly as reported and their sources."""
    out = [warnings_box(item.content_warnings)]
    out.append(_meta([
        ("Organisation", item.organisation),
        ("Country", item.country),
        ("Programme", item.programme),
        ("Model", item.model),
        ("Started", str(item.start_year) if item.start_year else None),
    ]))
    out.append(markdown(item.body, resolve))
    if item.outcomes:
        rows = []
        for outcome in item.outcomes:
            source = item.sources[outcome.source]
            rows.append(f"{esc(outcome.text)} ({link(str(source.url), source.title)})")
        out.append("<h3>Reported outcomes</h3>" + bullet_list(rows, raw=True))
    return "".join(out)


def faq_html(item: Faq, resolve: Resolve, titles: dict[str, str]) -> str:
    """An FAQ answer."""
    return markdown(item.body, resolve) + related_html(item.related, resolve, titles)


def page_html(item: Page, resolve: Resolve) -> str:
    """A standing page (about, accessibility, privacy)."""
    return markdown(item.body, resolve)


def stage_html(item: RecoveryStage, resolve: Resolve) -> str:
    """A recovery stage: what people feel and ask, and (last stage) the ways people move on."""
    out = [para(item.summary), "<h3>What people often feel or do</h3>", bullet_list(item.characteristics)]
    out.append("<h3>Questions people often ask</h3>" + bullet_list(item.typical_questions))
    for path in item.outcomes:
        out.append(f"<h4>{esc(path.name)}</h4>{para(path.description)}")
        out.append(bullet_list(path.typical_questions))
    out.append(markdown(item.body, resolve))
    return "".join(out)


def coping_html(item: CopingStrategy, resolve: Resolve) -> str:
    """A coping strategy and what the evidence says about it."""
    effect = {"helpful": "Usually helpful", "mixed": "Mixed", "unhelpful": "Usually unhelpful"}
    out = [para(item.summary)]
    out.append(_meta([
        ("What the evidence suggests", effect.get(item.effectiveness.value, item.effectiveness.value)),
        ("Evidence", item.evidence),
    ]))
    out.append(markdown(item.body, resolve))
    return "".join(out)


def ladder_html(item: SupportLadder, resolve: Resolve) -> str:
    """The introduction chapter of a support ladder."""
    return para(item.summary) + markdown(item.body, resolve)


def level_html(item: SupportLevel, resolve: Resolve, titles: dict[str, str]) -> str:
    """A support level: who, how fast, how, what a manager should do, services to offer."""
    out = [para(item.summary), _meta([
        ("Who gives this support", item.who_delivers),
        ("How soon", item.response_target),
        ("Share of staff who may need it", item.expected_share),
    ])]
    out.append("<h3>What it looks like</h3>" + bullet_list(item.approaches))
    out.append("<h3>If you are a manager or colleague</h3>" + markdown(item.manager_guidance, resolve))
    out.append(markdown(item.body, resolve))
    signs = [link(resolve("warning_sign", s), titles.get(s, s)) for s in item.signs if s in titles]
    if signs:
        out.append("<h3>Signs that call for this level</h3>" + bullet_list(signs, raw=True))
    posts = [link(resolve("signpost", s), titles.get(s, s)) for s in item.signposts if s in titles]
    if posts:
        out.append("<h3>Services to offer</h3>" + bullet_list(posts, raw=True))
    return "".join(out)


_SIGN_CATEGORIES = (
    ("physical", "Physical signs"),
    ("psychological", "Psychological signs"),
    ("behavioural", "Changes in behaviour"),
    ("work", "Signs at work"),
)


def warning_signs_html(
    signs: Sequence[WarningSign], crisis: Sequence[Signpost], resolve: Resolve, titles: dict[str, str]
) -> str:
    """Warning signs by category, red flags first with the crisis routes beside them."""
    out: list[str] = []
    flags = [s for s in signs if s.red_flag]
    if flags:
        out.append('<div class="alert alert-danger" role="note"><h3>Red flags: get help now</h3>')
        rows = [f"<strong>{esc(s.title)}</strong>: {esc(s.description or s.summary)}" for s in flags]
        out.append(bullet_list(rows, raw=True))
        if crisis:
            routes = []
            for post in crisis:
                contact = "; ".join(channel_html(c) for c in post.channels)
                routes.append(f"{link(resolve('signpost', post.id), post.title)}: {contact}")
            out.append(bullet_list(routes, raw=True))
        out.append("</div>")
    for category, heading in _SIGN_CATEGORIES:
        rows = []
        for sign in signs:
            if sign.category.value != category or sign.red_flag:
                continue
            level = link(resolve("support_level", sign.support_level), titles.get(sign.support_level, ""))
            text = f"<strong>{esc(sign.title)}</strong>: {esc(sign.description or sign.summary)}"
            if sign.support_level in titles:
                text += f" (suggested support: {level})"
            rows.append(text)
        if rows:
            out.append(f"<h3>{esc(heading)}</h3>" + bullet_list(rows, raw=True))
    return "".join(out)


def decision_flow_html(item: DecisionFlow, resolve: Resolve) -> str:
    """The decision flow as an ordered list of tests, its outcomes and its disclaimer first."""
    out = [f'<div class="alert alert-info" role="note">{para(item.disclaimer)}</div>']
    out.append(markdown(item.body, resolve))
    index = {q.id: n for n, q in enumerate(item.questions, start=1)}
    outcome_titles = {o.id: o.title for o in item.outcomes}

    def route(answer: str, target_next: str | None, target_outcome: str | None) -> str:
        if target_next:
            return f"{answer}: go to test {index.get(target_next, 0)}"
        return f"{answer}: {outcome_titles.get(target_outcome or '', target_outcome or '')}"

    rows = []
    for question in item.questions:
        text = f"<strong>{esc(question.test)}</strong>: {esc(question.question)}"
        if question.help:
            text += para(question.help)
        answers = [
            route("Yes", question.yes.next, question.yes.outcome),
            route("No", question.no.next, question.no.outcome),
        ]
        rows.append(text + bullet_list(answers))
    out.append("<h3>The tests</h3><ol>" + "".join(f"<li>{r}</li>" for r in rows) + "</ol>")
    out.append("<h3>Outcomes</h3>")
    for outcome in item.outcomes:
        out.append(f"<h4>{esc(outcome.title)}</h4>{markdown(outcome.guidance, resolve)}")
    return "".join(out)


def with_sources(fragment: str, item: ItemBase) -> str:
    """The fragment, the item's sources, cleaned."""
    return clean(fragment + sources_list(item.sources))
