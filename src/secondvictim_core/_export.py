"""Run an exporter so that the destination ends up complete or untouched.

Why a temporary sibling folder: a half-written site or course on a shared drive is
worse than none. We write next to the destination (same filesystem, so the final
rename is atomic), and only then swap it into place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .exceptions import ExportError
from .hookspecs import ExportResult

if TYPE_CHECKING:
    import pluggy

    from ._bundle import Bundle


def export(
    bundle: Bundle,
    to: str,
    destination: str | PathLike[str],
    options: Mapping[str, Any] | None = None,
    *,
    plugins: pluggy.PluginManager | None = None,
    replace: bool = True,
) -> ExportResult:
    """Export ``bundle`` with the exporter named ``to`` into ``destination``.

    The exporter writes into an empty temporary folder beside ``destination``; when it
    finishes, the folder replaces ``destination`` (the previous copy is removed only
    after the new one is in place). On any failure the temporary folder is removed
    and ``destination`` is left as it was.

    Raises:
        UnknownExporterError: no exporter has that name.
        ExportError: the exporter failed, or ``destination`` exists and ``replace`` is False.
    """
    from ._plugins import get_exporter

    exporter = get_exporter(to, plugins)
    dest = Path(destination).absolute()
    if dest.exists() and not dest.is_dir():
        msg = f"{dest} exists and is not a folder"
        raise ExportError(msg)
    if dest.exists() and not replace:
        msg = f"{dest} already exists (pass replace=True to overwrite it)"
        raise ExportError(msg)
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    try:
        result = exporter.export(bundle, work, dict(options or {}))
        files = tuple(sorted(p.relative_to(work) for p in work.rglob("*") if p.is_file()))
        _swap_into_place(work, dest)
    except BaseException as exc:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, ExportError | KeyboardInterrupt):
            raise
        msg = f"the {to!r} exporter failed: {type(exc).__name__}: {exc}"
        raise ExportError(msg) from exc
    return ExportResult(exporter=result.exporter, files=files, notes=result.notes)


def _swap_into_place(work: Path, dest: Path) -> None:
    """Replace ``dest`` with ``work``: rename the old one aside, rename the new one in, clean up."""
    os.chmod(work, 0o755)  # mkdtemp makes the folder private; exports are meant to be shared
    if not dest.exists():
        work.rename(dest)
        return
    old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
    dest.rename(old)
    try:
        work.rename(dest)
    except BaseException:
        old.rename(dest)
        raise
    shutil.rmtree(old, ignore_errors=True)
