"""Loading: the valid pack loads; a broken pack yields one located report; overlays merge."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import secondvictim_core as sv
from secondvictim_core.models import Signpost

PACKS = Path(__file__).parent / "packs"

TODAY = dt.date(2026, 11, 25)


def test_valid_pack_loads_with_every_kind(valid_pack: Path, pm) -> None:  # type: ignore[no-untyped-def]
    bundle = sv.load(valid_pack, today=TODAY, plugins=pm)
    assert len(bundle) == 21
    assert set(bundle.kinds) == {
        "guidance", "faq", "page", "support_ladder", "support_level", "signpost", "recovery_stage",
        "warning_sign", "coping_strategy", "story", "case_study", "assessment_framework",
        "decision_flow", "question",
    }
    assert bundle.report.problems == ()
    # The sidecar body was read.
    assert "Talking can help" in bundle.get("not-alone").body  # type: ignore[union-attr]


def test_broken_pack_reports_every_problem_with_location(pm) -> None:  # type: ignore[no-untyped-def]
    pack = PACKS / "invalid" / "broken"
    bundle, report = sv.load_report(pack, today=TODAY, plugins=pm)
    assert bundle is None
    expected = (pack / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert [p.render() for p in report.problems] == expected
    codes = {p.code for p in report.problems}
    # bad YAML, wrong types, duplicate id, dangling reference, PII, alias bomb, invalid UTF-8
    assert {"SV101", "SV120", "SV201", "SV202", "SV310", "SV104", "SV102"} <= codes


def test_load_raises_content_error_carrying_problems(pm) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(sv.ContentError) as info:
        sv.load(PACKS / "invalid" / "broken", today=TODAY, plugins=pm)
    assert len(info.value.problems) == 14
    assert "14 error(s)" in str(info.value)


def test_pii_matches_are_never_echoed_in_full(pm) -> None:  # type: ignore[no-untyped-def]
    _, report = sv.load_report(PACKS / "invalid" / "broken", today=TODAY, plugins=pm)
    rendered = report.render()
    for secret in ("943 476 5919", "jane.doe@example.nhs.uk", "0113 496 0000", "LS1 4AP"):
        assert secret not in rendered


def test_organisation_overlay_overrides_hides_and_adds(valid_pack: Path, pm) -> None:  # type: ignore[no-untyped-def]
    bundle = sv.load(valid_pack, [PACKS / "overlay-org"], today=TODAY, plugins=pm)
    assert bundle.display_term == "colleague involved in an incident"
    assert "helpline" not in bundle and bundle.is_hidden("helpline")
    with pytest.raises(KeyError, match="hidden by an overlay"):
        bundle.get("helpline")
    oh = bundle.get("local-occupational-health")
    assert isinstance(oh, Signpost) and not oh.local_slot
    assert oh.channels[0].value == "029 2018 0000"
    assert "case-local" in bundle
    assert bundle.settings.overlays == ["test-trust"]


def test_overlay_problem_names_the_overlay_file_and_line(tmp_path: Path, valid_pack: Path, pm) -> None:  # type: ignore[no-untyped-def]
    overlay = tmp_path / "bad-overlay"
    overlay.mkdir()
    (overlay / "overlay.yaml").write_text(
        "schema_version: 1\nid: bad\nname: Bad\noverride:\n  crisis-line:\n"
        "    channels: [{type: phone, value: '12'}]\n  nope:\n    title: X\n",
        encoding="utf-8",
    )
    _, report = sv.load_report(valid_pack, [overlay], today=TODAY, plugins=pm)
    rendered = [p.render() for p in report.problems]
    assert any(r.startswith("bad-overlay/overlay.yaml:6:") and "SV120" in r for r in rendered), rendered
    assert any(r.startswith("bad-overlay/overlay.yaml:7:") and "SV206" in r for r in rendered), rendered


def test_locale_overlay_translates_with_fallback(valid_pack: Path, pm) -> None:  # type: ignore[no-untyped-def]
    bundle, report = sv.load_report(valid_pack, [PACKS / "overlay-cy"], "cy-GB", today=TODAY, plugins=pm)
    assert bundle is not None
    about = bundle.get("about")
    assert about.title == "Amdanom ni" and about.locale == "cy-GB"
    assert bundle.get("faq-psirf").title == "What is PSIRF?"  # fallback to en-GB
    assert "faq-psirf" in bundle.settings.untranslated
    assert "about" not in bundle.settings.untranslated
    assert [p.code for p in report.warnings] == ["SV340"]


def test_merge_is_deterministic(valid_pack: Path, pm) -> None:  # type: ignore[no-untyped-def]
    overlays = [PACKS / "overlay-org"]
    one = sv.load(valid_pack, overlays, today=TODAY, plugins=pm).to_json()
    two = sv.load(valid_pack, overlays, today=TODAY, plugins=pm).to_json()
    assert one == two


def test_signposts_crisis_first_and_filtered_by_nation(valid_pack: Path, pm) -> None:  # type: ignore[no-untyped-def]
    bundle = sv.load(valid_pack, today=TODAY, plugins=pm)
    ids = [s.id for s in bundle.signposts(audience="second_victim", nation="scotland")]
    assert ids == ["emergency", "crisis-line", "local-occupational-health"]
    wales = [s.id for s in bundle.signposts(audience="second_victim", nation="wales")]
    assert wales[:2] == ["emergency", "crisis-line"] and "helpline" in wales


def test_ladder_and_queries(valid_pack: Path, pm) -> None:  # type: ignore[no-untyped-def]
    bundle = sv.load(valid_pack, today=TODAY, plugins=pm)
    ladder, levels = bundle.ladder()
    assert ladder.id == "ladder" and [lv.rank for lv in levels] == [1, 2, 3]
    assert {i.id for i in bundle.query(kind="faq", jurisdiction="england")} == {"faq-psirf"}
    assert bundle.query(kind="faq", jurisdiction="wales") == ()
    with pytest.raises(AttributeError):
        bundle.items = ()  # type: ignore[misc]


def test_review_and_verification_dates_warn(valid_pack: Path, pm) -> None:  # type: ignore[no-untyped-def]
    _, report = sv.load_report(valid_pack, today=dt.date(2027, 6, 1), plugins=pm)
    codes = {p.code for p in report.warnings}
    assert codes == {"SV301", "SV302"}
    assert report.valid  # warnings alone do not fail


def test_missing_manifest_is_a_problem(tmp_path: Path, pm) -> None:  # type: ignore[no-untyped-def]
    bundle, report = sv.load_report(tmp_path, plugins=pm)
    assert bundle is None
    assert [p.code for p in report.problems] == ["SV110"]


def test_warning_signs_by_support_level(valid_pack: Path, pm) -> None:  # type: ignore[no-untyped-def]
    bundle = sv.load(valid_pack, today=TODAY, plugins=pm)
    assert len(bundle.warning_signs()) == 3
    assert [s.id for s in bundle.warning_signs("level-3")] == ["sign-suicidal-thoughts"]
    assert [s.id for s in bundle.warning_signs("level-1")] == ["sign-tired"]
    with pytest.raises(KeyError, match="not a support_level"):
        bundle.warning_signs("ladder")
