"""The words of the site's chrome (headings, labels, buttons), kept apart from content.

Why a catalogue and not strings in templates: a Welsh (or other) site needs its chrome
translated by a person, and a translator should find every label in one place. Only
English ships today. For another locale the chrome falls back to English and every
chrome element carries ``lang="en-GB"``, so screen readers pronounce it correctly
(WCAG 3.1.2) instead of reading English words with Welsh rules.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from importlib import resources


def _catalogue(lang: str) -> dict[str, str]:
    """A chrome catalogue shipped in ``strings/<lang>.json``."""
    text = (resources.files("secondvictim_core.html") / "strings" / f"{lang}.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return {str(k): str(v) for k, v in data.items()}


EN: dict[str, str] = _catalogue("en")
"""English chrome. Keys are stable; a translation supplies the same keys."""

CATALOGUES: dict[str, dict[str, str]] = {
    entry.name[:-5]: _catalogue(entry.name[:-5])
    for entry in (resources.files("secondvictim_core.html") / "strings").iterdir()
    if entry.name.endswith(".json")
}
"""Chrome catalogues by language subtag, one JSON file each. Add ``strings/cy.json`` (the
same keys as ``en.json``) when a translator has reviewed one."""

LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg", "gd": "G\u00e0idhlig", "ga": "Gaeilge"}
"""Each language named in itself, for the language switch (read by its speakers)."""

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}  # fmt: skip


def language(tag: str) -> str:
    """The language subtag of a locale tag: ``cy`` for ``cy-GB``."""
    return tag.split("-")[0].lower()


class Strings:
    """Chrome text for one page language, with the language the text is really in."""

    def __init__(self, locale: str, overrides: Mapping[str, str] | None = None) -> None:
        lang = language(locale)
        self.catalogue = dict(CATALOGUES.get(lang, EN))
        self.catalogue.update(overrides or {})
        self.lang = locale if lang in CATALOGUES else "en-GB"
        """The locale the chrome is written in (``en-GB`` when it falls back)."""

    def __call__(self, key: str, **values: object) -> str:
        """The text for ``key`` with ``{placeholders}`` filled in.

        A missing key is a KeyError: a label must never silently render empty.
        """
        text = self.catalogue[key]
        return text.format(**values) if values else text

    def date(self, day: object) -> str:
        """A date as people write it: ``1 November 2026``."""
        if not isinstance(day, dt.date):
            return str(day)
        months = MONTHS.get(language(self.lang), MONTHS["en"])
        return f"{day.day} {months[day.month - 1]} {day.year}"
