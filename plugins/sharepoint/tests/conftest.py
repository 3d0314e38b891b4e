"""Fixtures for the SharePoint plugin tests (helpers live in ``sp_support``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # for ``sp_support`` (the root has a conftest too)

from secondvictim_sharepoint.emulator import Config, Emulator
from sp_support import PAGE


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """A Graph emulator on 127.0.0.1 with a small page cap and fixed test secrets."""
    with Emulator(config=Config(page_size=PAGE), secret_seed="tests") as e:
        yield e
