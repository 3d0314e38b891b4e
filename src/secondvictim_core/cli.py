"""The ``secondvictim`` command line: thin; parses, calls the API, renders reports.

Exit codes: 0 ok; 1 content problems or a failed export/sync; 2 usage or environment
errors. Content problems are printed as ``file:line:col: CODE severity: message``,
never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._plugins import PluginManager, commands, default_plugin_manager
from .exceptions import ContentError, PluginError, SecondVictimError
from .hookspecs import Command


def add_content_options(parser: argparse.ArgumentParser) -> None:
    """``--pack``, ``--overlay`` and ``--locale``: every command takes them."""
    group = parser.add_argument_group("content")
    group.add_argument("--pack", metavar="DIR", help="content pack folder (default: the built-in en-GB pack)")
    group.add_argument("--overlay", metavar="DIR", action="append", default=[],
                       help="an organisation or locale overlay folder (repeatable, applied in order)")
    group.add_argument("--locale", metavar="TAG", help="locale to build, e.g. cy-GB (needs a locale overlay)")


def build_parser(found: dict[str, Command]) -> argparse.ArgumentParser:
    """The parser with every command the plugins registered, nested by first word."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="secondvictim",
        description="Validate second-victim support content and publish it: intranet site, "
        "JSON, Moodle, SharePoint.",
        epilog="Run 'secondvictim COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}
    for name in sorted(found):
        command = found[name]
        words = name.split()
        if len(words) == 1:
            sub = subs.add_parser(name, help=command.help, description=command.help)
        else:
            head = words[0]
            if head not in groups:
                targets = sorted(" ".join(n.split()[1:]) for n in found if n.split()[0] == head)
                group_parser = subs.add_parser(head, help=f"{head} to: {', '.join(targets)}")
                groups[head] = group_parser.add_subparsers(dest="target", metavar="TARGET",
                                                           required=True)
            sub = groups[head].add_parser(" ".join(words[1:]), help=command.help,
                                          description=command.help)
        add_content_options(sub)
        command.configure(sub)
        sub.set_defaults(_command=command)
    return parser


def main(argv: Sequence[str] | None = None, *, plugins: PluginManager | None = None) -> int:
    """Run the CLI; returns the exit code."""
    try:
        pm = plugins or default_plugin_manager()
        found = commands(pm)
    except PluginError as exc:
        print(f"secondvictim: plugin error: {exc}", file=sys.stderr)
        return 2
    for failure in getattr(pm, "failures", ()):
        print(f"secondvictim: warning: plugin {failure.name!r} did not load: {failure.reason}",
              file=sys.stderr)
    parser = build_parser(found)
    args = parser.parse_args(argv)
    command = getattr(args, "_command", None)
    if command is None:
        parser.print_help()
        return 2
    try:
        code: int = command.run(args)
        return code
    except ContentError as exc:
        print(exc.report.render(), file=sys.stderr)
        return 1
    except SecondVictimError as exc:
        print(f"secondvictim: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("secondvictim: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"secondvictim: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
