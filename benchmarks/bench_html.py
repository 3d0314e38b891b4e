"""HTML exporter benchmark: our static site against MkDocs building the same items.

Usage: python benchmarks/bench_html.py [--items 5000] [--big 50000] [--mkdocs PATH]

MkDocs is installed in the benchmark environment only (never a dependency of the
project), e.g. ``python -m venv /tmp/bench-venv && /tmp/bench-venv/bin/pip install mkdocs``,
then ``--mkdocs /tmp/bench-venv/bin/mkdocs``. Without MkDocs the comparison is skipped
and said so.

Each step runs in a fresh process, so its peak RSS (ru_maxrss) is its own. Targets
(issue "Intranet exporter"): the html export of a 5,000-item pack at least 20x faster
than MkDocs building the same items as Markdown pages; a 50,000-item pack exported with
peak memory under 1 GB.

The MkDocs side gets the same items as one Markdown page each (title, summary and body,
with ``kind:id`` links turned into links between the pages), in the default theme. Our
side builds much more than one page per item (filter pages, signs check, indexes, search
index), so the comparison favours MkDocs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from make_pack import make_pack

EXPORT = """
import datetime, json, resource, sys, time
import secondvictim_core as sv
pack, out = sys.argv[1], sys.argv[2]
pm = sv.get_plugin_manager(load_entrypoints=False)
start = time.perf_counter()
bundle, report = sv.load_report(pack, today=datetime.date(2026, 11, 25), plugins=pm)
assert bundle is not None, report.render()[:2000]
loaded = time.perf_counter()
result = sv.export(bundle, "html", out, plugins=pm)
done = time.perf_counter()
print(json.dumps({"load": loaded - start, "export": done - loaded, "items": len(bundle),
                  "files": len(result.files), "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

MARKDOWN = """
import datetime, re, sys
from pathlib import Path
import secondvictim_core as sv
pack, docs = sys.argv[1], Path(sys.argv[2])
pm = sv.get_plugin_manager(load_entrypoints=False)
bundle, report = sv.load_report(pack, today=datetime.date(2026, 11, 25), plugins=pm, checks=False)
assert bundle is not None
link = re.compile(r"\\]\\(([a-z_]+):([a-z0-9-]+)\\)")
for item in bundle:
    folder = docs / item.kind
    folder.mkdir(parents=True, exist_ok=True)
    body = getattr(item, "body", None) or ""
    body = link.sub(lambda m: "](../" + m[1] + "/" + m[2] + ".md)", body)
    (folder / (item.id + ".md")).write_text("# " + item.title + "\\n\\n" + item.summary + "\\n\\n" + body + "\\n",
                                            encoding="utf-8")
(docs / "index.md").write_text("# Synthetic pack\\n", encoding="utf-8")
print(len(bundle))
"""

RSS_OF_CHILD = """
import resource, subprocess, sys, time, json
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], capture_output=True, text=True).returncode
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "code": code,
                  "rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def run_export(pack: Path, out: Path) -> dict[str, float]:
    """Load and export in a fresh process; returns its timings and peak RSS."""
    done = subprocess.run([sys.executable, "-c", EXPORT, str(pack), str(out)], capture_output=True, text=True,
                          check=True)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def run_mkdocs(mkdocs: str, pack: Path, work: Path) -> dict[str, float]:
    """Write the items as Markdown pages, then time ``mkdocs build`` (only the build)."""
    docs = work / "docs"
    subprocess.run([sys.executable, "-c", MARKDOWN, str(pack), str(docs)], check=True, capture_output=True)
    (work / "mkdocs.yml").write_text("site_name: Synthetic pack\nuse_directory_urls: false\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", RSS_OF_CHILD, mkdocs, "build", "-q", "-f", str(work / "mkdocs.yml"),
                           "-d", str(work / "site")], capture_output=True, text=True, check=True)
    figures: dict[str, float] = json.loads(done.stdout)
    if figures["code"]:
        msg = f"mkdocs build failed with exit code {figures['code']}"
        raise SystemExit(msg)
    figures["files"] = sum(1 for p in (work / "site").rglob("*") if p.is_file())
    return figures


def find_mkdocs(given: str | None) -> str | None:
    """The mkdocs command to compare with, or None."""
    if given:
        return given
    for candidate in (shutil.which("mkdocs"), "/tmp/bench-venv/bin/mkdocs"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5_000, help="items in the pack compared with MkDocs")
    parser.add_argument("--big", type=int, default=50_000, help="items in the memory check (0 to skip)")
    parser.add_argument("--mkdocs", help="the mkdocs command (default: on PATH or /tmp/bench-venv/bin/mkdocs)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="bench-html-") as tmp:
        root = Path(tmp)
        pack = make_pack(root / "pack", args.items)
        ours = run_export(pack, root / "site")
        figures["ours"] = ours
        mkdocs = find_mkdocs(args.mkdocs)
        theirs = run_mkdocs(mkdocs, pack, root / "mkdocs") if mkdocs else None
        figures["mkdocs"] = theirs
        shutil.rmtree(root / "site", ignore_errors=True)
        big = None
        if args.big:
            shutil.rmtree(pack)
            big_pack = make_pack(root / "big", args.big)
            started = time.perf_counter()
            big = run_export(big_pack, root / "big-site")
            big["wall"] = time.perf_counter() - started
            figures["big"] = big
    print(f"{'step':<46}{'items':>8}{'files':>8}{'seconds':>10}{'peak RSS MB':>13}")
    print(f"{'(a) secondvictim load + validate':<46}{ours['items']:>8.0f}{'':>8}{ours['load']:>10.2f}{'':>13}")
    print(f"{'(b) secondvictim html export':<46}{ours['items']:>8.0f}{ours['files']:>8.0f}"
          f"{ours['export']:>10.2f}{ours['rss']:>13.0f}")
    total = ours["load"] + ours["export"]
    print(f"{'(a + b) from YAML files to site':<46}{ours['items']:>8.0f}{'':>8}{total:>10.2f}")
    if theirs is not None:
        print(f"{'(c) mkdocs build, same items as Markdown':<46}{ours['items']:>8.0f}{theirs['files']:>8.0f}"
              f"{theirs['seconds']:>10.2f}{theirs['rss']:>13.0f}")
        ratio = theirs["seconds"] / total
        export_ratio = theirs["seconds"] / ours["export"]
        verdict = "PASS" if ratio >= 20 else "FAIL"
        print(f"speed-up (c)/(a + b) = {ratio:.1f}x; (c)/(b) = {export_ratio:.1f}x   target >= 20x: {verdict}")
        figures["ratio"] = ratio
    else:
        print("(c) mkdocs not found: pip install mkdocs in a benchmark venv and pass --mkdocs; comparison skipped")
    if big is not None:
        verdict = "PASS" if big["rss"] < 1024 else "FAIL"
        print(f"{'(d) load + html export, big pack':<46}{big['items']:>8.0f}{big['files']:>8.0f}"
              f"{big['load'] + big['export']:>10.2f}{big['rss']:>13.0f}")
        print(f"big pack peak RSS {big['rss']:.0f} MB   target < 1024 MB: {verdict}")
    if args.json:
        print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
