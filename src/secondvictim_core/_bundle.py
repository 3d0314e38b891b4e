"""The Bundle: validated content, indexed for the queries exporters and engines need.

Why a class of its own and not a dict: exporters receive one object that answers
"signposts for nurses in Wales, crisis first" the same way everywhere, and it is
read-only so plugins cannot change what others see.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

from ._origin import Locator, Origin
from ._report import Report
from ._yaml import Loc
from .models import (
    KIND_MODELS,
    SCHEMA_VERSION,
    Audience,
    ContentItem,
    ItemBase,
    Jurisdiction,
    Manifest,
    Settings,
    Signpost,
    SupportLadder,
    SupportLevel,
    WarningSign,
)

if TYPE_CHECKING:
    from .engines.signs import SignsCheckResult

T = TypeVar("T", bound=ItemBase)
_KIND_ORDER = {kind: i for i, kind in enumerate(KIND_MODELS)}


def _sort_key(item: ItemBase) -> tuple[int, int, str]:
    return (_KIND_ORDER[getattr(item, "kind", "")], item.order, item.id)


class Bundle:
    """An immutable, validated set of content items with the settings that shaped it."""

    __slots__ = (
        "_asset_dirs",
        "_by_id",
        "_by_kind",
        "_hidden",
        "_locator",
        "_origins",
        "_unloadable",
        "items",
        "manifest",
        "report",
        "settings",
    )

    manifest: Manifest
    settings: Settings
    items: tuple[ContentItem, ...]
    report: Report
    _by_id: dict[str, ContentItem]
    _by_kind: dict[str, tuple[ContentItem, ...]]
    _hidden: frozenset[str]
    _unloadable: frozenset[str]
    _origins: dict[str, Origin]
    _locator: Locator
    _asset_dirs: tuple[Path, ...]

    def __init__(
        self,
        manifest: Manifest,
        settings: Settings,
        items: Iterable[ContentItem],
        *,
        origins: dict[str, Origin] | None = None,
        locator: Locator | None = None,
        report: Report | None = None,
        unloadable: Iterable[str] = (),
        asset_dirs: Iterable[Path] = (),
    ) -> None:
        hidden = frozenset(settings.hidden)
        visible = sorted((i for i in items if i.id not in hidden), key=_sort_key)
        object.__setattr__(self, "manifest", manifest)
        object.__setattr__(self, "settings", settings)
        object.__setattr__(self, "items", tuple(visible))
        object.__setattr__(self, "report", report or Report())
        object.__setattr__(self, "_hidden", hidden)
        object.__setattr__(self, "_unloadable", frozenset(unloadable))
        object.__setattr__(self, "_asset_dirs", tuple(asset_dirs))
        object.__setattr__(self, "_origins", origins or {})
        object.__setattr__(self, "_locator", locator or Locator())
        object.__setattr__(self, "_by_id", {i.id: i for i in visible})
        by_kind: dict[str, list[ContentItem]] = {}
        for item in visible:
            by_kind.setdefault(item.kind, []).append(item)
        object.__setattr__(self, "_by_kind", {k: tuple(v) for k, v in by_kind.items()})

    def __setattr__(self, name: str, value: object) -> None:
        msg = "a Bundle is read-only; build a new one with an overlay instead"
        raise AttributeError(msg)

    def with_report(self, report: Report) -> Bundle:
        """The same bundle carrying the report (warnings) from loading."""
        return Bundle(
            self.manifest,
            self.settings,
            self.items,
            origins=self._origins,
            locator=self._locator,
            report=report,
            unloadable=self._unloadable,
            asset_dirs=self._asset_dirs,
        )

    # -- basic access ----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[ContentItem]:
        return iter(self.items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_id

    def __repr__(self) -> str:
        return f"<Bundle {self.manifest.id} {self.settings.locale} items={len(self.items)}>"

    def get(self, item_id: str) -> ContentItem:
        """The visible item with this id.

        Raises:
            KeyError: with a hint when the id is hidden by an overlay or unknown.
        """
        try:
            return self._by_id[item_id]
        except KeyError:
            why = "is hidden by an overlay" if item_id in self._hidden else "does not exist"
            msg = f"item {item_id!r} {why}"
            raise KeyError(msg) from None

    def is_hidden(self, item_id: str) -> bool:
        """True when an overlay hid this id."""
        return item_id in self._hidden

    def is_known(self, item_id: str) -> bool:
        """True for a visible id, a hidden one, or one whose item failed validation.

        Checks use it so that a reference to a broken item is not reported twice.
        """
        return item_id in self._by_id or item_id in self._hidden or item_id in self._unloadable

    @overload
    def of_kind(self, kind: type[T]) -> tuple[T, ...]: ...
    @overload
    def of_kind(self, kind: str) -> tuple[ContentItem, ...]: ...
    def of_kind(self, kind: str | type[ItemBase]) -> tuple[Any, ...]:
        """All visible items of one kind, in display order."""
        name = kind if isinstance(kind, str) else str(kind.model_fields["kind"].default)
        if name not in KIND_MODELS:
            msg = f"unknown kind {name!r}; kinds are: {', '.join(KIND_MODELS)}"
            raise KeyError(msg)
        found: tuple[Any, ...] = self._by_kind.get(name, ())
        return found

    def resolve(self, ids: Iterable[str]) -> tuple[ContentItem, ...]:
        """The visible items for these ids, in the given order; hidden ids are skipped."""
        return tuple(self._by_id[i] for i in ids if i in self._by_id)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds present, in display order."""
        return tuple(k for k in KIND_MODELS if k in self._by_kind)

    @property
    def display_term(self) -> str:
        """The organisation's words for 'second victim'."""
        return self.settings.display_term

    @property
    def nation(self) -> Jurisdiction | None:
        """The organisation's nation, when an overlay sets it."""
        org = self.settings.organisation
        return org.jurisdiction if org else None

    # -- queries --------------------------------------------------------------------
    def query(
        self,
        *,
        kind: str | None = None,
        audience: Audience | str | None = None,
        jurisdiction: Jurisdiction | str | None = None,
        tag: str | None = None,
    ) -> tuple[ContentItem, ...]:
        """Items matching every filter given. ``jurisdiction`` matches UK-wide items too."""
        items: Sequence[ContentItem] = self.of_kind(kind) if kind else self.items
        aud = Audience(audience) if audience else None
        nation = Jurisdiction(jurisdiction) if jurisdiction else None
        return tuple(
            i
            for i in items
            if (aud is None or aud in i.audiences)
            and (nation is None or any(j.covers(nation) for j in i.jurisdictions))
            and (tag is None or tag in i.tags)
        )

    def signposts(
        self,
        audience: Audience | str | None = None,
        nation: Jurisdiction | str | None = None,
    ) -> tuple[Signpost, ...]:
        """Signposts for an audience and nation: crisis services first (emergency first of all)."""
        found = self.query(kind="signpost", audience=audience, jurisdiction=nation)
        posts = [i for i in found if isinstance(i, Signpost)]
        return tuple(sorted(posts, key=lambda s: (not s.emergency, not s.crisis, s.order, s.title)))

    def crisis_signposts(self, nation: Jurisdiction | str | None = None) -> tuple[Signpost, ...]:
        """Crisis and emergency services for a nation (default: the organisation's)."""
        where = nation or self.nation
        return tuple(s for s in self.signposts(nation=where) if s.crisis or s.emergency)

    def ladder(self, ladder_id: str | None = None) -> tuple[SupportLadder, tuple[SupportLevel, ...]]:
        """A support ladder and its levels by rank.

        Without an id: the organisation's chosen ladder, else the pack's default one.
        """
        ladders = self.of_kind(SupportLadder)
        if ladder_id is None:
            org = self.settings.organisation
            ladder_id = org.support_ladder if org and org.support_ladder else None
        if ladder_id is None:
            defaults = [lad for lad in ladders if lad.default] or list(ladders)
            if not defaults:
                msg = "the bundle has no support ladder"
                raise KeyError(msg)
            ladder = defaults[0]
        else:
            item = self.get(ladder_id)
            if not isinstance(item, SupportLadder):
                msg = f"{ladder_id!r} is a {item.kind}, not a support_ladder"
                raise KeyError(msg)
            ladder = item
        levels = sorted(
            (lv for lv in self.of_kind(SupportLevel) if lv.ladder == ladder.id),
            key=lambda lv: lv.rank,
        )
        return ladder, tuple(levels)

    def warning_signs(self, level: str | None = None) -> tuple[WarningSign, ...]:
        """Warning signs, or those that call for one support level.

        A sign belongs to a level when the level lists it in ``signs`` or, for signs the
        level's ladder does not list at all, when the sign's own ``support_level`` is it.
        """
        signs = self.of_kind(WarningSign)
        if level is None:
            return signs
        chosen = self.get(level)
        if not isinstance(chosen, SupportLevel):
            msg = f"{level!r} is a {chosen.kind}, not a support_level"
            raise KeyError(msg)
        on_ladder = {s for lv in self.of_kind(SupportLevel) if lv.ladder == chosen.ladder for s in lv.signs}
        return tuple(
            s for s in signs
            if s.id in chosen.signs or (s.id not in on_ladder and s.support_level == chosen.id)
        )

    def signs_check(
        self, selected: Iterable[str], ladder: str | None = None
    ) -> SignsCheckResult:
        """Recommend a support level for the selected warning signs (see engines.signs)."""
        from .engines.signs import signs_check

        return signs_check(self, list(selected), ladder=ladder)

    def asset(self, name: str) -> Path | None:
        """A file an overlay names (e.g. the organisation's logo), found in the overlay folders.

        Later overlays win; a name that points outside its overlay folder is never used.
        """
        for folder in reversed(self._asset_dirs):
            candidate = (folder / name).resolve()
            if candidate.is_relative_to(folder.resolve()) and candidate.is_file():
                return candidate
        return None

    # -- locations ------------------------------------------------------------------
    def locate(self, item_id: str, *loc: str | int, key: bool = False) -> tuple[str, int, int]:
        """(file, line, column) where a field of an item is written; ('', 0, 0) if unknown."""
        origin = self._origins.get(item_id)
        if origin is None:
            return ("", 0, 0)
        path: Loc = tuple(loc)
        return self._locator.locate(origin, path, key=key)

    # -- serialisation ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready document valid against ``schemas/v1/bundle.schema.json``."""
        return {
            "schema_version": SCHEMA_VERSION,
            "pack": self.manifest.model_dump(mode="json", exclude_none=True),
            "settings": self.settings.model_dump(mode="json", exclude_none=True),
            "items": [i.model_dump(mode="json", exclude_none=True) for i in self.items],
        }

    def to_json(self) -> str:
        """Stable JSON: sorted keys, two-space indent, UTF-8 text, newline at the end."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def locate_in_text(bundle: Bundle, item_id: str, field: str, text_line: int) -> tuple[str, int, int]:
    """Where line ``text_line`` (0-based) of a Markdown field is: in a sidecar or a YAML block."""
    file, line, column = bundle.locate(item_id, field)
    if not line:
        return (file, line, column)
    if file.endswith(".md"):
        return (file, 1 + text_line, 1)
    # A YAML block scalar ('body: |') starts its text on the next line.
    return (file, line + 1 + text_line, 1)
