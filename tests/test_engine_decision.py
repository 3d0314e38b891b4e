"""Walking a just culture decision flow: routes, refusals, and the disclaimer."""

from __future__ import annotations

from pathlib import Path

import pytest

import secondvictim_core as sv
from secondvictim_core.engines import FlowError, IncompleteWalkError, first_question, walk
from secondvictim_core.engines.decision import parse_answer
from secondvictim_core.models import DecisionFlow

PACK = Path(__file__).parent / "engines" / "pack"


@pytest.fixture(scope="module")
def flow() -> DecisionFlow:
    item = sv.load(PACK).get("test-flow")
    assert isinstance(item, DecisionFlow)
    return item


def test_the_first_question(flow: DecisionFlow) -> None:
    assert first_question(flow).id == "deliberate-harm"


@pytest.mark.parametrize(
    ("answers", "route", "outcome"),
    [
        ({"deliberate-harm": True}, ["deliberate-harm"], "seek-advice"),
        ({"deliberate-harm": False, "health": True}, ["deliberate-harm", "health"], "health-support"),
        (
            {"deliberate-harm": False, "health": False, "foresight": True},
            ["deliberate-harm", "health", "foresight"],
            "system-review",
        ),
    ],
)
def test_answers_lead_to_an_outcome(
    flow: DecisionFlow, answers: dict[str, bool], route: list[str], outcome: str
) -> None:
    result = walk(flow, answers)
    assert [s.question.id for s in result.route] == route
    assert [s.answer for s in result.route] == [answers[q] for q in route]
    assert result.outcome.id == outcome


def test_the_disclaimer_always_comes_with_the_result(flow: DecisionFlow) -> None:
    result = walk(flow, {"deliberate-harm": True})
    assert result.disclaimer == flow.disclaimer
    doc = result.to_dict()
    assert next(iter(doc)) == "disclaimer"
    assert "aid to a fair conversation" in doc["disclaimer"]
    assert "not a verdict about a person" in doc["disclaimer"]
    assert doc["route"] == [
        {
            "question": "deliberate-harm",
            "test": "Deliberate harm test",
            "text": "Was there any intention to cause harm?",
            "answer": "yes",
        }
    ]


def test_an_incomplete_walk_says_which_question_is_next(flow: DecisionFlow) -> None:
    with pytest.raises(IncompleteWalkError) as exc:
        walk(flow, {"deliberate-harm": False})
    assert exc.value.next_question.id == "health"
    assert [s.question.id for s in exc.value.route] == ["deliberate-harm"]
    assert str(exc.value) == (
        "the walk is incomplete after deliberate-harm=no: answer 'health' next "
        "(Health test: Are there signs of ill health or substance misuse?)"
    )
    with pytest.raises(IncompleteWalkError, match=r"^the walk is incomplete: answer 'deliberate-harm'"):
        walk(flow, {})


def test_unknown_questions_are_errors(flow: DecisionFlow) -> None:
    with pytest.raises(FlowError) as exc:
        walk(flow, {"deliberate-harm": False, "helth": True})
    assert str(exc.value) == (
        "flow 'test-flow' has no question 'helth' (did you mean 'health'?); "
        "its questions are: deliberate-harm, health, foresight"
    )


def test_answers_off_the_route_are_errors(flow: DecisionFlow) -> None:
    with pytest.raises(FlowError) as exc:
        walk(flow, {"deliberate-harm": True, "health": False, "foresight": True})
    assert str(exc.value) == (
        "answers given to questions not on the route: health, foresight (with these answers "
        "the route is deliberate-harm -> seek-advice); remove them or change an earlier answer"
    )


def test_a_flow_that_loops_is_refused(flow: DecisionFlow) -> None:
    questions = list(flow.questions)
    questions[2] = questions[2].model_copy(
        update={"no": questions[2].no.model_copy(update={"outcome": None, "next": "health"})}
    )
    looping = flow.model_copy(update={"questions": questions})
    with pytest.raises(FlowError, match="loops back to question 'health'"):
        walk(looping, {"deliberate-harm": False, "health": False, "foresight": False})


def test_a_route_to_a_missing_outcome_is_reported(flow: DecisionFlow) -> None:
    broken = flow.model_copy(update={"outcomes": flow.outcomes[1:]})
    with pytest.raises(FlowError, match="routes to outcome 'seek-advice', which it does not have"):
        walk(broken, {"deliberate-harm": True})


@pytest.mark.parametrize(("text", "value"), [("yes", True), ("Y", True), (" no ", False), ("false", False)])
def test_parse_answer(text: str, value: bool) -> None:
    assert parse_answer(text) is value


def test_parse_answer_refuses_anything_else() -> None:
    with pytest.raises(ValueError, match="expected yes or no, got 'maybe'"):
        parse_answer("maybe")
