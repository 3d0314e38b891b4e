"""Prose for people: guidance articles, FAQs and site pages."""

from __future__ import annotations

import enum
from typing import Literal

from ._base import Markdown, NonEmpty, Ref
from ._item import ItemBase


class GuidanceTopic(enum.StrEnum):
    """What a guidance article helps with (the sections of the offer)."""

    RECOGNITION = "recognition"
    WHAT_TO_EXPECT = "what_to_expect"
    SELF_CARE = "self_care"
    GETTING_SUPPORT = "getting_support"
    INVESTIGATION = "investigation"
    WHY_IT_MATTERS = "why_it_matters"
    FIRST_RESPONSE = "first_response"
    CHOOSING_SUPPORT = "choosing_support"
    SUPPORTING_THROUGH_INVESTIGATION = "supporting_through_investigation"
    SUPPORTER_WELLBEING = "supporter_wellbeing"
    SAFETY_CULTURE = "safety_culture"
    SUPPORT_MODEL = "support_model"
    PEER_SUPPORT = "peer_support"
    MEASURING_PROGRESS = "measuring_progress"
    OTHER = "other"


class GuidanceArticle(ItemBase):
    """A guidance article for one or more audiences."""

    kind: Literal["guidance"] = "guidance"
    topic: GuidanceTopic
    """Which part of the offer the article belongs to."""
    body: Markdown
    """The article text (Markdown; raw HTML is not rendered)."""
    related: list[Ref] = []
    """Other items worth reading next."""
    content_warnings: list[NonEmpty] = []
    """Warnings shown before the text (e.g. 'mentions the death of a patient')."""


class FaqProcess(enum.StrEnum):
    """The process or body an FAQ is about."""

    PSIRF = "psirf"
    AFTER_ACTION_REVIEW = "after_action_review"
    SWARM = "swarm"
    PSII = "psii"
    DUTY_OF_CANDOUR = "duty_of_candour"
    STATEMENT = "statement"
    INQUEST = "inquest"
    REGULATOR = "regulator"
    HSSIB = "hssib"
    NHS_RESOLUTION = "nhs_resolution"
    REPRESENTATION = "representation"
    TIME_OFF = "time_off"
    CONFIDENTIALITY = "confidentiality"
    GENERAL = "general"


class Faq(ItemBase):
    """A question staff ask about the investigation process, with a short answer.

    ``title`` holds the question; ``body`` the answer.
    """

    kind: Literal["faq"] = "faq"
    topic: NonEmpty
    """The group the question is shown under (e.g. 'The investigation')."""
    process: FaqProcess
    """The process or body the question is about."""
    body: Markdown
    """The answer (Markdown)."""
    related: list[Ref] = []
    """Other items worth reading next (e.g. the same question for another nation)."""


class PageRole(enum.StrEnum):
    """What a site page is for."""

    ABOUT = "about"
    ACCESSIBILITY = "accessibility"
    PRIVACY = "privacy"
    OTHER = "other"


class Page(ItemBase):
    """A standing page such as 'About this resource' or the accessibility statement."""

    kind: Literal["page"] = "page"
    role: PageRole
    """What the page is for; exporters place it by role."""
    body: Markdown
    """The page text (Markdown)."""
