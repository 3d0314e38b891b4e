"""Run the Graph emulator until stopped: ``python -m secondvictim_sharepoint.emulator``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from ._graph import Config
from ._server import Emulator


def main(argv: list[str] | None = None) -> int:
    """Serve on loopback, print the tenant and credentials, wait for Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m secondvictim_sharepoint.emulator",
        description="Microsoft Graph emulator for SharePoint lists and pages (test use only).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0 = any free port)")
    parser.add_argument("--page-size", type=int, default=200, help="server page cap (default 200)")
    parser.add_argument(
        "--ru-per-minute", type=int, default=None, help="resource-unit budget per app per minute (default: unlimited)"
    )
    parser.add_argument("--token-ttl", type=int, default=3599, help="token lifetime in seconds")
    parser.add_argument(
        "--tls", action="store_true", help="serve HTTPS with a throwaway CA (needed for the MSAL token path)"
    )
    parser.add_argument(
        "--secret-seed", default=None, help="derive fixed client secrets from this seed (default: random)"
    )
    args = parser.parse_args(argv)
    config = Config(page_size=args.page_size, ru_per_minute=args.ru_per_minute, token_ttl=args.token_ttl)
    try:
        emu = Emulator(
            host=args.host, port=args.port, config=config, real_time=True, tls=args.tls, secret_seed=args.secret_seed
        ).start()
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    info = emu.describe()
    sync_app = info["apps"][emu.sync_client_id]
    admin_app = info["apps"][emu.admin_client_id]
    lines = [
        f"Graph emulator listening on {emu.url} (test tenant; state is kept until you stop it)",
        f"  tenant:        {info['tenant_id']}  ({info['tenant_domain']})",
        f"  site:          {info['site_url']}",
        f"  sync app:      {emu.sync_client_id}  role=write   secret={sync_app['client_secret']}",
        f"  admin app:     {emu.admin_client_id}  role=manage  secret={admin_app['client_secret']}",
        f"  certificate:   {info['certificate_file']}  (both apps; thumbprint {sync_app['certificate_thumbprint']})",
    ]
    if info["ca_bundle"]:
        lines.append(f"  CA bundle:     {info['ca_bundle']}")
    lines += [
        "",
        "Provision, then sync (secrets of this test tenant only):",
        f"  SECONDVICTIM_SP_CLIENT_SECRET={admin_app['client_secret']} secondvictim provision sharepoint "
        f"--site {info['site_url']} --tenant {info['tenant_id']} --client-id {emu.admin_client_id} "
        f"--graph-url {emu.url} --authority-url {emu.url}",
        f"  secondvictim sync sharepoint --site {info['site_url']} --tenant {info['tenant_id']} "
        f"--client-id {emu.sync_client_id} --certificate {info['certificate_file']} "
        f"--graph-url {emu.url} --authority-url {emu.url}",
        "",
        "Control plane: GET /_emu/state, /_emu/journal; POST /_emu/faults, /_emu/clock, "
        "/_emu/config, /_emu/items; POST /_emu/reset. Ctrl-C stops.",
    ]
    print("\n".join(lines), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
