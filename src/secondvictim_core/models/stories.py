"""Experience: staff stories and case studies of organisations."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ._base import ContentModel, Markdown, NonEmpty, Ref
from ._item import ItemBase


class Consent(ContentModel):
    """The consent record for a story told by a real person."""

    reference: NonEmpty
    """Reference to the signed consent record (never the person's name)."""
    granted: dt.date
    """When consent was given."""
    scope: Annotated[list[NonEmpty], Field(min_length=1)]
    """Channels the consent covers (e.g. intranet, moodle, sharepoint, public_web)."""
    expires: dt.date | None = None
    """When the consent ends, if it does."""


class SignOff(ContentModel):
    """Who checked that a story or case study identifies no patient, family or colleague."""

    by: NonEmpty
    """Role of the reviewer."""
    date: dt.date
    """When it was checked."""


class AnonymisationLevel(enum.StrEnum):
    """How far a story is anonymised."""

    COMPOSITE = "composite"
    PSEUDONYM = "pseudonym"
    FIRST_NAME = "first_name"
    NAMED = "named"


class CopingUse(ContentModel):
    """A coping strategy used in a story, and how it helped or did not."""

    strategy: Ref
    """The ``coping_strategy`` item."""
    how_it_helped: NonEmpty
    """What difference it made in this story."""


class Story(ItemBase):
    """A staff story. Default-pack stories are composites built from published research themes."""

    kind: Literal["story"] = "story"
    composite: bool
    """True when the story is a composite, not one real person's account."""
    anonymisation: AnonymisationLevel
    """How far the story is anonymised."""
    consent: Consent | None = None
    """Consent record; required unless the story is a composite."""
    anonymisation_signoff: SignOff
    """Who checked that no patient, family or colleague can be identified."""
    content_warnings: list[NonEmpty] = []
    """Warnings shown before the text."""
    profession: NonEmpty
    """The storyteller's profession (e.g. 'Staff nurse')."""
    setting: NonEmpty
    """Where they work (e.g. 'Emergency department')."""
    coping: list[CopingUse] = []
    """Coping strategies in the story and how they helped."""
    themes_from: list[NonEmpty] = []
    """For composites: the published research themes the story is built from."""
    body: Markdown
    """The story (Markdown)."""

    @model_validator(mode="after")
    def _composite_or_consent(self) -> Story:
        if self.composite and self.anonymisation is not AnonymisationLevel.COMPOSITE:
            msg = "a composite story must have anonymisation 'composite'"
            raise ValueError(msg)
        if not self.composite and self.consent is None:
            msg = "a story that is not a composite needs a consent record"
            raise ValueError(msg)
        return self


class ReportedOutcome(ContentModel):
    """An outcome an organisation reported, as reported, with its source."""

    text: NonEmpty
    """The outcome in plain words; figures exactly as published."""
    source: Annotated[int, Field(ge=0)] = 0
    """Index into the item's ``sources`` of the source that reports it."""


class CaseStudy(ItemBase):
    """An organisation that built a staff-support programme, and what it reported."""

    kind: Literal["case_study"] = "case_study"
    organisation: NonEmpty
    """The organisation."""
    country: NonEmpty
    """Country where the programme runs."""
    programme: NonEmpty
    """Name of the programme."""
    model: NonEmpty
    """The support model it uses, in a few words."""
    start_year: Annotated[int, Field(ge=1990, le=2100)] | None = None
    """Year the programme started, when published."""
    outcomes: list[ReportedOutcome] = []
    """Outcomes as reported; empty when none were published."""
    related: list[Ref] = []
    """Related items (e.g. the support ladder it follows)."""
    content_warnings: list[NonEmpty] = []
    """Warnings shown before the text."""
    anonymisation_signoff: SignOff | None = None
    """Check that the text identifies no patient or family."""
    body: Markdown
    """What the organisation built and how (Markdown)."""

    @model_validator(mode="after")
    def _outcome_sources(self) -> CaseStudy:
        for outcome in self.outcomes:
            if outcome.source >= len(self.sources):
                msg = (
                    f"outcome {outcome.text[:40]!r} names source {outcome.source}, "
                    f"but the item has {len(self.sources)} source(s)"
                )
                raise ValueError(msg)
        return self
