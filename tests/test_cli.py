"""The CLI: exit codes, compiler-style reports, JSON output, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PACKS = Path(__file__).parent / "packs"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "secondvictim_core.cli", *args],
                          capture_output=True, text=True, check=False, cwd=cwd)


def test_validate_clean_pack_exits_0() -> None:
    done = run("validate", str(PACKS / "valid"), "--today", "2026-11-25")
    assert done.returncode == 0
    assert done.stdout.strip().endswith("0 error(s), 0 warning(s), 21 items")


def test_validate_broken_pack_exits_1_with_every_problem_and_no_traceback() -> None:
    done = run("validate", str(PACKS / "invalid" / "broken"), "--today", "2026-11-25")
    assert done.returncode == 1
    expected = (PACKS / "invalid" / "broken" / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert done.stdout.splitlines()[:-1] == expected
    assert "Traceback" not in done.stdout + done.stderr


def test_validate_json_format() -> None:
    done = run("validate", str(PACKS / "invalid" / "broken"), "--format", "json", "--today", "2026-11-25")
    doc = json.loads(done.stdout)
    assert doc["errors"] == 14 and doc["problems"][0]["code"] == "SV101"
    assert doc["problems"][0]["line"] == 4


def test_warnings_fail_only_with_strict() -> None:
    assert run("validate", str(PACKS / "valid"), "--today", "2028-01-01").returncode == 0
    assert run("validate", str(PACKS / "valid"), "--today", "2028-01-01", "--strict").returncode == 1


def test_usage_errors_exit_2() -> None:
    assert run("validate", "--today", "not-a-date").returncode == 2
    assert run("no-such-command").returncode == 2
    assert run().returncode == 2


def test_export_json_and_broken_content_exit_1(tmp_path: Path) -> None:
    ok = run("export", "json", "--out", str(tmp_path / "out"), "--pack", str(PACKS / "valid"))
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "out" / "bundle.json").is_file()
    bad = run("export", "json", "--out", str(tmp_path / "bad"), "--pack", str(PACKS / "invalid" / "broken"))
    assert bad.returncode == 1 and "SV101" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "bad").exists()


def test_new_overlay_scaffold_validates(tmp_path: Path) -> None:
    target = tmp_path / "trust"
    made = run("new-overlay", str(target), "--name", "Example NHS Foundation Trust")
    assert made.returncode == 0
    text = (target / "overlay.yaml").read_text(encoding="utf-8")
    assert "display_term" in text and text.startswith("#")
    checked = run("validate", str(PACKS / "valid"), "--overlay", str(target), "--today", "2026-11-25")
    assert checked.returncode == 0, checked.stdout
    assert "SV350" in checked.stdout  # the unfilled local slot is pointed out
    assert run("new-overlay", str(target)).returncode == 2  # never overwrites


def test_schema_check(tmp_path: Path) -> None:
    root = Path(__file__).parent.parent
    assert run("schema", "--check", "--dir", str(root / "schemas")).returncode == 0
    assert run("schema", "--check", "--dir", str(tmp_path)).returncode == 1
