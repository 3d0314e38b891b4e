"""secondvictim-moodle-export: secondvictim-core content as files a Moodle site restores or imports.

Install it next to ``secondvictim-core`` and run::

    secondvictim export moodle --out moodle-out

The exporter is registered through the ``secondvictim_core`` entry-point group
(``moodle = "secondvictim_moodle_export.plugin"``); :func:`check_backup` checks any
``.mbz`` the way Moodle's restore reads it.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._verify import check_backup, read_archive
from .plugin import MoodleExporter

try:
    __version__ = version("secondvictim-moodle-export")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["MoodleExporter", "__version__", "check_backup", "read_archive"]
