"""Build the static site: plan every page, then render and write them one at a time.

Why plan first: a page links to its translation only if the translation has the same
page, so every locale's list of pages must be known before any page is written. The
plan holds only references to items, so it stays small even for 50,000 items, and
pages are rendered and written one by one (memory stays flat).

Every link is relative (``../guidance/x.html``), so the site works from any folder of
any web server or intranet, and from a shared drive.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from .._bundle import Bundle
from .._markdown import render_markdown
from ..exceptions import ExportError
from ..models import (
    AssessmentFramework,
    Audience,
    ContentItem,
    DecisionFlow,
    Faq,
    Jurisdiction,
    PageRole,
    SignCategory,
    Signpost,
    SupportLadder,
    SupportLevel,
    WarningSign,
)
from . import _data
from ._colour import Brand, check_brand, darker
from ._data import DOORS, INDEX_KINDS, KIND_DIRS, file_stem
from ._strings import LANGUAGE_NAMES, Strings, language

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; manifest-src 'none'"
)
"""The policy every page carries in a meta tag: no inline script or style, nothing remote.

JSON-LD blocks (``<script type="application/ld+json">``) are data, not script: browsers
never execute them, so ``script-src 'self'`` does not block them (a browser test checks
that no CSP violation is reported). Serve the same policy as a header where the web
server allows it, adding ``frame-ancestors 'none'``, which a meta tag cannot set.
"""

SITEMAP_LIMIT = 50_000
"""URLs per sitemap file (the sitemaps.org limit); bigger sites get a sitemap index."""


@dataclass(frozen=True)
class SiteOptions:
    """How to build the site, beyond the bundle itself."""

    base_url: str | None = None
    """Where the site will be published (``https://intranet.example.nhs.uk/support/``).
    Needed for sitemap.xml, canonical links and JSON-LD URLs; without it they are left out."""
    logo: Path | None = None
    """A PNG or SVG logo file to show in the header (the overlay's ``logo``)."""
    alternates: tuple[tuple[str, str], ...] = ()
    """Translations built as separate sites: (locale, base URL). Each page links to the
    page with the same path there."""
    progress: bool | None = None
    """Show progress on stderr: None means only when stderr is a terminal."""


@dataclass
class Spec:
    """One page to write: where, with which template and what it shows."""

    path: str
    template: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)
    item: ContentItem | None = None
    crumbs: tuple[tuple[str, str], ...] = ()
    """(label, path) from the home page down to the parent of this page."""
    section: str = ""
    """The main navigation entry this page belongs to (for ``aria-current``)."""
    description: str = ""
    jsonld: tuple[dict[str, Any], ...] = ()
    search: bool = True
    """Listed in the search index."""


@dataclass(frozen=True)
class Alternate:
    """A link to this page in another language."""

    lang: str
    name: str
    href: str


class Progress:
    """``html: 120/5000 pages`` on stderr, only when it is a terminal (never in cron or CI logs)."""

    def __init__(self, total: int, enabled: bool | None, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total = total
        self.done = 0
        self.step = max(1, total // 100)

    def tick(self) -> None:
        """Count one page written."""
        self.done += 1
        if self.enabled and (self.done % self.step == 0 or self.done == self.total):
            self.stream.write(f"\rhtml: {self.done}/{self.total} pages")
            if self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja environment: autoescape on, undefined names are errors, templates cached."""
    env = Environment(
        loader=PackageLoader("secondvictim_core.html", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        cache_size=-1,
    )
    env.filters["iso"] = lambda d: d.isoformat() if isinstance(d, dt.date) else str(d)
    return env


def _static(name: str) -> str:
    return (resources.files("secondvictim_core.html") / "static" / name).read_text(encoding="utf-8")


def site_css(brand: Brand) -> str:
    """Our stylesheet with the organisation's checked colours as custom properties."""
    head = (
        "/* secondvictim-core site stylesheet. Brand colours come from the organisation overlay\n"
        "   and were checked for WCAG 2.2 AA contrast when the site was built. */\n"
        f":root {{ --sv-primary: {brand.primary}; --sv-primary-dark: {darker(brand.primary)}; "
        f"--sv-accent: {brand.accent}; }}\n"
    )
    return head + _static("site.css")


def check_logo(path: Path) -> tuple[str, bytes]:
    """(extension, bytes) of a logo that is safe to publish; raises ExportError if not.

    SVG is accepted only without scripts, event handlers, external references or
    embedded HTML: opened directly, an SVG runs with the site's origin.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        msg = f"cannot read the logo {path}: {exc.strerror}"
        raise ExportError(msg) from None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png", data
    if path.suffix.lower() == ".svg":
        text = data.decode("utf-8", errors="replace").lower()
        for bad in ("<script", "javascript:", "<foreignobject", "href=\"http", "href='http",
                    "<!entity", "@import", "url(http"):
            if bad in text:
                msg = f"the logo {path} contains {bad!r}; use an SVG without scripts or external links"
                raise ExportError(msg)
        if " on" in text and any(f" on{e}" in text for e in ("load", "click", "error", "mouse", "focus", "begin")):
            msg = f"the logo {path} has event-handler attributes; use an SVG without scripts"
            raise ExportError(msg)
        return "svg", data
    msg = f"the logo {path} is not a PNG or SVG file"
    raise ExportError(msg)


class SiteBuilder:
    """Plans and renders one locale of the site (the first locale at the root, others below)."""

    def __init__(self, bundle: Bundle, options: SiteOptions, *, prefix: str = "",
                 logo: str | None = None) -> None:
        self.bundle = bundle
        self.options = options
        self.prefix = prefix
        self.t = Strings(bundle.settings.locale)
        self.lang = bundle.settings.locale
        self.env = environment()
        self.a11y_page = _data.accessibility_page(bundle)
        self.check = _data.plan_signs_check(bundle)
        self.paths: set[str] = set()
        org = bundle.settings.organisation
        self.site: dict[str, Any] = {
            "title": self.t("site_title"),
            "org": org.name if org else None,
            "org_short": (org.short_name or org.name) if org else None,
            "org_website": str(org.website) if org and org.website else None,
            "term": bundle.display_term,
            "logo": logo,
            "logo_alt": (org.logo_alt or f"{org.name}") if org else "",
            "csp": CSP,
            "pack": bundle.manifest.name,
            "version": bundle.manifest.version,
            "about": _data.role_page(bundle, PageRole.ABOUT),
            "privacy": _data.role_page(bundle, PageRole.PRIVACY),
            "help": _data.help_entries(bundle),
            "has_check": bool(self.check.steps),
            "has_directory": bool(bundle.of_kind(Signpost)),
        }
        chrome_lang = self.t.lang
        self.chrome_attr = Markup(f' lang="{escape(chrome_lang)}"') if chrome_lang != self.lang else Markup("")
        self._md_cached = functools.lru_cache(maxsize=4096)(self._md)
        self._cards: dict[tuple[str, str, int], Markup] = {}
        self._chrome_cache: dict[str, dict[str, Markup]] = {}

    # -- paths -------------------------------------------------------------------------
    def at(self, path: str) -> str:
        """A site path in this locale (translations live under their language folder)."""
        return self.prefix + path

    def item_path(self, item: ContentItem) -> str:
        """Where an item's page is."""
        if self.a11y_page is not None and item.id == self.a11y_page.id:
            return self.at("accessibility.html")
        return self.at(f"{KIND_DIRS[item.kind]}/{file_stem(item.id)}.html")

    def kind_index(self, kind: str) -> str:
        """A kind's index page (levels are listed on the ladder page)."""
        kind = "support_ladder" if kind == "support_level" else kind
        return self.at(f"{KIND_DIRS[kind]}/index.html")

    # -- the plan ---------------------------------------------------------------------------
    def plan(self) -> list[Spec]:
        """Every page of this locale, in a stable order."""
        specs = list(self._plan())
        self.paths = {s.path for s in specs}
        return specs

    def _plan(self) -> Iterator[Spec]:
        t = self.t
        b = self.bundle
        home = (t("nav_home"), self.at("index.html"))
        yield Spec(self.at("index.html"), "home.html", t("site_title"), section="home",
                   description=t("home_intro"), context={"doors": DOORS})
        for audience, name in DOORS:
            yield self._door(audience, name, home)
        own, crisis = _data.help_page_posts(b)
        yield Spec(self.at("help.html"), "help.html", t("help_page_title"), crumbs=(home,),
                   section="help", context={"own": own, "crisis": crisis},
                   description=t("help_page_intro"))
        for kind in INDEX_KINDS:
            yield from self._kind_pages(kind, home)
        yield from self._directory(home)
        yield from self._signs_check(home)
        yield from self._flows(home)
        if self.a11y_page is None:
            yield Spec(self.at("accessibility.html"), "accessibility.html", t("a11y_title"),
                       crumbs=(home,), context={"local": None})
        yield Spec(self.at("search.html"), "search.html", t("search_title"), crumbs=(home,),
                   section="search", search=False)
        sections = [(t(f"kind_{k}"), self.kind_index(k)) for k in INDEX_KINDS if b.of_kind(k)]
        yield Spec(self.at("site-map.html"), "sitemap.html", t("sitemap_title"), crumbs=(home,),
                   context={"sections": sections}, search=False)

    def _door(self, audience: Audience, name: str, home: tuple[str, str]) -> Spec:
        sections = []
        for kind in INDEX_KINDS:
            if kind in ("signpost", "page"):
                continue
            items = _data.for_audience(self.bundle.of_kind(kind), audience)
            if kind == "support_ladder":
                items = [*items, *_data.for_audience(self.bundle.of_kind(SupportLevel), audience)]
            if items:
                sections.append((kind, items))
        title = self.t(f"door_{audience.value}")
        return Spec(self.at(f"for/{name}.html"), "door.html", title, crumbs=(home,),
                    description=self.t(f"door_{audience.value}_hint"),
                    context={"audience": audience, "sections": sections,
                             "facet": dict(_data.AUDIENCE_FACETS)})

    def _kind_pages(self, kind: str, home: tuple[str, str]) -> Iterator[Spec]:
        t = self.t
        items = self.bundle.of_kind(kind)
        if not items:
            return
        index = self.kind_index(kind)
        label = t(f"kind_{kind}")
        section = (label, index)
        context: dict[str, Any] = {"kind": kind, "items": items}
        template = "index.html"
        jsonld: tuple[dict[str, Any], ...] = ()
        if kind == "faq":
            template = "faqs.html"
            context["groups"] = self._faq_groups(items)
            jsonld = (self._faq_jsonld(items),)
        elif kind == "support_ladder":
            template = "support.html"
            ladder, levels = self.bundle.ladder()
            context.update(ladder=ladder, levels=levels,
                           others=[lad for lad in items if lad.id != ladder.id])
        elif kind == "recovery_stage":
            template = "recovery.html"
        elif kind == "warning_sign":
            template = "signs.html"
            context["categories"] = self._sign_categories(items)
        elif kind == "signpost":
            return  # the directory pages list signposts and plan their pages (see _directory)
        yield Spec(index, template, label, crumbs=(home,), context=context,
                   description=t(f"intro_{kind}"), jsonld=jsonld)
        for item in items:
            yield self._item_spec(item, (home, section))
        if kind == "support_ladder":  # levels are listed on their ladder's pages
            for level in self.bundle.of_kind(SupportLevel):
                yield self._item_spec(level, (home, section))

    def _item_spec(self, item: ContentItem, crumbs: tuple[tuple[str, str], ...]) -> Spec:
        context: dict[str, Any] = {}
        if isinstance(item, SupportLadder):
            context["levels"] = sorted(
                (lv for lv in self.bundle.of_kind(SupportLevel) if lv.ladder == item.id),
                key=lambda lv: lv.rank)
        elif isinstance(item, WarningSign):
            levels = {lv.id: lv for lv in self.bundle.of_kind(SupportLevel)}
            context["level"] = levels.get(item.support_level)
        elif isinstance(item, DecisionFlow):
            context["first"] = self._flow_question_path(item, item.start)
        jsonld = (self._faq_jsonld([item]) if isinstance(item, Faq) else self._page_jsonld(item),)
        path = self.item_path(item)
        if path == self.at("accessibility.html"):
            return Spec(path, "accessibility.html", self.t("a11y_title"), context={"local": item},
                        item=item, crumbs=crumbs[:1], description=item.summary, jsonld=jsonld)
        section = "directory" if isinstance(item, Signpost) else ""
        return Spec(path, "item.html", item.title, context=context, item=item, crumbs=crumbs,
                    description=item.summary, jsonld=jsonld, section=section)

    def _faq_groups(self, items: Sequence[ContentItem]) -> list[tuple[str, list[tuple[Jurisdiction, list[Faq]]]]]:
        """FAQs by topic, then by jurisdiction (all-UK first, then the organisation's nation)."""
        nation = _data.site_nation(self.bundle)
        order = [Jurisdiction.UK, nation, *[j for j in Jurisdiction if j not in (Jurisdiction.UK, nation)]]
        topics: dict[str, dict[Jurisdiction, list[Faq]]] = {}
        for item in items:
            if isinstance(item, Faq):
                where = topics.setdefault(item.topic, {})
                for j in item.jurisdictions[:1]:
                    where.setdefault(j, []).append(item)
        return [
            (topic, [(j, by_j[j]) for j in order if j in by_j])
            for topic, by_j in topics.items()
        ]

    def _sign_categories(self, items: Sequence[ContentItem]) -> list[tuple[SignCategory, list[WarningSign]]]:
        cats: dict[SignCategory, list[WarningSign]] = {}
        for item in items:
            if isinstance(item, WarningSign):
                cats.setdefault(item.category, []).append(item)
        return [(c, cats[c]) for c in SignCategory if c in cats]

    def _directory(self, home: tuple[str, str]) -> Iterator[Spec]:
        """The signposting directory: one page per combination of filters, so they work without JS."""
        t = self.t
        posts = self.bundle.signposts()
        if not posts:
            return
        label = t("kind_signpost")
        section = (label, self.at("directory/index.html"))
        for a_key, audience in _data.AUDIENCE_FACETS:
            for n_key, nation in _data.NATION_FACETS:
                found = self.bundle.signposts(audience=audience, nation=nation)
                for kind in _data.TYPE_FACETS:
                    shown = [p for p in found if _data.matches_type(p, kind)]
                    path = self.at(_data.facet_path(a_key, n_key, kind))
                    chosen = [x for x in (
                        t(f"door_{audience.value}") if audience else "",
                        t(f"nation_{nation.value}") if nation else "",
                        t(f"dir_type_{kind}") if kind != "all" else "") if x]
                    title = label + (": " + ", ".join(chosen) if chosen else "")
                    yield Spec(path, "directory.html", title, section="directory",
                               crumbs=(home,) if not chosen else (home, section),
                               description=t("intro_signpost"), search=not chosen,
                               context={"posts": shown, "current": (a_key, n_key, kind),
                                        "facets": self._facets(a_key, n_key, kind)})
        for post in posts:
            yield self._item_spec(post, (home, section))

    def _facets(self, a_key: str, n_key: str, kind: str) -> list[dict[str, Any]]:
        t = self.t
        groups = []
        options = [
            ("audience", t("dir_audience"), [(k, t(f"door_{a.value}") if a else t("dir_all_audiences"))
                                              for k, a in _data.AUDIENCE_FACETS], a_key),
            ("nation", t("dir_nation"), [(k, t(f"nation_{n.value}") if n else t("dir_all_nations"))
                                          for k, n in _data.NATION_FACETS], n_key),
            ("type", t("dir_type"), [(k, t(f"dir_type_{k}") if k != "all" else t("dir_all_types"))
                                      for k in _data.TYPE_FACETS], kind),
        ]
        for name, legend, values, current in options:
            links = []
            for key, text in values:
                combo = {"audience": a_key, "nation": n_key, "type": kind, name: key}
                links.append({"text": text, "current": key == current,
                              "path": self.at(_data.facet_path(combo["audience"], combo["nation"], combo["type"]))})
            groups.append({"name": name, "legend": legend, "links": links})
        return groups

    def _signs_check(self, home: tuple[str, str]) -> Iterator[Spec]:
        t = self.t
        check = self.check
        start = (t("check_title"), self.at("signs-check/index.html"))
        yield Spec(start[1], "check_start.html", t("check_title"), crumbs=(home,), section="signs",
                   description=t("check_intro"),
                   context={"first": self.at(check.steps[0].path) if check.steps else None})
        total = len(check.steps)
        for i, step in enumerate(check.steps):
            back = self.at(check.steps[i - 1].path) if i else start[1]
            yield Spec(self.at(step.path), "check_step.html", t("check_step", number=step.number, total=total),
                       crumbs=(home, start), section="signs", search=False,
                       context={"step": step, "total": total, "back": back,
                                "yes": self.at(step.yes), "no": self.at(step.no)})
        for result in check.results:
            if result.key == "crisis":
                title = t("check_result_crisis")
            elif result.key == "none":
                title = t("check_result_none")
            else:
                title = t("check_result_level", title=result.result.level.title)
            yield Spec(self.at(result.path), "check_result.html", title, crumbs=(home, start),
                       section="signs", search=False, item=result.result.level,
                       context={"result": result})

    def _flow_question_path(self, flow: DecisionFlow, question_id: str) -> str:
        return self.at(f"decision-flow/{file_stem(flow.id)}/q-{question_id}.html")

    def _flow_outcome_path(self, flow: DecisionFlow, outcome_id: str) -> str:
        return self.at(f"decision-flow/{file_stem(flow.id)}/o-{outcome_id}.html")

    def _flows(self, home: tuple[str, str]) -> Iterator[Spec]:
        """One page per question and per outcome of each decision flow (works without JS)."""
        t = self.t
        section = (t("kind_decision_flow"), self.kind_index("decision_flow"))
        for flow in self.bundle.of_kind(DecisionFlow):
            crumbs = (home, section, (flow.title, self.item_path(flow)))

            def route(r: Any, flow: DecisionFlow = flow) -> str:
                return (self._flow_question_path(flow, r.next) if r.next is not None
                        else self._flow_outcome_path(flow, r.outcome))

            for number, question in enumerate(flow.questions, start=1):
                yield Spec(self._flow_question_path(flow, question.id), "flow_question.html",
                           question.question, crumbs=crumbs, search=False,
                           context={"flow": flow, "question": question, "number": number,
                                    "yes": route(question.yes), "no": route(question.no)})
            for outcome in flow.outcomes:
                yield Spec(self._flow_outcome_path(flow, outcome.id), "flow_outcome.html",
                           t("flow_outcome", title=outcome.title), crumbs=crumbs, search=False,
                           context={"flow": flow, "outcome": outcome,
                                    "start": self._flow_question_path(flow, flow.start)})

    # -- JSON-LD ---------------------------------------------------------------------------
    def absolute(self, path: str) -> str | None:
        """The published address of a page, when the base URL is known."""
        base = self.options.base_url
        return None if base is None else base.rstrip("/") + "/" + path

    def _page_jsonld(self, item: ContentItem) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "WebPage",
            "name": item.title,
            "description": item.summary,
            "inLanguage": item.locale or self.bundle.settings.base_locale,
            "lastReviewed": item.review.last_reviewed.isoformat(),
            "audience": [{"@type": "Audience", "audienceType": self.t(f"aud_{a.value}")}
                         for a in item.audiences],
            "citation": [{"@type": "CreativeWork", "name": s.title, "url": str(s.url)}
                         for s in item.sources],
        }
        org = self.bundle.settings.organisation
        if org is not None:
            doc["publisher"] = {"@type": "Organization", "name": org.name}
        url = self.absolute(self.item_path(item))
        if url:
            doc["url"] = url
        return doc

    def _faq_jsonld(self, items: Sequence[ContentItem]) -> dict[str, Any]:
        from .._markdown import plain_text

        return {
            "@context": "https://schema.org",
            "@type": "FAQPage",
            "inLanguage": self.lang,
            "mainEntity": [
                {"@type": "Question", "name": f.title,
                 "acceptedAnswer": {"@type": "Answer", "text": plain_text(f.body)}}
                for f in items if isinstance(f, Faq)
            ],
        }

    # -- rendering ---------------------------------------------------------------------------
    def _md(self, text: str, root: str, level: int) -> Markup:
        def resolve(kind: str, item_id: str) -> str | None:
            if item_id not in self.bundle:
                return None
            item = self.bundle.get(item_id)
            if item.kind != kind:
                return None
            return root + self.item_path(item)

        return Markup(render_markdown(text, resolve, heading_offset=max(0, level - 1)))

    def lang_attr(self, item: ContentItem) -> Markup:
        """`` lang="en-GB"`` when an item's text is not in the page's language (an untranslated item)."""
        item_lang = item.locale or self.bundle.settings.base_locale
        return Markup(f' lang="{escape(item_lang)}"') if item_lang != self.lang else Markup("")

    def render(self, spec: Spec, alternates: Sequence[Alternate]) -> str:
        """The page's HTML."""
        depth = spec.path.count("/")
        root = "../" * depth

        def url(item: ContentItem) -> str:
            return root + self.item_path(item)

        def href(path: str) -> str:
            return root + self.at(path)

        def md(text: str, level: int = 2) -> Markup:
            return self._md_cached(text, root, level)

        def card(post: Signpost, level: int = 3) -> Markup:
            key = (post.id, root, level)
            cached = self._cards.get(key)
            if cached is None:
                template = self.env.get_template("parts/signpost_card.html")
                cached = Markup(template.render(self._context(root, url, href, md, card), post=post, h=level))
                self._cards[key] = cached
            return cached

        context = self._context(root, url, href, md, card)
        context.update(spec.context)
        context.update(self._chrome(root, context))
        context.update(page=spec, alternates=alternates,
                       canonical=self.absolute(spec.path),
                       jsonld=[Markup(_data.json_for_script(d)) for d in spec.jsonld])
        return self.env.get_template(spec.template).render(context)

    def _chrome(self, root: str, context: dict[str, Any]) -> dict[str, Markup]:
        """The help box and footer for pages at this depth, rendered once and reused.

        They depend only on where the page is (its relative root), and every page has
        them, so rendering them once per folder depth saves most of the template time.
        """
        cached = self._chrome_cache.get(root)
        if cached is None:
            cached = {
                "help_box": Markup(self.env.get_template("parts/help_box.html").render(context)),
                "footer": Markup(self.env.get_template("parts/footer.html").render(context)),
            }
            self._chrome_cache[root] = cached
        return cached

    def _context(self, root: str, url: Callable[[ContentItem], str], href: Callable[[str], str],
                 md: Callable[..., Markup], card: Callable[..., Markup]) -> dict[str, Any]:
        return {
            "t": self.t, "site": self.site, "lang": self.lang, "cl": self.chrome_attr,
            "root": root, "url": url, "href": href, "md": md, "card": card,
            "asset": lambda name: root + "assets/" + name,
            "la": self.lang_attr, "bundle": self.bundle, "check": self.check,
            "contact": _data.contact, "kind_index": lambda kind: root + self.kind_index(kind),
            "door_path": lambda name: href(f"for/{name}.html"),
            "facet_path": lambda a, n, k: href(_data.facet_path(a, n, k)),
            "framework_json": lambda item: self.item_path(item)[:-5] + ".json",
        }


def _language_dir(locale: str) -> str:
    return language(locale)


def _alternates(spec_path: str, me: SiteBuilder, others: Sequence[SiteBuilder],
                options: SiteOptions) -> list[Alternate]:
    depth = spec_path.count("/")
    root = "../" * depth
    own_path = spec_path[len(me.prefix):]
    found: list[Alternate] = []
    for other in others:
        target = other.at(own_path)
        if target not in other.paths:
            target = other.at("index.html")
        lang = other.lang
        found.append(Alternate(lang, LANGUAGE_NAMES.get(language(lang), lang), root + target))
    for lang, base in options.alternates:
        found.append(Alternate(lang, LANGUAGE_NAMES.get(language(lang), lang),
                               base.rstrip("/") + "/" + own_path))
    return found


def build_site(bundle: Bundle, destination: Path, options: SiteOptions,
               translations: Sequence[Bundle] = ()) -> list[str]:
    """Write the site for ``bundle`` (and each translation under its language folder).

    Returns the paths written, relative to ``destination``, sorted.
    """
    org = bundle.settings.organisation
    brand = check_brand(org.colours if org else None)
    logo_name = None
    logo_bytes = b""
    if options.logo is not None:
        ext, logo_bytes = check_logo(options.logo)
        logo_name = f"assets/logo.{ext}"
    builders = [SiteBuilder(bundle, options, logo=logo_name)]
    seen_dirs = {language(bundle.settings.locale)}
    for other in translations:
        folder = _language_dir(other.settings.locale)
        if folder in seen_dirs:
            msg = f"two bundles in the same language {folder!r}; each locale is exported once"
            raise ExportError(msg)
        seen_dirs.add(folder)
        builders.append(SiteBuilder(other, options, prefix=folder + "/", logo=logo_name))
    plans = [b.plan() for b in builders]
    written: list[str] = []
    progress = Progress(sum(len(p) for p in plans), options.progress)
    made: set[Path] = set()

    def write(rel: str, text: str | bytes) -> None:
        target = destination / rel
        parent = target.parent
        if parent not in made:
            parent.mkdir(parents=True, exist_ok=True)
            made.add(parent)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            with open(target, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        written.append(rel)

    for builder, plan in zip(builders, plans, strict=True):
        others = [b for b in builders if b is not builder]
        index: list[dict[str, str]] = []
        for spec in plan:
            write(spec.path, builder.render(spec, _alternates(spec.path, builder, others, options)))
            if spec.search:
                index.append(_search_entry(builder, spec))
            progress.tick()
        for framework in builder.bundle.of_kind(AssessmentFramework):
            write(builder.item_path(framework)[:-5] + ".json", _data.framework_json(framework))
        write(builder.at("search-index.json"), _search_json(index))
    write("assets/site.css", site_css(brand))
    write("assets/site.js", _static("site.js"))
    if logo_name is not None:
        write(logo_name, logo_bytes)
    if options.base_url:
        for name, text in _sitemaps(options.base_url, [s.path for p in plans for s in p]):
            write(name, text)
    return sorted(written)


def _search_entry(builder: SiteBuilder, spec: Spec) -> dict[str, str]:
    kind = spec.item.kind if spec.item is not None else ""
    return {
        "u": spec.path[len(builder.prefix):],
        "t": spec.title,
        "s": spec.description,
        "k": builder.t(f"kind_{kind}") if kind else "",
    }


def _search_json(entries: list[dict[str, str]]) -> str:
    import json

    return json.dumps(entries, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def _sitemaps(base_url: str, paths: list[str]) -> Iterator[tuple[str, str]]:
    """sitemap.xml, or a sitemap index with numbered parts beyond 50,000 URLs."""
    base = base_url.rstrip("/") + "/"
    ordered = sorted(paths)
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

    def urlset(chunk: list[str]) -> str:
        body = "".join(f"<url><loc>{escape(base + p)}</loc></url>\n" for p in chunk)
        return f"{head}<urlset {ns}>\n{body}</urlset>\n"

    if len(ordered) <= SITEMAP_LIMIT:
        yield "sitemap.xml", urlset(ordered)
        return
    parts = [ordered[i:i + SITEMAP_LIMIT] for i in range(0, len(ordered), SITEMAP_LIMIT)]
    names = [f"sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
    for name, chunk in zip(names, parts, strict=True):
        yield name, urlset(chunk)
    body = "".join(f"<sitemap><loc>{escape(base + n)}</loc></sitemap>\n" for n in names)
    yield "sitemap.xml", f"{head}<sitemapindex {ns}>\n{body}</sitemapindex>\n"
