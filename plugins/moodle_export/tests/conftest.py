"""Fixtures: the plugin's own small pack and overlay, and exports made through the core's export().

Each export runs with a plugin manager that has the built-ins plus this plugin only, so
installed entry points never leak into a test. Exports of the same inputs are shared
within the session: they are pure, and several test modules read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from secondvictim_moodle_export import plugin, read_archive

import secondvictim_core as sv

HERE = Path(__file__).parent
PACK = HERE / "pack"
OVERLAY = HERE / "overlay"
TODAY = dt.date(2026, 11, 25)


def plugin_manager() -> Any:
    """A plugin manager with the core's built-ins and this plugin, no installed entry points."""
    pm = sv.get_plugin_manager(load_entrypoints=False)
    pm.register(plugin, name="moodle")
    return pm


@pytest.fixture(scope="session")
def make_pm() -> Callable[[], Any]:
    """Builds a fresh plugin manager (built-ins plus this plugin) on each call."""
    return plugin_manager


@pytest.fixture(scope="session")
def pm() -> Any:
    """Built-in plugins plus this one."""
    return plugin_manager()


@pytest.fixture(scope="session")
def bundle(pm: Any) -> sv.Bundle:
    """The test pack, validated."""
    return sv.load(PACK, today=TODAY, plugins=pm)


@pytest.fixture(scope="session")
def org_bundle(pm: Any) -> sv.Bundle:
    """The test pack with an organisation overlay for a Welsh health board."""
    return sv.load(PACK, [OVERLAY], today=TODAY, plugins=pm)


ExportFn = Callable[..., Path]


@pytest.fixture(scope="session")
def run_export(pm: Any, tmp_path_factory: pytest.TempPathFactory) -> ExportFn:
    """Export a bundle with options into a fresh folder and return the folder."""
    cache: dict[tuple[int, tuple[tuple[str, Any], ...]], Path] = {}

    def run(bundle: sv.Bundle, **options: Any) -> Path:
        key = (id(bundle), tuple(sorted(options.items())))
        if key not in cache:
            out = tmp_path_factory.mktemp("moodle") / "out"
            names = {k.replace("_", "-"): v for k, v in options.items()}
            sv.export(bundle, "moodle", out, {"build-date": "2026-11-25", **names}, plugins=pm)
            cache[key] = out
        return cache[key]

    return run


@pytest.fixture(scope="session")
def out(bundle: sv.Bundle, run_export: ExportFn) -> Path:
    """The default export of the test pack (with GIFT)."""
    return run_export(bundle, gift=True)


@pytest.fixture(scope="session")
def backup(out: Path) -> dict[str, bytes]:
    """The entries of the exported .mbz."""
    return read_archive((out / "moodle-course-backup.mbz").read_bytes())
