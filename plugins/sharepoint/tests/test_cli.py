"""The CLI through the core's ``secondvictim`` front end, settings, secrets, the emulator's own CLI."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import secondvictim_sharepoint.plugin
from secondvictim_sharepoint import _cli
from secondvictim_sharepoint._config import load_settings, read_config_file
from secondvictim_sharepoint._report import Progress
from secondvictim_sharepoint.emulator import Emulator
from sp_support import FakeItem, content, items

core_cli = pytest.importorskip("secondvictim_core.cli")
core = pytest.importorskip("secondvictim_core")

SECRET_ENV = "SECONDVICTIM_SP_CLIENT_SECRET"


def run_cli(*argv: str) -> int:
    pm = core.get_plugin_manager(load_entrypoints=False)
    pm.register(secondvictim_sharepoint.plugin, name="sharepoint")
    return int(core_cli.main(list(argv), plugins=pm))


@pytest.fixture
def fake_content(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Replace loading the content pack with fake items (the sync is what is under test)."""
    box: list[Any] = [[*items(12), FakeItem("guidance", "g1", "Guide", extra={"body": "Hello **world**"})]]

    def load(args: Any, kinds: Any) -> Any:
        return content(box[0], kinds=kinds), "Test Trust"

    monkeypatch.setattr(_cli, "_load_content", load)
    return box


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for key in list(os.environ):
        if key.startswith("SECONDVICTIM_SP_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    yield


def conn(emu: Emulator, *, admin: bool = False) -> list[str]:
    args = [
        "--site",
        emu.SITE_URL,
        "--tenant",
        emu.tenant_id,
        "--graph-url",
        emu.url,
        "--authority-url",
        emu.url,
        "--no-progress" if not admin else "--verbose",
    ]
    if admin:
        return [*args, "--client-id", emu.admin_client_id]
    return [*args, "--client-id", emu.sync_client_id, "--certificate", str(emu.certificate_file())]


def test_entry_point_and_hook() -> None:
    names = {ep.name: ep.value for ep in entry_points(group="secondvictim_core")}
    assert names.get("sharepoint") == "secondvictim_sharepoint.plugin"
    pm = core.get_plugin_manager(load_entrypoints=False)
    pm.register(secondvictim_sharepoint.plugin, name="sharepoint")
    found = {c.name for group in pm.hook.register_commands() for c in group}
    assert {"sync sharepoint", "provision sharepoint"} <= found


def test_provision_sync_dry_run_and_report(
    emu: Emulator,
    fake_content: list[Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(SECRET_ENV, emu.app(emu.admin_client_id).secret or "")
    assert run_cli("provision", "sharepoint", *conn(emu, admin=True), "--pages", "--no-state-file") == 0
    assert "created list 'SV Content'" in capsys.readouterr().out
    monkeypatch.delenv(SECRET_ENV)
    report_path = tmp_path / "run.json"
    assert run_cli("sync", "sharepoint", *conn(emu), "--pages", "--report", str(report_path)) == 0
    out = capsys.readouterr().out
    assert "created 14" in out  # 13 list items + 1 page
    report = json.loads(report_path.read_text())
    for key in (
        "requests",
        "token_requests",
        "created",
        "updated",
        "unchanged",
        "retired",
        "deleted",
        "foreign",
        "conflicts",
        "failed",
        "throttled_wait_seconds",
    ):
        assert key in report
    assert report["created"] == 14 and report["items"]["created"] == 13 and report["pages"]["created"] == 1
    assert report["token_requests"] == 1 and report["requests"] == 8
    fake_content[0] = items(12, version="2")[:11] + fake_content[0][12:]
    emu.clear_journal()
    assert run_cli("sync", "sharepoint", *conn(emu), "--pages", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "list items: update 11, unchanged 1, retire 1" in out or "update 11" in out
    assert "retire    signpost:signpost-0011" in out
    assert "about 1 more to apply" in out
    assert all(e["method"] == "GET" for e in emu.journal("graph"))
    # the id cache from the first run was used: only the two list reads
    assert len(emu.journal("graph")) == 2 + 1


def test_exit_codes(emu: Emulator, fake_content: list[Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("sync", "sharepoint", "--no-progress") == 2
    assert "no site given" in capsys.readouterr().err
    assert run_cli("sync", "sharepoint", *conn(emu)) == 2  # not provisioned yet
    assert "provision sharepoint" in capsys.readouterr().err


def test_secrets_never_appear(
    emu: Emulator,
    fake_content: list[Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="secondvictim_sharepoint")
    secret = emu.app(emu.admin_client_id).secret or ""
    monkeypatch.setenv(SECRET_ENV, secret)
    report = tmp_path / "r.json"
    assert run_cli("provision", "sharepoint", *conn(emu, admin=True)) == 0
    assert run_cli("sync", "sharepoint", *conn(emu, admin=True), "--report", str(report), "--dry-run") == 0
    assert run_cli("sync", "sharepoint", *conn(emu, admin=True), "--report", str(report)) == 0
    monkeypatch.setenv(SECRET_ENV, secret + "-wrong")
    assert run_cli("sync", "sharepoint", *conn(emu, admin=True), "--no-state-file") == 2
    out, err = capsys.readouterr()
    assert "invalid_client" in err
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/$batch -> 200" in logged or "$batch" in logged  # --verbose did log requests
    key_line = emu.app().certificate.key_pem.splitlines()[1]  # type: ignore[union-attr]
    tokens = list(emu.world.tokens)
    assert tokens
    for text in (out, err, logged, report.read_text()):
        assert secret not in text
        assert key_line not in text
        for token in tokens:
            assert token not in text


def test_secret_objects_are_masked() -> None:
    from secondvictim_sharepoint import Secret, Settings

    s = Settings(client_secret=Secret("hunter2"))
    assert "hunter2" not in repr(s) and "hunter2" not in f"{s.client_secret}"
    assert repr(Secret("x")) == "Secret('***')"


def test_config_file_env_and_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "sp.toml"
    cfg.write_text(
        '[sharepoint]\nsite = "https://a.sharepoint.com/sites/A"\ntenant = "t.onmicrosoft.com"\n'
        'client_id = "c"\non_conflict = "overwrite"\nmax_delete_ratio = 0.5\npages = true\n'
    )
    ns = _ns(config=str(cfg))
    s = load_settings(ns, env={})
    assert (s.site, s.on_conflict, s.max_delete_ratio, s.pages) == (
        "https://a.sharepoint.com/sites/A",
        "overwrite",
        0.5,
        True,
    )
    s = load_settings(
        ns, env={"SECONDVICTIM_SP_SITE": "https://b.sharepoint.com/sites/B", "SECONDVICTIM_SP_PAGES": "false"}
    )
    assert s.site == "https://b.sharepoint.com/sites/B" and s.pages is False
    s = load_settings(
        _ns(config=str(cfg), site="https://c.sharepoint.com/sites/C"),
        env={"SECONDVICTIM_SP_SITE": "https://b.sharepoint.com/sites/B"},
    )
    assert s.site == "https://c.sharepoint.com/sites/C"
    bad = tmp_path / "bad.toml"
    bad.write_text('[sharepoint]\nclient_secret = "oops"\n')
    with pytest.raises(ValueError, match="secrets do not belong"):
        read_config_file(bad)
    typo = tmp_path / "typo.toml"
    typo.write_text('[sharepoint]\nsiet = "x"\n')
    with pytest.raises(ValueError, match="unknown setting 'siet'"):
        read_config_file(typo)
    secret_file = tmp_path / "secret"
    secret_file.write_text("s3cret\n")
    s = load_settings(_ns(client_secret_file=str(secret_file)), env={})
    assert s.client_secret is not None and s.client_secret.reveal() == "s3cret"


def _ns(**kw: Any) -> Any:
    import argparse

    return argparse.Namespace(**kw)


def test_clouds_derive_endpoints_and_scope() -> None:
    from secondvictim_sharepoint._auth import cloud_for

    assert cloud_for("global").scope == "https://graph.microsoft.com/.default"
    gov = cloud_for("usgov")
    assert (gov.authority_url, gov.scope) == ("https://login.microsoftonline.us", "https://graph.microsoft.us/.default")
    china = cloud_for("china")
    assert china.graph_url == "https://microsoftgraph.chinacloudapi.cn"
    with pytest.raises(ValueError, match="unknown cloud"):
        cloud_for("mars")


def test_proxy_and_ca_bundle_apply_to_both_sessions(tmp_path: Path) -> None:
    from secondvictim_sharepoint import Secret, Settings, build_client

    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    s = Settings(
        site="https://a.sharepoint.com/sites/A",
        tenant="t",
        client_id="c",
        proxy="http://proxy.nhs.example:8080",
        ca_bundle=str(ca),
        client_secret=Secret("x"),
        token_client="plain",
    )
    client, tokens = build_client(s)
    assert client.session.verify == str(ca) and client.session.proxies["https"] == "http://proxy.nhs.example:8080"
    token_session = tokens._session  # type: ignore[attr-defined]
    assert token_session.verify == str(ca) and token_session.proxies["https"] == "http://proxy.nhs.example:8080"
    assert client.user_agent.startswith("NONISV|NHS|secondvictim-sharepoint/")


def test_emulator_demo(fake_content: list[Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("sync", "sharepoint", "--emulator", "--no-progress") == 0
    out = capsys.readouterr().out
    assert "first sync:" in out and "second sync (nothing changed):" in out
    assert "created 14" in out and "unchanged 14" in out


def test_progress_line_on_a_terminal() -> None:
    stream = io.StringIO()
    p = Progress(stream, enabled=True)
    p.start("writing items", 40)
    p.advance(20)
    p.advance(20)
    p.finish()
    text = stream.getvalue()
    assert "\rwriting items" in text and "40/40" in text and text.endswith("\n")
    quiet = io.StringIO()
    Progress(quiet).start("x", 3)  # StringIO is not a TTY
    assert quiet.getvalue() == ""


def test_standalone_emulator_keeps_state_across_runs(
    tmp_path: Path, fake_content: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "secondvictim_sharepoint.emulator", "--port", "0", "--secret-seed", "cli"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(6)]
        url = lines[0].split(" on ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        info = {ln.split(":", 1)[0].strip(): ln.split(":", 1)[1].strip() for ln in lines[1:]}
        tenant = info["tenant"].split()[0]
        admin_id, admin_secret = info["admin app"].split()[0], info["admin app"].split("secret=")[1]
        cert = info["certificate"].split()[0]
        sync_id = info["sync app"].split()[0]
        common = [
            "--site",
            Emulator.SITE_URL,
            "--tenant",
            tenant,
            "--graph-url",
            url,
            "--authority-url",
            url,
            "--no-state-file",
        ]
        os.environ[SECRET_ENV] = admin_secret
        try:
            assert run_cli("provision", "sharepoint", *common, "--client-id", admin_id) == 0
        finally:
            del os.environ[SECRET_ENV]
        sync = ["sync", "sharepoint", *common, "--client-id", sync_id, "--certificate", cert, "--no-progress"]
        assert run_cli(*sync) == 0
        assert run_cli(*sync) == 0
        out = capsys.readouterr().out
        assert "created 13" in out and "unchanged 13" in out
    finally:
        proc.terminate()
        proc.wait(timeout=10)
