"""Exports: json is complete, schema-valid and byte-identical; failures leave nothing behind."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import secondvictim_core as sv
from secondvictim_core import ExportResult, hookimpl

SCHEMAS = Path(__file__).parent.parent / "schemas" / "v1"
TODAY = dt.date(2026, 11, 25)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_json_export_is_schema_valid_and_deterministic(valid_pack: Path, pm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bundle = sv.load(valid_pack, today=TODAY, plugins=pm)
    first = sv.export(bundle, "json", tmp_path / "a", plugins=pm)
    sv.export(sv.load(valid_pack, today=TODAY, plugins=pm), "json", tmp_path / "b", plugins=pm)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert [f.as_posix() for f in first.files][:2] == ["bundle.json", "items/assessment_framework.json"]
    doc = json.loads((tmp_path / "a" / "bundle.json").read_text(encoding="utf-8"))
    schema = json.loads((SCHEMAS / "bundle.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    assert all({"kind", "id"} <= item.keys() for item in doc["items"])
    assert len(doc["items"]) == len(bundle)
    per_kind = json.loads((tmp_path / "a" / "items" / "signpost.json").read_text(encoding="utf-8"))
    assert {i["id"] for i in per_kind} == {"emergency", "crisis-line", "helpline", "local-occupational-health"}


class Exploding:
    name = "exploding"
    description = "writes half a file, then fails"
    options = ()

    def export(self, bundle: sv.Bundle, destination: Path, options: Mapping[str, Any]) -> ExportResult:
        (destination / "half.txt").write_text("half", encoding="utf-8")
        raise RuntimeError("disk on fire")


class ExplodingPlugin:
    @hookimpl
    def register_exporters(self) -> list[Exploding]:
        return [Exploding()]


def test_failed_export_leaves_destination_untouched(valid_pack: Path, pm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pm.register(ExplodingPlugin())
    bundle = sv.load(valid_pack, today=TODAY, plugins=pm)
    dest = tmp_path / "site"
    dest.mkdir()
    (dest / "old.txt").write_text("previous export", encoding="utf-8")
    with pytest.raises(sv.ExportError, match="disk on fire"):
        sv.export(bundle, "exploding", dest, plugins=pm)
    assert _tree(dest) == {"old.txt": b"previous export"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no partial folder left


def test_unknown_exporter_lists_installed(valid_pack: Path, pm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bundle = sv.load(valid_pack, today=TODAY, plugins=pm)
    with pytest.raises(sv.UnknownExporterError, match=r"no exporter 'jsno'; installed: .*'json'"):
        sv.export(bundle, "jsno", tmp_path / "x", plugins=pm)
