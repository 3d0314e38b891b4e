"""The plugin manager: built-ins and installed plugins, found through one entry-point group.

No side effects at import: the manager is built on first use, and tests build their
own with ``load_entrypoints=False``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import pluggy

try:  # pluggy's record of which distribution a plugin came from (used by list_plugins)
    from pluggy._manager import DistFacade  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - a future pluggy may move it; listings then omit versions
    DistFacade = None  # type: ignore[assignment,misc]

from . import hookspecs
from .exceptions import PluginError, UnknownExporterError
from .hookspecs import Command, Exporter

PROJECT = "secondvictim_core"
BUILTIN_PLUGINS = {
    "checks": "secondvictim_core.builtin.checks",
    "lints": "secondvictim_core.builtin.lints",
    "json": "secondvictim_core.builtin.json_export",
    "commands": "secondvictim_core.builtin.commands",
    "engines": "secondvictim_core.builtin.engine_commands",
    "html": "secondvictim_core.builtin.html_export",
}
"""The built-in plugins, by entry-point name. They are declared in the same entry-point
group as third-party plugins; when entry points are not loaded (tests, embedding, a
source checkout that is not installed) they are registered directly under the same names."""


@dataclass(frozen=True)
class PluginFailure:
    """An installed plugin that could not be loaded, and why."""

    name: str
    reason: str


@dataclass(frozen=True)
class PluginInfo:
    """A plugin as ``secondvictim plugins`` lists it."""

    name: str
    distribution: str
    version: str
    hooks: tuple[str, ...]


class PluginManager(pluggy.PluginManager):
    """pluggy's manager plus the failures met while loading entry points."""

    def __init__(self) -> None:
        super().__init__(PROJECT)
        self.failures: list[PluginFailure] = []


def _import_builtin(module_name: str) -> object | None:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return None  # a built-in still being developed; nothing to register


def get_plugin_manager(
    *, load_entrypoints: bool = True, blocked: Iterable[str] = ()
) -> PluginManager:
    """Build a plugin manager with the built-in plugins and, optionally, installed ones.

    A plugin that fails to import or register is recorded in ``pm.failures`` with the
    reason, and the others still load.
    """
    pm = PluginManager()
    pm.add_hookspecs(hookspecs)
    for name in blocked:
        pm.set_blocked(name)
    if load_entrypoints:
        for ep in importlib.metadata.entry_points(group=PROJECT):
            if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
                continue
            try:
                plugin = ep.load()
                if pm.is_registered(plugin):
                    continue
                pm.register(plugin, name=ep.name)
                if ep.dist is not None and DistFacade is not None:
                    # What pluggy's load_setuptools_entrypoints records, so plugin listings
                    # can show the distribution; we load one by one to survive broken plugins.
                    pm._plugin_distinfo.append((plugin, DistFacade(ep.dist)))  # type: ignore[arg-type]
            except Exception as exc:  # a broken plugin must not take the CLI down
                pm.failures.append(PluginFailure(ep.name, f"{type(exc).__name__}: {exc}"))
    for name, module_name in BUILTIN_PLUGINS.items():
        if pm.is_blocked(name) or pm.get_plugin(name) is not None:
            continue
        module = _import_builtin(module_name)
        if module is not None and not pm.is_registered(module):
            pm.register(module, name=name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(str(exc)) from exc
    return pm


@lru_cache(maxsize=1)
def default_plugin_manager() -> PluginManager:
    """The process-wide manager with installed plugins, built on first use."""
    return get_plugin_manager()


def exporters(pm: pluggy.PluginManager | None = None) -> dict[str, Exporter]:
    """All exporters by name. Two plugins claiming one name is a PluginError naming both."""
    pm = pm or default_plugin_manager()
    found: dict[str, Exporter] = {}
    owner: dict[str, str] = {}
    for impl in pm.hook.register_exporters.get_hookimpls():
        exporters_found = cast("Iterable[Exporter]", impl.function() or ())
        for exporter in exporters_found:
            if exporter.name in found:
                msg = (f"exporter name {exporter.name!r} is claimed by both plugin "
                       f"{owner[exporter.name]!r} and plugin {impl.plugin_name!r}")
                raise PluginError(msg)
            found[exporter.name] = exporter
            owner[exporter.name] = impl.plugin_name
    return dict(sorted(found.items()))


def get_exporter(name: str, pm: pluggy.PluginManager | None = None) -> Exporter:
    """The exporter called ``name``; the error lists the installed ones."""
    available = exporters(pm)
    if name not in available:
        names = ", ".join(repr(n) for n in available) or "none"
        msg = f"no exporter {name!r}; installed: {names}"
        raise UnknownExporterError(msg)
    return available[name]


def commands(pm: pluggy.PluginManager | None = None) -> dict[str, Command]:
    """All CLI commands by name; a clash is a PluginError naming both plugins."""
    pm = pm or default_plugin_manager()
    found: dict[str, Command] = {}
    owner: dict[str, str] = {}
    for impl in pm.hook.register_commands.get_hookimpls():
        commands_found = cast("Iterable[Command]", impl.function() or ())
        for command in commands_found:
            if command.name in found:
                msg = (f"command {command.name!r} is claimed by both plugin "
                       f"{owner[command.name]!r} and plugin {impl.plugin_name!r}")
                raise PluginError(msg)
            found[command.name] = command
            owner[command.name] = impl.plugin_name
    return found


def list_plugins(pm: PluginManager | None = None) -> list[PluginInfo]:
    """Every registered plugin with its distribution, version and hooks, sorted by name."""
    pm = pm or default_plugin_manager()
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    core_version = importlib.metadata.version("secondvictim-core")
    infos = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        dist = dists.get(id(plugin))
        hooks = tuple(sorted(h.name for h in pm.get_hookcallers(plugin) or ()))
        infos.append(
            PluginInfo(
                name=name,
                distribution=dist.project_name if dist else "secondvictim-core",
                version=dist.version if dist else core_version,
                hooks=hooks,
            )
        )
    return sorted(infos, key=lambda p: p.name)
