"""Helpers for plugin authors' tests: the same ones the core's own tests use.

Example::

    from secondvictim_core.testing import plugin_manager, sample_bundle

    def test_my_exporter(tmp_path):
        pm = plugin_manager(my_plugin_module)
        result = secondvictim_core.export(sample_bundle(plugins=pm), "mine", tmp_path / "out", plugins=pm)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ._bundle import Bundle
from ._load import load
from ._paths import default_pack
from ._plugins import PluginManager, get_plugin_manager
from ._report import Report

SAMPLE_DATE = dt.date(2026, 11, 25)
"""The date sample bundles are checked on, so review-date warnings never make tests flaky."""


def plugin_manager(*plugins: object) -> PluginManager:
    """Built-in plugins plus ``plugins``; installed entry points are not loaded."""
    pm = get_plugin_manager(load_entrypoints=False)
    for plugin in plugins:
        pm.register(plugin)
    return pm


def sample_bundle(pack: str | Path | None = None, *, plugins: PluginManager | None = None) -> Bundle:
    """The default content pack (or ``pack``), loaded and checked on :data:`SAMPLE_DATE`."""
    return load(pack or default_pack(), today=SAMPLE_DATE, plugins=plugins or plugin_manager())


def problems(report: Report) -> list[tuple[object, ...]]:
    """``(file, line, code)`` for every problem: compact to assert on."""
    return report.flatten("file", "line", "code")
