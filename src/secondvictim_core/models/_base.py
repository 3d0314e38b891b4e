"""The shared base of every content model, and the small value types they use.

Why one base: every kind must forbid unknown keys (a misspelt YAML key is an error,
not silently ignored), be immutable (bundles are handed to plugins) and carry its
field docs into the generated JSON Schema.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, StringConstraints

SCHEMA_VERSION = 1
"""Version of the content *format* (packs, overlays, schemas); separate from the library version."""

SLUG_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"

Slug = Annotated[
    str,
    StringConstraints(pattern=SLUG_PATTERN, min_length=1, max_length=120),
]
"""A stable identifier: lower-case letters, digits, single hyphens or underscores."""

Ref = Annotated[
    str,
    StringConstraints(pattern=SLUG_PATTERN, min_length=1, max_length=120),
]
"""The id of another content item. Integrity checks make sure it resolves."""

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Markdown = Annotated[str, StringConstraints(min_length=1)]
"""CommonMark text. Raw HTML is never rendered; exporters sanitise the output."""


def _locale_tag(value: str) -> str:
    if not re.fullmatch(r"[a-z]{2,3}(?:-[A-Z]{2})?", value):
        msg = f"expected a locale tag such as 'en-GB' or 'cy-GB', got {value!r}"
        raise ValueError(msg)
    return value


LocaleTag = Annotated[str, AfterValidator(_locale_tag)]


class ContentModel(BaseModel):
    """Base for every model: strict keys, immutable, documented fields."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        str_strip_whitespace=False,
    )


class Audience(enum.StrEnum):
    """Who a piece of content is written for (the site's three audiences)."""

    SECOND_VICTIM = "second_victim"
    MANAGER_COLLEAGUE = "manager_colleague"
    ORGANISATION = "organisation"


class Jurisdiction(enum.StrEnum):
    """A UK nation, or all of the UK."""

    UK = "uk"
    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern_ireland"

    def covers(self, nation: Jurisdiction) -> bool:
        """True when content for this jurisdiction applies in ``nation``."""
        return self is Jurisdiction.UK or nation is Jurisdiction.UK or self is nation


class Source(ContentModel):
    """Where a fact came from."""

    title: NonEmpty
    """Title of the page or paper."""
    url: HttpUrl
    """Address of the source."""
    seen: dt.date
    """The date the source was read (or the page's own date when it shows one)."""
    note: str | None = None
    """What the source supports, when it is not obvious."""


class Review(ContentModel):
    """Content governance: who owns an item and when it is next reviewed."""

    owner: NonEmpty
    """The role responsible for the item (a role, not a person's name)."""
    last_reviewed: dt.date
    """When the item was last reviewed."""
    next_review_due: dt.date
    """When the item must be reviewed again; a lint warns when this has passed."""


Sources = Annotated[list[Source], Field(min_length=1)]
