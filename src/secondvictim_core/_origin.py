"""Where each item came from, so that later checks can point at file:line:column."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ._yaml import Loc, ParsedFile, parse


@dataclass(frozen=True)
class Origin:
    """The file and the path inside it where an item (or an override of it) is written."""

    file: str
    """Display path of the file."""
    path: Path
    """Real path, to re-open the file when a later check needs a precise line."""
    prefix: Loc = ()
    """Path of the item inside the file (e.g. ``(3,)`` for the fourth item of a list)."""
    line: int = 1
    """Line where the item starts."""
    column: int = 1
    """Column where the item starts."""
    overrides: dict[str, Origin] = field(default_factory=dict, compare=False, hash=False)
    """For fields written elsewhere (an overlay's replacement, a sidecar body file)."""
    text: bool = False
    """True when the file is plain text (a sidecar Markdown body), not YAML."""


class Locator:
    """Turns (item origin, path inside the item) into file:line:column.

    Files are parsed again only when a check actually needs a precise location,
    which keeps memory flat on large, clean packs.
    """

    def __init__(self) -> None:
        self._cache: dict[Path, ParsedFile | None] = {}

    def remember(self, parsed: ParsedFile) -> None:
        """Keep a parsed file's nodes (used for small packs and in tests)."""
        self._cache[parsed.path] = parsed

    def locate(self, origin: Origin, loc: Loc, *, key: bool = False) -> tuple[str, int, int]:
        """(file, line, column) of ``loc`` inside the item at ``origin``."""
        if loc and isinstance(loc[0], str) and loc[0] in origin.overrides:
            origin = origin.overrides[loc[0]]
            loc = loc[1:]
        if origin.text:
            return (origin.file, 1, 1)
        if origin.path not in self._cache:
            parsed, _ = parse(origin.path, origin.file)
            self._cache[origin.path] = parsed
        parsed = self._cache[origin.path]
        if parsed is None:
            return (origin.file, origin.line, origin.column)
        line, column = parsed.locate((*origin.prefix, *loc), key=key)
        return (origin.file, line, column)
