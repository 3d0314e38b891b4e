"""Plugins: hooks, clashes, broken plugins, and a real third-party package via entry points."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pluggy
import pytest

import secondvictim_core as sv
from secondvictim_core import _plugins, hookimpl
from secondvictim_core.builtin.json_export import JsonExporter

PACKS = Path(__file__).parent / "packs"


def test_builtins_are_registered_by_entry_point_names(pm) -> None:  # type: ignore[no-untyped-def]
    names = {name for name, _ in pm.list_name_plugin()}
    assert {"checks", "lints", "json", "commands"} <= names
    assert "json" in _plugins.exporters(pm)


def test_builtins_are_declared_in_the_entry_point_group() -> None:
    eps = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="secondvictim_core")}
    for name, module in _plugins.BUILTIN_PLUGINS.items():
        if name in eps:
            assert eps[name] == module
    assert eps["json"] == "secondvictim_core.builtin.json_export"


def test_two_plugins_claiming_one_exporter_name_is_an_error(pm) -> None:  # type: ignore[no-untyped-def]
    class Clash:
        @hookimpl
        def register_exporters(self) -> list[JsonExporter]:
            return [JsonExporter()]

    pm.register(Clash(), name="clash")
    with pytest.raises(sv.PluginError, match="'json' is claimed by both plugin 'json' and plugin 'clash'"):
        _plugins.exporters(pm)


def test_check_bundle_hook_adds_problems(pm) -> None:  # type: ignore[no-untyped-def]
    class LocalRule:
        @hookimpl
        def check_bundle(self, bundle: sv.Bundle, today: object) -> list[sv.Problem]:
            return [sv.Problem(*bundle.locate("faq-psirf", "title"), "LOCAL1", "local rule", "warning")]

    pm.register(LocalRule())
    _, report = sv.load_report(PACKS / "valid", plugins=pm)
    local = [p for p in report.problems if p.code == "LOCAL1"]
    assert [(p.file, p.line) for p in local] == [("valid/prose.yaml", 13)]


def test_misspelt_hook_fails_loudly() -> None:
    class Typo:
        @hookimpl
        def register_exporter(self) -> list[object]:
            return []

    pm = _plugins.get_plugin_manager(load_entrypoints=False)
    pm.register(Typo())
    with pytest.raises(pluggy.PluginValidationError, match="unknown hook 'register_exporter'"):
        pm.check_pending()


def test_broken_entry_point_is_reported_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    good = importlib.metadata.EntryPoint("json", "secondvictim_core.builtin.json_export", "secondvictim_core")
    bad = importlib.metadata.EntryPoint("broken", "no_such_module_xyz", "secondvictim_core")
    monkeypatch.setattr(_plugins.importlib.metadata, "entry_points", lambda group: [good, bad])
    pm = _plugins.get_plugin_manager()
    assert [f.name for f in pm.failures] == ["broken"]
    assert "No module named 'no_such_module_xyz'" in pm.failures[0].reason
    assert "json" in _plugins.exporters(pm)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "secondvictim_core.cli", *args],
                          capture_output=True, text=True, check=False)


def test_third_party_plugin_package_via_entry_point(tmp_path: Path) -> None:
    """tests/plugin_example is installed as its own distribution by the test command."""
    listing = _cli("plugins")
    assert listing.returncode == 0, listing.stderr
    assert "example        secondvictim-example 0.3.0" in listing.stdout
    assert "titles" in listing.stdout.splitlines()[-1]
    out = tmp_path / "titles"
    done = _cli("export", "titles", "--out", str(out), "--pack", str(PACKS / "valid"), "--upper")
    assert done.returncode == 0, done.stderr
    lines = (out / "titles.txt").read_text(encoding="utf-8").splitlines()
    assert "guidance not-alone YOU ARE NOT ALONE" in lines


def test_register_commands_adds_nested_cli_commands(pm, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    import argparse

    from secondvictim_core.cli import main

    class Hello:
        name = "greet team"
        help = "say hello"

        def configure(self, parser: argparse.ArgumentParser) -> None:
            parser.add_argument("--who", default="team")

        def run(self, args: argparse.Namespace) -> int:
            print(f"hello {args.who} ({args.pack})")
            return 0

    class Plugin:
        @hookimpl
        def register_commands(self) -> list[Hello]:
            return [Hello()]

    pm.register(Plugin(), name="greeter")
    assert main(["greet", "team", "--who", "ward 3", "--pack", "x"], plugins=pm) == 0
    assert capsys.readouterr().out == "hello ward 3 (x)\n"

    class Clash:
        @hookimpl
        def register_commands(self) -> list[Hello]:
            return [Hello()]

    pm.register(Clash(), name="clash")
    assert main(["greet", "team"], plugins=pm) == 2
    assert "'greet team' is claimed by both plugin 'greeter' and plugin 'clash'" in capsys.readouterr().err
