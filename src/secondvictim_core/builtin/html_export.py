"""The ``html`` and ``html-fragments`` exporters: the intranet site and CMS blocks.

``secondvictim export html --out site`` writes a complete static site (drop it on any
web server, intranet or shared drive); ``secondvictim export html-fragments --out
blocks`` writes one HTML block per item and per index plus ``manifest.json``.

Python callers can also pass translated bundles: ``options={"translations":
[welsh_bundle]}`` writes each under its language folder (``cy/``), and every page
links to its translation. From the command line, a translation exported separately
is linked with ``--alternate cy-GB=https://intranet.example.nhs.uk/cy/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .._bundle import Bundle
from ..exceptions import ExportError
from ..hookspecs import ExportOption, ExportResult, hookimpl
from ..html import SiteOptions, build_fragments, build_site
from ..html._site import Progress


def _text(options: Mapping[str, Any], name: str) -> str | None:
    value = options.get(name)
    if value is None or value is False:
        return None
    text = str(value).strip()
    return text or None


def _base_url(options: Mapping[str, Any]) -> str | None:
    base = _text(options, "base-url")
    if base is None:
        return None
    if not base.startswith(("https://", "http://")):
        msg = f"--base-url must be an http(s) address, got {base!r}"
        raise ExportError(msg)
    return base if base.endswith("/") else base + "/"


def _alternates(options: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    text = _text(options, "alternate")
    if text is None:
        return ()
    found = []
    for part in text.split(","):
        locale, sep, url = part.strip().partition("=")
        if not sep or not locale or not url.startswith(("https://", "http://", "/", "../")):
            msg = f"--alternate expects LOCALE=URL (e.g. cy-GB=https://example.org/cy/), got {part!r}"
            raise ExportError(msg)
        found.append((locale.strip(), url.strip()))
    return tuple(found)


def _translations(options: Mapping[str, Any]) -> Sequence[Bundle]:
    value = options.get("translations") or ()
    if isinstance(value, Bundle):
        value = (value,)
    bundles = tuple(value)
    if not all(isinstance(b, Bundle) for b in bundles):
        msg = "the 'translations' option takes Bundle objects (loaded with a locale overlay)"
        raise ExportError(msg)
    return bundles


def _logo(bundle: Bundle, options: Mapping[str, Any], notes: list[str]) -> Path | None:
    given = _text(options, "logo")
    if given is not None:
        return Path(given)
    org = bundle.settings.organisation
    if org is not None and org.logo:
        found = bundle.asset(org.logo)
        if found is not None:
            return found
        notes.append(
            f"the overlay names the logo {org.logo!r} but the file was not found; pass --logo "
            "with the file's path to show it (the header shows the organisation's name instead)"
        )
    return None


class HtmlExporter:
    """The static intranet site: accessible, offline, byte-identical for the same input."""

    name = "html"
    description = "An accessible static site for any web server or intranet (the main job)"
    options: tuple[ExportOption, ...] = (
        ExportOption("base-url", "address the site will be published at; adds sitemap.xml, "
                     "canonical links and URLs in JSON-LD"),
        ExportOption("logo", "a PNG or SVG logo file for the header (e.g. the overlay's logo)"),
        ExportOption("alternate", "translations exported as separate sites, as LOCALE=URL "
                     "(comma-separated); every page links to its translation"),
    )

    def export(self, bundle: Bundle, destination: Path, options: Mapping[str, Any]) -> ExportResult:
        """Write the site into ``destination`` (an empty folder the core moves into place)."""
        notes: list[str] = []
        site_options = SiteOptions(
            base_url=_base_url(options),
            logo=_logo(bundle, options, notes),
            alternates=_alternates(options),
            progress=options.get("progress") if isinstance(options.get("progress"), bool) else None,
        )
        if site_options.base_url is None:
            notes.append("no --base-url given: sitemap.xml and canonical links were left out")
        files = build_site(bundle, destination, site_options, _translations(options))
        return ExportResult(exporter=self.name, files=tuple(Path(f) for f in files), notes=tuple(notes))


class HtmlFragmentsExporter:
    """One HTML block per item and per index, with a manifest, for CMSs that take HTML."""

    name = "html-fragments"
    description = "HTML blocks (one per item and per index) and a manifest, for a CMS"
    options: tuple[ExportOption, ...] = (
        ExportOption("link-base", "address of the published html site, so links in the blocks "
                     "lead to it (default: links relative to the site's root)", default=""),
    )

    def export(self, bundle: Bundle, destination: Path, options: Mapping[str, Any]) -> ExportResult:
        """Write the fragments and ``manifest.json`` into ``destination``."""
        base = _text(options, "link-base") or ""
        if base and not base.endswith("/"):
            base += "/"
        shown = options.get("progress")
        progress = Progress(len(bundle.items), shown if isinstance(shown, bool) else None)
        files = build_fragments(bundle, destination, base, tick=progress.tick)
        return ExportResult(exporter=self.name, files=tuple(Path(f) for f in files))


@hookimpl
def register_exporters() -> list[HtmlExporter | HtmlFragmentsExporter]:
    """Provide the ``html`` and ``html-fragments`` exporters."""
    return [HtmlExporter(), HtmlFragmentsExporter()]
