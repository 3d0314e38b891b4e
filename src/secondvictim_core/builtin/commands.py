"""The core CLI commands: validate, export, schema, plugins, new-overlay."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from .. import _schema
from .._export import export
from .._load import load, load_report
from .._paths import default_pack, schemas_dir
from .._plugins import default_plugin_manager, exporters, list_plugins
from ..hookspecs import Command, hookimpl


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        msg = f"expected a date as YYYY-MM-DD, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


class Validate:
    """``secondvictim validate``."""

    name = "validate"
    help = "check a content pack (and overlays) and report every problem with file:line:column"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("pack_dir", nargs="?", metavar="PACK", help="pack folder (default: built-in)")
        parser.add_argument("--today", type=_date, help="judge review and verify-by dates on this date")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument("--strict", action="store_true", help="fail on warnings too")

    def run(self, args: argparse.Namespace) -> int:
        pack = args.pack_dir or args.pack
        bundle, report = load_report(pack, args.overlay, args.locale, today=args.today)
        if args.format == "json":
            print(report.to_json())
        else:
            for problem in report.problems:
                print(problem.render())
            where = pack or default_pack()
            status = "OK" if report.ok(strict=args.strict) else "FAILED"
            extra = f", {len(bundle)} items" if bundle is not None else ""
            print(f"{status}: {where}: {report.summary()}{extra}")
            if bundle is not None and bundle.settings.untranslated:
                print(f"untranslated into {bundle.settings.locale}: "
                      + ", ".join(bundle.settings.untranslated))
        return 0 if report.ok(strict=args.strict) else 1


class Export:
    """``secondvictim export FORMAT``: one sub-command per installed exporter."""

    name = "export"
    help = "export the content with an exporter (json, html, moodle, ...)"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        subs = parser.add_subparsers(dest="format", metavar="FORMAT", required=True)
        for name, exporter in exporters(default_plugin_manager()).items():
            sub = subs.add_parser(name, help=exporter.description, description=exporter.description)
            sub.add_argument("--out", required=True, metavar="DIR", help="folder to write (replaced when complete)")
            for option in exporter.options:
                if option.flag:
                    sub.add_argument(f"--{option.name}", action="store_true", help=option.help)
                else:
                    sub.add_argument(f"--{option.name}", default=option.default, help=option.help,
                                     metavar="VALUE")
            sub.set_defaults(_options=tuple(o.name for o in exporter.options))
            # content options may also follow the format name
            for flag in ("--pack", "--locale"):
                sub.add_argument(flag, dest=f"sub_{flag[2:]}", metavar="VALUE")
            sub.add_argument("--overlay", dest="sub_overlay", action="append", default=[], metavar="DIR")

    def run(self, args: argparse.Namespace) -> int:
        bundle = load(args.sub_pack or args.pack, [*args.overlay, *args.sub_overlay],
                      args.sub_locale or args.locale)
        options = {name: getattr(args, name.replace("-", "_")) for name in args._options}
        result = export(bundle, args.format, args.out, options)
        print(f"exported {len(result.files)} file(s) with {args.format!r} to {args.out}")
        for note in result.notes:
            print(f"note: {note}")
        for warning in bundle.report.warnings:
            print(warning.render(), file=sys.stderr)
        return 0


class Schema:
    """``secondvictim schema``: write or check the committed JSON Schemas."""

    name = "schema"
    help = "write the JSON Schemas generated from the models, or --check that they are up to date"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--check", action="store_true", help="fail if the committed schemas drift")
        parser.add_argument("--dir", type=Path, default=None, help="schemas folder (default: ./schemas)")

    def run(self, args: argparse.Namespace) -> int:
        directory = args.dir or (Path("schemas") if Path("schemas").is_dir() else schemas_dir())
        if args.check:
            drift = _schema.drift(directory)
            for line in drift:
                print(f"{directory}/{line}")
            print("schemas are up to date" if not drift else
                  "schemas drifted: run 'secondvictim schema' and commit the result")
            return 1 if drift else 0
        for path in _schema.write_schemas(directory):
            print(path)
        return 0


class Plugins:
    """``secondvictim plugins``."""

    name = "plugins"
    help = "list installed plugins, their versions and hooks, and any that failed to load"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def run(self, args: argparse.Namespace) -> int:
        pm = default_plugin_manager()
        infos = list_plugins(pm)
        if args.format == "json":
            doc = {
                "plugins": [vars(i) | {"hooks": list(i.hooks)} for i in infos],
                "failed": [vars(f) for f in pm.failures],
                "exporters": sorted(exporters(pm)),
            }
            print(json.dumps(doc, indent=2, sort_keys=True))
            return 0
        for info in infos:
            print(f"{info.name:<14} {info.distribution} {info.version}  hooks: {', '.join(info.hooks)}")
        for failure in pm.failures:
            print(f"{failure.name:<14} FAILED TO LOAD: {failure.reason}")
        print(f"exporters: {', '.join(exporters(pm)) or 'none'}")
        return 0


_OVERLAY_TEMPLATE = """\
# An organisation overlay for secondvictim-core (docs/pack-format.md, "Overlays").
# Validate it with:  secondvictim validate --overlay {folder}
schema_version: 1
id: {slug}
name: {name}
type: organisation

organisation:
  name: {name}
  # The words shown for "second victim". The term is contested; many prefer, e.g.,
  # "colleague involved in a patient safety incident".
  display_term: second victim
  jurisdiction: england        # uk | england | wales | scotland | northern_ireland
  # support_ladder: ernst-five-level   # choose another ladder from the pack
  # website: https://intranet.example.nhs.uk/staff-support
  # logo: logo.svg                      # a file in this folder
  # logo_alt: {name} logo
  # colours: {{primary: "#005eb8", accent: "#ffeb3b"}}

# Ids of national items you do not want to publish:
hide: []

# Fill the local slots with your own services. Use only numbers you have checked.
override: {{}}
#  local-occupational-health:
#    local_slot: false
#    channels:
#      - {{type: phone, value: "0113 496 0000", label: "Occupational health"}}
#    hours: Monday to Friday, 9am to 5pm
#    last_verified: 2026-11-25
#    verify_by: 2027-05-25
"""


class NewOverlay:
    """``secondvictim new-overlay DIR``."""

    name = "new-overlay"
    help = "create an organisation overlay folder with a commented overlay.yaml"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("folder", type=Path, metavar="DIR")
        parser.add_argument("--name", default="Example NHS Foundation Trust", help="organisation name")

    def run(self, args: argparse.Namespace) -> int:
        folder: Path = args.folder
        if folder.exists() and any(folder.iterdir()):
            print(f"secondvictim: error: {folder} exists and is not empty", file=sys.stderr)
            return 2
        folder.mkdir(parents=True, exist_ok=True)
        slug = "".join(c if c.isalnum() else "-" for c in args.name.lower()).strip("-")
        while "--" in slug:
            slug = slug.replace("--", "-")
        text = _OVERLAY_TEMPLATE.format(folder=folder, slug=slug or "my-overlay", name=args.name)
        (folder / "overlay.yaml").write_text(text, encoding="utf-8")
        print(f"created {folder / 'overlay.yaml'}; edit it, then run: secondvictim validate --overlay {folder}")
        return 0


@hookimpl
def register_commands() -> list[Command]:
    """The core's commands."""
    return [Validate(), Export(), Schema(), Plugins(), NewOverlay()]


__all__ = ["register_commands"]
