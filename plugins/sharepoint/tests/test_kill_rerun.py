"""Kill a run at every request, before and after sending, then run again: the site converges.

"Converges" means: the same items with the same values as an uninterrupted run, no external id
twice, the foreign items exactly as a person left them, and every page published once.
"""

from __future__ import annotations

from typing import Any

import pytest
from secondvictim_sharepoint import RequestEvent
from secondvictim_sharepoint.emulator import Emulator
from sp_support import FakeItem, Runner, content, items, provision


class Killed(BaseException):
    """Stands in for SIGKILL: nothing in the engine may catch it."""


def _content_a() -> list[FakeItem]:
    return [
        *items(12),
        FakeItem("guidance", "after-an-incident", "After an incident", extra={"body": "v1"}),
        FakeItem("guidance", "old-advice", "Old advice", extra={"body": "old"}),
        FakeItem("faq", "q1", "Q1?", extra={"topic": "Process", "body": "a"}),
    ]


def _content_b() -> list[FakeItem]:
    kept = items(12)[:11]  # one removed -> retired
    changed = [
        FakeItem(i.kind, i.id, i.title + " (revised)", extra=i.extra) if n < 3 else i for n, i in enumerate(kept)
    ]
    return (
        changed
        + items(32)[12:32]
        + [  # 20 new: two item batches
            FakeItem("guidance", "after-an-incident", "After an incident", extra={"body": "v2"}),
            FakeItem("story", "night-shift", "A night shift", extra={"body": "story"}),
            FakeItem("faq", "q1", "Q1?", extra={"topic": "Process", "body": "a"}),
        ]
    )


def _state(emu: Emulator) -> dict[str, Any]:
    snap = emu.snapshot()
    lists = {}
    for name, lst in snap["lists"].items():
        rows = sorted(
            ({k: v for k, v in f.items() if k not in {"_etag", "SvPageId"}} for f in lst["items"].values()),
            key=lambda f: (str(f.get("SvExternalId")), str(f.get("Title"))),
        )
        lists[name] = rows
    pages = {n: (p["title"], p["html"], p["level"], p["description"]) for n, p in snap["pages"].items()}
    return {"lists": lists, "pages": pages}


def _setup(emu: Emulator) -> None:
    emu.world.reset()
    provision(emu, pages=True)
    emu.world.human_add("SV Content", {"Title": "Local helpline", "SvExternalId": "local:helpline"})
    emu.world.human_add("SV Sync Manifest", {"Title": "hand", "SvExternalId": "page-x:y"})


def _killer(at: int, phase: str) -> Any:
    seen = {"n": 0}

    def hook(ev: RequestEvent) -> None:
        if ev.phase != phase:
            return
        seen["n"] += 1
        if seen["n"] == at:
            raise Killed

    return hook


def _policy() -> dict[str, Any]:
    return {"allow_mass_delete": True}


@pytest.fixture(scope="module")
def reference() -> tuple[dict[str, Any], int, int]:
    """The uninterrupted result, and how many requests each run makes."""
    with Emulator(secret_seed="kill") as emu:
        emu.set_config(page_size=7)
        _setup(emu)
        runner = Runner(emu)
        first = runner.sync(content(_content_a()), pages=True, **_policy())
        second = runner.sync(content(_content_b()), pages=True, **_policy())
        assert first.ok and second.ok, (first.error, second.error)
        return _state(emu), first.requests, second.requests


def _check(state: dict[str, Any], expected: dict[str, Any]) -> None:
    eids = [r["SvExternalId"] for r in state["lists"]["SV Content"]]
    assert len(eids) == len(set(eids)), "duplicate external ids"
    assert state == expected


@pytest.mark.parametrize("phase", ["before", "after"])
def test_kill_during_second_run_at_every_request(reference: tuple[dict[str, Any], int, int], phase: str) -> None:
    expected, _, requests_b = reference
    assert requests_b >= 6
    with Emulator(secret_seed="kill") as emu:
        emu.set_config(page_size=7)
        for at in range(1, requests_b + 1):
            _setup(emu)
            runner = Runner(emu)
            assert runner.sync(content(_content_a()), pages=True, **_policy()).ok
            with pytest.raises(Killed):
                runner.sync(content(_content_b()), pages=True, hooks=(_killer(at, phase),), **_policy())
            rerun = runner.sync(content(_content_b()), pages=True, **_policy())
            assert rerun.ok, (at, rerun.error, rerun.items.outcomes, rerun.pages.outcomes)
            _check(_state(emu), expected)
            assert rerun.items.foreign == 1 and rerun.pages.foreign == 1


@pytest.mark.parametrize("phase", ["before", "after"])
def test_kill_during_first_run_at_every_request(reference: tuple[dict[str, Any], int, int], phase: str) -> None:
    expected, requests_a, _ = reference
    with Emulator(secret_seed="kill") as emu:
        emu.set_config(page_size=7)
        for at in range(1, requests_a + 1):
            _setup(emu)
            runner = Runner(emu)
            with pytest.raises(Killed):
                runner.sync(content(_content_a()), pages=True, hooks=(_killer(at, phase),), **_policy())
            assert runner.sync(content(_content_a()), pages=True, **_policy()).ok
            assert runner.sync(content(_content_b()), pages=True, **_policy()).ok
            _check(_state(emu), expected)


def test_connection_dropped_after_every_request(reference: tuple[dict[str, Any], int, int]) -> None:
    """The server applies the request, then the connection dies: the run itself recovers."""
    expected, _, requests_b = reference
    with Emulator(secret_seed="kill") as emu:
        emu.set_config(page_size=7)
        for skip in range(requests_b):
            _setup(emu)
            runner = Runner(emu)
            assert runner.sync(content(_content_a()), pages=True, **_policy()).ok
            emu.add_fault(where="http", action="drop_after", skip=skip, times=1)
            report = runner.sync(content(_content_b()), pages=True, **_policy())
            emu.clear_faults()
            assert report.ok, (skip, report.error, report.items.outcomes, report.pages.outcomes)
            _check(_state(emu), expected)
