"""The engine commands: assess, assess-template, signs-check and decide."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from secondvictim_core.builtin.engine_commands import _progress
from secondvictim_core.cli import main

ENGINES = Path(__file__).parent / "engines"
PACK = str(ENGINES / "pack")
HAND = str(ENGINES / "responses-hand.csv")


@pytest.fixture
def run(pm, capsys):  # type: ignore[no-untyped-def]
    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main([*argv[:1], "--pack", PACK, *argv[1:]], plugins=pm)
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def teams_csv(path: Path, sizes: dict[str, int], answers: str = "4,4,2,4,4") -> Path:
    rows = [f"{t}-{i},{t},{answers}" for t, n in sizes.items() for i in range(n)]
    path.write_text("respondent,team,f1,f2,f3,l1,l2\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


# -- assess ----------------------------------------------------------------------------------


def test_assess_prints_scores_and_the_plan(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("assess", HAND, "--round", "2026-Q4")
    assert code == 0, err
    assert out.splitlines()[:2] == [
        "Test just culture self-assessment, version 1.0, round 2026-Q4",
        "People who responded: 5. No figure is shown for fewer than 5 people.",
    ]
    assert (
        "  Fair treatment                    3.60  1.91-5.00       64%      5  Established (0.65 below Leading)" in out
    )
    assert "  1. Learning from incidents: Developing, 0.40 below Established" in out


def test_assess_json_is_the_results_document(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("assess", HAND, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["format"] == "secondvictim-assessment-results"
    assert doc["all"]["domains"]["learning"]["mean"] == 3.1


def test_assess_writes_the_output_folder(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    responses = teams_csv(tmp_path / "r.csv", {"A": 6, "B": 7, "C": 2})
    code, out, _ = run("assess", str(responses), "--by", "team", "--out", str(tmp_path / "out"))
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "action-plan.csv",
        "action-plan.json",
        "assessment.css",
        "report.html",
        "results.json",
    ]
    assert "  A: withheld to protect anonymity" in out
    assert "  C: withheld to protect anonymity" in out
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert [g for g in results["groups"] if g.get("suppressed")] == [
        {"group": "A", "suppressed": True},
        {"group": "C", "suppressed": True},
    ]


def test_assess_compares_with_an_older_round(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    older = teams_csv(tmp_path / "2026-Q2.csv", {"A": 6, "B": 7}, answers="2,2,4,2,2")
    newer = teams_csv(tmp_path / "new.csv", {"A": 6, "B": 7}, answers="4,4,2,4,4")
    code, out, _ = run("assess", str(newer), "--by", "team", "--compare", str(older))
    assert code == 0
    assert "Change since 2026-Q2" in out
    assert "  Fair treatment                   2.00 -> 4.00 (+2.00; meaningful)" in out
    # ... and with the older round's saved results.json
    run("assess", str(older), "--by", "team", "--round", "2026-Q2", "--out", str(tmp_path / "q2"))
    code, out, _ = run(
        "assess",
        str(newer),
        "--by",
        "team",
        "--compare",
        str(tmp_path / "q2" / "results.json"),
        "--format",
        "json",
    )
    trend = json.loads(out)["trend"]
    assert code == 0 and trend["older_round"] == "2026-Q2"
    assert {c["group"] for c in trend["changes"]} == {None, "A", "B"}


def test_an_older_round_without_the_grouping_column(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    older = tmp_path / "old.csv"
    older.write_text(Path(HAND).read_text(encoding="utf-8"), encoding="utf-8")
    newer = teams_csv(tmp_path / "new.csv", {"A": 6, "B": 7})
    code, out, _ = run("assess", str(newer), "--by", "team", "--compare", str(older))
    assert code == 0
    assert "Not compared: the older round is not broken down by 'team'" in out


def test_bad_responses_exit_1_with_located_problems(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent,f1,f2,f3,l1,l2\nr1,4,4,2,4,4\nr1,6,4,2,4,4\n", encoding="utf-8")
    code, out, err = run("assess", str(bad))
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f"{bad}:3:1: SVR007 error: row 3, column 1 ('respondent'): respondent 'r1' already appears in row 2",
        f"{bad}:3:2: SVR009 error: row 3, column 2 ('f1'): 6 is not on the scale (1, 2, 3, 4, 5); "
        "leave the cell blank if not answered",
        "2 error(s), 0 warning(s)",
    ]


def test_assess_usage_problems(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run("assess", HAND, "--min-group", "3")
    assert code == 2 and "below the framework's anonymity floor of 5" in err
    code, _, err = run("assess", HAND, "--framework", "nope")
    assert code == 1 and "no assessment framework 'nope' in the content" in err
    code, _, err = run("assess", str(tmp_path / "missing.csv"))
    assert code == 2 and "missing.csv" in err


def test_progress_only_on_a_terminal() -> None:
    assert _progress(io.StringIO()) is None

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    show = _progress(stream)
    assert show is not None
    show(50000)
    assert stream.getvalue() == "\rReading responses: 50,000 rows"


def test_assess_template(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("assess-template", "--out", str(tmp_path / "t"), "--group", "team")
    assert code == 0 and out.startswith("Wrote responses-template.csv, form.html, assessment.css")
    header = (tmp_path / "t" / "responses-template.csv").read_text(encoding="utf-8")
    assert header == "respondent,team,f1,f2,f3,l1,l2\n"


# -- signs-check -----------------------------------------------------------------------------


def test_signs_check_text(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("signs-check", "intrusive-memories", "poor-sleep")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Recommended support: Trained peer supporter (level 2; ladder: Three-tier support)"
    assert lines[1] == "Because of: Intrusive memories"
    assert "URGENT" not in out


def test_signs_check_red_flag_comes_first(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("signs-check", "poor-sleep", "suicidal-thoughts")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "URGENT: red flag selected (Thoughts of suicide). Offer the crisis services below now."
    assert lines[1] == "If someone's life is at risk, call 999."
    services = lines[lines.index("Services to offer:") + 1 :]
    assert services[:2] == ["  - Emergency services (emergency): NHS", "      call 999"]


def test_signs_check_json_and_ladder(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("signs-check", "panic-attacks", "--ladder", "five-level", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["level"]["id"] == "five-3" and doc["urgent"] is False


def test_signs_check_unknown_ids_exit_1(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("signs-check", "poor-sleep", "no-such-sign")
    assert code == 1 and out == ""
    assert err == "secondvictim: error: unknown warning sign id: 'no-such-sign' is not a warning sign\n"
    code, _, err = run("signs-check", "--ladder", "nine-level")
    assert code == 1 and "no support ladder 'nine-level'" in err


def test_signs_check_lists_signs(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("signs-check", "--list")
    assert code == 0
    assert "suicidal-thoughts                    Thoughts of suicide  [red flag]" in out.splitlines()


# -- decide ----------------------------------------------------------------------------------


DISCLAIMER = "This flow is an aid to a fair conversation. It is not a verdict about a person"


def test_decide_without_answers_shows_the_first_question(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("decide")
    assert code == 0
    assert DISCLAIMER in out
    assert "Next: Deliberate harm test\n  Was there any intention to cause harm?" in out
    assert "--answer deliberate-harm=yes" in out


def test_decide_walks_to_an_outcome_with_the_disclaimer(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("decide", "--flow", "test-flow", "--answer", "deliberate-harm=no", "--answer", "health=yes")
    assert code == 0
    assert out.count(DISCLAIMER) == 2  # before and after the outcome
    assert "Suggested focus for the conversation: Offer health support" in out
    assert "verdict:" not in out.lower()


def test_decide_json(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("decide", "--answer", "deliberate-harm=yes", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["complete"] is True and doc["outcome"]["id"] == "seek-advice"
    assert doc["disclaimer"].startswith(DISCLAIMER)


def test_decide_refuses_an_incomplete_walk(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("decide", "--answer", "deliberate-harm=no")
    assert code == 1
    assert "answer 'health' next" in err
    assert DISCLAIMER in out and "Next: Health test" in out
    code, out, _ = run("decide", "--answer", "deliberate-harm=no", "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["complete"] is False and doc["next_question"]["id"] == "health"
    assert doc["disclaimer"].startswith(DISCLAIMER)


def test_decide_errors(run, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run("decide", "--answer", "helth=yes")
    assert code == 1 and "has no question 'helth' (did you mean 'health'?)" in err
    code, _, err = run("decide", "--answer", "deliberate-harm=yes", "--answer", "deliberate-harm=no")
    assert code == 2 and "answered both yes and no" in err
    with pytest.raises(SystemExit) as exc:
        run("decide", "--answer", "health=maybe")
    assert exc.value.code == 2
    assert "health: expected yes or no, got 'maybe'" in capsys.readouterr().err
