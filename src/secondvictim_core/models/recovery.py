"""What people go through: recovery stages, warning signs and coping strategies."""

from __future__ import annotations

import enum
from typing import Annotated, Literal

from pydantic import Field

from ._base import ContentModel, Markdown, NonEmpty, Ref, Slug
from ._item import ItemBase


class OutcomePath(ContentModel):
    """One of the three ways people move on after an incident (Scott et al. 2009)."""

    id: Slug
    """``dropping_out``, ``surviving`` or ``thriving`` in the default pack."""
    name: NonEmpty
    """Name shown to people."""
    description: NonEmpty
    """What this path looks like."""
    typical_questions: list[NonEmpty] = []
    """Questions people on this path often ask."""


class RecoveryStage(ItemBase):
    """One stage of the natural history of recovery. Stages can overlap and vary in length."""

    kind: Literal["recovery_stage"] = "recovery_stage"
    number: Annotated[int, Field(ge=1, le=12)]
    """Position of the stage (1 first)."""
    characteristics: Annotated[list[NonEmpty], Field(min_length=1)]
    """What people often feel or do at this stage."""
    typical_questions: Annotated[list[NonEmpty], Field(min_length=1)]
    """Questions people often need answered at this stage."""
    outcomes: list[OutcomePath] = []
    """The outcome paths; only the last stage has them."""
    body: Markdown | None = None
    """More about the stage (Markdown), e.g. a note on triggers that can bring it back."""


class SignCategory(enum.StrEnum):
    """Where a warning sign shows."""

    PHYSICAL = "physical"
    PSYCHOLOGICAL = "psychological"
    BEHAVIOURAL = "behavioural"
    WORK = "work"


class WarningSign(ItemBase):
    """A sign that someone's health or work is being affected."""

    kind: Literal["warning_sign"] = "warning_sign"
    category: SignCategory
    """Physical, psychological, behavioural or work."""
    red_flag: bool = False
    """True when the sign needs urgent help: crisis services are offered first."""
    support_level: Ref
    """The level of support the sign points to on the default ladder."""
    description: NonEmpty | None = None
    """A plain description of what the sign can look like."""


class Orientation(enum.StrEnum):
    """The kind of coping a strategy is."""

    TASK = "task"
    EMOTION = "emotion"
    AVOIDANCE = "avoidance"
    SOCIAL_SUPPORT = "social_support"


class Effectiveness(enum.StrEnum):
    """How helpful the evidence suggests a strategy is, without claiming more than it shows."""

    HELPFUL = "helpful"
    MIXED = "mixed"
    UNHELPFUL = "unhelpful"


class EvidenceLevel(enum.StrEnum):
    """How strong the evidence behind a judgement is."""

    SYSTEMATIC_REVIEW = "systematic_review"
    OBSERVATIONAL = "observational"
    QUALITATIVE = "qualitative"
    EXPERT_OPINION = "expert_opinion"


class CopingStrategy(ItemBase):
    """A way people cope after an incident, and what the evidence says about it."""

    kind: Literal["coping_strategy"] = "coping_strategy"
    orientation: Orientation
    """Task, emotion, avoidance or social support."""
    effectiveness: Effectiveness
    """Helpful, mixed or unhelpful, as the evidence suggests."""
    evidence_level: EvidenceLevel
    """How strong that evidence is."""
    evidence: NonEmpty
    """In plain words, what the evidence says and how certain it is."""
    body: Markdown | None = None
    """Practical advice (Markdown)."""
