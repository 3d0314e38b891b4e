"""The support offer: ladders of support levels and the signposting directory."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ._base import ContentModel, Markdown, NonEmpty, Ref
from ._item import ItemBase


class SupportLadder(ItemBase):
    """A model of support levels (e.g. the three-tier model or the ERNST five levels).

    The levels themselves are ``support_level`` items that name this ladder, so an
    overlay can change one level by id without copying the ladder.
    """

    kind: Literal["support_ladder"] = "support_ladder"
    body: Markdown | None = None
    """Explanation of the model (Markdown)."""
    default: bool = False
    """True for the ladder used when the organisation does not choose one."""


class SupportLevel(ItemBase):
    """One level of a support ladder: who delivers it, how fast, and how."""

    kind: Literal["support_level"] = "support_level"
    ladder: Ref
    """The ``support_ladder`` this level belongs to."""
    rank: Annotated[int, Field(ge=1, le=10)]
    """Position on the ladder: 1 is the first, lightest level."""
    who_delivers: NonEmpty
    """Who gives this level of support."""
    response_target: NonEmpty
    """How soon support at this level should be offered."""
    approaches: Annotated[list[NonEmpty], Field(min_length=1)]
    """What support at this level looks like in practice."""
    expected_share: NonEmpty | None = None
    """Published estimate of the share of staff this level serves, if any."""
    manager_guidance: Markdown
    """What a manager or colleague should do when someone needs this level."""
    signs: list[Ref] = []
    """Warning signs that call for at least this level on this ladder."""
    signposts: list[Ref] = []
    """Services to offer at this level."""
    body: Markdown | None = None
    """Longer description (Markdown)."""


class ChannelType(enum.StrEnum):
    """How a service can be reached."""

    PHONE = "phone"
    TEXT = "text"
    EMAIL = "email"
    WEB = "web"


class Channel(ContentModel):
    """One way to contact a service. The value is checked according to its type."""

    type: ChannelType
    """Phone, text, email or web."""
    value: NonEmpty
    """The number, address or URL exactly as people should use it."""
    label: NonEmpty | None = None
    """What this channel is for, when a service has several (e.g. 'Out of hours')."""
    keyword: NonEmpty | None = None
    """For text services: the word to send (e.g. 'SHOUT')."""
    cost: NonEmpty | None = None
    """What it costs to use (e.g. 'Free from landlines and mobiles')."""
    hours: NonEmpty | None = None
    """When the channel is open, if different from the service's hours."""

    @model_validator(mode="after")
    def _check_value(self) -> Channel:
        # Imported here so that models import fast and the phone rules live in one place.
        from .._contact import check_channel_value

        check_channel_value(self.type.value, self.value, keyword=self.keyword)
        return self


class Signpost(ItemBase):
    """A support service staff can be pointed to, national or the organisation's own."""

    kind: Literal["signpost"] = "signpost"
    organisation: NonEmpty
    """Who runs the service."""
    channels: list[Channel] = []
    """Ways to reach the service. Empty only for a local slot awaiting an overlay."""
    hours: NonEmpty | None = None
    """When the service is available (e.g. '24 hours a day, every day')."""
    eligibility: NonEmpty
    """Who can use the service."""
    crisis: bool = False
    """True for services for people in crisis or at risk; these are always listed first."""
    emergency: bool = False
    """True only for emergency routes (999, A&E)."""
    not_emergency_note: NonEmpty | None = None
    """What to do in an emergency, when the service says it is not an emergency service."""
    local_slot: bool = False
    """True for a placeholder the organisation fills with an overlay (e.g. occupational health)."""
    last_verified: dt.date | None = None
    """Date the contact facts were seen in a source (required unless a local slot)."""
    verify_by: dt.date | None = None
    """Date by which the contact facts must be checked again."""
    body: Markdown | None = None
    """More about the service (Markdown)."""

    @model_validator(mode="after")
    def _slot_or_contact(self) -> Signpost:
        if not self.local_slot:
            if not self.channels:
                msg = "a signpost needs at least one channel unless it is a local_slot"
                raise ValueError(msg)
            if self.last_verified is None or self.verify_by is None:
                msg = "a signpost needs last_verified and verify_by dates unless it is a local_slot"
                raise ValueError(msg)
        if (
            self.last_verified is not None
            and self.verify_by is not None
            and self.verify_by < self.last_verified
        ):
            msg = "verify_by must not be before last_verified"
            raise ValueError(msg)
        return self
