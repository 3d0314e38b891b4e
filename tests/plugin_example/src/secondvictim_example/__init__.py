"""A third-party style plugin: registers an exporter and a check through the entry point."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from secondvictim_core import Bundle, ExportOption, ExportResult, Problem, hookimpl


class TitlesExporter:
    """Writes one line per item: ``kind id title``."""

    name = "titles"
    description = "A list of item titles (example plugin)"
    options = (ExportOption("upper", "write titles in capitals", flag=True),)

    def export(self, bundle: Bundle, destination: Path, options: Mapping[str, Any]) -> ExportResult:
        lines = [f"{i.kind} {i.id} {i.title.upper() if options.get('upper') else i.title}" for i in bundle]
        (destination / "titles.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return ExportResult(exporter=self.name, files=(Path("titles.txt"),))


@hookimpl
def register_exporters() -> list[TitlesExporter]:
    return [TitlesExporter()]


@hookimpl
def check_bundle(bundle: Bundle, today: Any) -> list[Problem]:
    return [
        Problem(*bundle.locate(i.id, "title"), "EX001", f"{i.id}: title mentions TODO", "warning")
        for i in bundle
        if "TODO" in i.title
    ]
