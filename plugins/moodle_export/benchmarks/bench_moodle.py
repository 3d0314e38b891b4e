"""Time and peak memory of the ``moodle`` exporter next to the built-in ``json`` one.

Run:  python plugins/moodle_export/benchmarks/bench_moodle.py [--repeat 3] [--scale 20]

Two bundles: the default content pack, and a synthetic one ``--scale`` times its size
(every item copied with a new id and title, so the course gets that many more pages,
chapters, questions and feedback items). Each export runs through the core's
``export()`` into a fresh folder, as the CLI does. Time is the median wall-clock of
``--repeat`` runs. Memory is measured in separate runs so that it does not slow the
timed ones: "py peak" is the peak of Python allocations under ``tracemalloc``; "RSS +"
is how far the peak resident set size of a fresh process (bundle loaded, exporter warmed
up on the small test pack) rose during the export, with the peak reset through
``/proc/self/clear_refs`` on Linux; it includes lxml's and libxml2's C allocations, which
``tracemalloc`` cannot see.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import secondvictim_core as sv
from secondvictim_core.models import AssessmentFramework

HERE = Path(__file__).resolve().parent
TEST_PACK = HERE.parent / "tests" / "pack"


def default_bundle(pm: Any) -> tuple[sv.Bundle, str]:
    """The default pack, or the plugin's test pack while the default content does not validate."""
    bundle, report = sv.load_report(plugins=pm)
    if bundle is not None:
        return bundle, "default pack"
    print(f"note: the default pack does not validate ({report.summary()}); using the test pack",
          file=sys.stderr)
    return sv.load(TEST_PACK, plugins=pm), "test pack"


def scaled(bundle: sv.Bundle, factor: int) -> sv.Bundle:
    """``factor`` copies of every item (the originals plus renamed copies)."""
    items: list[Any] = list(bundle.items)
    for n in range(2, factor + 1):
        for item in bundle.items:
            update: dict[str, Any] = {"id": f"{item.id}-copy{n}", "title": f"{item.title} ({n})"}
            if isinstance(item, AssessmentFramework):
                update["title"] = f"{item.title} ({n})"
            items.append(item.model_copy(update=update))
    return sv.Bundle(bundle.manifest, bundle.settings, items)


def run(bundle: sv.Bundle, exporter: str, pm: Any, options: dict[str, Any]) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        start = time.perf_counter()
        sv.export(bundle, exporter, out, options, plugins=pm)
        elapsed = time.perf_counter() - start
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return elapsed, size


def peak(bundle: sv.Bundle, exporter: str, pm: Any, options: dict[str, Any]) -> int:
    tracemalloc.start()
    try:
        run(bundle, exporter, pm, options)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


OPTIONS: dict[str, dict[str, Any]] = {"moodle": {"gift": True, "build-date": "2026-11-25"}, "json": {}}


def rss_growth(scale: int, exporter: str) -> int:
    """Bytes by which one export raises the peak RSS of a fresh process (see the module doc)."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", exporter, "--scale", str(scale)],
        capture_output=True, text=True, check=True,
    )
    return int(json.loads(result.stdout)["growth"])


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def child(exporter: str, scale: int) -> int:
    pm = sv.get_plugin_manager()
    base, _ = default_bundle(pm)
    bundle = scaled(base, scale) if scale > 1 else base
    # Warm up on the small test pack: imports and parser caches are not this export's cost,
    # and the big bundle's own memory must not be recycled from an earlier run of it.
    run(sv.load(TEST_PACK, plugins=pm), exporter, pm, OPTIONS[exporter])
    before = _status_kib("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: reset the peak (VmHWM) to the current RSS
        reset = True
    except OSError:
        reset = False
    run(bundle, exporter, pm, OPTIONS[exporter])
    peak_kib = _status_kib("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"growth": max(peak_kib - before, 0) * 1024}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=int, default=20)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.scale)

    pm = sv.get_plugin_manager()
    if "moodle" not in sv.exporters(pm):
        print("the moodle exporter is not installed: pip install -e plugins/moodle_export", file=sys.stderr)
        return 2
    base, label = default_bundle(pm)
    bundles = [(label, 1, base), (f"{label} x{args.scale}", args.scale, scaled(base, args.scale))]
    options = OPTIONS

    rows = []
    for name, scale, bundle in bundles:
        for exporter in ("json", "moodle"):
            times, size = [], 0
            for _ in range(args.repeat):
                elapsed, size = run(bundle, exporter, pm, options[exporter])
                times.append(elapsed)
            memory = peak(bundle, exporter, pm, options[exporter])
            rss = rss_growth(scale, exporter)
            rows.append((name, len(bundle), exporter, statistics.median(times), memory, rss, size))

    header = (f"{'bundle':<22} {'items':>6} {'exporter':<8} {'time (s)':>9} {'py peak MiB':>12} "
              f"{'RSS + MiB':>10} {'output KiB':>11}")
    print(header)
    print("-" * len(header))
    for name, items, exporter, seconds, memory, rss, size in rows:
        print(f"{name:<22} {items:>6} {exporter:<8} {seconds:>9.3f} {memory / 2**20:>12.1f} "
              f"{rss / 2**20:>10.1f} {size / 1024:>11.0f}")
    by = {(r[0], r[2]): r for r in rows}
    for name, _, _ in bundles:
        json_row, moodle_row = by[(name, "json")], by[(name, "moodle")]
        print(f"{name}: moodle/json time x{moodle_row[3] / json_row[3]:.1f}, "
              f"python peak memory x{moodle_row[4] / max(json_row[4], 1):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
