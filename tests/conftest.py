"""Shared fixtures: paths to the small test packs and an isolated plugin manager."""

from __future__ import annotations

from pathlib import Path

import pytest

from secondvictim_core import get_plugin_manager

HERE = Path(__file__).parent
PACKS = HERE / "packs"


@pytest.fixture
def valid_pack() -> Path:
    return PACKS / "valid"


@pytest.fixture
def pm():  # type: ignore[no-untyped-def]
    """Built-in plugins only: installed entry points never leak into a test."""
    return get_plugin_manager(load_entrypoints=False)
