"""Load benchmark: full load + validate against the bare PyYAML C-loader parse of the same files.

Usage: python benchmarks/bench_load.py [--items 50000]

Each measurement runs in a fresh subprocess so peak RSS (ru_maxrss) belongs to that
step alone. Targets (issue "Core library"): time ratio <= 1.5, peak RSS <= 500 MB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from make_pack import make_pack

BARE = """
import resource, sys, time, yaml
from pathlib import Path
root = Path(sys.argv[1])
start = time.perf_counter()
count = 0
for path in sorted(root.rglob("*.yaml")):
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    count += len(data) if isinstance(data, list) else 1
elapsed = time.perf_counter() - start
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, count)
"""

FULL = """
import datetime, resource, sys, time
import secondvictim_core as sv
root = sys.argv[1]
pm = sv.get_plugin_manager(load_entrypoints=False)
start = time.perf_counter()
bundle, report = sv.load_report(root, today=datetime.date(2026, 11, 25), plugins=pm)
elapsed = time.perf_counter() - start
assert bundle is not None, report.render()[:2000]
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, len(bundle))
"""


def measure(code: str, root: Path, repeats: int) -> tuple[float, float, int]:
    """Best time, peak RSS (MB) and item count over ``repeats`` fresh processes."""
    best: tuple[float, float, int] | None = None
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True)
        seconds, rss, count = out.stdout.split()
        result = (float(seconds), float(rss), int(count))
        best = result if best is None or result[0] < best[0] else best
    assert best is not None
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = make_pack(Path(tmp) / "pack", args.items)
        bare = measure(BARE, root, args.repeats)
        full = measure(FULL, root, args.repeats)
    ratio = full[0] / bare[0]
    print(f"{'step':<38}{'items':>8}{'seconds':>10}{'peak RSS MB':>13}")
    print(f"{'(a) bare PyYAML CSafeLoader parse':<38}{bare[2]:>8}{bare[0]:>10.2f}{bare[1]:>13.0f}")
    print(f"{'(b) secondvictim load + validate':<38}{full[2]:>8}{full[0]:>10.2f}{full[1]:>13.0f}")
    print(f"{'ratio (b)/(a)':<38}{'':>8}{ratio:>10.2f}   target <= 1.5; peak RSS target <= 500 MB")
    if args.json:
        print(json.dumps({"bare_s": bare[0], "full_s": full[0], "ratio": ratio, "bare_rss_mb": bare[1],
                          "full_rss_mb": full[1]}))


if __name__ == "__main__":
    main()
