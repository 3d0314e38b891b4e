"""The signs check: levels from the ladder data, the rank fallback and the red-flag override."""

from __future__ import annotations

from pathlib import Path

import pytest

import secondvictim_core as sv
from secondvictim_core import Bundle
from secondvictim_core.engines import UnknownLadderError, UnknownSignError, signs_check

ENGINES = Path(__file__).parent / "engines"
PACK = ENGINES / "pack"


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return sv.load(PACK)


@pytest.fixture(scope="module")
def wales() -> Bundle:
    """An organisation in Wales that chose the five-level ladder."""
    return sv.load(PACK, [ENGINES / "overlay-wales"])


def ids(items: object) -> list[str]:
    return [i.id for i in items]  # type: ignore[attr-defined]


def test_no_signs_gives_the_lowest_level(bundle: Bundle) -> None:
    result = signs_check(bundle, [])
    assert (result.ladder.id, result.level.id, result.reason) == ("three-tier", "tier-1", ())
    assert not result.urgent
    assert result.manager_guidance.startswith("Guidance for tier-1")
    assert ids(result.signposts) == ["peer-support"]


def test_the_highest_level_any_sign_calls_for(bundle: Bundle) -> None:
    result = signs_check(bundle, ["poor-sleep", "intrusive-memories", "avoiding-work"])
    assert result.level.id == "tier-2"
    assert ids(result.reason) == ["intrusive-memories", "avoiding-work"]
    assert [(a.sign.id, a.level.id, a.how) for a in result.assessed] == [
        ("poor-sleep", "tier-1", "listed"),
        ("intrusive-memories", "tier-2", "listed"),
        ("avoiding-work", "tier-2", "listed"),
    ]
    assert ids(result.signposts) == ["peer-support", "occupational-health"]


def test_a_sign_no_level_lists_uses_its_own_level(bundle: Bundle) -> None:
    (assessed,) = signs_check(bundle, ["feeling-numb"]).assessed
    assert (assessed.level.id, assessed.how) == ("tier-2", "own")


def test_a_red_flag_puts_crisis_services_first_whatever_else_is_selected(bundle: Bundle) -> None:
    result = signs_check(bundle, ["poor-sleep", "suicidal-thoughts", "intrusive-memories"])
    assert result.urgent and ids(result.red_flags) == ["suicidal-thoughts"]
    assert result.level.id == "tier-3"
    # Nation not known: 999 first, then every nation's crisis lines, then the level's services.
    assert ids(result.signposts) == [
        "emergency-999",
        "lifeline",
        "nhs-111-mental-health",
        "nhs-111-wales",
        "samaritans",
        "occupational-health",
        "practitioner-health",
    ]
    assert result.nation is None


def test_crisis_services_are_for_the_organisations_nation(wales: Bundle) -> None:
    result = signs_check(wales, ["suicidal-thoughts"])
    assert (result.ladder.id, result.level.id) == ("five-level", "five-5")
    assert result.nation is sv.models.Jurisdiction.WALES
    # 999 always; Wales' crisis line, not England's or Northern Ireland's; the English
    # Practitioner Health service on this level is not offered in Wales.
    assert ids(result.signposts) == ["emergency-999", "nhs-111-wales", "samaritans"]


def test_a_red_flag_overrides_even_on_a_low_level(tmp_path: Path) -> None:
    # An overlay that (unwisely) lists the red flag on the lowest level: crisis still comes first.
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "overlay.yaml").write_text(
        "schema_version: 1\nid: low\nname: Low\ntype: organisation\n"
        "organisation: {name: Test Trust, jurisdiction: england}\n"
        "override:\n"
        "  tier-1: {signs: [poor-sleep, suicidal-thoughts], signposts: [peer-support, samaritans]}\n"
        "  tier-3: {signs: [panic-attacks], signposts: [occupational-health, practitioner-health, samaritans]}\n",
        encoding="utf-8",
    )
    result = signs_check(sv.load(PACK, [overlay]), ["suicidal-thoughts"])
    assert result.level.id == "tier-1"
    assert ids(result.signposts) == [
        "emergency-999",
        "nhs-111-mental-health",
        "samaritans",
        "peer-support",
    ]


def test_a_sign_the_ladder_does_not_list_maps_to_the_nearest_rank(wales: Bundle) -> None:
    result = signs_check(wales, ["intrusive-memories", "panic-attacks"])
    # Own levels tier-2 (rank 2) and tier-3 (rank 3) -> five-2 and five-3.
    assert [(a.sign.id, a.level.id, a.how) for a in result.assessed] == [
        ("intrusive-memories", "five-2", "nearest"),
        ("panic-attacks", "five-3", "nearest"),
    ]
    assert (result.level.id, ids(result.reason)) == ("five-3", ["panic-attacks"])
    # Listed on five-2 even though its own level is tier-1 (rank 1).
    assert signs_check(wales, ["poor-sleep"]).level.id == "five-2"


def test_a_rank_between_two_levels_goes_to_the_higher(bundle: Bundle) -> None:
    # A two-level ladder with ranks 1 and 3: a rank-2 sign is equally near both; offer more.
    ladder = bundle.get("three-tier").model_copy(update={"id": "two-level", "default": False})
    low = bundle.get("tier-1").model_copy(update={"id": "two-1", "ladder": "two-level", "signs": []})
    high = bundle.get("tier-3").model_copy(update={"id": "two-3", "ladder": "two-level", "signs": []})
    two = Bundle(bundle.manifest, bundle.settings, [*bundle.items, ladder, low, high])
    (assessed,) = signs_check(two, ["intrusive-memories"], ladder="two-level").assessed
    assert (assessed.level.id, assessed.how) == ("two-3", "nearest")


def test_behaviour_comes_from_the_ladder_data(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "overlay.yaml").write_text(
        "schema_version: 1\nid: strict\nname: Strict\ntype: organisation\n"
        "override:\n  tier-3: {signs: [panic-attacks, suicidal-thoughts, poor-sleep]}\n",
        encoding="utf-8",
    )
    assert signs_check(sv.load(PACK), ["poor-sleep"]).level.id == "tier-1"
    assert signs_check(sv.load(PACK, [overlay]), ["poor-sleep"]).level.id == "tier-3"


def test_unknown_ids_are_all_named(bundle: Bundle) -> None:
    with pytest.raises(UnknownSignError) as exc:
        signs_check(bundle, ["poor-sleeep", "samaritans", "poor-sleep", "nothing-like-it"])
    assert exc.value.unknown == ("poor-sleeep", "samaritans", "nothing-like-it")
    assert str(exc.value) == (
        "unknown warning sign ids: 'poor-sleeep' is not a warning sign (did you mean "
        "'poor-sleep'?); 'samaritans' is a signpost, not a warning sign; "
        "'nothing-like-it' is not a warning sign"
    )


def test_an_unknown_ladder(bundle: Bundle) -> None:
    with pytest.raises(
        UnknownLadderError, match=r"^no support ladder 'nine-level'; ladders in this bundle: five-level, three-tier$"
    ):
        signs_check(bundle, ["poor-sleep"], ladder="nine-level")


def test_the_bundle_exposes_the_check(bundle: Bundle) -> None:
    result = bundle.signs_check(["panic-attacks"], ladder="five-level")
    assert result.level.id == "five-3"
    doc = result.to_dict()
    assert doc["level"]["id"] == "five-3" and doc["reason"] == ["panic-attacks"]
    assert doc["signs"] == [
        {"id": "panic-attacks", "title": "Panic attacks", "level": "five-3", "how": "nearest", "red_flag": False}
    ]
