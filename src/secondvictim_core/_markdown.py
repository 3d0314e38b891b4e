"""Markdown for content: CommonMark with raw HTML off, sanitised, with ``kind:id`` links.

Why both "HTML off" and a sanitiser: the first stops authors' raw HTML being
rendered; the second is a backstop for anything the renderer lets through (for
example a ``javascript:`` URL in a link), so hostile content never reaches a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from .models import KIND_MODELS

LinkResolver = Callable[[str, str], str | None]
"""Maps (kind, id) to a URL for an internal link, or None when it cannot be linked."""

_INTERNAL = re.compile(r"^(?P<kind>[a-z_]+):(?P<id>[a-z0-9]+(?:[-_][a-z0-9]+)*)$")
_ALLOWED_TAGS = {
    "a", "p", "br", "strong", "em", "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "ol": {"start"}}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        "table"
    )


def parse_internal_link(href: str) -> tuple[str, str] | None:
    """('signpost', 'samaritans') for ``signpost:samaritans``; None for ordinary URLs."""
    match = _INTERNAL.match(href)
    if match and match["kind"] in KIND_MODELS:
        return match["kind"], match["id"]
    return None


def iter_links(text: str) -> Iterator[tuple[str, int]]:
    """Every link target in Markdown ``text`` with its 0-based line within the text."""
    for token in _parser().parse(text):
        if token.type != "inline" or not token.children:
            continue
        line = token.map[0] if token.map else 0
        for child in token.children:
            if child.type == "link_open":
                yield str(child.attrGet("href") or ""), line


def plain_text(text: str) -> str:
    """Markdown reduced to its words (for readability scores and lints)."""
    out: list[str] = []
    for token in _parser().parse(text):
        if token.type == "inline" and token.children:
            out.append("".join(c.content for c in token.children if c.type in ("text", "code_inline")))
    return "\n".join(part for part in out if part)


def render_markdown(
    text: str,
    resolve: LinkResolver | None = None,
    *,
    heading_offset: int = 0,
) -> str:
    """Render Markdown to sanitised HTML.

    Args:
        text: CommonMark source; raw HTML in it is shown as text, never rendered.
        resolve: turns ``kind:id`` links into URLs; unresolved ones become plain text.
        heading_offset: added to heading levels (content uses ``##`` for its top sections,
            which sit under the page's h1 with the default of 0).
    """
    md = _parser()
    tokens = md.parse(text)
    _rewrite(tokens, resolve, heading_offset)
    html = md.renderer.render(tokens, md.options, {})
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"https", "http", "mailto", "tel"},
        link_rel=None,
    )


def _rewrite(tokens: list[Token], resolve: LinkResolver | None, offset: int) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close") and offset:
            level = min(int(token.tag[1]) + offset, 6)
            token.tag = f"h{level}"
        if token.children:
            children = token.children
            for i, child in enumerate(children):
                if child.type != "link_open":
                    continue
                internal = parse_internal_link(str(child.attrGet("href") or ""))
                if internal is None:
                    continue
                url = resolve(*internal) if resolve else None
                if url is None:
                    _unlink(children, i)
                else:
                    child.attrSet("href", url)


def _unlink(children: list[Token], start: int) -> None:
    """Turn a link into plain text (links cannot nest in CommonMark)."""
    for token in children[start:]:
        is_close = token.type == "link_close"
        if token.type in ("link_open", "link_close"):
            token.type, token.tag, token.content, token.attrs, token.nesting = "text", "", "", {}, 0
        if is_close:
            break
