"""The exporter's options: declared once (for ``--help`` and the README) and parsed into settings.

Why a frozen settings object: every writer (backup, question files, cartridge) reads the
same values, and nothing in an export may depend on the clock, so the build date is an
input like any other (option, then ``SOURCE_DATE_EPOCH``, then the newest review date in
the content).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from secondvictim_core import Bundle, ExportError, ExportOption

OPTIONS: tuple[ExportOption, ...] = (
    ExportOption("course-fullname", "course full name (default: a title naming the organisation, if set)"),
    ExportOption("course-shortname", "course short name, unique on the Moodle site (default: the pack id)"),
    ExportOption("course-summary", "course summary, plain text (default: the pack description)"),
    ExportOption("start-date", "course start date, YYYY-MM-DD (default: the build date)"),
    ExportOption("organisation", "organisation name shown in the course (default: the overlay's)"),
    ExportOption(
        "build-date",
        "date written into the files, YYYY-MM-DD (default: SOURCE_DATE_EPOCH, else the newest "
        "review date in the content), so the same content always gives the same bytes",
    ),
    ExportOption("pass-percent", "quiz pass mark in percent; passing completes the quiz (default: 80)", "80"),
    ExportOption(
        "course-completion",
        "when the course counts as complete: 'quiz' (passing the knowledge check), 'all' (every "
        "activity but the self-assessment) or 'none' (default: quiz)",
        "quiz",
    ),
    ExportOption(
        "book-min-items",
        "a topic with at least this many items becomes a Book (one chapter each), "
        "fewer become Pages (default: 2)",
        "2",
    ),
    ExportOption("gift", "also write the questions in GIFT format", flag=True),
    ExportOption("zip-backup", "write the .mbz as zip instead of gzip tar (very old Moodle sites)", flag=True),
    ExportOption("no-cartridge", "do not write the IMS Common Cartridge", flag=True),
)

DEFAULT_TITLE = "Supporting staff after a patient safety incident"


@dataclass(frozen=True)
class Settings:
    """Everything the writers need besides the bundle."""

    fullname: str
    shortname: str
    summary: str
    organisation: str | None
    startdate: int
    timestamp: int
    pass_percent: Decimal
    course_completion: str
    book_min_items: int
    gift: bool
    zip_backup: bool
    cartridge: bool
    language: str


def _text(options: Mapping[str, Any], name: str) -> str | None:
    value = options.get(name)
    if value is None or value is False:
        return None
    text = str(value).strip()
    return text or None


def _flag(options: Mapping[str, Any], name: str) -> bool:
    value = options.get(name)
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _date(value: str, name: str) -> int:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        msg = f"--{name}: expected a date as YYYY-MM-DD, got {value!r}"
        raise ExportError(msg) from None
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _build_timestamp(bundle: Bundle, option: str | None) -> int:
    if option:
        return _date(option, "build-date")
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not epoch.isdigit():
            msg = f"SOURCE_DATE_EPOCH must be a whole number of seconds, got {epoch!r}"
            raise ExportError(msg)
        return int(epoch)
    newest = max((item.review.last_reviewed for item in bundle.items), default=dt.date(2026, 1, 1))
    return _date(newest.isoformat(), "build-date")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parse_options(bundle: Bundle, options: Mapping[str, Any]) -> Settings:
    """Validate the options against the bundle and fill in the defaults.

    Raises:
        ExportError: an option has a value that cannot be used; the message names it.
    """
    org = bundle.settings.organisation
    organisation = _text(options, "organisation") or (org.name if org else None)
    fullname = _text(options, "course-fullname") or (
        f"{DEFAULT_TITLE} ({organisation})" if organisation else DEFAULT_TITLE
    )
    shortname = _text(options, "course-shortname") or bundle.manifest.id
    summary = _text(options, "course-summary") or bundle.manifest.description or bundle.manifest.name
    timestamp = _build_timestamp(bundle, _text(options, "build-date"))
    start = _text(options, "start-date")
    startdate = _date(start, "start-date") if start else timestamp

    raw_pass = _text(options, "pass-percent") or "80"
    try:
        pass_percent = Decimal(raw_pass)
    except InvalidOperation:
        pass_percent = Decimal(-1)
    if not Decimal(0) <= pass_percent <= Decimal(100):
        msg = f"--pass-percent: expected a number from 0 to 100, got {raw_pass!r}"
        raise ExportError(msg)

    completion = (_text(options, "course-completion") or "quiz").lower()
    if completion not in ("quiz", "all", "none"):
        msg = f"--course-completion: expected 'quiz', 'all' or 'none', got {completion!r}"
        raise ExportError(msg)

    raw_min = _text(options, "book-min-items") or "2"
    if not raw_min.isdigit() or int(raw_min) < 1:
        msg = f"--book-min-items: expected a whole number of at least 1, got {raw_min!r}"
        raise ExportError(msg)

    if len(fullname) > 254:
        msg = f"--course-fullname: Moodle allows 254 characters, got {len(fullname)}"
        raise ExportError(msg)
    if len(shortname) > 255 or not re.search(r"\S", shortname):
        msg = f"--course-shortname: expected 1 to 255 characters, got {len(shortname)}"
        raise ExportError(msg)

    return Settings(
        fullname=fullname,
        shortname=shortname,
        summary=summary,
        organisation=_clip(organisation, 200) if organisation else None,
        startdate=startdate,
        timestamp=timestamp,
        pass_percent=pass_percent,
        course_completion=completion,
        book_min_items=int(raw_min),
        gift=_flag(options, "gift"),
        zip_backup=_flag(options, "zip-backup"),
        cartridge=not _flag(options, "no-cartridge"),
        language=bundle.settings.locale,
    )
