"""Property tests: arbitrary bytes and YAML never escape as anything but reported problems."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import secondvictim_core as sv
from secondvictim_core._report import Report

PACK = (Path(__file__).parent / "packs" / "valid" / "pack.yaml").read_text(encoding="utf-8")

yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.floats(allow_nan=False),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


def _load_one(tmp: Path, content: bytes) -> Report:
    for old in tmp.glob("*"):
        old.unlink()
    (tmp / "pack.yaml").write_text(PACK, encoding="utf-8")
    (tmp / "item.yaml").write_bytes(content)
    _, report = sv.load_report(tmp, plugins=sv.get_plugin_manager(load_entrypoints=False))
    return report


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_arbitrary_bytes_become_problems(tmp_path_factory, data: bytes) -> None:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("bytes")
    report = _load_one(tmp, data)
    assert isinstance(report, Report)
    for problem in report.problems:
        assert problem.code.startswith("SV") and problem.file


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(yaml_values)
def test_arbitrary_yaml_becomes_problems(tmp_path_factory, value: object) -> None:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("yaml")
    report = _load_one(tmp, yaml.safe_dump(value, allow_unicode=True).encode())
    for problem in report.problems:
        assert problem.code.startswith("SV")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet="[]{}:-&*!|>'\"# \n<ab1", max_size=80))
def test_yaml_syntax_soup_becomes_problems(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("soup")
    report = _load_one(tmp, text.encode())
    for problem in report.problems:
        assert problem.code.startswith("SV")
