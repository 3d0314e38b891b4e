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


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    """Print the reading-level report of the default pack when the content tests ran."""
    levels = getattr(config, "sv_reading_levels", None)
    if not levels:
        return
    terminalreporter.section("reading level (SMOG) of the default pack")
    by_kind: dict[str, list[float]] = {}
    for level in levels:
        by_kind.setdefault(level.kind, []).append(level.grade)
    terminalreporter.write_line(f"{'kind':<22}{'items':>6}{'min':>7}{'max':>7}{'mean':>7}")
    for kind, grades in sorted(by_kind.items()):
        terminalreporter.write_line(
            f"{kind:<22}{len(grades):>6}{min(grades):>7.1f}{max(grades):>7.1f}{sum(grades) / len(grades):>7.1f}"
        )
    staff = [lv.grade for lv in levels if lv.limit <= 11]
    terminalreporter.write_line(f"staff-facing items: {len(staff)}, highest SMOG {max(staff):.1f} (limit 11); "
                                f"all items highest {max(lv.grade for lv in levels):.1f} (limit 14)")
    for level in sorted(levels, key=lambda lv: -lv.grade)[:5]:
        terminalreporter.write_line(f"  hardest: {level.id} ({level.kind}) {level.grade}")
