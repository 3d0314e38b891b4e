"""Hook specifications: the contract between secondvictim_core and its plugins.

Plugins are found through the ``secondvictim_core`` entry-point group; the core's own
features (the ``json`` and ``html`` exporters, the content checks, the CLI commands)
are plugins registered the same way.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import pluggy

if TYPE_CHECKING:
    from ._bundle import Bundle
    from ._report import Problem

hookspec = pluggy.HookspecMarker("secondvictim_core")
hookimpl = pluggy.HookimplMarker("secondvictim_core")


@dataclass(frozen=True)
class ExportOption:
    """An option an exporter accepts, shown in ``secondvictim export FORMAT --help``."""

    name: str
    """Option name without dashes, e.g. ``course-shortname``."""
    help: str
    """One line of help."""
    default: str | None = None
    """Default value (all options are text; the exporter parses them)."""
    flag: bool = False
    """True for an on/off switch taking no value."""


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    exporter: str
    """Name of the exporter."""
    files: tuple[Path, ...] = ()
    """Files written, relative to the destination, sorted."""
    notes: tuple[str, ...] = field(default=())
    """Anything the user should know (e.g. items skipped and why)."""


@runtime_checkable
class Exporter(Protocol):
    """Turns a bundle into files for one target system.

    ``export`` writes into ``destination``, an empty temporary folder that the core
    moves into place only when the export completes.
    """

    name: str
    description: str
    options: tuple[ExportOption, ...]

    def export(
        self, bundle: Bundle, destination: Path, options: Mapping[str, Any]
    ) -> ExportResult: ...


@runtime_checkable
class Command(Protocol):
    """A CLI command. A multi-word ``name`` ("sync sharepoint") nests under its first word."""

    name: str
    help: str

    def configure(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


@hookspec
def register_exporters() -> Iterable[Exporter]:  # type: ignore[empty-body]
    """Return the exporters this plugin provides.

    Called when the plugin manager first lists exporters. Names must be unique
    across plugins; a clash raises PluginError naming both plugins.
    """


@hookspec
def check_bundle(bundle: Bundle, today: Any) -> Iterable[Problem]:  # type: ignore[empty-body]
    """Return problems the models cannot express (integrity, lints, local rules).

    Called after every item has validated against its model. ``today`` is the
    ``datetime.date`` that review and verification dates are judged against.
    Return an empty iterable when there is nothing to report.
    """


@hookspec
def register_commands() -> Iterable[Command]:  # type: ignore[empty-body]
    """Return CLI commands this plugin adds (e.g. ``sync sharepoint``).

    Called once when the CLI starts. The core adds ``--pack``, ``--overlay`` and
    ``--locale`` to every command; a name clash raises PluginError.
    """
