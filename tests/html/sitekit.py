"""Shared helpers for the html exporter tests (imported by tests/test_html_*.py).

Why a module here and not a conftest: the tests live at tests/test_html_*.py, and this
folder also holds their fixtures (a brand overlay, a Welsh overlay, a hostile pack).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html

import secondvictim_core as sv

HERE = Path(__file__).parent
TESTS = HERE.parent
PACK = TESTS / "packs" / "valid"
BRAND = HERE / "overlay-brand"
WELSH = HERE / "overlay-cy"
HOSTILE = HERE / "packs" / "hostile"
TODAY = dt.date(2026, 11, 25)
BRAND_TERM = "colleague involved in a patient safety incident"


def plugins() -> Any:
    """Built-in plugins only (no installed entry points)."""
    return sv.get_plugin_manager(load_entrypoints=False)


def load(*overlays: Path, pack: Path = PACK, locale: str | None = None) -> sv.Bundle:
    """A checked bundle of the small test pack with the given overlays."""
    return sv.load(pack, list(overlays), locale, today=TODAY, plugins=plugins())


def build(dest: Path, bundle: sv.Bundle, exporter: str = "html", **options: Any) -> sv.ExportResult:
    """Export ``bundle`` into ``dest`` with the built-in plugins."""
    return sv.export(bundle, exporter, dest, options, plugins=plugins())


def brand_site(dest: Path, **options: Any) -> Path:
    """The branded English site with its Welsh translation under cy/."""
    english = load(BRAND)
    welsh = load(BRAND, WELSH)
    options.setdefault("logo", str(BRAND / "logo.svg"))
    build(dest, english, translations=[welsh], **options)
    return dest


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def pages(root: Path) -> Iterator[tuple[str, Any]]:
    """(relative path, parsed lxml document) for every HTML file under ``root``."""
    for path in sorted(root.rglob("*.html")):
        yield path.relative_to(root).as_posix(), lxml.html.fromstring(path.read_bytes())


def text_of(doc: Any) -> str:
    """The visible text of a parsed page (script blocks excluded)."""
    words = doc.xpath("//text()[not(ancestor::script) and not(ancestor::title)]")
    return " ".join(" ".join(words).split())
