"""Scenario tests: whole sync runs against the emulator, with exact request counts.

Request floor (research §6.5), per run, token requests counted apart:
  first sync into the provisioned, empty list:  2 resolve GETs + 1 read + ceil(N/20) batches
  no-change re-sync (ids cached):                ceil(N/page) reads, no writes
  k changes (ids cached):                        ceil(N/page) reads + ceil(k/20) batches
"""

from __future__ import annotations

from typing import Any

import pytest
from secondvictim_sharepoint import RequestEvent, RetryPolicy, SharePointSync, SyncSettings
from secondvictim_sharepoint._model import content_hash
from secondvictim_sharepoint.emulator import Emulator
from sp_support import (
    PAGE,
    FakeItem,
    Runner,
    by_eid,
    ceil,
    client_for,
    content,
    content_items,
    graph_requests,
    items,
    provision,
)

N = 30


def _writes(emu: Emulator) -> list[dict[str, Any]]:
    return [e for e in emu.journal("batch-entry") if e["method"] != "GET"]


def test_first_sync_meets_the_floor(emu: Emulator) -> None:
    provision(emu)
    report = Runner(emu).sync(content(items(N)))
    assert report.ok, report.error
    assert report.items.created == N
    assert graph_requests(emu) == 3 + ceil(N, 20) == report.requests
    assert report.token_requests == 1 == len(emu.journal("token"))
    assert report.requests_by_phase == {"resolve": 2, "read": 1, "write": ceil(N, 20)}
    assert len(content_items(emu)) == N
    assert all(len(v) == 1 for v in by_eid(emu).values())
    one = by_eid(emu)["signpost:signpost-0003"][0]
    assert one["SvSource"] == "secondvictim" and one["SvStatus"] == "Active"
    assert one["SvContentHash"] == content_hash(one)  # the hash covers exactly what was written


def test_no_change_resync_is_reads_only(emu: Emulator) -> None:
    provision(emu)
    runner = Runner(emu)
    c = content(items(N))
    runner.sync(c)
    emu.clear_journal()
    report = runner.sync(c)
    assert report.items.unchanged == N and report.items.created == 0
    assert graph_requests(emu) == ceil(N, PAGE) == report.requests
    assert _writes(emu) == []
    assert emu.ru_total() == 2 * ceil(N, PAGE)


def test_no_change_without_id_cache_costs_two_more(emu: Emulator) -> None:
    provision(emu)
    c = content(items(N))
    Runner(emu).sync(c)
    emu.clear_journal()
    report = Runner(emu).sync(c)  # fresh state cache: site and list resolved again
    assert report.requests == ceil(N, PAGE) + 2


@pytest.mark.parametrize("k", [1, 3, 21])
def test_k_changes_cost_reads_plus_ceil_k_over_20(emu: Emulator, k: int) -> None:
    provision(emu)
    runner = Runner(emu)
    base = items(N)
    runner.sync(content(base))
    changed = [
        FakeItem(i.kind, i.id, i.title + " (revised)", extra=i.extra) if n < k else i for n, i in enumerate(base)
    ]
    emu.clear_journal()
    report = runner.sync(content(changed))
    assert report.items.updated == k and report.items.unchanged == N - k
    assert report.requests == ceil(N, PAGE) + ceil(k, 20)
    assert len(_writes(emu)) == k
    assert all(e["method"] == "PATCH" for e in _writes(emu))


def test_dry_run_changes_nothing_and_counts_requests(emu: Emulator) -> None:
    provision(emu)
    runner = Runner(emu)
    runner.sync(content(items(10)))
    emu.clear_journal()
    report = runner.sync(content(items(12, version="2")), dry_run=True)
    assert report.dry_run
    assert (report.items.created, report.items.updated) == (2, 10)
    assert report.planned_write_requests == 1
    assert _writes(emu) == [] and all(e["method"] == "GET" for e in emu.journal("graph"))
    assert {o.action for o in report.items.outcomes} == {"create", "update"}


def test_human_edit_is_reported_and_skipped_by_default(emu: Emulator) -> None:
    provision(emu)
    runner = Runner(emu)
    base = items(5)
    runner.sync(content(base))
    iid = int(by_eid(emu)["signpost:signpost-0002"][0]["_id"])
    emu.world.human_edit("SV Content", iid, {"SvSummary": "Edited by the comms team"})
    changed = [FakeItem(i.kind, i.id, i.title + " new", extra=i.extra) for i in base]
    report = runner.sync(content(changed))
    assert report.items.conflicts == 1 and report.items.updated == 4
    conflict = next(o for o in report.items.outcomes if o.action == "conflict")
    assert conflict.external_id == "signpost:signpost-0002" and "edited in SharePoint" in conflict.reason
    assert content_items(emu)[str(iid)]["SvSummary"] == "Edited by the comms team"


def test_human_edit_overwrite_and_fail_policies(emu: Emulator) -> None:
    provision(emu)
    runner = Runner(emu)
    base = items(5)
    runner.sync(content(base))
    iid = int(by_eid(emu)["signpost:signpost-0001"][0]["_id"])
    emu.world.human_edit("SV Content", iid, {"Title": "Hand-edited"})
    failed = runner.sync(content(base), on_conflict="fail")
    assert failed.exit_code == 1 and "on-conflict fail" in (failed.refused or "")
    assert content_items(emu)[str(iid)]["Title"] == "Hand-edited"
    fixed = runner.sync(content(base), on_conflict="overwrite")
    assert fixed.ok and fixed.items.updated == 1 and fixed.items.conflicts == 1
    assert content_items(emu)[str(iid)]["Title"] == "signpost 1 v1"


def test_edit_between_read_and_write_gets_412_then_replanned(emu: Emulator) -> None:
    """A person edits while the run is in flight: the write is refused (412), re-read, reported."""
    provision(emu)
    runner = Runner(emu)
    base = items(5)
    runner.sync(content(base))
    iid = int(by_eid(emu)["signpost:signpost-0004"][0]["_id"])
    done = []

    def edit_before_batch(ev: RequestEvent) -> None:
        if ev.phase == "before" and ev.url.endswith("$batch") and not done:
            done.append(1)
            emu.world.human_edit("SV Content", iid, {"SvSummary": "mid-run edit"})

    report = runner.sync(content(items(5, version="2")), hooks=(edit_before_batch,))
    assert report.items.updated == 4 and report.items.conflicts == 1
    assert 412 in [e["status"] for e in emu.journal("batch-entry")]
    assert content_items(emu)[str(iid)]["SvSummary"] == "mid-run edit"


def test_edit_of_a_column_we_do_not_own_is_not_a_conflict(emu: Emulator) -> None:
    """An ETag change without owned-value drift (e.g. a trust's own column) is updated normally."""
    provision(emu)
    client, _ = client_for(emu, admin=True, secret=True)
    site = client.get("/sites/svtest.sharepoint.com:/sites/StaffWellbeing")["id"]
    client.request("POST", f"/sites/{site}/lists/SV Content/columns", json={"name": "TrustNotes", "text": {}})
    runner = Runner(emu)
    runner.sync(content(items(3)))
    iid = int(by_eid(emu)["signpost:signpost-0000"][0]["_id"])
    emu.world.human_edit("SV Content", iid, {"TrustNotes": "reviewed by Jo"})
    report = runner.sync(content(items(3, version="2")))
    assert report.items.updated == 3 and report.items.conflicts == 0
    assert content_items(emu)[str(iid)]["TrustNotes"] == "reviewed by Jo"


def test_foreign_items_are_reported_and_never_touched(emu: Emulator) -> None:
    provision(emu)
    human = emu.world.human_add("SV Content", {"Title": "Our local helpline", "SvExternalId": "local:helpline"})
    impostor = emu.world.human_add("SV Content", {"Title": "Copied", "SvExternalId": "signpost:signpost-0001"})
    other_tool = emu.world.human_add(
        "SV Content", {"Title": "x", "SvExternalId": "signpost:zz", "SvSource": "another-tool"}
    )
    before = {k: dict(v) for k, v in content_items(emu).items()}
    runner = Runner(emu)
    report = runner.sync(content(items(3)), allow_delete=True, allow_mass_delete=True)
    assert report.items.foreign == 3
    assert report.items.created == 2  # signpost-0001 is blocked by the impostor
    assert report.items.conflicts == 1
    after = content_items(emu)
    for item in (human, impostor, other_tool):
        assert after[str(item.id)] == before[str(item.id)]
    again = runner.sync(content(items(3)), allow_delete=True, allow_mass_delete=True)
    assert again.items.foreign == 3 and not [e for e in emu.journal("batch-entry") if e["method"] == "DELETE"]


def test_removed_items_are_retired_then_deleted_only_with_allow_delete(emu: Emulator) -> None:
    provision(emu)
    runner = Runner(emu)
    runner.sync(content(items(10)))
    fewer = content(items(10)[:9])
    retired = runner.sync(fewer)
    assert retired.items.retired == 1
    gone = by_eid(emu)["signpost:signpost-0009"][0]
    assert gone["SvStatus"] == "Retired" and gone["SvContentHash"] == content_hash(gone)
    assert runner.sync(fewer).items.unchanged == 10  # already retired: stays put, no writes
    deleted = runner.sync(fewer, allow_delete=True)
    assert deleted.items.deleted == 1 and "signpost:signpost-0009" not in by_eid(emu)
    back = runner.sync(content(items(10)))
    assert back.items.created == 1


def test_retired_item_comes_back(emu: Emulator) -> None:
    provision(emu)
    runner = Runner(emu)
    runner.sync(content(items(10)))
    runner.sync(content(items(10)[:9]))
    report = runner.sync(content(items(10)))
    assert report.items.updated == 1
    assert by_eid(emu)["signpost:signpost-0009"][0]["SvStatus"] == "Active"


def test_mass_delete_guard(emu: Emulator) -> None:
    provision(emu)
    runner = Runner(emu)
    runner.sync(content(items(10)))
    emu.clear_journal()
    refused = runner.sync(content(items(10)[:7]))  # 3 of 10 = 30 % > 20 %
    assert refused.exit_code == 1 and "mass-delete guard" in (refused.refused or "")
    assert _writes(emu) == []
    allowed = runner.sync(content(items(10)[:7]), allow_mass_delete=True)
    assert allowed.ok and allowed.items.retired == 3


def test_filtered_run_never_deletes(emu: Emulator) -> None:
    provision(emu)
    runner = Runner(emu)
    runner.sync(content(items(4) + items(4, "faq")))
    report = runner.sync(content(items(4) + items(4, "faq"), kinds=["faq"]), full_set=False, allow_delete=True)
    assert report.items.deleted == 0 and report.items.retired == 0
    assert report.items.unchanged == 8
    assert len(content_items(emu)) == 8


def test_throttling_storm_with_ru_budget(emu: Emulator) -> None:
    """A tight RU budget: every write is still done once, waits are virtual and reported."""
    emu.set_config(ru_per_minute=40, fractional_retry_after=True)
    provision(emu)
    report = Runner(emu).sync(content(items(60)))
    assert report.ok, report.error
    assert report.items.created == 60 and len(by_eid(emu)) == 60
    assert report.throttled > 0 and report.throttled_wait_seconds > 0
    assert report.throttled_wait_seconds == int(report.throttled_wait_seconds)  # rounded up
    created = [e for e in emu.journal("batch-entry") if e["method"] == "POST" and e["status"] == 201]
    assert len(created) == 60


def test_throttling_beyond_the_wait_cap_stops_cleanly_and_next_run_resumes(emu: Emulator) -> None:
    provision(emu)
    runner = Runner(emu)
    emu.add_fault(method="POST", path="/items$", skip=25, times=0, status=429, retry_after="120")
    report = runner.sync(content(items(N)), retry=RetryPolicy(max_total_wait=100))
    assert report.exit_code == 1 and "cap" in (report.error or "")
    assert 0 < len(content_items(emu)) < N
    assert report.items.created == len(content_items(emu))  # what landed is still reported
    emu.clear_faults()
    resumed = runner.sync(content(items(N)))
    assert resumed.ok and len(by_eid(emu)) == N
    assert all(len(v) == 1 for v in by_eid(emu).values())


def test_token_expiry_mid_run(emu: Emulator) -> None:
    provision(emu)
    emu.add_fault(where="http", action="expire_tokens", path=r"\$batch", skip=1, times=1)
    report = Runner(emu).sync(content(items(50)))
    assert report.ok and report.items.created == 50
    assert report.token_requests == 2
    assert [e["status"] for e in emu.journal("graph") if e["path"] == "/$batch"].count(401) == 1


def test_connection_drop_after_create_batch_rereads_before_retrying(emu: Emulator) -> None:
    provision(emu)
    emu.add_fault(where="http", action="drop_after", path=r"\$batch", times=1)
    report = Runner(emu).sync(content(items(N)))
    assert report.ok, report.error
    assert report.items.created == N
    assert all(len(v) == 1 for v in by_eid(emu).values()) and len(by_eid(emu)) == N
    gets = [e for e in emu.journal("batch-entry") if e["method"] == "GET"]
    assert len(gets) == 20  # the lost envelope's creates were re-read by external id, in one batch
    assert "$filter" in gets[0]["query"]


def test_ambiguous_504_on_a_create_entry(emu: Emulator) -> None:
    provision(emu)
    emu.add_fault(method="POST", path="/items$", skip=3, times=2, status=504, code="gatewayTimeout")
    report = Runner(emu).sync(content(items(10)))
    assert report.ok and report.items.created == 10
    assert len(by_eid(emu)) == 10


def test_permanent_errors_are_reported_per_item(emu: Emulator) -> None:
    provision(emu)
    emu.add_fault(
        method="POST",
        path="/items$",
        skip=2,
        times=1,
        status=400,
        code="invalidRequest",
        message="Field 'SvData' is bad",
    )
    report = Runner(emu).sync(content(items(5)))
    assert report.exit_code == 1 and report.items.failed == 1 and report.items.created == 4
    failed = next(o for o in report.items.outcomes if o.action == "failed")
    assert failed.status == 400 and "invalidRequest" in (failed.error or "")


def test_sync_before_provision_says_what_to_do(emu: Emulator) -> None:
    report = Runner(emu).sync(content(items(2)))
    assert report.exit_code == 2 and "provision sharepoint" in (report.error or "")


def test_list_not_managed_by_us_is_refused(emu: Emulator) -> None:
    client, _ = client_for(emu, admin=True, secret=True)
    site = client.get("/sites/svtest.sharepoint.com:/sites/StaffWellbeing")["id"]
    client.request(
        "POST",
        f"/sites/{site}/lists",
        json={"displayName": "SV Content", "description": "mine", "columns": [{"name": "SvExternalId", "text": {}}]},
    )
    report = Runner(emu).sync(content(items(2)))
    assert report.exit_code == 2 and "not managed by this tool" in (report.error or "")


def test_write_role_cannot_provision(emu: Emulator) -> None:
    from secondvictim_sharepoint import AccessDeniedError

    client, _ = client_for(emu)
    with pytest.raises(AccessDeniedError):
        SharePointSync(client, SyncSettings(Emulator.SITE_URL)).provision()


# -- pages ---------------------------------------------------------------------------------


def _long_form(version: str = "1") -> list[FakeItem]:
    return [
        FakeItem("guidance", "after-an-incident", f"After an incident v{version}", extra={"body": f"Text {version}"}),
        FakeItem("story", "night-shift", "A night shift", extra={"body": "Story", "consent": None}),
        FakeItem("faq", "what-is-psii", "What is a PSII?", extra={"topic": "The investigation", "body": "An answer"}),
        FakeItem("faq", "do-i-write", "Do I write a statement?", extra={"topic": "The investigation", "body": "Yes"}),
        FakeItem("signpost", "samaritans", "Samaritans"),
    ]


def test_pages_first_sync_resync_and_change(emu: Emulator) -> None:
    provision(emu, pages=True)
    runner = Runner(emu)
    first = runner.sync(content(_long_form()), pages=True)
    assert first.ok, first.error
    assert first.pages.created == 3
    pages = emu.snapshot()["pages"]
    assert set(pages) == {
        "sv-guidance-after-an-incident.aspx",
        "sv-story-night-shift.aspx",
        "sv-faq-the-investigation.aspx",
    }
    assert all(p["level"] == "published" for p in pages.values())
    assert "What is a PSII?" in pages["sv-faq-the-investigation.aspx"]["html"]
    # items: 2 resolve + 1 read + 1 batch; manifest: 1 resolve + 1 read; pages: 1 create + 1 publish/manifest batch
    assert first.requests == 3 + 1 + 2 + 2
    emu.clear_journal()
    again = runner.sync(content(_long_form()), pages=True)
    assert again.pages.unchanged == 3 and again.requests == 2  # items page + manifest page
    emu.clear_journal()
    changed = runner.sync(content(_long_form("2")), pages=True)
    assert changed.pages.updated == 1 and changed.items.updated == 1
    assert changed.requests == 2 + 1 + 1  # reads, one item batch, one page chain batch
    page = emu.snapshot()["pages"]["sv-guidance-after-an-incident.aspx"]
    assert "Text 2" in page["html"] and page["level"] == "published" and page["version"] == "2.0"


def test_withheld_story_is_not_published(emu: Emulator) -> None:
    provision(emu, pages=True)
    story = FakeItem(
        "story",
        "real-person",
        "A real story",
        extra={"body": "x", "consent": {"reference": "C-1", "granted": "2025-01-01", "scope": ["moodle"]}},
    )
    report = Runner(emu).sync(content([story]), pages=True)
    assert report.withheld == {"story:real-person": "consent does not cover SharePoint or the intranet"}
    assert content_items(emu) == {} and emu.snapshot()["pages"] == {}


def test_pages_retire_and_delete(emu: Emulator) -> None:
    provision(emu, pages=True)
    runner = Runner(emu)
    runner.sync(content(_long_form()), pages=True)
    without = [i for i in _long_form() if i.kind != "guidance"]
    report = runner.sync(content(without), pages=True, allow_mass_delete=True)
    assert report.pages.retired == 1 and report.items.retired == 1
    page = emu.snapshot()["pages"]["sv-guidance-after-an-incident.aspx"]
    assert "retired" in page["html"] and page["level"] == "published"
    report = runner.sync(content(without), pages=True, allow_delete=True, allow_mass_delete=True)
    assert report.pages.deleted == 1
    assert "sv-guidance-after-an-incident.aspx" not in emu.snapshot()["pages"]


def test_page_deleted_by_a_person_is_recreated(emu: Emulator) -> None:
    provision(emu, pages=True)
    runner = Runner(emu)
    runner.sync(content(_long_form()), pages=True)
    page = emu.snapshot()["pages"]["sv-guidance-after-an-incident.aspx"]
    del emu.world.site.pages[page["id"]]
    report = runner.sync(content(_long_form("2")), pages=True)
    assert report.ok, report.pages.outcomes
    assert "sv-guidance-after-an-incident.aspx" in emu.snapshot()["pages"]
    assert any("re-created" in o.reason for o in report.pages.outcomes)


def test_page_name_taken_by_a_person_is_left_alone(emu: Emulator) -> None:
    provision(emu, pages=True)
    client, _ = client_for(emu)
    site = client.get("/sites/svtest.sharepoint.com:/sites/StaffWellbeing")["id"]
    client.request(
        "POST",
        f"/sites/{site}/pages",
        json={"@odata.type": "#microsoft.graph.sitePage", "name": "sv-story-night-shift.aspx", "title": "Mine"},
    )
    report = Runner(emu).sync(content(_long_form()), pages=True)
    assert report.pages.conflicts == 1 and report.pages.created == 2
    assert emu.snapshot()["pages"]["sv-story-night-shift.aspx"]["title"] == "Mine"


def test_default_pack_end_to_end(emu: Emulator) -> None:
    """The real content: every item and long-form page lands, and a re-run writes nothing."""
    core = pytest.importorskip("secondvictim_core")
    from secondvictim_sharepoint import content_from_bundle

    try:
        bundle = core.load()
    except core.ContentError as exc:  # pragma: no cover - while the pack is being edited
        pytest.skip(f"default pack does not load: {exc}")
    c = content_from_bundle(bundle)
    provision(emu, pages=True)
    runner = Runner(emu)
    first = runner.sync(c, pages=True)
    assert first.ok, (first.error, [o for o in first.items.outcomes + first.pages.outcomes if o.action == "failed"])
    assert first.items.created == len(c.records) and first.pages.created == len(c.pages)
    pages = emu.snapshot()["pages"]
    assert len(pages) == len(c.pages) and all(p["level"] == "published" for p in pages.values())
    assert all("<script" not in p["html"] for p in pages.values())
    emu.clear_journal()
    again = runner.sync(c, pages=True)
    assert again.items.unchanged == len(c.records) and again.pages.unchanged == len(c.pages)
    assert again.requests == ceil(len(c.records), PAGE) + ceil(len(c.pages), PAGE)
    assert not [e for e in emu.journal("batch-entry") if e["method"] != "GET"]
