"""The ``json`` exporter: the resolved bundle as one document plus one file per kind.

The reference exporter: small, deterministic, and valid against ``schemas/v1``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._bundle import Bundle
from ..hookspecs import ExportOption, ExportResult, hookimpl


def _dump(doc: object) -> str:
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


class JsonExporter:
    """Writes ``bundle.json`` and ``items/<kind>.json``; byte-identical across runs."""

    name = "json"
    description = "The resolved bundle as JSON (one document, plus one file per kind)"
    options: tuple[ExportOption, ...] = ()

    def export(self, bundle: Bundle, destination: Path, options: Mapping[str, Any]) -> ExportResult:
        """Write the files into ``destination``."""
        doc = bundle.to_dict()
        written = [Path("bundle.json")]
        (destination / "bundle.json").write_text(_dump(doc), encoding="utf-8")
        kinds = destination / "items"
        kinds.mkdir()
        by_kind: dict[str, list[Any]] = {}
        for item in doc["items"]:
            by_kind.setdefault(item["kind"], []).append(item)
        for kind, items in sorted(by_kind.items()):
            (kinds / f"{kind}.json").write_text(_dump(items), encoding="utf-8")
            written.append(Path("items") / f"{kind}.json")
        return ExportResult(exporter=self.name, files=tuple(sorted(written)))


@hookimpl
def register_exporters() -> list[JsonExporter]:
    """Provide the ``json`` exporter."""
    return [JsonExporter()]
