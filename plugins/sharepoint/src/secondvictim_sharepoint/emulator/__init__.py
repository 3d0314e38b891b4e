"""A Microsoft Graph emulator for SharePoint lists and pages, on 127.0.0.1.

It implements what the sync uses, with Graph's semantics: the client-credentials token
endpoint (secret and certificate assertion) and OIDC discovery, site resolution by path,
lists and columns, items with eTags and 412, paging with a small server page cap, ``$batch``
with shuffled answers and per-entry throttling, resource-unit throttling on a virtual clock,
OData errors, site pages (create, update, publish, delete), a control plane (``/_emu/...``) to
seed data and script faults, and a request journal.

Use it in tests::

    with Emulator(config=Config(page_size=7)) as emu:
        ...  # point the client at emu.url and pass sleep=emu.sleep

or standalone: ``python -m secondvictim_sharepoint.emulator --port 8765``.
"""

from __future__ import annotations

from ._graph import Config, ODataError, World
from ._server import Emulator
from ._state import ADMIN_CLIENT_ID, SYNC_CLIENT_ID, Clock, Fault

__all__ = [
    "ADMIN_CLIENT_ID",
    "SYNC_CLIENT_ID",
    "Clock",
    "Config",
    "Emulator",
    "Fault",
    "ODataError",
    "World",
]
