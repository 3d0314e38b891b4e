"""Action plans, the HTML report and form, and the files written for them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import lxml.html
import pytest
import yaml
from browser_support import STRICT_CSP, axe_violations, chromium, csp_report, format_violations, serve

from secondvictim_core.engines import (
    AssessmentResult,
    action_plan,
    compare_rounds,
    plan_to_csv,
    plan_to_dict,
    render_form,
    render_report,
    score_responses,
    write_assessment,
    write_template,
)
from secondvictim_core.engines.actions import CSV_COLUMNS
from secondvictim_core.models import AssessmentFramework

ENGINES = Path(__file__).parent / "engines"


@pytest.fixture(scope="module")
def framework() -> AssessmentFramework:
    doc = yaml.safe_load((ENGINES / "pack" / "framework.yaml").read_text(encoding="utf-8"))
    return AssessmentFramework.model_validate(doc)


def score(framework: AssessmentFramework, text: str, **kwargs: object) -> AssessmentResult:
    return score_responses(framework, io.StringIO(text), input_format="csv", **kwargs)  # type: ignore[arg-type]


def teams(rows: dict[str, list[str]]) -> str:
    lines = ["respondent,team,f1,f2,f3,l1,l2"]
    for team, answers in rows.items():
        lines += [f"{team}-{i},{team},{a}" for i, a in enumerate(answers)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def breakdown(framework: AssessmentFramework) -> AssessmentResult:
    """Three published teams, one tiny team (so one more is withheld), a hostile team name."""
    return score(
        framework,
        teams(
            {
                "Ward 1": ["5,5,1,4,4"] * 3 + ["4,4,2,3,3"] * 3,
                "Ward 2": ["3,3,3,2,2"] * 7,
                "<script>alert(1)</script>": ["2,2,4,1,2"] * 8,
                "Theatres": ["4,4,2,4,4"] * 9,
                "Pharmacy": ["1,1,5,1,1"] * 2,
            }
        ),
        by="team",
        round_label="2026-Q4",
    )


# -- action plan -----------------------------------------------------------------------------


def test_actions_follow_the_band_and_the_gap(framework: AssessmentFramework) -> None:
    # Hand-worked data: fairness 3.6 (Established, 0.65 to go), learning 3.1 (Developing, 0.4).
    result = score_responses(framework, ENGINES / "responses-hand.csv")
    plan = action_plan(result)
    assert [(p.priority, p.domain.id, p.band.id) for p in plan] == [
        (1, "learning", "developing"),
        (2, "fairness", "established"),
    ]
    assert [a.text for a in plan[0].actions] == ["Publish a quarterly report: you said, we did."]
    assert [a.text for a in plan[1].actions] == ["Share stories of fair responses."]


def test_a_top_band_domain_comes_last(framework: AssessmentFramework) -> None:
    rows = "".join(f"r{i},5,5,1,3,3\n" for i in range(5))
    plan = action_plan(score(framework, "respondent,f1,f2,f3,l1,l2\n" + rows))
    assert [(p.domain.id, p.band.id, p.figure.gap) for p in plan] == [
        ("learning", "developing", pytest.approx(0.5)),
        ("fairness", "leading", None),
    ]
    assert plan[1].actions == ()  # the framework lists no 'leading' action for fairness


def test_withheld_groups_get_no_plan(breakdown: AssessmentResult) -> None:
    groups = {p.group for p in action_plan(breakdown)}
    withheld = {g.name for g in breakdown.groups if g.suppressed}
    assert withheld == {"Pharmacy", "Ward 1"}
    assert groups == {None, "Ward 2", "<script>alert(1)</script>", "Theatres"}


def test_the_plan_as_csv_has_blank_owners(framework: AssessmentFramework) -> None:
    result = score_responses(framework, ENGINES / "responses-hand.csv")
    rows = list(csv.DictReader(io.StringIO(plan_to_csv(action_plan(result)))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r["group"], r["domain"], r["gap_to_next_band"], r["action"]) for r in rows] == [
        ("All respondents", "learning", "0.40", "Publish a quarterly report: you said, we did."),
        ("All respondents", "fairness", "0.65", "Share stories of fair responses."),
    ]
    assert all(r["owner"] == r["due_date"] == r["progress"] == "" for r in rows)


def test_the_plan_as_json(breakdown: AssessmentResult) -> None:
    doc = plan_to_dict(breakdown, action_plan(breakdown))
    assert [g["group"] for g in doc["groups"]] == ["<script>alert(1)</script>", "Theatres", "Ward 2"]
    first = doc["all"][0]
    assert first["priority"] == 1
    assert all(a["owner"] == "" for d in doc["all"] for a in d["actions"])


# -- HTML ------------------------------------------------------------------------------------


def page_problems(html: str) -> list[str]:
    """Anything that would break under a strict CSP, or leak an unescaped value."""
    tree = lxml.html.fromstring(html)
    found = [f"<{e.tag}>" for e in tree.iter("script", "style")]
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name in element.attrib:
            if name == "style" or name.startswith("on"):
                found.append(f"{element.tag}[{name}]")
    hrefs = [e.get("href") for e in tree.iter("link")]
    if hrefs != ["assessment.css"]:
        found.append(f"stylesheets {hrefs}")
    return found


def test_the_report_has_no_script_or_inline_style(breakdown: AssessmentResult) -> None:
    trend = compare_rounds(breakdown, breakdown)
    html = render_report(breakdown, trend)
    assert page_problems(html) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_report_chart_has_a_text_alternative(breakdown: AssessmentResult) -> None:
    tree = lxml.html.fromstring(render_report(breakdown))
    (svg,) = tree.iter("svg")
    assert svg.get("role") == "img"
    ids = svg.get("aria-labelledby").split()
    labels = [tree.get_element_by_id(i).text_content() for i in ids]
    assert labels[0].startswith("Mean score by domain")
    assert "Fair treatment" in labels[1]


def test_the_report_says_what_is_withheld(breakdown: AssessmentResult) -> None:
    tree = lxml.html.fromstring(render_report(breakdown))
    rows = {
        r.find("th").text_content(): r.text_content()
        for r in tree.get_element_by_id("groups-caption").getparent().iter("tr")
        if r.find("th") is not None
    }
    assert "Withheld to protect anonymity" in rows["Pharmacy"]
    assert "Withheld to protect anonymity" in rows["Ward 1"]
    assert "Withheld" not in rows["Theatres"]


def test_the_form_has_one_question_per_item(framework: AssessmentFramework) -> None:
    html = render_form(framework, ["team"])
    assert page_problems(html) == []
    tree = lxml.html.fromstring(html)
    fieldsets = [f for f in tree.iter("fieldset") if "item" in f.get("class", "")]
    assert len(fieldsets) == 5
    radios = fieldsets[2].findall(".//input")
    assert [r.get("value") for r in radios] == ["1", "2", "3", "4", "5"]
    assert {r.get("name") for r in radios} == {"f3"}
    assert tree.get_element_by_id("group-1").get("name") == "team"


def test_written_files_are_complete_and_repeatable(breakdown: AssessmentResult, tmp_path: Path) -> None:
    trend = compare_rounds(breakdown, breakdown)
    first = write_assessment(tmp_path / "a", breakdown, trend)
    second = write_assessment(tmp_path / "b", breakdown, trend)
    assert [p.name for p in first] == [
        "results.json",
        "action-plan.csv",
        "action-plan.json",
        "report.html",
        "assessment.css",
    ]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    results = json.loads((tmp_path / "a" / "results.json").read_text(encoding="utf-8"))
    assert results["trend"]["older_round"] == "2026-Q4"
    assert {"group": "Pharmacy", "suppressed": True} in results["groups"]
    assert not list(tmp_path.glob(".*partial"))


def test_writing_replaces_an_earlier_output_but_not_other_files(breakdown: AssessmentResult, tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_assessment(out, breakdown)
    write_assessment(out, breakdown)  # our own files: replaced whole
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError, match="holds other files"):
        write_assessment(out, breakdown)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_the_template_folder(framework: AssessmentFramework, tmp_path: Path) -> None:
    written = write_template(tmp_path / "t", framework, ["team", "profession"])
    assert [p.name for p in written] == ["responses-template.csv", "form.html", "assessment.css"]
    header = (tmp_path / "t" / "responses-template.csv").read_text(encoding="utf-8")
    assert header == "respondent,team,profession,f1,f2,f3,l1,l2\n"


# -- in a real browser -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def pages(
    breakdown: AssessmentResult, framework: AssessmentFramework, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    root = tmp_path_factory.mktemp("pages")
    older = score(
        framework,
        teams({"Ward 2": ["2,2,4,2,2"] * 7, "Theatres": ["3,3,3,3,3"] * 9}),
        by="team",
        round_label="2026-Q2",
    )
    write_assessment(root / "report", breakdown, compare_rounds(older, breakdown))
    write_template(root / "template", framework, ["team"])
    return root


@pytest.mark.browser
@pytest.mark.parametrize("page", ["report/report.html", "template/form.html"])
def test_pages_pass_axe(pages: Path, page: str) -> None:
    violations = axe_violations((pages / page).as_uri())
    assert not violations, format_violations(violations)


@pytest.mark.browser
@pytest.mark.parametrize("page", ["report/report.html", "template/form.html"])
def test_pages_work_under_a_strict_csp(pages: Path, page: str) -> None:
    folder, name = page.split("/")
    with chromium() as browser, serve(pages / folder, {"Content-Security-Policy": STRICT_CSP}) as url:
        report = csp_report(browser, f"{url}/{name}")
    assert report == {"violations": [], "stylesheets": 1}
