"""Problems and reports: every content issue as data, rendered like a compiler's output.

Why data and not exceptions: we collect every problem in a pack and report them
together, so an author fixes them all in one pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in the content, located as precisely as we can."""

    file: str
    """Path of the file, relative to the pack or overlay root's parent when possible."""
    line: int
    """1-based line (0 when the problem is not tied to a place in a file)."""
    column: int
    """1-based column (0 when unknown)."""
    code: str
    """Stable code such as ``SV101``; see docs/problem-codes.md."""
    message: str
    """What is wrong, what was expected and what was found, in plain words."""
    severity: Severity = "error"
    """``error`` fails validation; ``warning`` only with ``--strict``."""
    loc: tuple[str | int, ...] = field(default=(), compare=False)
    """Path inside the document (e.g. ``('channels', 0, 'value')``)."""

    def render(self) -> str:
        """``file:line:col: CODE severity: message``, as compilers print."""
        where = self.file or "<bundle>"
        if self.line:
            where += f":{self.line}:{self.column or 1}"
        return f"{where}: {self.code} {self.severity}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "loc": list(self.loc),
        }


@dataclass(frozen=True)
class Report:
    """All problems found while loading and checking content."""

    problems: tuple[Problem, ...] = ()

    @classmethod
    def of(cls, problems: Iterable[Problem]) -> Report:
        """A report with problems sorted by file, line, column and code (stable output)."""
        return cls(tuple(sorted(set(problems))))

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Problems with severity ``error``."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Problems with severity ``warning``."""
        return tuple(p for p in self.problems if p.severity == "warning")

    def ok(self, *, strict: bool = False) -> bool:
        """True when there are no errors (and, with ``strict``, no warnings)."""
        return not (self.problems if strict else self.errors)

    @property
    def valid(self) -> bool:
        """True when there are no errors."""
        return self.ok()

    def flatten(self, *fields: str) -> list[tuple[object, ...]]:
        """Tuples of the named fields, for compact assertions in tests."""
        return [tuple(getattr(p, f) for f in fields) for p in self.problems]

    def summary(self) -> str:
        """One line: how many errors and warnings."""
        return f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"

    def render(self) -> str:
        """Every problem on its own line, then the summary."""
        lines = [p.render() for p in self.problems]
        lines.append(self.summary())
        return "\n".join(lines)

    def to_json(self) -> str:
        """A stable JSON document for machines."""
        doc = {
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.as_dict() for p in self.problems],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False)

    def __add__(self, other: Report) -> Report:
        return Report.of((*self.problems, *other.problems))
