"""``secondvictim sync sharepoint`` and ``secondvictim provision sharepoint``.

Thin: parse, build settings, load content through the core, call the engine, print, exit with
0 (ok), 1 (failed items, refused by a guard, content problems) or 2 (usage or environment).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._auth import TokenProvider
from ._bundle import Content, content_from_bundle
from ._client import RequestEvent
from ._config import Settings, build_client, load_settings, state_for
from ._errors import ConfigError, SharePointError, TokenError
from ._plan import Plan
from ._report import Progress, RunReport, render_plan
from ._sync import SetupError, SharePointSync, StateCache

log = logging.getLogger("secondvictim_sharepoint")


def _connection_args(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("connection (also from --config and SECONDVICTIM_SP_* variables)")
    g.add_argument("--site", help="site URL, e.g. https://TENANT.sharepoint.com/sites/NAME")
    g.add_argument("--config", help="TOML config file ([sharepoint] table)")
    g.add_argument("--tenant", help="tenant id or domain (e.g. trust.onmicrosoft.com)")
    g.add_argument("--client-id", dest="client_id", help="app (client) id")
    g.add_argument("--certificate", help="PEM file with the private key and certificate (recommended)")
    g.add_argument(
        "--certificate-thumbprint",
        dest="certificate_thumbprint",
        help="SHA-1 thumbprint, if the PEM holds no certificate",
    )
    g.add_argument(
        "--client-secret-file",
        dest="client_secret_file",
        help="file holding the client secret (or set SECONDVICTIM_SP_CLIENT_SECRET)",
    )
    g.add_argument(
        "--cloud",
        choices=("global", "usgov", "usgov-dod", "china"),
        default=None,
        help="Microsoft cloud (default global)",
    )
    g.add_argument("--graph-url", dest="graph_url", help="Graph root override (e.g. the emulator)")
    g.add_argument("--authority-url", dest="authority_url", help="token authority override")
    g.add_argument(
        "--token-client",
        dest="token_client",
        choices=("auto", "msal", "plain"),
        default=None,
        help="token client (auto: MSAL for https authorities)",
    )
    g.add_argument("--proxy", help="HTTP(S) proxy URL for token and Graph calls")
    g.add_argument("--ca-bundle", dest="ca_bundle", help="CA bundle file (TLS-inspecting proxies)")
    g.add_argument("--state-file", dest="state_file", help="cache of site and list ids")
    g.add_argument(
        "--no-state-file",
        dest="no_state_file",
        action="store_true",
        help="do not cache site and list ids (costs two GETs per run)",
    )
    g.add_argument("--list-name", dest="list_name", help="content list (default 'SV Content')")
    g.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="log every HTTP request (method, URL, status, request-id; never secrets)",
    )


def _setup_logging(verbose: bool) -> logging.Handler | None:
    if not verbose:
        return None
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    return handler


def _log_request(event: RequestEvent) -> None:
    if event.phase != "after":
        return
    extra = f" ({event.entries} entries)" if event.entries else ""
    outcome = str(event.status) if event.status is not None else f"failed: {event.error}"
    log.debug(
        "%s %s -> %s%s request-id=%s client-request-id=%s",
        event.method,
        event.url,
        outcome,
        extra,
        event.request_id,
        event.client_request_id,
    )


def _load_content(args: argparse.Namespace, kinds: list[str] | None) -> tuple[Content, str | None]:
    import secondvictim_core

    bundle = secondvictim_core.load(
        pack=getattr(args, "pack", None),
        overlays=tuple(getattr(args, "overlay", None) or ()),
        locale=getattr(args, "locale", None),
    )
    org = bundle.settings.organisation
    return content_from_bundle(bundle, kinds=kinds, today=dt.date.today()), (org.name if org else None)


def _print_plan(stream: Any, verbose: bool) -> Callable[[RunReport, Plan, Plan | None], None]:
    def show(report: RunReport, items: Plan, pages: Plan | None) -> None:
        print(render_plan(report, items.ops, pages.ops if pages else [], verbose=verbose), file=stream)

    return show


class SyncCommand:
    """``secondvictim sync sharepoint``."""

    name = "sync sharepoint"
    help = "sync the content into a SharePoint Online site (lists, and pages with --pages)"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        """Add the sync options."""
        _connection_args(parser)
        s = parser.add_argument_group("sync")
        s.add_argument(
            "--dry-run", dest="dry_run", action="store_true", help="print the plan and its request cost; change nothing"
        )
        s.add_argument(
            "--pages", action="store_true", default=None, help="also publish long-form content as modern site pages"
        )
        s.add_argument(
            "--allow-delete",
            dest="allow_delete",
            action="store_true",
            default=None,
            help="hard-delete items removed from the content (default: retire them)",
        )
        s.add_argument(
            "--allow-mass-delete",
            dest="allow_mass_delete",
            action="store_true",
            default=None,
            help="lift the mass-delete guard for this run",
        )
        s.add_argument(
            "--max-delete-ratio",
            dest="max_delete_ratio",
            type=float,
            default=None,
            help="share of owned items a run may remove (default 0.2)",
        )
        s.add_argument(
            "--on-conflict",
            dest="on_conflict",
            choices=("overwrite", "skip", "fail"),
            default=None,
            help="items edited in SharePoint: overwrite, skip (default), fail",
        )
        s.add_argument(
            "--kind",
            dest="kinds",
            action="append",
            default=None,
            help="only this kind (repeatable); a filtered run never retires or deletes",
        )
        s.add_argument("--report", type=Path, default=None, help="write the JSON run report here")
        s.add_argument(
            "--max-wait",
            dest="max_wait",
            type=float,
            default=None,
            help="total seconds the run may wait on throttling (default 900)",
        )
        s.add_argument("--no-progress", dest="no_progress", action="store_true", help="no progress line on a terminal")
        s.add_argument(
            "--emulator", action="store_true", help="demo: run provision and sync against an in-process Graph emulator"
        )

    def run(self, args: argparse.Namespace) -> int:
        """Run the sync; return the exit code."""
        handler = _setup_logging(bool(getattr(args, "verbose", False)))
        try:
            if getattr(args, "emulator", False):
                return run_demo(args)
            return self._run(args)
        finally:
            if handler is not None:
                log.removeHandler(handler)

    def _run(self, args: argparse.Namespace) -> int:
        try:
            settings = load_settings(args)
            sync_settings = settings.sync_settings(full_set=not args.kinds)
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        content, org = _load_content(args, args.kinds)  # ContentError: the core reports it (exit 1)
        settings.organisation = settings.organisation or org
        try:
            client, tokens = build_client(settings)
        except (ConfigError, TokenError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        client.hooks.append(_log_request)
        progress = Progress(enabled=False if args.no_progress else None)
        engine = SharePointSync(
            client, sync_settings, state=state_for(settings), progress=progress, token_requests=lambda: tokens.requests
        )
        report = engine.run(
            content,
            dry_run=args.dry_run,
            plan_printer=_print_plan(sys.stdout, bool(args.verbose)) if args.dry_run else None,
        )
        return _finish(report, args.report)


def _finish(report: RunReport, path: Path | None) -> int:
    print(report.summary())
    if report.error and report.exit_code:
        print(f"error: {report.error}", file=sys.stderr)
    if path is not None:
        try:
            report.write(path)
        except OSError as exc:
            print(f"error: cannot write report {str(path)!r}: {exc.strerror}", file=sys.stderr)
            return max(report.exit_code, 2)
    return report.exit_code


class ProvisionCommand:
    """``secondvictim provision sharepoint``."""

    name = "provision sharepoint"
    help = "create the tool-owned SharePoint lists and columns (needs the manage role; run once)"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        """Add the provision options."""
        _connection_args(parser)
        parser.add_argument("--pages", action="store_true", default=None, help="also create the page manifest list")

    def run(self, args: argparse.Namespace) -> int:
        """Create what is missing; return the exit code."""
        handler = _setup_logging(bool(getattr(args, "verbose", False)))
        try:
            settings = load_settings(args)
            sync_settings = settings.sync_settings()
            client, tokens = build_client(settings)
            client.hooks.append(_log_request)
            engine = SharePointSync(
                client, sync_settings, state=state_for(settings), token_requests=lambda: tokens.requests
            )
            for line in engine.provision():
                print(line)
            print(f"Requests: {client.stats.requests} to Graph, {tokens.requests} to the identity platform.")
            return 0
        except (ConfigError, SetupError, TokenError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except SharePointError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            if handler is not None:
                log.removeHandler(handler)


def _counter(tokens: TokenProvider) -> Callable[[], int]:
    return lambda: tokens.requests


def run_demo(args: argparse.Namespace) -> int:
    """Provision and sync twice against an in-process emulator, printing what happens."""
    from .emulator import Emulator

    content, org = _load_content(args, getattr(args, "kinds", None))
    with Emulator() as emu:
        print(f"Graph emulator on {emu.url} (in-process; nothing leaves this machine)")
        base: dict[str, Any] = {
            "site": emu.SITE_URL,
            "tenant": emu.tenant_id,
            "graph_url": emu.url,
            "authority_url": emu.url,
            "pages": True,
            "no_state_file": True,
            "organisation": org or "Demo Trust",
        }
        admin = Settings(**base, client_id=emu.admin_client_id)
        secret = emu.app(emu.admin_client_id).secret
        assert secret is not None
        from ._auth import Secret

        admin.client_secret = Secret(secret)
        client, tokens = build_client(admin, sleep=emu.sleep)
        for line in SharePointSync(client, admin.sync_settings()).provision():
            print(f"provision: {line}")
        code = 0
        state = StateCache(None)
        for run in ("first sync", "second sync (nothing changed)"):
            settings = Settings(**base, client_id=emu.sync_client_id, certificate=str(emu.certificate_file()))
            client, tokens = build_client(settings, sleep=emu.sleep)
            client.hooks.append(_log_request)
            engine = SharePointSync(
                client,
                settings.sync_settings(),
                state=state,
                progress=Progress(enabled=False if getattr(args, "no_progress", False) else None),
                token_requests=_counter(tokens),
            )
            report = engine.run(content)
            print(f"{run}:")
            print("  " + report.summary().replace("\n", "\n  "))
            code = max(code, report.exit_code)
            report_path = getattr(args, "report", None)
            if report_path is not None:
                report.write(report_path)
        snap = emu.snapshot()
        items = sum(len(v["items"]) for v in snap["lists"].values())
        print(f"Emulated site now holds {items} list items and {len(snap['pages'])} published pages.")
    return code
