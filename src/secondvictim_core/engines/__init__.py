"""Engines: pure functions over the content and plain inputs.

- :mod:`.assessment` scores Just Culture self-assessment responses, protects
  anonymity and compares rounds; :mod:`.actions` turns results into an action plan;
  :mod:`.report` writes the HTML report and the blank response form.
- :mod:`.signs` recommends a support level for the warning signs someone sees.
- :mod:`.decision` walks a just culture decision flow.

Every rule (scales, reverse items, bands, actions, the anonymity floor, ladders,
red flags, flow routes) comes from the content, so an organisation changes it with
an overlay, not with code.
"""

from __future__ import annotations

from .actions import PlannedDomain, action_plan, plan_to_csv, plan_to_dict
from .assessment import (
    OVERALL,
    AssessmentResult,
    Change,
    Figure,
    GroupResult,
    ResponsesError,
    Trend,
    compare_rounds,
    load_results,
    response_template_csv,
    score_responses,
)
from .decision import FlowError, IncompleteWalkError, Step, WalkResult, first_question, walk
from .report import render_form, render_report, write_assessment, write_template
from .signs import SignLevel, SignsCheckResult, UnknownLadderError, UnknownSignError, signs_check

__all__ = [
    "OVERALL",
    "AssessmentResult",
    "Change",
    "Figure",
    "FlowError",
    "GroupResult",
    "IncompleteWalkError",
    "PlannedDomain",
    "ResponsesError",
    "SignLevel",
    "SignsCheckResult",
    "Step",
    "Trend",
    "UnknownLadderError",
    "UnknownSignError",
    "WalkResult",
    "action_plan",
    "compare_rounds",
    "first_question",
    "load_results",
    "plan_to_csv",
    "plan_to_dict",
    "render_form",
    "render_report",
    "response_template_csv",
    "score_responses",
    "signs_check",
    "walk",
    "write_assessment",
    "write_template",
]
