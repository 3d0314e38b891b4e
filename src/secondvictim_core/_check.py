"""Run every check (built-in and plugin) over a bundle and collect the problems."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ._report import Problem

if TYPE_CHECKING:
    import pluggy

    from ._bundle import Bundle


def run_checks(
    bundle: Bundle,
    *,
    today: dt.date | None = None,
    plugins: pluggy.PluginManager | None = None,
) -> list[Problem]:
    """All problems the ``check_bundle`` hooks report, in a stable order."""
    from ._plugins import default_plugin_manager

    pm = plugins or default_plugin_manager()
    when = today or dt.date.today()
    problems: list[Problem] = []
    for result in pm.hook.check_bundle(bundle=bundle, today=when):
        problems.extend(result or ())
    return sorted(problems)
