"""Small lxml helpers for writing the XML Moodle reads.

Why not ``etree.tostring(xml_declaration=True)``: it writes ``version='1.0'`` with single
quotes, and Moodle only recognises a backup whose ``moodle_backup.xml`` starts with the
exact bytes of :data:`DECLARATION` (research brief, fact 2). The Feedback importer wants
yet another spelling (a space before ``?>``), so every writer states its declaration.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
"""What Moodle's backup detector, Moodle XML and IMS CC readers accept."""

FEEDBACK_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" ?>\n'
"""mod_feedback's import checks the declaration with ``encoding=\\"...\\".+\\?>``: it needs a
character between the closing quote and ``?>``, which is why Moodle's own export has a space."""

NULL = "$@NULL@$"
"""How a Moodle backup writes SQL NULL."""

Value = str | int | bool | None

_INVALID_XML_CHARS = dict.fromkeys(
    [c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)] + [0xFFFE, 0xFFFF]
)


def text_value(value: Value) -> str:
    """A field value as Moodle writes it: NULL marker, 0/1 for booleans, digits for ints."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return value.translate(_INVALID_XML_CHARS)


def decimal(value: float | Decimal, places: int) -> str:
    """A number with a fixed count of decimals (Moodle writes ``1.0000000`` for fractions)."""
    quantum = Decimal(1).scaleb(-places)
    return format(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP), "f")


def element(tag: str, attrs: dict[str, Value] | None = None) -> etree._Element:
    """A new root element."""
    node = etree.Element(tag)
    for key, value in (attrs or {}).items():
        node.set(key, text_value(value))
    return node


def sub(
    parent: etree._Element, tag: str, text: Value = "", attrs: dict[str, Value] | None = None
) -> etree._Element:
    """Append a child element with text (``None`` writes the NULL marker)."""
    node = etree.SubElement(parent, tag)
    for key, value in (attrs or {}).items():
        node.set(key, text_value(value))
    if text != "":
        node.text = text_value(text)
    return node


def fields(parent: etree._Element, pairs: Iterable[tuple[str, Value]]) -> None:
    """Append one text child per (name, value), in order."""
    for name, value in pairs:
        sub(parent, name, value)


def cdata(parent: etree._Element, tag: str, text: str, attrs: dict[str, Value] | None = None) -> etree._Element:
    """Append a child whose text is a CDATA section (Moodle XML and Feedback templates use them)."""
    node = etree.SubElement(parent, tag)
    for key, value in (attrs or {}).items():
        node.set(key, text_value(value))
    safe = text_value(text)
    # "]]>" cannot appear inside CDATA; such text is written escaped instead (same meaning).
    node.text = safe if "]]>" in safe else etree.CDATA(safe)
    return node


def to_bytes(root: etree._Element, declaration: bytes = DECLARATION) -> bytes:
    """Serialise with the given declaration, indented, UTF-8, newline at the end."""
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=True)
    return declaration + body
