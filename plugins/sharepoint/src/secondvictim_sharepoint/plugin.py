"""The plugin module registered under the ``secondvictim_core`` entry-point group.

It only declares: the two CLI commands. Importing it does no work and no I/O.
"""

from __future__ import annotations

from secondvictim_core import hookimpl

from ._cli import ProvisionCommand, SyncCommand


@hookimpl
def register_commands() -> list[SyncCommand | ProvisionCommand]:
    """``secondvictim sync sharepoint`` and ``secondvictim provision sharepoint``."""
    return [SyncCommand(), ProvisionCommand()]
