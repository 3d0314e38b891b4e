"""The exceptions the library raises: one small hierarchy, each also a fitting builtin."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._report import Problem, Report


class SecondVictimError(Exception):
    """Base class for every error this library raises on purpose."""


class ContentError(SecondVictimError, ValueError):
    """Content did not load or validate. Carries every problem found, not just the first."""

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(report.summary())

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every problem found (errors and warnings)."""
        return self.report.problems


class PluginError(SecondVictimError):
    """A plugin broke the contract, e.g. two plugins claim the same exporter name."""


class UnknownExporterError(SecondVictimError, LookupError):
    """No installed exporter has the requested name; the message lists those that do."""


class ExportError(SecondVictimError):
    """An exporter failed; nothing was left half-written at the destination."""
