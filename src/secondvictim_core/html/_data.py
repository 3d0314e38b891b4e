"""Plain data the templates need, worked out once per site from the bundle.

Why a module apart from the templates: decisions such as "which services go in the
help box", "which warning signs are asked about at each step" or "what is a phone
link" must be the same in the site and in the fragments, and are easier to test as
Python than as template logic.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..models import (
    AssessmentFramework,
    Audience,
    Channel,
    ContentItem,
    Jurisdiction,
    Page,
    PageRole,
    Signpost,
    WarningSign,
)

if TYPE_CHECKING:
    from .._bundle import Bundle
    from ..engines.signs import SignsCheckResult

KIND_DIRS: dict[str, str] = {
    "guidance": "guidance",
    "faq": "faqs",
    "page": "pages",
    "support_ladder": "support",
    "support_level": "support",
    "signpost": "directory",
    "recovery_stage": "recovery",
    "warning_sign": "signs",
    "coping_strategy": "coping",
    "story": "stories",
    "case_study": "case-studies",
    "assessment_framework": "assessment",
    "decision_flow": "decision-flow",
    "question": "questions",
}
"""The folder each kind's pages live in (two kinds share ``support``; ids are unique)."""

INDEX_KINDS: tuple[str, ...] = (
    "guidance", "faq", "support_ladder", "signpost", "recovery_stage", "warning_sign",
    "coping_strategy", "story", "case_study", "assessment_framework", "decision_flow",
    "question", "page",
)  # fmt: skip
"""Kinds with an index page, in the order the site map lists them."""

DOORS: tuple[tuple[Audience, str], ...] = (
    (Audience.SECOND_VICTIM, "involved"),
    (Audience.MANAGER_COLLEAGUE, "supporting"),
    (Audience.ORGANISATION, "leading"),
)
"""The home page's three doors: the audience and the page name."""

AUDIENCE_FACETS: tuple[tuple[str, Audience | None], ...] = (
    ("all", None),
    ("involved", Audience.SECOND_VICTIM),
    ("supporting", Audience.MANAGER_COLLEAGUE),
    ("leading", Audience.ORGANISATION),
)
NATION_FACETS: tuple[tuple[str, Jurisdiction | None], ...] = (
    ("all", None),
    ("england", Jurisdiction.ENGLAND),
    ("wales", Jurisdiction.WALES),
    ("scotland", Jurisdiction.SCOTLAND),
    ("northern-ireland", Jurisdiction.NORTHERN_IRELAND),
)
TYPE_FACETS: tuple[str, ...] = ("all", "phone", "text", "email", "web")

HELP_LOCAL_MAX = 2
HELP_CRISIS_MAX = 2
"""How many services the help box on every page lists: it must stay short at 320 px."""


def file_stem(item_id: str) -> str:
    """The file name for an item id; ``index`` becomes ``index_`` (a slug cannot end in ``_``)."""
    return "index_" if item_id == "index" else item_id


def facet_path(audience: str, nation: str, kind: str) -> str:
    """The directory page for one combination of filters (``--`` cannot occur in a slug)."""
    if audience == nation == kind == "all":
        return "directory/index.html"
    return f"directory/filter--{audience}--{nation}--{kind}.html"


@dataclass(frozen=True)
class Contact:
    """One way to reach a service, ready to render as a link."""

    kind: str
    """phone, text, email or web."""
    href: str
    """tel:, sms:, mailto: or https: address."""
    value: str
    """The number or address as people should read it."""
    keyword: str | None = None
    label: str | None = None
    hours: str | None = None
    cost: str | None = None


def contact(channel: Channel) -> Contact:
    """A channel as a link. Phone and text links keep only digits and ``+``."""
    kind = channel.type.value
    value = channel.value
    if kind == "phone":
        href = "tel:" + re.sub(r"[^\d+]", "", value)
    elif kind == "text":
        href = "sms:" + re.sub(r"[^\d+]", "", value)
    elif kind == "email":
        href = "mailto:" + value
    else:
        href = value if value.startswith("https://") else ""
    return Contact(kind, href, value, channel.keyword, channel.label, channel.hours, channel.cost)


def first_contact(post: Signpost) -> Contact | None:
    """The channel the help box shows: a phone number first, then text, then anything."""
    for wanted in ("phone", "text", "email", "web"):
        for channel in post.channels:
            if channel.type.value == wanted:
                return contact(channel)
    return None


def is_own_service(post: Signpost, bundle: Bundle) -> bool:
    """True for the organisation's own filled-in services (tagged ``local`` or run by it)."""
    if post.local_slot or not post.channels:
        return False
    org = bundle.settings.organisation
    names = {org.name, org.short_name} if org else set()
    return "local" in post.tags or post.organisation in names


def site_nation(bundle: Bundle) -> Jurisdiction:
    """The nation whose crisis routes come first: the organisation's, else the pack's."""
    return bundle.nation or bundle.manifest.default_jurisdiction


@dataclass(frozen=True)
class HelpEntry:
    """A line of the help box."""

    post: Signpost
    contact: Contact | None
    own: bool


def help_entries(bundle: Bundle) -> tuple[HelpEntry, ...]:
    """The help box: the emergency route, then the organisation's own contacts, then crisis lines.

    The emergency line (999) always leads: when a life is at risk nothing should come
    before it. The organisation's own contacts come next, ahead of national lines.
    """
    nation = site_nation(bundle)
    own = [p for p in bundle.signposts(nation=nation) if is_own_service(p, bundle)]
    crisis = list(bundle.crisis_signposts(nation))
    emergency = [p for p in crisis if p.emergency][:1]
    lines = [p for p in crisis if not p.emergency and p not in own][:HELP_CRISIS_MAX]
    entries = [HelpEntry(p, first_contact(p), False) for p in emergency]
    entries += [HelpEntry(p, first_contact(p), True) for p in own[:HELP_LOCAL_MAX] if p not in emergency]
    entries += [HelpEntry(p, first_contact(p), False) for p in lines]
    return tuple(entries)


def help_page_posts(bundle: Bundle) -> tuple[tuple[Signpost, ...], tuple[Signpost, ...]]:
    """The help page: (the organisation's own services, every crisis route for the nation)."""
    nation = site_nation(bundle)
    own = tuple(p for p in bundle.signposts(nation=nation) if is_own_service(p, bundle))
    crisis = tuple(p for p in bundle.crisis_signposts(nation) if p not in own)
    return own, crisis


def matches_type(post: Signpost, kind: str) -> bool:
    """True when the service can be reached that way (``all`` matches everything)."""
    return kind == "all" or any(c.type.value == kind for c in post.channels)


# -- the signs check -------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """A results page of the signs check, computed with the signs-check engine."""

    key: str
    """``crisis``, ``none`` or a support level id."""
    path: str
    result: SignsCheckResult
    more: str | None = None
    """On the crisis page: the first step asking about signs that call for a higher level
    than the red flags do (None when the red flags already call for the highest)."""


@dataclass(frozen=True)
class CheckStep:
    """One question of the step-by-step check: "are any of these happening?"."""

    number: int
    signs: tuple[WarningSign, ...]
    red: bool
    path: str
    yes: str
    """Page a "yes" leads to (a results page)."""
    no: str
    """Page a "no" leads to (the next step, or the "none" results page)."""


@dataclass(frozen=True)
class SignsCheck:
    """The whole check: its steps and results, or nothing when the pack cannot support one."""

    steps: tuple[CheckStep, ...]
    results: tuple[CheckResult, ...]


def plan_signs_check(bundle: Bundle) -> SignsCheck:
    """The steps and results pages, worked out with ``bundle.signs_check`` at build time.

    Why steps and not one form of checkboxes: a static site cannot read a submitted
    form, and a page per question works without JavaScript (each answer is a button
    that leads to a page). It asks about red flags first, then the signs of each level
    from the highest down, so the first "yes" is the highest level that applies, which
    is what the engine recommends for any mix of signs. Each sign is placed at the
    level the engine gives it on its own.
    """
    signs = bundle.of_kind(WarningSign)
    try:
        _, levels = bundle.ladder()
    except KeyError:
        return SignsCheck((), ())
    if not signs or not levels:
        return SignsCheck((), ())
    red = tuple(s for s in signs if s.red_flag)
    by_level: dict[str, list[WarningSign]] = {}
    # One call assesses every sign on its own ("assessed" holds each sign's level).
    for assessed in bundle.signs_check([s.id for s in signs if not s.red_flag]).assessed:
        by_level.setdefault(assessed.level.id, []).append(assessed.sign)
    groups: list[tuple[tuple[WarningSign, ...], str]] = []
    results: list[CheckResult] = []
    if red:
        results.append(CheckResult("crisis", "signs-check/result-crisis.html",
                                   bundle.signs_check([s.id for s in red])))
        groups.append((red, "signs-check/result-crisis.html"))
    for level in sorted(levels, key=lambda lv: -lv.rank):
        chosen = tuple(by_level.get(level.id, ()))
        if not chosen:
            continue
        path = f"signs-check/result-{file_stem(level.id)}.html"
        results.append(CheckResult(level.id, path, bundle.signs_check([s.id for s in chosen])))
        groups.append((chosen, path))
    results.append(CheckResult("none", "signs-check/result-none.html", bundle.signs_check([])))
    if red:
        red_rank = results[0].result.level.rank
        higher = [i for i, (group, _) in enumerate(groups)
                  if not group[0].red_flag and by_rank(bundle, group) > red_rank]
        if higher:
            results[0] = CheckResult("crisis", results[0].path, results[0].result,
                                     f"signs-check/step-{higher[0] + 1}.html")
    steps = []
    for number, (group, yes) in enumerate(groups, start=1):
        nxt = f"signs-check/step-{number + 1}.html" if number < len(groups) else "signs-check/result-none.html"
        steps.append(CheckStep(number, group, group[0].red_flag, f"signs-check/step-{number}.html", yes, nxt))
    return SignsCheck(tuple(steps), tuple(results))


def by_rank(bundle: Bundle, signs: Sequence[WarningSign]) -> int:
    """The rank of the level these signs call for."""
    return bundle.signs_check([s.id for s in signs]).level.rank


# -- the assessment framework as data for the browser scorer ---------------------------------


def framework_json(framework: AssessmentFramework) -> str:
    """The framework's scoring rules as the JSON file the browser scorer reads.

    Only what scoring needs: the scale, reverse flags, bands and actions. The rules
    themselves are in ``site.js`` and mirror ``engines.assessment`` exactly.
    """
    doc: dict[str, Any] = {
        "id": framework.id,
        "version": framework.version,
        "title": framework.title,
        "scale": {
            "min": framework.scale.minimum,
            "max": framework.scale.maximum,
            "positive_from": framework.scale.positive_from,
            "points": [{"value": p.value, "label": p.label} for p in framework.scale.points],
        },
        "bands": [
            {"id": b.id, "label": b.label, "min_score": b.min_score, "description": b.description}
            for b in framework.bands
        ],
        "domains": [
            {
                "id": d.id,
                "title": d.title,
                "items": [{"id": i.id, "reverse": i.reverse} for i in d.items],
                "actions": [{"band": a.band, "text": a.text} for a in d.actions],
            }
            for d in framework.domains
        ],
    }
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def json_for_script(doc: object) -> str:
    """JSON safe inside ``<script type="application/ld+json">``: no ``<``, ``>`` or ``&``.

    Without this, a title containing ``</script>`` would end the block early.
    """
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


def accessibility_page(bundle: Bundle) -> Page | None:
    """The organisation's own accessibility text, if the pack or an overlay has one."""
    pages = [p for p in bundle.of_kind(Page) if p.role is PageRole.ACCESSIBILITY]
    return pages[0] if pages else None


def role_page(bundle: Bundle, role: PageRole) -> Page | None:
    """The first page with this role (about, privacy)."""
    return next((p for p in bundle.of_kind(Page) if p.role is role), None)


def for_audience(items: Sequence[ContentItem], audience: Audience) -> list[ContentItem]:
    """Items written for one audience, in display order."""
    return [i for i in items if audience in i.audiences]
