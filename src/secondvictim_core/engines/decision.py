"""Walking a just culture decision flow (such as the NHS just culture guide's tests).

The flow is content: questions with a yes route and a no route, each leading to the
next question or to an outcome. A walk takes the answers a manager gave and returns
the route and the outcome's guidance, always with the flow's disclaimer: the flow is
an aid to a fair conversation, never a verdict about a person. So the walk refuses
to guess: a missing answer stops it (saying which question comes next), and an
answer to a question that is not on the route is an error rather than ignored.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..exceptions import SecondVictimError
from ..models import DecisionFlow, FlowOutcome, FlowQuestion, Route


class FlowError(SecondVictimError, ValueError):
    """The answers cannot be walked through the flow (unknown or off-route questions)."""


class IncompleteWalkError(FlowError):
    """The answers stop before an outcome; ``next_question`` is the one to answer next."""

    def __init__(self, message: str, route: tuple[Step, ...], next_question: FlowQuestion) -> None:
        self.route = route
        self.next_question = next_question
        super().__init__(message)


@dataclass(frozen=True)
class Step:
    """One question asked and the answer given."""

    question: FlowQuestion
    answer: bool


@dataclass(frozen=True)
class WalkResult:
    """Where the answers lead, and the disclaimer that must be shown with it."""

    flow: DecisionFlow
    route: tuple[Step, ...]
    """The questions asked, in order, with the answers."""
    outcome: FlowOutcome
    """Where the route ends: its guidance is for the conversation, not a verdict."""

    @property
    def disclaimer(self) -> str:
        """The flow's own words on what it is and is not; always shown with the outcome."""
        return self.flow.disclaimer

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; the disclaimer comes first."""
        return {
            "disclaimer": self.disclaimer,
            "flow": self.flow.id,
            "route": [
                {
                    "question": s.question.id,
                    "test": s.question.test,
                    "text": s.question.question,
                    "answer": "yes" if s.answer else "no",
                }
                for s in self.route
            ],
            "outcome": {
                "id": self.outcome.id,
                "title": self.outcome.title,
                "guidance": self.outcome.guidance,
            },
        }


def first_question(flow: DecisionFlow) -> FlowQuestion:
    """The question every walk starts with."""
    return _question(flow, flow.start)


def _question(flow: DecisionFlow, question_id: str) -> FlowQuestion:
    for question in flow.questions:
        if question.id == question_id:
            return question
    msg = f"flow {flow.id!r} routes to question {question_id!r}, which it does not have"
    raise FlowError(msg)


def _outcome(flow: DecisionFlow, outcome_id: str) -> FlowOutcome:
    for outcome in flow.outcomes:
        if outcome.id == outcome_id:
            return outcome
    msg = f"flow {flow.id!r} routes to outcome {outcome_id!r}, which it does not have"
    raise FlowError(msg)


def walk(flow: DecisionFlow, answers: Mapping[str, bool]) -> WalkResult:
    """Follow ``answers`` (question id -> yes/no) from the start to an outcome.

    Raises:
        FlowError: an answer names a question the flow does not have, or a question
            the route never reaches.
        IncompleteWalkError: the route needs an answer that was not given; the message
            names the next question.
    """
    ids = [q.id for q in flow.questions]
    unknown = [q for q in answers if q not in ids]
    if unknown:
        parts = []
        for qid in unknown:
            close = difflib.get_close_matches(qid, ids, n=1)
            parts.append(f"{qid!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        msg = f"flow {flow.id!r} has no question {', '.join(parts)}; its questions are: {', '.join(ids)}"
        raise FlowError(msg)
    route: list[Step] = []
    seen: set[str] = set()
    current = first_question(flow)
    while True:
        if current.id in seen:
            msg = f"flow {flow.id!r} loops back to question {current.id!r}"
            raise FlowError(msg)
        seen.add(current.id)
        if current.id not in answers:
            asked = " -> ".join(f"{s.question.id}={_word(s.answer)}" for s in route)
            so_far = f" after {asked}" if asked else ""
            msg = f"the walk is incomplete{so_far}: answer {current.id!r} next ({current.test}: {current.question})"
            raise IncompleteWalkError(msg, tuple(route), current)
        answer = bool(answers[current.id])
        route.append(Step(current, answer))
        step: Route = current.yes if answer else current.no
        if step.outcome is not None:
            outcome = _outcome(flow, step.outcome)
            break
        assert step.next is not None  # a Route has exactly one of next and outcome
        current = _question(flow, step.next)
    off_route = [q for q in answers if q not in seen]
    if off_route:
        path = " -> ".join(s.question.id for s in route)
        msg = (
            f"answers given to questions not on the route: {', '.join(off_route)} "
            f"(with these answers the route is {path} -> {outcome.id}); remove them or "
            "change an earlier answer"
        )
        raise FlowError(msg)
    return WalkResult(flow, tuple(route), outcome)


def _word(answer: bool) -> str:
    return "yes" if answer else "no"


def parse_answer(text: str) -> bool:
    """``yes``/``no`` (also y/n, true/false) as a bool; anything else is an error."""
    word = text.strip().lower()
    if word in ("yes", "y", "true"):
        return True
    if word in ("no", "n", "false"):
        return False
    msg = f"expected yes or no, got {text!r}"
    raise ValueError(msg)
