"""Quality gates for the default content pack, enforced by tests rather than by promise."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

import secondvictim_core as sv
from secondvictim_core.builtin.lints import FLAGGED_PHRASES
from secondvictim_core.models import Signpost
from secondvictim_core.readability import reading_levels

ROOT = Path(__file__).parent.parent
TODAY = dt.date(2026, 11, 25)
MINIMUMS = {
    "guidance": 14, "faq": 20, "story": 6, "case_study": 5, "warning_sign": 25, "coping_strategy": 12,
    "recovery_stage": 6, "question": 20, "assessment_framework": 1, "decision_flow": 1, "page": 2,
}


@pytest.fixture(scope="module")
def bundle() -> sv.Bundle:
    return sv.load(today=TODAY)


def test_validate_is_clean_with_no_warnings() -> None:
    done = subprocess.run([sys.executable, "-m", "secondvictim_core.cli", "validate", str(ROOT / "content"),
                           "--strict", "--today", TODAY.isoformat()], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 error(s), 0 warning(s)" in done.stdout


def test_pack_has_the_minimum_content(bundle: sv.Bundle) -> None:
    counts = {kind: len(bundle.of_kind(kind)) for kind in MINIMUMS}
    assert all(counts[k] >= n for k, n in MINIMUMS.items()), counts
    framework = bundle.get("just-culture-self-assessment")
    assert sum(len(d.items) for d in framework.domains) >= 35  # type: ignore[union-attr]
    assert len(framework.bands) >= 4  # type: ignore[union-attr]
    for domain in framework.domains:  # type: ignore[union-attr]
        assert {a.band for a in domain.actions} == {b.id for b in framework.bands}  # type: ignore[union-attr]
        assert any(i.reverse for i in domain.items)
    assert {p.role.value for p in bundle.of_kind("page")} >= {"about", "accessibility"}  # type: ignore[union-attr]


def test_every_item_is_sourced_owned_and_dated(bundle: sv.Bundle) -> None:
    for item in bundle:
        assert item.sources and all(s.seen <= TODAY for s in item.sources), item.id
        assert item.review.owner and item.review.next_review_due > item.review.last_reviewed, item.id


def test_signposts_are_verified_and_slots_are_marked(bundle: sv.Bundle) -> None:
    slots = {"local-occupational-health", "local-peer-support-team", "local-chaplaincy", "local-trade-union",
             "local-employee-assistance"}
    posts = bundle.of_kind(Signpost)
    assert {s.id for s in posts if s.local_slot} == slots
    for post in posts:
        if not post.local_slot:
            assert post.last_verified and post.verify_by and post.verify_by > TODAY, post.id
    assert any(s.emergency for s in posts)
    crisis_nations = {j.value for s in posts if s.crisis for j in s.jurisdictions}
    assert {"england", "wales", "scotland", "northern_ireland"} <= crisis_nations | {"uk"} or "uk" in crisis_nations


def test_red_flag_signs_route_to_crisis_services_first(bundle: sv.Bundle) -> None:
    red = [s for s in bundle.of_kind("warning_sign") if s.red_flag]  # type: ignore[union-attr]
    assert red, "the pack must mark red-flag signs"
    _, levels = bundle.ladder()
    top = levels[-1]
    assert all(s.support_level == top.id for s in red)
    assert any(bundle.get(p).crisis for p in top.signposts if p in bundle)  # type: ignore[union-attr]


def test_stories_are_labelled_composites(bundle: sv.Bundle) -> None:
    stories = bundle.of_kind("story")
    professions = {s.profession.lower() for s in stories}  # type: ignore[union-attr]
    assert len(professions) >= 6
    for story in stories:
        assert story.composite and story.themes_from and story.content_warnings, story.id  # type: ignore[union-attr]
        assert "composite" in story.body.lower()[:400], story.id  # type: ignore[union-attr]


def test_no_flagged_phrase_anywhere(bundle: sv.Bundle) -> None:
    text = bundle.to_json()
    for pattern, _ in FLAGGED_PHRASES:
        assert not pattern.search(text), pattern.pattern


def test_reading_level(bundle: sv.Bundle, request: pytest.FixtureRequest) -> None:
    """SMOG per item: staff-facing <= 11, none above 14. The report goes into the test output."""
    levels = reading_levels(bundle.items)
    request.config.sv_reading_levels = levels  # type: ignore[attr-defined]  # printed by conftest
    too_hard = [(lv.id, lv.grade, lv.limit) for lv in levels if not lv.ok]
    assert too_hard == []



def test_example_trust_overlay_fills_slots_changes_term_and_hides_one_item() -> None:
    bundle, report = sv.load_report(overlays=[ROOT / "examples" / "example-trust"], today=TODAY)
    assert bundle is not None and report.problems == ()
    assert bundle.display_term == "colleague involved in a patient safety incident"
    assert bundle.settings.hidden == ["doctors-support-network"]
    assert not any(s.local_slot for s in bundle.of_kind(Signpost))
    assert bundle.get("local-occupational-health").title == "Occupational Health at Example FT"
