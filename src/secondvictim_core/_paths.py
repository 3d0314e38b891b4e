"""Where the built-in content pack and the schemas live, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    installed = _PACKAGE / "_data" / name  # inside a wheel
    if installed.is_dir():
        return installed
    return _PACKAGE.parent.parent / name  # an editable install or a checkout


def default_pack() -> Path:
    """The default en-GB content pack shipped with the library."""
    return _find("content")


def schemas_dir() -> Path:
    """The committed JSON Schemas (``schemas/v1/...``)."""
    return _find("schemas")
