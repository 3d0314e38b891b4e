"""Pack + overlays + locale -> a validated Bundle. Every failure becomes a located Problem.

The flow is one-way (see docs/architecture): read files, merge overlays, validate
each item against the models, then run the checks. Nothing here knows about exporters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from ._gc import paused_gc
from ._origin import Locator, Origin
from ._paths import default_pack
from ._report import Problem, Report
from ._yaml import Loc, ParsedFile, iter_yaml_files, parse, read_text
from .exceptions import ContentError
from .models import ITEM_ADAPTER, Directives, Manifest, Organisation, OverlayManifest, Settings

if TYPE_CHECKING:
    import pluggy

    from ._bundle import Bundle
    from .models import ContentItem

PathArg = str | PathLike[str]
_MANIFESTS = frozenset({"pack.yaml", "overlay.yaml"})
_DIRECTIVE_KEYS = frozenset({"override", "hide", "translate"})
_CODES = {"missing": "SV121", "extra_forbidden": "SV122"}
_SIDECAR = "\0body_file"  # internal key: where a sidecar body came from


@dataclass
class RawItem:
    """An item as read from YAML, before validation, with where it came from."""

    data: dict[str, Any]
    origin: Origin


@dataclass
class _Overlay:
    manifest: OverlayManifest
    items: list[RawItem] = field(default_factory=list)
    # (id, fields, origin of the mapping holding the fields)
    overrides: list[tuple[str, dict[str, Any], Origin]] = field(default_factory=list)
    translations: list[tuple[str, dict[str, Any], Origin]] = field(default_factory=list)
    hides: list[tuple[str, Origin]] = field(default_factory=list)


class _Loader:
    """Holds the problems and the locator for one load."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.locator = Locator()

    # -- reading -----------------------------------------------------------------------
    def display(self, path: Path, root: Path) -> str:
        try:
            return (root.name / path.relative_to(root)).as_posix()
        except ValueError:
            return path.as_posix()

    def parse(self, path: Path, root: Path) -> ParsedFile | None:
        parsed, problems = parse(path, self.display(path, root))
        self.problems.extend(problems)
        return parsed

    def model(self, cls: type[BaseModel], data: object, origin: Origin, parsed: ParsedFile) -> Any:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            self.locator.remember(parsed)
            self.problems.extend(self.validation_problems(exc, origin, kind=None))
            return None

    def manifest(self, root: Path, name: str, cls: type[BaseModel]) -> tuple[Any, ParsedFile | None]:
        path = root / name
        display = self.display(path, root)
        if not path.is_file():
            what = "a content pack" if name == "pack.yaml" else "an overlay"
            msg = f"{root.as_posix()!r} is not {what}: it has no {name}"
            self.problems.append(Problem(display, 0, 0, "SV110", msg))
            return None, None
        parsed = self.parse(path, root)
        if parsed is None:
            return None, None
        origin = Origin(display, path)
        if not isinstance(parsed.data, dict):
            self.problems.append(Problem(display, 1, 1, "SV110", f"{name} must be a mapping"))
            return None, parsed
        return self.model(cls, parsed.data, origin, parsed), parsed

    def items_in(self, parsed: ParsedFile, root: Path) -> list[RawItem]:
        """The items a file holds: one mapping, or a list of mappings."""
        data = parsed.data
        entries: list[tuple[Loc, object]]
        if data is None:
            return []
        entries = [((i,), e) for i, e in enumerate(data)] if isinstance(data, list) else [((), data)]
        found: list[RawItem] = []
        for prefix, entry in entries:
            line, column = parsed.locate(prefix)
            origin = Origin(parsed.display, parsed.path, prefix, line, column)
            if not isinstance(entry, dict):
                msg = "expected an item (a mapping with 'kind', 'id', ...), found " + _type_name(entry)
                self.problems.append(Problem(parsed.display, line, column, "SV108", msg))
                continue
            item = dict(entry)
            if "body_file" in item:
                self.read_body(item, parsed, prefix, root)
            sidecar = item.pop(_SIDECAR, None)
            if sidecar is not None:
                body_origin = Origin(self.display(sidecar, root), sidecar, text=True)
                origin = Origin(origin.file, origin.path, prefix, line, column, {"body": body_origin})
            found.append(RawItem(item, origin))
        return found

    def read_body(self, item: dict[str, Any], parsed: ParsedFile, prefix: Loc, root: Path) -> None:
        ref = item.pop("body_file")
        line, column = parsed.locate((*prefix, "body_file"))
        if "body" in item:
            msg = "give either 'body' or 'body_file', not both"
            self.problems.append(Problem(parsed.display, line, column, "SV109", msg))
            return
        if not isinstance(ref, str) or not ref:
            msg = "body_file must be a relative path to a Markdown file"
            self.problems.append(Problem(parsed.display, line, column, "SV109", msg))
            return
        target = (parsed.path.parent / ref).resolve()
        if not target.is_relative_to(root.resolve()):
            msg = f"body_file {ref!r} points outside the pack"
            self.problems.append(Problem(parsed.display, line, column, "SV109", msg))
            return
        if not target.is_file():
            msg = f"body_file {ref!r} does not exist next to {parsed.path.name}"
            self.problems.append(Problem(parsed.display, line, column, "SV109", msg))
            return
        text, problems = read_text(target, self.display(target, root))
        self.problems.extend(problems)
        if text is not None:
            item["body"] = text
            item[_SIDECAR] = target

    # -- validation --------------------------------------------------------------------
    def validation_problems(
        self, exc: ValidationError, origin: Origin, kind: object
    ) -> list[Problem]:
        problems = []
        for err in exc.errors(include_url=False):
            loc: Loc = tuple(err["loc"])
            etype = err["type"]
            code = _CODES.get(etype, "SV120")
            if etype in ("union_tag_invalid", "union_tag_not_found"):
                loc, code = ("kind",), "SV123"
            elif loc and loc[0] == kind:
                loc = loc[1:]
            file, line, column = self.locator.locate(origin, loc, key=etype == "extra_forbidden")
            message = str(err["msg"]).removeprefix("Value error, ")
            if etype == "extra_forbidden":
                message = "unknown field (check the spelling against docs/pack-format.md)"
            elif etype == "missing":
                message = "required field is missing"
            elif code == "SV120" and not isinstance(err.get("input"), dict | list):
                message += f" (got {_short(err.get('input'))})"
            where = ".".join(str(p) for p in loc)
            problems.append(
                Problem(file, line, column, code, f"{where}: {message}" if where else message,
                        loc=loc)
            )
        return problems

    def validate_item(self, raw: RawItem) -> ContentItem | None:
        try:
            return ITEM_ADAPTER.validate_python(raw.data)
        except ValidationError as exc:
            self.problems.extend(self.validation_problems(exc, raw.origin, raw.data.get("kind")))
            return None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(value: object) -> str:
    return {str: "text", int: "a number", float: "a number", bool: "true/false", list: "a list"}.get(
        type(value), type(value).__name__
    )


def _read_pack(loader: _Loader, root: Path) -> tuple[Manifest | None, list[RawItem]]:
    manifest, _ = loader.manifest(root, "pack.yaml", Manifest)
    items: list[RawItem] = []
    for path in iter_yaml_files(root, _MANIFESTS):
        parsed = loader.parse(path, root)
        if parsed is not None:
            items.extend(loader.items_in(parsed, root))
    return manifest, items


def _directives(loader: _Loader, overlay: _Overlay, data: dict[str, Any], parsed: ParsedFile,
                cls: type[BaseModel], origin: Origin) -> None:
    model = loader.model(cls, data, origin, parsed)
    if model is None:
        return
    for target in model.hide:
        line, column = parsed.locate(("hide",))
        overlay.hides.append((target, Origin(parsed.display, parsed.path, ("hide",), line, column)))
    for attr, bucket in (("override", overlay.overrides), ("translate", overlay.translations)):
        for target, fields in getattr(model, attr).items():
            prefix: Loc = (attr, target)
            line, column = parsed.locate(prefix, key=True)
            bucket.append((target, fields, Origin(parsed.display, parsed.path, prefix, line, column)))


def _read_overlay(loader: _Loader, root: Path) -> _Overlay | None:
    manifest, parsed = loader.manifest(root, "overlay.yaml", OverlayManifest)
    if manifest is None or parsed is None:
        return None
    overlay = _Overlay(manifest)
    assert isinstance(parsed.data, dict)  # checked by loader.manifest
    directives = {k: v for k, v in parsed.data.items() if k in _DIRECTIVE_KEYS}
    _directives(loader, overlay, directives, parsed, Directives, Origin(parsed.display, parsed.path))
    for path in iter_yaml_files(root, _MANIFESTS):
        file = loader.parse(path, root)
        if file is None:
            continue
        data = file.data
        if isinstance(data, dict) and "kind" not in data and set(data) & _DIRECTIVE_KEYS:
            _directives(loader, overlay, data, file, Directives, Origin(file.display, file.path))
        else:
            overlay.items.extend(loader.items_in(file, root))
    return overlay


def _apply_fields(raw: RawItem, fields: dict[str, Any], origin: Origin) -> RawItem:
    """A new raw item with top-level ``fields`` replaced; locations follow the replacement."""
    data = {**raw.data, **fields}
    overrides = dict(raw.origin.overrides)
    for name in fields:
        overrides[name] = Origin(origin.file, origin.path, (*origin.prefix, name), origin.line,
                                 origin.column)
    base = raw.origin
    return RawItem(data, Origin(base.file, base.path, base.prefix, base.line, base.column, overrides))


def load_report(
    pack: PathArg | None = None,
    overlays: Iterable[PathArg] = (),
    locale: str | None = None,
    *,
    today: dt.date | None = None,
    plugins: pluggy.PluginManager | None = None,
    checks: bool = True,
) -> tuple[Bundle | None, Report]:
    """Load and check content; never raises for content problems.

    Returns the bundle (None when errors stop it being built) and the full report.
    """
    # Loading allocates hundreds of thousands of small, acyclic objects that all stay
    # alive; the cyclic garbage collector would rescan them again and again for nothing.
    with paused_gc():
        return _load_report(pack, overlays, locale, today=today, plugins=plugins, checks=checks)


def _load_report(
    pack: PathArg | None,
    overlays: Iterable[PathArg],
    locale: str | None,
    *,
    today: dt.date | None,
    plugins: pluggy.PluginManager | None,
    checks: bool,
) -> tuple[Bundle | None, Report]:
    from ._bundle import Bundle
    from ._check import run_checks

    loader = _Loader()
    root = Path(pack) if pack is not None else default_pack()
    manifest, raws = _read_pack(loader, root)
    overlay_dirs = [Path(d) for d in overlays]
    overlay_models = [o for o in (_read_overlay(loader, d) for d in overlay_dirs) if o]

    # Unique ids in the base pack.
    by_id: dict[str, RawItem] = {}
    for raw in raws:
        ident = raw.data.get("id")
        if not isinstance(ident, str):
            by_id[f"\0{len(by_id)}"] = raw  # validation reports the missing/bad id
            continue
        if ident in by_id:
            first = by_id[ident].origin
            msg = f"duplicate id {ident!r}: first defined at {first.file}:{first.line}"
            file, line, column = loader.locator.locate(raw.origin, ("id",))
            loader.problems.append(Problem(file, line, column, "SV201", msg, loc=("id",)))
            continue
        by_id[ident] = raw

    base_locale = manifest.locale if manifest else "en-GB"
    target_locale = locale or base_locale
    organisation: Organisation | None = None
    hidden: dict[str, Origin] = {}
    translated: set[str] = set()
    for overlay in overlay_models:
        om = overlay.manifest
        if om.type == "locale":
            if locale is None and target_locale == base_locale and om.locale:
                target_locale = om.locale
            if om.locale != target_locale:
                msg = (f"locale overlay {om.id!r} is for {om.locale!r}, but the bundle is being "
                       f"built in {target_locale!r}; pass --locale {om.locale}")
                loader.problems.append(Problem(f"{om.id}/overlay.yaml", 0, 0, "SV209", msg))
                continue
        if om.organisation is not None:
            organisation = om.organisation
        for raw in overlay.items:
            ident = raw.data.get("id")
            if isinstance(ident, str) and ident in by_id:
                msg = (f"overlay item {ident!r} has the same id as an item in the pack; "
                       "use 'override:' to change a pack item")
                loader.problems.append(Problem(raw.origin.file, raw.origin.line, raw.origin.column,
                                               "SV207", msg))
                continue
            by_id[ident if isinstance(ident, str) else f"\0{len(by_id)}"] = raw
        for bucket, is_translation in ((overlay.overrides, False), (overlay.translations, True)):
            for target, fields, origin in bucket:
                if target not in by_id:
                    verb = "translates" if is_translation else "overrides"
                    msg = f"overlay {verb} {target!r}, but no item has that id"
                    loader.problems.append(Problem(origin.file, origin.line, origin.column, "SV206", msg))
                    continue
                if "id" in fields or "kind" in fields:
                    msg = "an override cannot change 'id' or 'kind'"
                    loader.problems.append(Problem(origin.file, origin.line, origin.column, "SV206", msg))
                    continue
                if is_translation:
                    fields = {**fields, "locale": target_locale}
                    translated.add(target)
                by_id[target] = _apply_fields(by_id[target], fields, origin)
        for target, origin in overlay.hides:
            if target not in by_id:
                msg = f"overlay hides {target!r}, but no item has that id"
                loader.problems.append(Problem(origin.file, origin.line, origin.column, "SV206", msg))
            hidden[target] = origin

    items: list[ContentItem] = []
    origins: dict[str, Origin] = {}
    failed: set[str] = set()
    for key, raw in by_id.items():
        item = loader.validate_item(raw)
        if item is not None:
            items.append(item)
            origins[item.id] = raw.origin
        elif not key.startswith("\0"):
            failed.add(key)

    if manifest is None:
        return None, Report.of(loader.problems)

    untranslated = sorted(
        i.id
        for i in items
        if target_locale != base_locale and i.id not in translated and i.id not in hidden
    )
    settings = Settings(
        organisation=organisation,
        locale=target_locale,
        base_locale=base_locale,
        overlays=[o.manifest.id for o in overlay_models],
        hidden=sorted(hidden),
        untranslated=untranslated,
    )
    bundle = Bundle(manifest, settings, items, origins=origins, locator=loader.locator,
                    unloadable=failed, asset_dirs=overlay_dirs)
    if organisation is not None and organisation.logo and bundle.asset(organisation.logo) is None:
        msg = (f"organisation.logo names {organisation.logo!r}, but no such file is in the overlay "
               "folder (give a path relative to the folder holding overlay.yaml)")
        loader.problems.append(Problem("overlay.yaml", 0, 0, "SV111", msg))
    problems = list(loader.problems)
    if checks:
        # Checks run even when some items failed, so one report lists every problem;
        # references to items that failed validation are not reported a second time.
        problems.extend(run_checks(bundle, today=today, plugins=plugins))
    report = Report.of(problems)
    return (bundle.with_report(report) if report.valid else None), report


def load(
    pack: PathArg | None = None,
    overlays: Sequence[PathArg] = (),
    locale: str | None = None,
    *,
    today: dt.date | None = None,
    plugins: pluggy.PluginManager | None = None,
) -> Bundle:
    """Load the content pack (default: the built-in en-GB pack), lay overlays on it, validate it.

    Raises:
        ContentError: when any error is found; it carries every problem, located.
    """
    bundle, report = load_report(pack, overlays, locale, today=today, plugins=plugins)
    if bundle is None:
        raise ContentError(report)
    return bundle


__all__ = ["RawItem", "load", "load_report"]
