"""HTML fragments for content management systems that take blocks of HTML.

Why fragments as well as a site: many trusts publish through a CMS (SharePoint,
Drupal, a Wagtail intranet) that will not host a static site but will take a block
of HTML. A fragment is the same markup as the site's page body, without the page
around it (no header, navigation or scripts), with every class and id prefixed
``sv-`` so it cannot clash with the CMS's own styles. Links point into the published
site (``link-base``), and a manifest lists every fragment with its review dates and a
checksum, so a sync job can tell what changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .._bundle import Bundle
from ..models import ContentItem, Signpost
from . import _data
from ._site import SiteBuilder, SiteOptions

FORMAT = "secondvictim-html-fragments"
FORMAT_VERSION = 1

INDEX_NAMES: tuple[str, ...] = (*_data.INDEX_KINDS, "help")
"""Index fragments: one per kind, plus the urgent-help list."""


class FragmentBuilder(SiteBuilder):
    """A site builder whose links are absolute under ``link_base`` (or relative to it)."""

    def __init__(self, bundle: Bundle, link_base: str) -> None:
        super().__init__(bundle, SiteOptions())
        self.link_base = link_base

    def fragment(self, template: str, **values: Any) -> str:
        """One fragment's HTML (links start with ``link_base``)."""
        root = self.link_base

        def url(item: ContentItem) -> str:
            return root + self.item_path(item)

        def href(path: str) -> str:
            return root + self.at(path)

        def md(text: str, level: int = 2) -> Markup:
            return self._md_cached(text, root, level)

        def card(post: Signpost, level: int = 3) -> Markup:
            key = (post.id, root, level)
            if key not in self._cards:
                part = self.env.get_template("parts/signpost_card.html")
                self._cards[key] = Markup(part.render(self._context(root, url, href, md, card), post=post, h=level))
            return self._cards[key]

        context = self._context(root, url, href, md, card)
        context.update(values)
        return self.env.get_template(template).render(context)


def build_fragments(bundle: Bundle, destination: Path, link_base: str = "",
                    tick: Callable[[], None] | None = None) -> list[str]:
    """Write one fragment per item and per index, and ``manifest.json``; returns paths written."""
    builder = FragmentBuilder(bundle, link_base)
    entries: list[dict[str, Any]] = []
    written: list[str] = []
    made: set[Path] = set()

    def write(rel: str, text: str) -> str:
        target = destination / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        data = text.encode("utf-8")
        target.write_bytes(data)
        written.append(rel)
        return hashlib.sha256(data).hexdigest()

    for item in bundle.items:
        rel = f"items/{item.kind}/{_data.file_stem(item.id)}.html"
        extra: dict[str, Any] = {}
        if item.kind == "support_ladder":
            extra["levels"] = sorted((lv for lv in bundle.of_kind("support_level")
                                      if getattr(lv, "ladder", None) == item.id),
                                     key=lambda lv: getattr(lv, "rank", 0))
        digest = write(rel, builder.fragment("fragment_item.html", item=item, **extra))
        entries.append({
            "file": rel, "type": "item", "kind": item.kind, "id": item.id, "title": item.title,
            "summary": item.summary, "lang": item.locale or bundle.settings.base_locale,
            "last_reviewed": item.review.last_reviewed.isoformat(),
            "next_review_due": item.review.next_review_due.isoformat(),
            "page": builder.item_path(item), "sha256": digest,
        })
        if tick:
            tick()
    t = builder.t
    for name in INDEX_NAMES:
        values: dict[str, Any] = {"name": name}
        if name == "help":
            own, crisis = _data.help_page_posts(bundle)
            values.update(items=[*own, *crisis], title=t("help_page_title"), intro=t("help_page_intro"))
        elif name == "signpost":
            values.update(items=bundle.signposts(), title=t("kind_signpost"), intro=t("intro_signpost"))
        elif name == "support_ladder":
            try:
                _, levels = bundle.ladder()
            except KeyError:
                continue
            values.update(items=levels, title=t("kind_support_ladder"), intro=t("intro_support_ladder"))
        else:
            values.update(items=bundle.of_kind(name), title=t(f"kind_{name}"), intro=t(f"intro_{name}"))
        if name == "faq":
            values["groups"] = builder._faq_groups(values["items"])
        if not values["items"]:
            continue
        rel = f"indexes/{name}.html"
        digest = write(rel, builder.fragment("fragment_index.html", **values))
        entries.append({"file": rel, "type": "index", "name": name, "title": values["title"],
                        "lang": bundle.settings.locale, "sha256": digest})
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "pack": {"id": bundle.manifest.id, "version": bundle.manifest.version},
        "locale": bundle.settings.locale,
        "display_term": bundle.display_term,
        "class_prefix": "sv-",
        "heading_level": 2,
        "link_base": link_base,
        "fragments": entries,
    }
    write("manifest.json", json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n")
    return sorted(written)
