"""Tools: the Just Culture self-assessment framework, the decision flow and knowledge-check questions."""

from __future__ import annotations

import enum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ._base import ContentModel, Markdown, NonEmpty, Ref, Slug, Source
from ._item import ItemBase


class ScalePoint(ContentModel):
    """One point of the response scale."""

    value: int
    """The number recorded in responses."""
    label: NonEmpty
    """What the number means (e.g. 'Strongly agree')."""


class ResponseScale(ContentModel):
    """The agreement scale every item is answered on."""

    points: Annotated[list[ScalePoint], Field(min_length=2)]
    """The scale, lowest value first."""
    positive_from: int
    """Answers at or above this value (after reverse scoring) count as positive."""

    @model_validator(mode="after")
    def _ordered(self) -> ResponseScale:
        values = [p.value for p in self.points]
        if values != sorted(values) or len(set(values)) != len(values):
            msg = "scale points must have distinct values in increasing order"
            raise ValueError(msg)
        if not values[0] <= self.positive_from <= values[-1]:
            msg = f"positive_from {self.positive_from} is outside the scale {values[0]}..{values[-1]}"
            raise ValueError(msg)
        return self

    @property
    def minimum(self) -> int:
        """Lowest value on the scale."""
        return self.points[0].value

    @property
    def maximum(self) -> int:
        """Highest value on the scale."""
        return self.points[-1].value


class AssessmentItem(ContentModel):
    """One statement people rate."""

    id: Slug
    """Stable id; used as the column name in response files."""
    text: NonEmpty
    """The statement."""
    reverse: bool = False
    """True when agreeing is the *less* just answer, so the score is reversed."""


class Band(ContentModel):
    """A maturity band on the domain mean score."""

    id: Slug
    """Stable id (e.g. ``emerging``)."""
    label: NonEmpty
    """Name shown to people."""
    min_score: float
    """Lowest mean score (inclusive) in this band."""
    description: NonEmpty
    """What an organisation in this band typically looks like."""


class Action(ContentModel):
    """A concrete action for a domain in a band."""

    band: Slug
    """The band the action is for."""
    text: NonEmpty
    """What to do."""
    sources: list[Source] = []
    """Where the idea comes from."""


class Domain(ContentModel):
    """A group of items measuring one part of a just culture."""

    id: Slug
    """Stable id."""
    title: NonEmpty
    """Name shown to people."""
    description: NonEmpty
    """What the domain covers."""
    items: Annotated[list[AssessmentItem], Field(min_length=1)]
    """The statements in this domain."""
    actions: list[Action] = []
    """Actions per band."""


class AssessmentFramework(ItemBase):
    """A self-assessment framework with domains, a scale, bands and actions."""

    kind: Literal["assessment_framework"] = "assessment_framework"
    version: NonEmpty
    """Version of the framework; trend comparisons need the same version or an item map."""
    instructions: Markdown
    """What respondents are asked to do (Markdown)."""
    scale: ResponseScale
    """The response scale."""
    bands: Annotated[list[Band], Field(min_length=2)]
    """Maturity bands, lowest first."""
    domains: Annotated[list[Domain], Field(min_length=1)]
    """The domains and their items."""
    min_group_size: Annotated[int, Field(ge=1)] = 5
    """Results for groups smaller than this are suppressed (anonymity floor)."""
    body: Markdown | None = None
    """About the framework (Markdown)."""

    @model_validator(mode="after")
    def _consistent(self) -> AssessmentFramework:
        mins = [b.min_score for b in self.bands]
        if mins != sorted(mins) or len(set(mins)) != len(mins):
            msg = "bands must be listed lowest first with distinct min_score values"
            raise ValueError(msg)
        if mins[0] > self.scale.minimum:
            msg = f"the first band must start at the scale minimum {self.scale.minimum}"
            raise ValueError(msg)
        band_ids = {b.id for b in self.bands}
        seen: set[str] = set()
        for domain in self.domains:
            for item in domain.items:
                if item.id in seen:
                    msg = f"item id {item.id!r} is used twice"
                    raise ValueError(msg)
                seen.add(item.id)
            for action in domain.actions:
                if action.band not in band_ids:
                    msg = f"domain {domain.id!r} has an action for unknown band {action.band!r}"
                    raise ValueError(msg)
        return self


class Route(ContentModel):
    """Where an answer leads: the next question or an outcome."""

    next: Slug | None = None
    """The id of the next question."""
    outcome: Slug | None = None
    """The id of the outcome reached."""

    @model_validator(mode="after")
    def _exactly_one(self) -> Route:
        if (self.next is None) == (self.outcome is None):
            msg = "a route needs exactly one of 'next' or 'outcome'"
            raise ValueError(msg)
        return self


class FlowQuestion(ContentModel):
    """One test in the decision flow."""

    id: Slug
    """Stable id."""
    test: NonEmpty
    """The name of the test (e.g. 'Deliberate harm test')."""
    question: NonEmpty
    """The yes/no question."""
    help: NonEmpty | None = None
    """What to think about when answering."""
    yes: Route
    """Where 'yes' leads."""
    no: Route
    """Where 'no' leads."""


class FlowOutcome(ContentModel):
    """Where a walk through the flow ends."""

    id: Slug
    """Stable id."""
    title: NonEmpty
    """Short name of the outcome."""
    guidance: Markdown
    """What it suggests for the conversation and the support offered (Markdown)."""


class DecisionFlow(ItemBase):
    """An ordered set of yes/no tests, such as the just culture guide's five tests.

    It is an aid to a fair conversation, never a verdict about a person.
    """

    kind: Literal["decision_flow"] = "decision_flow"
    start: Slug
    """The id of the first question."""
    questions: Annotated[list[FlowQuestion], Field(min_length=1)]
    """The questions, in order."""
    outcomes: Annotated[list[FlowOutcome], Field(min_length=1)]
    """The outcomes."""
    disclaimer: NonEmpty
    """Shown with every result: what the flow is and is not."""
    body: Markdown | None = None
    """About the flow (Markdown)."""


class QuestionType(enum.StrEnum):
    """Types of knowledge-check question."""

    MULTICHOICE = "multichoice"
    TRUEFALSE = "truefalse"
    SHORTANSWER = "shortanswer"
    ESSAY = "essay"


class QuestionOption(ContentModel):
    """An answer option, with feedback for whoever chooses it."""

    text: NonEmpty
    """The option (for short answer: an accepted answer)."""
    correct: bool = False
    """True for a right answer."""
    feedback: NonEmpty
    """Shown to someone who gives this answer."""


class Question(ItemBase):
    """A knowledge-check question (title is a short name; ``text`` is the question)."""

    kind: Literal["question"] = "question"
    qtype: QuestionType
    """Multiple choice, true/false, short answer or reflective essay."""
    text: NonEmpty
    """The question as asked."""
    options: list[QuestionOption] = []
    """Options (multichoice), the two answers (truefalse) or accepted answers (shortanswer)."""
    general_feedback: NonEmpty
    """Shown to everyone after answering."""
    checks: Annotated[list[Ref], Field(min_length=1)]
    """The content items the question checks understanding of."""
    category: NonEmpty = "Knowledge check"
    """Question bank category."""

    @model_validator(mode="after")
    def _options_fit_type(self) -> Question:
        correct = sum(o.correct for o in self.options)
        if self.qtype is QuestionType.ESSAY:
            if self.options:
                msg = "an essay question has no options"
                raise ValueError(msg)
        elif self.qtype is QuestionType.TRUEFALSE:
            texts = sorted(o.text.lower() for o in self.options)
            if texts != ["false", "true"] or correct != 1:
                msg = "a true/false question needs options 'True' and 'False' with one correct"
                raise ValueError(msg)
        elif self.qtype is QuestionType.MULTICHOICE:
            if len(self.options) < 2 or correct < 1:
                msg = "a multiple-choice question needs at least two options and one correct"
                raise ValueError(msg)
        elif not self.options or correct != len(self.options):
            msg = "a short-answer question lists accepted answers, all marked correct"
            raise ValueError(msg)
        return self


