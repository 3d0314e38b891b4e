"""The self-assessment engine: scoring by hand, response errors, anonymity and trend."""

from __future__ import annotations

import io
import json
import math
import random
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secondvictim_core.engines import (
    OVERALL,
    AssessmentResult,
    ResponsesError,
    compare_rounds,
    load_results,
    response_template_csv,
    score_responses,
    write_assessment,
)
from secondvictim_core.models import AssessmentFramework

ENGINES = Path(__file__).parent / "engines"


@pytest.fixture(scope="module")
def framework() -> AssessmentFramework:
    doc = yaml.safe_load((ENGINES / "pack" / "framework.yaml").read_text(encoding="utf-8"))
    return AssessmentFramework.model_validate(doc)


def score(framework: AssessmentFramework, text: str, **kwargs: object) -> AssessmentResult:
    stream = io.StringIO(text)
    stream.name = "responses.csv"
    return score_responses(framework, stream, input_format="csv", **kwargs)  # type: ignore[arg-type]


def problems(exc: pytest.ExceptionInfo[ResponsesError]) -> list[tuple[int, int, str]]:
    return [(p.line, p.column, p.code) for p in exc.value.problems]


# -- scoring against hand-worked figures -------------------------------------------------------
#
# responses-hand.csv (f3 is reverse-scored: a score is 6 - answer; blanks are not answered):
#
#        f1 f2 f3->score | fairness mean, positives | l1 l2 | learning mean, pos | all items mean
#   p1    5  4  1->5     | 14/3, 3 of 3             |  4  - | 4,   1 of 1        | 18/4 = 4.5
#   p2    4  4  2->4     | 4,    3 of 3             |  3  3 | 3,   0 of 2        | 18/5 = 3.6
#   p3    3  -  5->1     | 2,    0 of 2             |  2  2 | 2,   0 of 2        |  8/4 = 2
#   p4    5  5  1->5     | 5,    3 of 3             |  5  5 | 5,   2 of 2        | 25/5 = 5
#   p5    2  3  4->2     | 7/3,  0 of 3             |  1  2 | 1.5, 0 of 2        | 10/5 = 2
#
#   fairness: mean 18/5 = 3.6; sum of squared deviations 334/45, so sd = sqrt(334/180);
#             95% CI 3.6 +- 2.776 * sd / sqrt(5) (t with 4 df), upper end clipped to 5;
#             9 positive of 14 answers; band Established (>= 3.5), 0.65 below Leading (4.25).
#   learning: mean 15.5/5 = 3.1 (with blanks as zeros it would be 2.7); 3 of 9 positive;
#             band Developing, 0.4 below Established.
#   overall:  mean 17.1/5 = 3.42; 12 of 23 positive; Developing, 0.08 below Established.


def test_scores_match_hand_worked_figures(framework: AssessmentFramework) -> None:
    result = score_responses(framework, ENGINES / "responses-hand.csv")
    fairness = result.total.figure("fairness")
    assert fairness is not None
    sd = math.sqrt(334 / 180)
    half = 2.776 * sd / math.sqrt(5)
    assert fairness.n == 5
    assert fairness.mean == pytest.approx(3.6)
    assert fairness.sd == pytest.approx(sd)
    assert fairness.ci == pytest.approx((3.6 - half, 5.0))
    assert (fairness.positive, fairness.responses) == (9, 14)
    assert fairness.percent_positive == pytest.approx(900 / 14)
    assert (fairness.band.id, fairness.next_band and fairness.next_band.id) == (
        "established",
        "leading",
    )
    assert fairness.gap == pytest.approx(0.65)

    learning = result.total.figure("learning")
    assert learning is not None
    assert (learning.n, learning.mean) == (5, pytest.approx(3.1))
    assert (learning.positive, learning.responses) == (3, 9)
    assert learning.band.id == "developing"
    assert learning.gap == pytest.approx(0.4)

    overall = result.total.figure(OVERALL)
    assert overall is not None
    assert overall.mean == pytest.approx(3.42)
    assert (overall.positive, overall.responses) == (12, 23)
    assert overall.band.id == "developing"
    assert overall.gap == pytest.approx(0.08)


def test_json_responses_score_like_the_csv(framework: AssessmentFramework) -> None:
    from_csv = score_responses(framework, ENGINES / "responses-hand.csv").to_dict()
    from_json = score_responses(framework, ENGINES / "responses-hand.json").to_dict()
    assert from_json["round"] == "2026-Q4"
    from_json["round"] = None
    assert from_json == from_csv


def test_a_reverse_item_mirrors_the_scale(framework: AssessmentFramework) -> None:
    rows = "".join(f"r{i},,,1,,\n" for i in range(5))  # only f3 answered, "strongly disagree"
    result = score(framework, "respondent,f1,f2,f3,l1,l2\n" + rows)
    fairness = result.total.figure("fairness")
    assert fairness is not None
    assert (fairness.mean, fairness.positive, fairness.responses) == (5.0, 5, 5)
    assert result.total.figure("learning") is None  # nobody answered: no figure, not a zero


def test_a_person_who_skips_a_whole_domain_is_not_counted_in_it(
    framework: AssessmentFramework,
) -> None:
    rows = "".join(f"r{i},4,4,2,4,4\n" for i in range(5)) + "r9,1,1,5,,\n"
    result = score(framework, "respondent,f1,f2,f3,l1,l2\n" + rows)
    learning, fairness = result.total.figure("learning"), result.total.figure("fairness")
    assert learning is not None and fairness is not None
    assert (learning.n, learning.mean) == (5, 4.0)
    assert (fairness.n, fairness.mean) == (6, pytest.approx((5 * 4 + 1) / 6))


def test_cells_with_spaces_and_a_byte_order_mark_are_accepted(
    framework: AssessmentFramework,
) -> None:
    rows = "".join(f"r{i}, 4 ,4,2,4, \n" for i in range(5))
    result = score(framework, "\ufeffrespondent,f1,f2,f3,l1,l2\n" + rows)
    learning = result.total.figure("learning")
    assert learning is not None and learning.responses == 5


def test_columns_may_come_in_any_order_with_grouping_columns_first(
    framework: AssessmentFramework,
) -> None:
    rows = "".join(f"A,r{i},North,4,4,2,4,4\n" for i in range(5))
    result = score(framework, "team,respondent,site,l2,l1,f3,f2,f1\n" + rows, by="site")
    assert [g.name for g in result.groups] == ["North"]


def test_blank_lines_and_empty_rows_are_skipped(framework: AssessmentFramework) -> None:
    rows = "".join(f"r{i},4,4,2,4,4\n" for i in range(5))
    result = score(framework, "respondent,f1,f2,f3,l1,l2\n\n" + rows + ",,,,,\n\n")
    assert result.total.respondents == 5


# -- errors with row and column --------------------------------------------------------------


HEADER = "respondent,f1,f2,f3,l1,l2\n"


def test_an_answer_off_the_scale_is_located_by_row_and_column(
    framework: AssessmentFramework,
) -> None:
    with pytest.raises(ResponsesError) as exc:
        score(framework, HEADER + "r1,4,4,2,4,4\nr2,4,4,7,4,4\n")
    (problem,) = exc.value.problems
    assert problem.render() == (
        "responses.csv:3:4: SVR009 error: row 3, column 4 ('f3'): 7 is not on the scale "
        "(1, 2, 3, 4, 5); leave the cell blank if not answered"
    )


def test_every_bad_cell_is_reported_not_just_the_first(framework: AssessmentFramework) -> None:
    with pytest.raises(ResponsesError) as exc:
        score(framework, HEADER + "r1,0,4,x,4,4.5\nr2,4,4,2,4,4\nr3,4,,2,6,4\n")
    assert problems(exc) == [
        (2, 2, "SVR009"),
        (2, 4, "SVR008"),
        (2, 6, "SVR008"),
        (4, 5, "SVR009"),
    ]
    assert "'x' is not a whole number" in exc.value.problems[1].message


def test_an_unknown_item_column_is_an_error_with_a_hint(framework: AssessmentFramework) -> None:
    with pytest.raises(ResponsesError) as exc:
        score(framework, "respondent,f1,f2,f3,l1,l2,f22\nr1,4,4,2,4,4,3\n")
    (problem,) = exc.value.problems
    assert (problem.line, problem.column, problem.code) == (1, 7, "SVR003")
    assert "has no item 'f22'; did you mean 'f2'?" in problem.message
    assert "did you mean" in problem.message


def test_a_missing_item_column_is_an_error(framework: AssessmentFramework) -> None:
    with pytest.raises(ResponsesError) as exc:
        score(framework, "respondent,f1x,f2,f3,l1,l2\nr1,4,4,2,4,4\n")
    (problem,) = exc.value.problems
    assert (problem.line, problem.code) == (1, "SVR004")
    assert "no column for item 'f1'" in problem.message
    assert "column 2 'f1x' looks similar" in problem.message


def test_duplicate_respondents_name_both_rows(framework: AssessmentFramework) -> None:
    with pytest.raises(ResponsesError) as exc:
        score(framework, HEADER + "r1,4,4,2,4,4\nr2,4,4,2,4,4\nr1,3,3,3,3,3\n")
    (problem,) = exc.value.problems
    assert (problem.line, problem.column, problem.code) == (4, 1, "SVR007")
    assert "respondent 'r1' already appears in row 2" in problem.message


def test_structural_problems_are_reported(framework: AssessmentFramework) -> None:
    with pytest.raises(ResponsesError) as exc:
        score(framework, HEADER + "r1,4,4,2,4\n,4,4,2,4,4\n")
    assert problems(exc) == [(2, 0, "SVR005"), (3, 1, "SVR006")]


def test_no_respondent_column(framework: AssessmentFramework) -> None:
    with pytest.raises(ResponsesError) as exc:
        score(framework, "id;f1;f2;f3;l1;l2\nr1;4;4;2;4;4\n")
    assert exc.value.problems[0].code == "SVR002"
    assert "';' between cells" in exc.value.problems[0].message


def test_empty_files(framework: AssessmentFramework) -> None:
    with pytest.raises(ResponsesError) as exc:
        score(framework, "")
    assert [p.code for p in exc.value.problems] == ["SVR013"]
    with pytest.raises(ResponsesError) as exc:
        score(framework, HEADER)
    assert [p.code for p in exc.value.problems] == ["SVR013"]


def test_rounds_must_agree(framework: AssessmentFramework) -> None:
    text = "respondent,round,f1,f2,f3,l1,l2\nr1,2026-Q4,4,4,2,4,4\nr2,2027-Q1,4,4,2,4,4\n"
    with pytest.raises(ResponsesError) as exc:
        score(framework, text)
    assert [p.code for p in exc.value.problems] == ["SVR010"]
    one_round = "respondent,round,f1,f2,f3,l1,l2\n" + "".join(f"r{i},2026-Q4,4,4,2,4,4\n" for i in range(5))
    assert score(framework, one_round).round == "2026-Q4"
    with pytest.raises(ResponsesError) as exc:
        score(framework, one_round, round_label="2027-Q1")
    assert "the file is round '2026-Q4' but --round says '2027-Q1'" in str(exc.value)


def test_grouping_by_a_missing_column(framework: AssessmentFramework) -> None:
    with pytest.raises(ResponsesError) as exc:
        score(framework, "respondent,site,f1,f2,f3,l1,l2\nr1,N,4,4,2,4,4\n", by="team")
    assert "no column 'team' to group by; grouping columns in this file: site" in str(exc.value)


def test_json_problems_are_located_by_response_and_key(framework: AssessmentFramework) -> None:
    doc = {
        "framework": {"id": "test-framework", "version": "1.0"},
        "responses": [
            {"respondent": "a", "answers": {"f1": 9}},
            {"respondent": "b", "answers": {"f1": True, "zz": 1}},
            "not an object",
        ],
    }
    with pytest.raises(ResponsesError) as exc:
        score_responses(framework, io.StringIO(json.dumps(doc)))
    assert [(p.code, p.message, p.loc) for p in exc.value.problems] == [
        (
            "SVR009",
            "response 1, answer 'f1': 9 is not on the scale (1, 2, 3, 4, 5); leave the cell blank if not answered",
            ("responses", 0, "answers", "f1"),
        ),
        (
            "SVR008",
            "response 2, answer 'f1': 'true' is not a whole number; expected one of 1, 2, 3, 4, 5, "
            "or blank if not answered",
            ("responses", 1, "answers", "f1"),
        ),
        (
            "SVR003",
            "response 2, answer 'zz': 'test-framework' version 1.0 has no item 'zz'",
            ("responses", 1, "answers", "zz"),
        ),
        ("SVR001", "response 3: expected an object with 'respondent' and 'answers'", ("responses", 2)),
    ]


def test_json_from_another_framework_is_refused(framework: AssessmentFramework) -> None:
    doc = {"framework": {"id": "other"}, "responses": [{"respondent": "a", "answers": {}}]}
    with pytest.raises(ResponsesError) as exc:
        score_responses(framework, io.StringIO(json.dumps(doc)))
    assert [p.code for p in exc.value.problems] == ["SVR012"]


def test_the_problem_list_is_capped(framework: AssessmentFramework) -> None:
    rows = "".join(f"r{i},9,9,9,9,9\n" for i in range(50))
    with pytest.raises(ResponsesError) as exc:
        score(framework, HEADER + rows)
    assert len(exc.value.problems) == 101
    assert exc.value.problems[-1].message == "... and 150 more problem(s) not shown"


# -- anonymity -------------------------------------------------------------------------------


def team_csv(sizes: dict[str, int], answers: str = "4,4,2,4,4") -> str:
    rows = [f"{team}-{i},{team},{answers}\n" for team, size in sizes.items() for i in range(size)]
    return "respondent,team,f1,f2,f3,l1,l2\n" + "".join(rows)


def test_a_group_below_the_floor_is_suppressed_with_no_figures(
    framework: AssessmentFramework,
) -> None:
    result = score(framework, team_csv({"A": 6, "B": 7, "C": 8, "D": 4}), by="team")
    groups = {g["group"]: g for g in result.to_dict()["groups"]}
    assert groups["D"] == {"group": "D", "suppressed": True}
    assert groups["A"] == {"group": "A", "suppressed": True}  # else total - B - C = A + D
    assert groups["B"]["n"] == 7 and groups["B"]["domains"]["fairness"]["n"] == 7
    assert set(groups["C"]) == {"group", "n", "overall", "domains"}


def test_the_subtraction_case_suppresses_the_next_smallest_group(
    framework: AssessmentFramework,
) -> None:
    # C alone is below the floor; publishing A, B and the total would give C by subtraction.
    result = score(framework, team_csv({"A": 6, "B": 7, "C": 2}), by="team")
    suppressed = {g.name for g in result.groups if g.suppressed}
    assert suppressed == {"A", "C"}
    published = [g for g in result.groups if not g.suppressed]
    total = result.total.figure("fairness")
    assert total is not None
    # What subtraction reveals is the combined hidden groups: at least the floor.
    rest = total.n - sum(g.figures["fairness"].n for g in published)
    assert rest >= result.min_group


def test_two_tiny_groups_are_not_enough_to_hide_each_other(
    framework: AssessmentFramework,
) -> None:
    # 1 + 2 people: suppressing both still leaves a residual of 3 < 5, so D goes too.
    result = score(framework, team_csv({"A": 1, "B": 2, "C": 12, "D": 10}), by="team")
    assert {g.name for g in result.groups if g.suppressed} == {"A", "B", "D"}


def test_ties_for_next_smallest_are_broken_by_name(framework: AssessmentFramework) -> None:
    result = score(framework, team_csv({"B": 5, "A": 5, "C": 1}), by="team")
    assert {g.name for g in result.groups if g.suppressed} == {"A", "C"}


def test_a_group_with_a_thinly_answered_domain_is_withheld_whole(
    framework: AssessmentFramework,
) -> None:
    # Team A has 6 people but only 3 answered the learning items.
    text = team_csv({"A": 3, "B": 8, "C": 9}) + "".join(f"a-x{i},A,4,4,2,,\n" for i in range(3))
    result = score(framework, text, by="team")
    assert {g.name for g in result.groups if g.suppressed} == {"A", "B"}


def test_a_thin_domain_in_the_total_hides_it_and_the_overall(
    framework: AssessmentFramework,
) -> None:
    rows = "".join(f"r{i},4,4,2,,\n" for i in range(8)) + "x1,4,4,2,3,3\nx2,4,4,2,3,3\n"
    result = score(framework, HEADER + rows)
    assert set(result.total.figures) == {"fairness"}
    assert result.total.withheld == {"learning", OVERALL}
    doc = result.to_dict()["all"]
    assert doc["domains"]["learning"] == {"suppressed": True}
    assert doc[OVERALL] == {"suppressed": True}


def test_fewer_respondents_than_the_floor_suppresses_everything(
    framework: AssessmentFramework,
) -> None:
    result = score(framework, team_csv({"A": 2, "B": 2}), by="team")
    doc = result.to_dict()
    assert doc["all"] == {"suppressed": True}
    assert doc["respondents"] is None
    assert doc["groups"] == [{"group": "A", "suppressed": True}, {"group": "B", "suppressed": True}]


def test_the_floor_can_be_raised_but_not_lowered(framework: AssessmentFramework) -> None:
    text = team_csv({"A": 5, "B": 6, "C": 7})
    assert not any(g.suppressed for g in score(framework, text, by="team").groups)
    raised = score(framework, text, by="team", min_group=6)
    assert {g.name for g in raised.groups if g.suppressed} == {"A", "B"}
    assert raised.to_dict()["min_group_size"] == 6
    with pytest.raises(ValueError, match="below the framework's min_group_size 5"):
        score(framework, text, min_group=3)


def test_individual_answers_and_ids_never_reach_the_outputs(framework: AssessmentFramework, tmp_path: Path) -> None:
    text = team_csv({"A": 6, "B": 7, "C": 2}).replace("A-0", "PERSON-XYZZY")
    result = score(framework, text, by="team")
    out = write_assessment(tmp_path / "out", result)
    for path in out:
        content = path.read_text(encoding="utf-8")
        assert "PERSON-XYZZY" not in content and "C-0" not in content, path.name


@st.composite
def breakdowns(draw: st.DrawFn) -> tuple[list[tuple[str, bool, bool]], int]:
    """People as (team, answered fairness, answered learning), and a floor."""
    teams = draw(st.lists(st.integers(1, 12), min_size=1, max_size=6))
    people = []
    for t, size in enumerate(teams):
        for _ in range(size):
            fair = draw(st.booleans()) or draw(st.booleans())
            learn = draw(st.sampled_from([True, True, True, False]))
            people.append((f"T{t}", fair, learn))
    return people, draw(st.integers(5, 7))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(breakdowns())
def test_no_published_figure_lets_a_small_group_be_subtracted_out(
    framework: AssessmentFramework, case: tuple[list[tuple[str, bool, bool]], int]
) -> None:
    people, floor = case
    rows = [
        f"p{i},{team},{'4,3,2' if fair else ',,'},{'4,5' if learn else ','}\n"
        for i, (team, fair, learn) in enumerate(people)
    ]
    result = score(framework, "respondent,team,f1,f2,f3,l1,l2\n" + "".join(rows), by="team", min_group=floor)
    # Ground truth, counted here independently of the engine.
    truth: dict[str, dict[str, int]] = {}
    for team, fair, learn in people:
        counts = truth.setdefault(team, {"fairness": 0, "learning": 0, OVERALL: 0, "rows": 0})
        counts["fairness"] += fair
        counts["learning"] += learn
        counts[OVERALL] += fair or learn
        counts["rows"] += 1
    hidden = {g.name for g in result.groups if g.suppressed}
    for group in result.groups:
        if group.name in hidden:
            assert not group.figures
            continue
        assert truth[group.name]["rows"] >= floor
        for fid in ("fairness", "learning", OVERALL):
            n = truth[group.name][fid]
            assert n == 0 or n >= floor
            assert (group.figure(fid) is not None) == (n > 0)
    for fid, figure in result.total.figures.items():
        assert figure.n >= floor
        residual = sum(truth[g][fid] for g in hidden)
        assert residual == 0 or residual >= floor, (fid, hidden, truth)
    if result.total.withheld:
        assert OVERALL not in result.total.figures


# -- trend -----------------------------------------------------------------------------------


def spread_csv(values: list[int], start: int = 0) -> str:
    """One person per value, answering every item with it (f3 mirrored so scores match)."""
    rows = [f"r{start + i},{v},{v},{6 - v},{v},{v}\n" for i, v in enumerate(values)]
    return HEADER + "".join(rows)


def test_same_results_show_no_meaningful_change(framework: AssessmentFramework) -> None:
    result = score_responses(framework, ENGINES / "responses-hand.csv")
    trend = compare_rounds(result, result)
    assert trend.problems == ()
    assert {c.figure for c in trend.changes} == {"fairness", "learning", OVERALL}
    for change in trend.changes:
        assert change.change == 0 and not change.meaningful
        assert change.note == "confidence intervals overlap; change is below 0.2"


def test_a_clear_improvement_is_meaningful(framework: AssessmentFramework) -> None:
    older = score(framework, spread_csv([2, 2, 3, 2, 3, 2, 2, 3], start=0), round_label="2026-Q2")
    newer = score(framework, spread_csv([4, 5, 4, 4, 5, 4, 4, 5]), round_label="2026-Q4")
    trend = compare_rounds(older, newer)
    change = next(c for c in trend.changes if c.figure == "fairness")
    assert change.change == pytest.approx(4.375 - 2.375)
    assert change.meaningful and change.note == ""
    assert (trend.older_round, trend.newer_round) == ("2026-Q2", "2026-Q4")


def test_a_change_within_overlapping_intervals_is_flagged(framework: AssessmentFramework) -> None:
    older = score(framework, spread_csv([1, 5, 2, 4, 3]))
    newer = score(framework, spread_csv([2, 5, 3, 4, 4]))
    change = next(c for c in compare_rounds(older, newer).changes if c.figure == "fairness")
    assert change.change == pytest.approx(0.6)
    assert not change.meaningful
    assert change.note == "confidence intervals overlap"


def test_a_precise_but_tiny_change_is_below_the_threshold(framework: AssessmentFramework) -> None:
    rng = random.Random(7)
    older_values = [3] * 1000 + [4] * 1000
    newer_values = [3] * 800 + [4] * 1200
    rng.shuffle(newer_values)
    trend = compare_rounds(score(framework, spread_csv(older_values)), score(framework, spread_csv(newer_values)))
    change = next(c for c in trend.changes if c.figure == "fairness")
    assert change.change == pytest.approx(0.1)
    assert change.note == "change is below 0.2" and not change.meaningful
    strict = compare_rounds(
        score(framework, spread_csv(older_values)), score(framework, spread_csv(newer_values)), threshold=0.05
    )
    assert next(c for c in strict.changes if c.figure == "fairness").meaningful


def test_a_changed_domain_is_reported_not_compared(framework: AssessmentFramework) -> None:
    learning = framework.domains[1]
    items = [*learning.items, learning.items[0].model_copy(update={"id": "l3"})]
    v2 = framework.model_copy(
        update={
            "version": "2.0",
            "domains": [framework.domains[0], learning.model_copy(update={"items": items})],
        }
    )
    older = score_responses(framework, ENGINES / "responses-hand.csv")
    newer = score(v2, "respondent,f1,f2,f3,l1,l2,l3\n" + "".join(f"r{i},4,4,2,4,4,4\n" for i in range(5)))
    trend = compare_rounds(older, newer)
    assert trend.problems == (
        "framework version changed from 1.0 to 2.0: only domains whose items are unchanged are compared",
        "domain 'learning': only in the newer round: l3",
    )
    by_figure = {c.figure: c for c in trend.changes}
    assert by_figure["fairness"].change == pytest.approx(0.4)
    assert by_figure["learning"].change is None
    assert by_figure["learning"].note == "items differ (only in the newer round: l3)"
    assert by_figure[OVERALL].change is None


def test_an_older_response_file_with_other_columns(framework: AssessmentFramework) -> None:
    text = "respondent,f1,f2,f3,l1,old9\n" + "".join(f"r{i},3,3,3,3,3\n" for i in range(6))
    older = score(framework, text, strict_items=False)
    assert older.notes == (
        "columns ignored (not items of version 1.0): old9",
        "items with no column (not scored): l2",
    )
    trend = compare_rounds(older, score_responses(framework, ENGINES / "responses-hand.csv"))
    by_figure = {c.figure: c for c in trend.changes}
    assert by_figure["learning"].note == "items differ (only in the newer round: l2)"
    assert by_figure["fairness"].change == pytest.approx(0.6)


def test_different_frameworks_cannot_be_compared(framework: AssessmentFramework) -> None:
    result = score_responses(framework, ENGINES / "responses-hand.csv")
    other = result.to_dict()
    other["framework"] = {**other["framework"], "id": "another"}
    trend = compare_rounds(other, result)
    assert not trend.comparable and trend.changes == ()
    assert "different frameworks" in trend.problems[0]


def test_groups_suppressed_in_a_round_are_not_compared(framework: AssessmentFramework) -> None:
    older = score(framework, team_csv({"A": 6, "B": 7, "C": 2}), by="team")
    newer = score(framework, team_csv({"A": 6, "B": 7, "C": 6}), by="team")
    trend = compare_rounds(older, newer)
    notes = {(c.group, c.figure): c.note for c in trend.changes}
    assert notes[("C", "fairness")] == "suppressed in the older round"
    assert notes[("B", "fairness")] == "confidence intervals overlap; change is below 0.2"


def test_trend_from_a_saved_results_file(framework: AssessmentFramework, tmp_path: Path) -> None:
    older = score(framework, team_csv({"A": 6, "B": 7}), by="team", round_label="2026-Q2")
    write_assessment(tmp_path / "q2", older)
    saved = load_results(tmp_path / "q2" / "results.json")
    newer = score(framework, team_csv({"A": 6, "B": 7}, answers="5,5,1,5,5"), by="team")
    trend = compare_rounds(saved, newer)
    assert trend.older_round == "2026-Q2"
    assert {c.group for c in trend.changes} == {None, "A", "B"}
    json.dumps(trend.to_dict())  # JSON-ready
    with pytest.raises(ResponsesError, match=r"not an assessment results\.json"):
        load_results(ENGINES / "responses-hand.json")


# -- template --------------------------------------------------------------------------------


def test_the_template_is_a_response_file_the_engine_reads(framework: AssessmentFramework) -> None:
    header = response_template_csv(framework, ["team"])
    assert header == "respondent,team,f1,f2,f3,l1,l2\n"
    filled = header + "".join(f"r{i},A,4,4,2,4,\n" for i in range(5))
    assert score(framework, filled, by="team").groups[0].respondents == 5


# -- the fast path scores exactly like the row-by-row path -----------------------------------


def exact_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from secondvictim_core.engines import assessment

    monkeypatch.setattr(assessment._Tally, "_line_plan", lambda self: None)


cells = st.sampled_from(["1", "2", "3", "4", "5", "", "", "4", "5"])
odd_cells = st.sampled_from(["1", "5", "", " 4", "9", "x", "3 "])


@st.composite
def response_files(draw: st.DrawFn) -> tuple[str, bool]:
    """A response CSV (mostly clean, sometimes with trouble), and whether to group by team."""
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    rows = []
    for i in range(draw(st.integers(0, 60))):
        team = draw(st.sampled_from(["A", "B", "C", "", "Ward 7", '"Quoted, team"']))
        answers = [draw(odd_cells if draw(st.integers(0, 40)) == 0 else cells) for _ in range(5)]
        rid = draw(st.sampled_from([f"r{i}", f"r{i}", f"r{i}", "r0", ""]))
        rows.append(",".join([rid, team, *answers]))
    if rows and draw(st.booleans()):
        rows.insert(draw(st.integers(0, len(rows))), "")  # a blank line
    text = newline.join(["respondent,team,f1,f2,f3,l1,l2", *rows])
    return text + (newline if draw(st.booleans()) else ""), draw(st.booleans())


def outcome(framework: AssessmentFramework, text: str, by: str | None) -> object:
    try:
        return score(framework, text, by=by).to_dict()
    except ResponsesError as exc:
        return [(p.line, p.column, p.code, p.message) for p in exc.problems]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(response_files(), st.sampled_from([64, 200, 1 << 20]))
def test_the_fast_path_agrees_with_the_exact_path(
    framework: AssessmentFramework, monkeypatch: pytest.MonkeyPatch, case: tuple[str, bool], chunk: int
) -> None:
    from secondvictim_core.engines import assessment

    text, grouped = case
    by = "team" if grouped else None
    with monkeypatch.context() as patch:
        patch.setattr(assessment, "CHUNK", chunk)  # small chunks: many blocks, lines cut mid-way
        fast = outcome(framework, text, by)
        exact_only(patch)
        exact = outcome(framework, text, by)
    assert fast == exact


def test_clean_files_take_the_fast_path(framework: AssessmentFramework, monkeypatch: pytest.MonkeyPatch) -> None:
    from secondvictim_core.engines import assessment

    used: list[int | None] = []
    original = assessment._Tally.add_text

    def spy(self: object, text: str, start: int) -> int | None:
        used.append(original(self, text, start))  # type: ignore[arg-type]
        return used[-1]

    monkeypatch.setattr(assessment._Tally, "add_text", spy)
    result = score(framework, team_csv({"A": 6, "B": 7}).replace("\n", "\r\n"), by="team")
    assert used == [13] and result.total.respondents == 13


def test_duplicates_across_blocks_name_the_first_row(
    framework: AssessmentFramework, monkeypatch: pytest.MonkeyPatch
) -> None:
    from secondvictim_core.engines import assessment

    monkeypatch.setattr(assessment, "CHUNK", 40)
    rows = "".join(f"r{i},4,4,2,4,4\n" for i in range(30)) + "r3,1,1,1,1,1\n"
    with pytest.raises(ResponsesError) as exc:
        score(framework, HEADER + rows)
    assert [(p.line, p.code, p.message) for p in exc.value.problems] == [
        (32, "SVR007", "row 32, column 1 ('respondent'): respondent 'r3' already appears in row 5")
    ]


def test_a_quoted_cell_early_in_a_large_file_does_not_split_rows(framework: AssessmentFramework) -> None:
    """Regression: past the first 1 MiB read, the line cut at the chunk edge is one row, not two."""
    rows = ["respondent,team,f1,f2,f3,l1,l2", '"r-quoted","Ward 3, nights",4,4,2,3,3']
    rows += [f"respondent-{i:07d}-padding-to-make-the-file-longer,Ward {i % 7},4,3,2,5,4" for i in range(20_000)]
    text = "\n".join(rows) + "\n"
    assert len(text) > 1 << 20
    result = score(framework, text)
    assert result.total.figure("fairness").n == 20_001
