"""secondvictim-core: second-victim staff-support content as validated data.

Load the built-in pack (or your own), lay an organisation overlay on it, validate
it, query it, and export it through plugins::

    import secondvictim_core as sv
    bundle = sv.load(overlays=["my-trust-overlay"])
    bundle.signposts(audience="second_victim", nation="wales")
    sv.export(bundle, "json", "out/")
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._bundle import Bundle
from ._export import export
from ._load import load, load_report
from ._markdown import render_markdown
from ._paths import default_pack
from ._plugins import exporters, get_plugin_manager, list_plugins
from ._report import Problem, Report
from .exceptions import ContentError, ExportError, PluginError, SecondVictimError, UnknownExporterError
from .hookspecs import Command, Exporter, ExportOption, ExportResult, hookimpl
from .models import SCHEMA_VERSION

try:
    __version__ = version("secondvictim-core")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "SCHEMA_VERSION",
    "Bundle",
    "Command",
    "ContentError",
    "ExportError",
    "ExportOption",
    "ExportResult",
    "Exporter",
    "PluginError",
    "Problem",
    "Report",
    "SecondVictimError",
    "UnknownExporterError",
    "__version__",
    "default_pack",
    "export",
    "exporters",
    "get_plugin_manager",
    "hookimpl",
    "list_plugins",
    "load",
    "load_report",
    "render_markdown",
]
