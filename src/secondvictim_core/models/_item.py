"""Fields every content item shares, whatever its kind."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ._base import Audience, ContentModel, Jurisdiction, LocaleTag, NonEmpty, Review, Slug, Sources


class ItemBase(ContentModel):
    """The shared part of every content item.

    Each concrete kind adds a ``kind`` literal (the discriminator) and its own fields.
    """

    id: Slug
    """Stable identifier, unique across the pack and its overlays."""
    title: NonEmpty
    """Short title shown as a heading."""
    summary: NonEmpty
    """One or two plain sentences saying what the item is about."""
    audiences: Annotated[list[Audience], Field(min_length=1)]
    """Who the item is written for."""
    jurisdictions: Annotated[list[Jurisdiction], Field(min_length=1)] = [Jurisdiction.UK]
    """Where the item applies; ``uk`` means everywhere in the UK."""
    sources: Sources
    """Where the facts in the item come from (at least one)."""
    review: Review
    """Owner role and review dates."""
    locale: LocaleTag | None = None
    """Locale of the text; defaults to the pack's locale."""
    tags: list[Slug] = []
    """Free tags for grouping and search (e.g. ``suicide`` for safe-messaging checks)."""
    order: int = 0
    """Position among items of the same kind when shown in a list (lower first)."""
