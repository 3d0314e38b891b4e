"""Content lints: review dates, personal data, safe messaging and internal links.

Why these are lints and not model rules: they depend on the rest of the bundle
(which numbers are listed services) or on the date the check runs.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterator

import phonenumbers
from pydantic import BaseModel

from .._bundle import Bundle, locate_in_text
from .._contact import normalise_phone
from .._markdown import parse_internal_link
from .._report import Problem, Severity
from ..hookspecs import hookimpl
from ..models import CaseStudy, ContentItem, ItemBase, Signpost, Story

MARKDOWN_FIELDS = ("body", "manager_guidance", "instructions")
"""Fields holding Markdown, checked for links and safe messaging."""

_SUICIDE = re.compile(
    r"suicid|self[- ]harm|kill(?:ing)? (?:my|them|your|him|her)sel|take (?:my|their|your|his|her) own life"
    r"|end(?:ing)? (?:my|their|your|his|her) (?:own )?life|took (?:my|their|his|her) own life",
    re.IGNORECASE,
)
FLAGGED_PHRASES = (
    (re.compile(r"\bcommit(?:s|ted|ting)? suicide\b", re.I), "say 'died by suicide' or 'took their own life'"),
    (
        re.compile(r"\b(?:successful|unsuccessful|failed) suicide\b", re.I),
        "say 'attempted suicide' or 'died by suicide'",
    ),
    (re.compile(r"\bsuicide (?:epidemic|victim)\b", re.I), "avoid sensational wording"),
    (re.compile(r"\bcry for help\b", re.I), "this wording dismisses distress"),
    (re.compile(r"\bhanged (?:him|her|them)sel(?:f|ves)\b|\bligature\b", re.I), "never describe a method"),
)
"""Phrases safe-messaging guidance asks writers to avoid, with what to write instead."""
_ANY_FLAG = re.compile(r"suicid|self[- ]harm|kill|own life|life|cry for help|hanged|ligature", re.I)
"""A cheap pre-filter: text without any of these words cannot trip a safe-messaging rule."""

_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{2}\b")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_MAYBE_PHONE = re.compile(r"\d[\d ()-]{5,}\d")
"""Pre-filter: the phone matcher is slow, and most text has no run of digits at all."""
_NHS_NUMBER = re.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")


def mask(value: str) -> str:
    """Show enough of a matched value to find it, never all of it."""
    compact = value.strip()
    if len(compact) <= 4:
        return compact[0] + "…"
    return f"{compact[:2]}…{compact[-1]} ({len(compact)} characters)"


def nhs_number_ok(digits: str) -> bool:
    """The NHS number Modulus 11 check."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


_SKIP_FIELDS = frozenset({"sources", "review", "id", "kind", "tags", "locale"})


def _text_fields(item: ItemBase) -> Iterator[tuple[str, str]]:
    """(field path, text) for every free-text field worth scanning."""
    for key, value in item.__dict__.items():
        if key not in _SKIP_FIELDS:
            yield from _walk(value, key)


def _walk(value: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        if not isinstance(value, enum.Enum):
            yield path, value
    elif isinstance(value, BaseModel):
        for key, sub in value.__dict__.items():
            yield from _walk(sub, f"{path}.{key}")
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from _walk(sub, f"{path}.{i}")


def _loc(path: str) -> tuple[str | int, ...]:
    return tuple(int(p) if p.isdigit() else p for p in path.split("."))


def _problem(bundle: Bundle, item_id: str, path: str, code: str, msg: str,
             severity: Severity = "error", text_line: int | None = None) -> Problem:
    if text_line is not None and "." not in path:
        file, line, column = locate_in_text(bundle, item_id, path, text_line)
    else:
        file, line, column = bundle.locate(item_id, *_loc(path))
    return Problem(file, line, column, code, f"{item_id}: {msg}", severity, _loc(path))


def _line_of(text: str, start: int) -> int:
    return text.count("\n", 0, start)


_RAW_HTML = re.compile(r"<(?:script|iframe|[a-z]+\s[^>]*on\w+=|/?[a-z]+>)", re.I)
_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")


def _iter_links(text: str) -> Iterator[tuple[str, int]]:
    """Link targets in Markdown with their 0-based line: a fast scan, not a full parse.

    A lint only needs the targets; the renderer does the full CommonMark parse.
    """
    if "](" not in text:
        return
    for match in _LINK.finditer(text):
        yield match.group(1), _line_of(text, match.start())


@hookimpl
def check_bundle(bundle: Bundle, today: dt.date) -> list[Problem]:
    """Review dates, contact verification, PII, safe messaging, internal links."""
    problems: list[Problem] = []
    listed = _listed_numbers(bundle)
    crisis = {s.id for s in bundle.of_kind(Signpost) if s.crisis or s.emergency}
    has_org = bundle.settings.organisation is not None
    for item in bundle.items:
        problems.extend(_dates(bundle, item, today))
        fields = list(_text_fields(item))
        if isinstance(item, Story | CaseStudy):
            problems.extend(_pii(bundle, item, fields, listed))
        problems.extend(_safe_messaging(bundle, item, fields, crisis))
        problems.extend(_links(bundle, item, fields))
        if has_org and isinstance(item, Signpost) and item.local_slot:
            msg = "is a local slot the organisation overlay has not filled (override it or hide it)"
            problems.append(_problem(bundle, item.id, "local_slot", "SV350", msg, "warning"))
    if bundle.settings.untranslated:
        ids = bundle.settings.untranslated
        shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
        msg = f"{len(ids)} item(s) have no {bundle.settings.locale} translation and fall back: {shown}"
        problems.append(Problem("", 0, 0, "SV340", msg, "warning"))
    return problems


def _dates(bundle: Bundle, item: ContentItem, today: dt.date) -> list[Problem]:
    found = []
    if item.review.next_review_due < today:
        msg = f"review was due on {item.review.next_review_due.isoformat()} (owner: {item.review.owner})"
        found.append(_problem(bundle, item.id, "review.next_review_due", "SV301", msg, "warning"))
    if isinstance(item, Signpost) and item.verify_by is not None and item.verify_by < today:
        msg = (f"contact details were due to be checked again by {item.verify_by.isoformat()}; "
               "check them against the service's own page and update last_verified")
        found.append(_problem(bundle, item.id, "verify_by", "SV302", msg, "warning"))
    return found


def _listed_numbers(bundle: Bundle) -> set[str]:
    return {
        normalise_phone(ch.value)
        for s in bundle.of_kind(Signpost)
        for ch in s.channels
        if ch.type.value in ("phone", "text")
    }


def _pii(bundle: Bundle, item: Story | CaseStudy, fields: list[tuple[str, str]],
         listed: set[str]) -> list[Problem]:
    found = []
    for path, text in fields:
        in_body = path.split(".")[0] == "body"

        def text_line(start: int, text: str = text, in_body: bool = in_body) -> int | None:
            return _line_of(text, start) if in_body else None
        for m in _NHS_NUMBER.finditer(text):
            if nhs_number_ok("".join(m.groups())):
                msg = f"{path}: looks like an NHS number ({mask(m.group())}); remove it"
                found.append(_problem(bundle, item.id, path, "SV310", msg, text_line=text_line(m.start())))
        for m in _EMAIL.finditer(text):
            msg = f"{path}: contains an email address ({mask(m.group())}); remove it"
            found.append(_problem(bundle, item.id, path, "SV311", msg, text_line=text_line(m.start())))
        phones = phonenumbers.PhoneNumberMatcher(text, "GB") if _MAYBE_PHONE.search(text) else ()
        for match in phones:
            if normalise_phone(match.raw_string) in listed:
                continue
            msg = f"{path}: contains a phone number ({mask(match.raw_string)}) that is not a listed service"
            found.append(_problem(bundle, item.id, path, "SV312", msg, text_line=text_line(match.start)))
        for m in _POSTCODE.finditer(text):
            msg = f"{path}: contains a postcode ({mask(m.group())}); remove it"
            found.append(_problem(bundle, item.id, path, "SV313", msg, text_line=text_line(m.start())))
    return found


def _links_to(item: ContentItem, fields: list[tuple[str, str]]) -> set[str]:
    targets: set[str] = set()
    for _, text in fields:
        for href, _ in _iter_links(text):
            internal = parse_internal_link(href)
            if internal:
                targets.add(internal[1])
    for name in ("related", "checks", "signposts"):
        targets.update(getattr(item, name, ()) or ())
    return targets


def _safe_messaging(bundle: Bundle, item: ContentItem, fields: list[tuple[str, str]],
                    crisis: set[str]) -> list[Problem]:
    found = []
    mentions: str | None = None
    for path, text in fields:
        if not _ANY_FLAG.search(text):
            continue
        for pattern, advice in FLAGGED_PHRASES:
            m = pattern.search(text)
            if m:
                msg = f"{path}: the phrase {m.group()!r} goes against safe-messaging guidance: {advice}"
                found.append(_problem(bundle, item.id, path, "SV321", msg))
        if mentions is None and _SUICIDE.search(text):
            mentions = path
    exempt = (getattr(item, "red_flag", False) is True) or (
        isinstance(item, Signpost) and (item.crisis or item.emergency)
    )
    if mentions and not exempt and not (_links_to(item, fields) & crisis):
        msg = (f"{mentions}: mentions suicide or self-harm but links no crisis service; add a link "
               "such as [Samaritans, 116 123](signpost:samaritans)")
        found.append(_problem(bundle, item.id, mentions, "SV320", msg))
    return found


def _links(bundle: Bundle, item: ContentItem, fields: list[tuple[str, str]]) -> list[Problem]:
    """Internal ``kind:id`` links in any text field must name an item of that kind."""
    found = []
    for name, text in fields:
        for href, line in _iter_links(text):
            where = line if "." not in name else None
            internal = parse_internal_link(href)
            if internal is None:
                if re.match(r"^[a-z_]+:[a-z0-9-]", href) and not re.match(r"^(https?|mailto|tel):", href):
                    msg = f"{name}: link {href!r} is neither a web address nor a known 'kind:id' link"
                    found.append(_problem(bundle, item.id, name, "SV330", msg, text_line=where))
                continue
            kind, target = internal
            if target not in bundle and bundle.is_known(target):
                continue
            if target not in bundle:
                msg = f"{name}: link to {href!r}, but no item has the id {target!r}"
                found.append(_problem(bundle, item.id, name, "SV330", msg, text_line=where))
            elif bundle.get(target).kind != kind:
                msg = f"{name}: link {href!r} names a {kind}, but {target!r} is a {bundle.get(target).kind}"
                found.append(_problem(bundle, item.id, name, "SV330", msg, text_line=where))
        if name in MARKDOWN_FIELDS and _RAW_HTML.search(text):
            msg = f"{name}: contains raw HTML, which is shown as text, not rendered"
            found.append(_problem(bundle, item.id, name, "SV331", msg, "warning"))
    return found
