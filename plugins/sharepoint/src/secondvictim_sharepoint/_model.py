"""What the sync writes: tool-owned lists, their columns, records, pages and content hashes.

Design (research §6.1): one tool-owned list ``SV Content`` holds every content item, keyed by
an indexed, unique ``SvExternalId`` (``<kind>:<id>``). ``SvSource`` marks ownership and
``SvContentHash`` is a hash of exactly the values the tool writes, computed from the validated
content, so "unchanged" needs no field-by-field download. One list (rather than one per kind)
is what makes the request floor reachable: one paged read covers all content.

Long-form content is published as modern site pages (SharePoint will not render uploaded
``.html`` files); the page API has no metadata slot, so ``SV Sync Manifest`` tracks each page's
external id, page id and rendered-content hash.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CONTENT_LIST = "SV Content"
MANIFEST_LIST = "SV Sync Manifest"
MARKER = "Managed by secondvictim-sharepoint"
"""Appears in tool-owned list descriptions and page descriptions (the ownership guard)."""
HASH_VERSION = "v1"
ACTIVE = "Active"
RETIRED = "Retired"
MULTILINE_MAX = 63_999
"""SharePoint's limit for multi-line text columns."""

EXTERNAL_ID = re.compile(r"^[a-z][a-z0-9_-]*:[A-Za-z0-9][A-Za-z0-9._-]*$")
"""The namespace of external ids this tool writes (``kind:id``); others are never touched."""

_STATUS_COLUMN = {
    "name": "SvStatus",
    "displayName": "Status",
    "choice": {"choices": [ACTIVE, RETIRED], "displayAs": "dropDownMenu", "allowTextEntry": False},
}

CONTENT_COLUMNS: tuple[dict[str, Any], ...] = (
    {
        "name": "SvExternalId",
        "displayName": "External id",
        "text": {"maxLength": 255},
        "indexed": True,
        "enforceUniqueValues": True,
        "required": True,
    },
    {"name": "SvSource", "displayName": "Managed by", "text": {"maxLength": 64}, "indexed": True},
    {"name": "SvKind", "displayName": "Kind", "text": {"maxLength": 64}, "indexed": True},
    _STATUS_COLUMN,
    {"name": "SvContentHash", "displayName": "Content hash", "text": {"maxLength": 100}},
    {
        "name": "SvSummary",
        "displayName": "Summary",
        "text": {"allowMultipleLines": True, "textType": "plain", "linesForEditing": 4},
    },
    {
        "name": "SvData",
        "displayName": "Content (JSON)",
        "text": {"allowMultipleLines": True, "textType": "plain", "linesForEditing": 6},
    },
    {"name": "SvOrder", "displayName": "Order", "number": {"decimalPlaces": "none"}},
)
"""Columns of ``SV Content``, created with the list in one request (``provision``)."""

MANIFEST_COLUMNS: tuple[dict[str, Any], ...] = (
    {
        "name": "SvExternalId",
        "displayName": "External id",
        "text": {"maxLength": 255},
        "indexed": True,
        "enforceUniqueValues": True,
        "required": True,
    },
    {"name": "SvSource", "displayName": "Managed by", "text": {"maxLength": 64}, "indexed": True},
    _STATUS_COLUMN,
    {"name": "SvContentHash", "displayName": "Content hash", "text": {"maxLength": 100}},
    {"name": "SvPageId", "displayName": "Page id", "text": {"maxLength": 64}},
    {"name": "SvPageName", "displayName": "Page file", "text": {"maxLength": 255}},
)
"""Columns of ``SV Sync Manifest``."""

HASHED_FIELDS = ("Title", "SvKind", "SvStatus", "SvSummary", "SvData", "SvOrder")
"""The owned value columns the content hash covers (drift detection re-hashes these)."""
READ_FIELDS = ("Title", "SvExternalId", "SvSource", "SvContentHash", *HASHED_FIELDS[1:])
"""Columns read in the one paged GET of remote state."""
MANIFEST_FIELDS = ("Title", "SvExternalId", "SvSource", "SvStatus", "SvContentHash", "SvPageId", "SvPageName")


def list_description(what: str) -> str:
    """Description of a tool-owned list; carries the ownership marker the sync checks."""
    return f"{what}. {MARKER}: edits here are reported, and may be replaced on the next sync."


def norm_text(value: str) -> str:
    """Normalise text the way both sides are hashed: NFC, ``\\n`` newlines, no outer blanks."""
    return unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _norm(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return norm_text(value)
    return value


def content_hash(values: Mapping[str, Any], keys: tuple[str, ...] = HASHED_FIELDS) -> str:
    """``v1:sha256:<hex>`` of a canonical JSON of the given columns.

    Numbers come back from SharePoint as floats and text may gain ``\\r\\n``; both are
    normalised, so a hash computed from remote values equals the one computed locally unless
    someone changed a value.
    """
    canonical = json.dumps(
        {k: _norm(values.get(k)) for k in keys},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return f"{HASH_VERSION}:sha256:{hashlib.sha256(canonical.encode()).hexdigest()}"


def _title(text: str) -> str:
    text = norm_text(text).replace("\n", " ")
    return text if len(text) <= 255 else text[:254] + "…"


@dataclass(frozen=True)
class Record:
    """One content item as a row of ``SV Content`` (plain data; no core types)."""

    external_id: str
    kind: str
    title: str
    summary: str
    data: str
    """Canonical JSON of the item (everything the tool knows about it)."""
    order: int = 0

    @classmethod
    def build(
        cls, kind: str, item_id: str, title: str, summary: str, data: Mapping[str, Any], order: int = 0
    ) -> Record:
        """Make a record from an item's parts; ``data`` is serialised canonically."""
        return cls(
            external_id=f"{kind}:{item_id}",
            kind=kind,
            title=_title(title),
            summary=norm_text(summary),
            data=json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
            order=int(order),
        )

    def values(self, status: str = ACTIVE) -> dict[str, Any]:
        """The hashed value columns."""
        return {
            "Title": self.title,
            "SvKind": self.kind,
            "SvStatus": status,
            "SvSummary": self.summary,
            "SvData": self.data,
            "SvOrder": self.order,
        }

    def fields(self, owner: str) -> dict[str, Any]:
        """Everything written on create or update, the hash included."""
        values = self.values()
        return values | {
            "SvExternalId": self.external_id,
            "SvSource": owner,
            "SvContentHash": content_hash(values),
        }

    @property
    def hash(self) -> str:
        """Content hash of the active record."""
        return content_hash(self.values())

    def problem(self) -> str | None:
        """Why this record cannot be written, if it cannot."""
        if not EXTERNAL_ID.match(self.external_id):
            return f"external id {self.external_id!r} is outside the tool's namespace"
        if len(self.data) > MULTILINE_MAX:
            return f"content is {len(self.data)} characters; SharePoint allows {MULTILINE_MAX}"
        return None


@dataclass(frozen=True)
class PageSpec:
    """One modern site page to publish."""

    external_id: str
    name: str
    """Deterministic file name (``sv-<kind>-<slug>.aspx``): the page's identity."""
    title: str
    summary: str
    html: str

    @property
    def hash(self) -> str:
        """Hash of everything that is written to the page."""
        return content_hash(
            {"name": self.name, "title": self.title, "summary": self.summary, "html": self.html},
            ("name", "title", "summary", "html"),
        )

    def description(self) -> str:
        """The page description: the summary plus the ownership marker and reference."""
        return f"{self.summary} ({MARKER}; ref sv:{self.external_id})"


def page_marker(external_id: str) -> str:
    """The text a page description carries when the tool made it."""
    return f"ref sv:{external_id})"


def slug(text: str) -> str:
    """A file-name-safe slug (lowercase ASCII letters, digits and hyphens)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "untitled"
