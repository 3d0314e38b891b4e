"""The content model: one pydantic model per kind, and the union of them all.

Every item in a pack has a ``kind``; :data:`ContentItem` dispatches on it, so a
wrong kind gives one precise error instead of one per alternative.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from ._base import SCHEMA_VERSION, Audience, ContentModel, Jurisdiction, Review, Source
from ._item import ItemBase
from .assessment import (
    Action,
    AssessmentFramework,
    AssessmentItem,
    Band,
    DecisionFlow,
    Domain,
    FlowOutcome,
    FlowQuestion,
    Question,
    QuestionOption,
    QuestionType,
    ResponseScale,
    Route,
    ScalePoint,
)
from .guidance import Faq, FaqProcess, GuidanceArticle, GuidanceTopic, Page, PageRole
from .pack import Colours, Directives, Manifest, Organisation, OverlayManifest, Settings
from .recovery import (
    CopingStrategy,
    Effectiveness,
    EvidenceLevel,
    Orientation,
    OutcomePath,
    RecoveryStage,
    SignCategory,
    WarningSign,
)
from .stories import AnonymisationLevel, CaseStudy, Consent, CopingUse, ReportedOutcome, SignOff, Story
from .support import Channel, ChannelType, Signpost, SupportLadder, SupportLevel

ContentItem = Annotated[
    GuidanceArticle
    | Faq
    | Page
    | SupportLadder
    | SupportLevel
    | Signpost
    | RecoveryStage
    | WarningSign
    | CopingStrategy
    | Story
    | CaseStudy
    | AssessmentFramework
    | DecisionFlow
    | Question,
    Field(discriminator="kind"),
]
"""Any content item; pydantic picks the model from ``kind``."""

KIND_MODELS: dict[str, type[ItemBase]] = {
    "guidance": GuidanceArticle,
    "faq": Faq,
    "page": Page,
    "support_ladder": SupportLadder,
    "support_level": SupportLevel,
    "signpost": Signpost,
    "recovery_stage": RecoveryStage,
    "warning_sign": WarningSign,
    "coping_strategy": CopingStrategy,
    "story": Story,
    "case_study": CaseStudy,
    "assessment_framework": AssessmentFramework,
    "decision_flow": DecisionFlow,
    "question": Question,
}
"""Every kind name and its model, in the order exporters list them."""

ITEM_ADAPTER: TypeAdapter[ContentItem] = TypeAdapter(ContentItem)
"""Validates one item dict into the right model."""

__all__ = [
    "ITEM_ADAPTER",
    "KIND_MODELS",
    "SCHEMA_VERSION",
    "Action",
    "AnonymisationLevel",
    "AssessmentFramework",
    "AssessmentItem",
    "Audience",
    "Band",
    "CaseStudy",
    "Channel",
    "ChannelType",
    "Colours",
    "Consent",
    "ContentItem",
    "ContentModel",
    "CopingStrategy",
    "CopingUse",
    "DecisionFlow",
    "Directives",
    "Domain",
    "Effectiveness",
    "EvidenceLevel",
    "Faq",
    "FaqProcess",
    "FlowOutcome",
    "FlowQuestion",
    "GuidanceArticle",
    "GuidanceTopic",
    "ItemBase",
    "Jurisdiction",
    "Manifest",
    "Organisation",
    "Orientation",
    "OutcomePath",
    "OverlayManifest",
    "Page",
    "PageRole",
    "Question",
    "QuestionOption",
    "QuestionType",
    "RecoveryStage",
    "ReportedOutcome",
    "ResponseScale",
    "Review",
    "Route",
    "ScalePoint",
    "Settings",
    "SignCategory",
    "SignOff",
    "Signpost",
    "Source",
    "Story",
    "SupportLadder",
    "SupportLevel",
    "WarningSign",
]
