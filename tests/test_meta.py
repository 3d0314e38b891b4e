"""Contract meta-tests: the public API is deliberate; hooks are documented and tested; codes documented."""

from __future__ import annotations

import re
from pathlib import Path

import secondvictim_core
from secondvictim_core import hookspecs, testing

ROOT = Path(__file__).parent.parent


def test_public_api_is_what_we_mean() -> None:
    assert sorted(secondvictim_core.__all__) == sorted([
        "SCHEMA_VERSION", "Bundle", "Command", "ContentError", "ExportError", "ExportOption", "ExportResult",
        "Exporter", "PluginError", "Problem", "Report", "SecondVictimError", "UnknownExporterError",
        "__version__", "default_pack", "export", "exporters", "get_plugin_manager", "hookimpl",
        "list_plugins", "load", "load_report", "render_markdown",
    ])
    for name in secondvictim_core.__all__:
        assert hasattr(secondvictim_core, name), name


def _hooks() -> dict[str, list[str]]:
    pm = testing.plugin_manager()
    return {name: list(getattr(pm.hook, name).spec.argnames) for name in dir(pm.hook)
            if not name.startswith("_") and getattr(getattr(pm.hook, name), "spec", None)}


def test_every_hook_is_documented_with_its_arguments() -> None:
    docs = (ROOT / "docs" / "writing-plugins.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^### (\w+\([^)]*\))$", docs, re.MULTILINE))
    for name, args in _hooks().items():
        assert f"{name}({', '.join(args)})" in headings, name
    assert {h.split("(")[0] for h in headings} == set(_hooks())


def test_every_hook_has_a_test() -> None:
    tests = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py"))
    for name in _hooks():
        assert f"def {name}(" in tests or f"hook.{name}" in tests, f"no test implements or calls {name}"


def test_every_problem_code_is_documented() -> None:
    used = set()
    for path in (ROOT / "src").rglob("*.py"):
        used |= set(re.findall(r'"(SV\d{3})"', path.read_text(encoding="utf-8")))
    documented = set(re.findall(r"\| (SV\d{3}) \|", (ROOT / "docs" / "problem-codes.md").read_text(encoding="utf-8")))
    assert used <= documented, sorted(used - documented)


def test_hookspecs_module_is_the_contract() -> None:
    assert {"register_exporters", "check_bundle", "register_commands"} <= set(_hooks())
    assert hookspecs.hookimpl.project_name == "secondvictim_core"


def test_testing_helpers_work() -> None:
    bundle = testing.sample_bundle()
    assert len(bundle) > 100
    assert testing.problems(bundle.report) == []
