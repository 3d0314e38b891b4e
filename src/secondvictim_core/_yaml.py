"""Safe YAML parsing for untrusted content files, keeping the way back to file:line:column.

Why compose and construct ourselves: PyYAML's safe loader accepts aliases (the
"billion laughs" bomb), merge keys and duplicate keys, and forgets where values
came from. We compose the node tree once with the C loader, build plain Python
values from it while rejecting those constructs, and use the same nodes to locate
any later problem, so there is no second parse on the happy path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.constructor import SafeConstructor

from ._report import Problem

try:  # The C loader is much faster; fall back to pure Python where libyaml is missing.
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

MAX_FILE_BYTES = 2 * 1024 * 1024
"""Largest content file accepted. Real files are a few kB; this stops accidents and attacks."""
MAX_DEPTH = 40
"""Deepest nesting accepted. The models nest at most six levels."""

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

_constructor = SafeConstructor()
_PLAIN = "tag:secondvictim:plain"
_DEFAULT_TAGS: dict[type, str] = {yaml.SequenceNode: _SEQ, yaml.MappingNode: _MAP}
_reference_resolver = yaml.resolver.Resolver()
_PLAIN_TAGS: dict[str, str] = {}


class _Loader(_BaseLoader):
    """The C loader with tag resolution moved out of the composer's hot path.

    PyYAML calls back into Python for every node to resolve implicit tags with a
    list of regular expressions. We mark plain scalars instead and resolve them in
    :func:`_scalar`, remembering the answer for short values (enum names, dates and
    booleans repeat thousands of times in a large pack). Explicit tags are untouched.
    """

    def resolve(self, kind: type, value: object, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return _DEFAULT_TAGS[kind]

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        """Path resolvers are not used; skip their bookkeeping."""

    def ascend_resolver(self) -> None:
        """Path resolvers are not used; skip their bookkeeping."""


def _plain_tag(value: str) -> str:
    tag = _PLAIN_TAGS.get(value)
    if tag is None:
        tag = str(_reference_resolver.resolve(yaml.ScalarNode, value, (True, False)))  # type: ignore[no-untyped-call]
        if len(value) <= 40 and len(_PLAIN_TAGS) < 100_000:
            _PLAIN_TAGS[value] = tag
    return tag


Loc = tuple[str | int, ...]


class YamlProblem(Exception):
    """Raised inside the walk; turned into a located :class:`Problem` by :func:`parse`."""

    def __init__(self, code: str, message: str, node: yaml.Node | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.node = node


@dataclass
class ParsedFile:
    """A parsed content file: its Python value and the node tree to locate things in it."""

    path: Path
    display: str
    data: object
    root: yaml.Node | None

    def locate(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """1-based (line, column) of ``loc`` inside this file.

        For a path that does not exist (a missing key), the nearest existing parent
        is used. With ``key=True`` the position of the mapping key is returned
        (useful for "unknown field" problems).
        """
        if self.root is None:
            return (1, 1)
        node, key_node = _walk_to(self.root, loc)
        mark = (key_node if key and key_node is not None else node).start_mark
        return (mark.line + 1, mark.column + 1)


def _walk_to(root: yaml.Node, loc: Loc) -> tuple[yaml.Node, yaml.Node | None]:
    node = root
    key_node: yaml.Node | None = None
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == part:
                    node, key_node = v, k
                    break
            else:
                return node, None
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                node, key_node = node.value[part], None
            else:
                return node, None
        else:
            return node, None
    return node, key_node


def _problem(display: str, code: str, message: str, line: int = 1, column: int = 1) -> Problem:
    return Problem(file=display, line=line, column=column, code=code, message=message)


def read_text(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """Read a UTF-8 text file within the size limit, or explain why not."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            msg = f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} (split it into smaller files)"
            return None, [_problem(display, "SV103", msg)]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [_problem(display, "SV100", f"cannot read the file: {exc.strerror or exc}")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        msg = f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8"
        return None, [_problem(display, "SV102", msg, line, column)]


def parse(path: Path, display: str) -> tuple[ParsedFile | None, list[Problem]]:
    """Parse one YAML file safely. Returns the parsed file, or None and the problems."""
    text, problems = read_text(path, display)
    if text is None:
        return None, problems
    return parse_text(text, path, display)


def parse_text(text: str, path: Path, display: str) -> tuple[ParsedFile | None, list[Problem]]:
    """Parse YAML text (already decoded) safely."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        detail = exc.problem or "invalid YAML"
        if exc.context:
            detail = f"{detail} ({exc.context})"
        return None, [_problem(display, "SV101", f"YAML syntax error: {detail}", line, column)]
    except yaml.YAMLError as exc:
        return None, [_problem(display, "SV101", f"YAML error: {exc}")]
    except RecursionError:
        return None, [_problem(display, "SV108", f"nesting is deeper than {MAX_DEPTH} levels")]
    if root is None:
        return ParsedFile(path, display, None, None), []
    try:
        data = _build(root, set(), 0)
    except YamlProblem as exc:
        mark = exc.node.start_mark if exc.node is not None else None
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [_problem(display, exc.code, exc.message, line, column)]
    return ParsedFile(path, display, data, root), []


def _build(node: yaml.Node, seen: set[int], depth: int) -> object:
    if depth > MAX_DEPTH:
        msg = f"nesting is deeper than {MAX_DEPTH} levels"
        raise YamlProblem("SV108", msg, node)
    if id(node) in seen:
        # The composer hands back the very same node object for every alias.
        msg = "anchors and aliases (&name / *name) are not allowed in content files"
        raise YamlProblem("SV104", msg, node)
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ:
            raise YamlProblem("SV107", f"the tag {node.tag!r} is not allowed", node)
        return [_build(child, seen, depth + 1) for child in node.value]
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP:
            raise YamlProblem("SV107", f"the tag {node.tag!r} is not allowed", node)
        result: dict[str, object] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE or (key_node.tag == _PLAIN and key_node.value == "<<"):
                msg = "merge keys ('<<') are not allowed in content files; write the fields out"
                raise YamlProblem("SV105", msg, key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem("SV108", "mapping keys must be plain text", key_node)
            if id(key_node) in seen:
                msg = "anchors and aliases (&name / *name) are not allowed in content files"
                raise YamlProblem("SV104", msg, key_node)
            seen.add(id(key_node))
            key = str(key_node.value)
            if key in result:
                msg = f"the key {key!r} appears twice in the same mapping"
                raise YamlProblem("SV106", msg, key_node)
            result[key] = _build(value_node, seen, depth + 1)
        return result
    raise YamlProblem("SV108", "unsupported YAML node", node)  # pragma: no cover


def _scalar(node: yaml.ScalarNode) -> object:
    tag = node.tag
    if tag == _PLAIN:
        tag = node.tag = _plain_tag(node.value)
    if tag in (_STR, _TIMESTAMP):
        # Dates stay text: the models parse them, and JSON Schema sees the same value.
        return node.value
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return _constructor.construct_yaml_bool(node)
    if tag == _INT:
        return _constructor.construct_yaml_int(node)
    if tag == _FLOAT:
        value = _constructor.construct_yaml_float(node)
        if value != value or value in (float("inf"), float("-inf")):
            raise YamlProblem("SV108", "NaN and infinity are not allowed", node)
        return value
    raise YamlProblem("SV107", f"the tag {tag!r} is not allowed in content files", node)


def iter_yaml_files(root: Path, skip: frozenset[str]) -> Iterator[Path]:
    """Every ``*.yaml``/``*.yml`` file below ``root`` in a stable order, skipping manifests."""
    found = [
        p
        for pattern in ("*.yaml", "*.yml")
        for p in root.rglob(pattern)
        if p.is_file() and p.name not in skip and not any(
            part.startswith(".") for part in p.relative_to(root).parts
        )
    ]
    yield from sorted(found, key=lambda p: p.relative_to(root).as_posix())
