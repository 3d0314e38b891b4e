"""Manifests: what a pack or overlay is, and the organisation settings an overlay sets."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, HttpUrl

from ._base import ContentModel, Jurisdiction, LocaleTag, NonEmpty, Ref, Slug


def _hex_colour(value: str) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        msg = f"expected a colour like '#005eb8', got {value!r}"
        raise ValueError(msg)
    return value.lower()


HexColour = Annotated[str, AfterValidator(_hex_colour)]


class Manifest(ContentModel):
    """``pack.yaml``: identifies a content pack and the format version it is written in."""

    schema_version: Literal[1]
    """Version of the content format. Only 1 exists."""
    id: Slug
    """Stable id of the pack."""
    name: NonEmpty
    """Human name of the pack."""
    version: NonEmpty
    """Version of the pack's content (not of the library)."""
    locale: LocaleTag
    """Locale of the pack's text, e.g. 'en-GB'."""
    default_jurisdiction: Jurisdiction = Jurisdiction.UK
    """The nation the pack is written for first."""
    description: NonEmpty | None = None
    """What the pack contains."""


class Colours(ContentModel):
    """Brand colours. Exporters reject colours that fail WCAG contrast against white text or background."""

    primary: HexColour | None = None
    """Header and link colour."""
    accent: HexColour | None = None
    """Focus and highlight colour."""


class Organisation(ContentModel):
    """Settings an organisation overlay sets."""

    name: NonEmpty
    """The organisation's name, e.g. 'Example NHS Foundation Trust'."""
    short_name: NonEmpty | None = None
    """Short name for tight spaces."""
    display_term: NonEmpty = "second victim"
    """The words shown for 'second victim' (the term is contested; many prefer another)."""
    jurisdiction: Jurisdiction | None = None
    """The nation the organisation is in; decides crisis routes and FAQ order."""
    support_ladder: Ref | None = None
    """The ``support_ladder`` to use instead of the pack's default."""
    website: HttpUrl | None = None
    """The organisation's staff intranet or website."""
    logo: NonEmpty | None = None
    """Path of a logo image inside the overlay folder (PNG or SVG)."""
    logo_alt: NonEmpty | None = None
    """Alternative text for the logo."""
    colours: Colours = Colours()
    """Brand colours."""


class OverlayManifest(ContentModel):
    """``overlay.yaml``: an organisation or locale overlay laid over a base pack."""

    schema_version: Literal[1]
    """Version of the content format."""
    id: Slug
    """Stable id of the overlay."""
    name: NonEmpty
    """Human name."""
    type: Literal["organisation", "locale"] = "organisation"
    """An organisation overlay adds, overrides and hides items; a locale overlay translates."""
    locale: LocaleTag | None = None
    """For locale overlays: the locale the translations are in (e.g. 'cy-GB')."""
    organisation: Organisation | None = None
    """Organisation settings (organisation overlays)."""
    hide: list[Ref] = []
    """Ids of base items not to publish."""
    override: dict[Slug, dict[str, Any]] = {}
    """Fields to replace on base items, by id."""
    translate: dict[Slug, dict[str, Any]] = {}
    """Translated fields by item id (locale overlays)."""


class Directives(ContentModel):
    """A non-manifest overlay file holding overrides, hides or translations."""

    hide: list[Ref] = []
    """Ids of base items not to publish."""
    override: dict[Slug, dict[str, Any]] = {}
    """Fields to replace on base items, by id."""
    translate: dict[Slug, dict[str, Any]] = {}
    """Translated fields by item id."""


class Settings(ContentModel):
    """The resolved settings of a bundle (from the pack and its overlays)."""

    organisation: Organisation | None = None
    """The organisation, when an overlay set one."""
    locale: LocaleTag
    """The locale the bundle is in."""
    base_locale: LocaleTag
    """The pack's own locale (fallback for untranslated fields)."""
    overlays: list[Slug] = []
    """Ids of the overlays applied, in order."""
    hidden: list[Slug] = []
    """Ids hidden by overlays."""
    untranslated: list[Slug] = []
    """Ids of items with no translation in the bundle's locale."""

    @property
    def display_term(self) -> str:
        """The words to use for 'second victim'."""
        return self.organisation.display_term if self.organisation else "second victim"


