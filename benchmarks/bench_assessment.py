"""Assessment benchmark: scoring a large response file against reading it with the csv module.

Usage: python benchmarks/bench_assessment.py [--rows 100000] [--items 40] [--teams 200] [--repeat 3]

Generates a response CSV (respondent, team, directorate, then one column per item,
about 5% blanks) and a framework of 8 domains with two reverse-scored items each,
then times, each in a fresh subprocess so peak memory belongs to that step alone:

- baseline: reading every row with the csv module and doing nothing else;
- scoring:  ``score_responses(..., by="team")``: parse, validate every cell, score,
  suppress small teams.

Target (issue "Engines"): scoring takes at most 3x the bare read. Not a timed test:
it prints a table and leaves the judgement to the reader. Both wall-clock and CPU time
are shown; on a busy shared machine the CPU-time ratio is the steadier one.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

DOMAINS = 8

BARE = """
import csv, resource, sys, time
rss0 = int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 2**20
start, cpu = time.perf_counter(), time.process_time()
rows = 0
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    for row in csv.reader(f):
        rows += 1
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
print(elapsed, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, rss0, rows - 1)
"""

SCORE = """
import resource, sys, time
from pathlib import Path
from secondvictim_core.engines import score_responses
from secondvictim_core.models import AssessmentFramework
framework = AssessmentFramework.model_validate_json(Path(sys.argv[2]).read_text())
rss0 = int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 2**20
start, cpu = time.perf_counter(), time.process_time()
result = score_responses(framework, sys.argv[1], by="team")
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
published = sum(not g.suppressed for g in result.groups)
print(elapsed, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, rss0, result.total.respondents)
print(f"{published} of {len(result.groups)} teams published", file=sys.stderr)
"""


def make_framework(items: int) -> dict[str, object]:
    """A valid framework dict: ``items`` items over 8 domains, items 2 and 4 of each reversed."""
    per = max(1, items // DOMAINS)
    domains = []
    for d in range(DOMAINS):
        count = per if d < DOMAINS - 1 else items - per * (DOMAINS - 1)
        domains.append(
            {
                "id": f"domain-{d}",
                "title": f"Domain {d}",
                "description": "A synthetic domain.",
                "items": [
                    {"id": f"d{d}-q{i}", "text": f"Statement {i}.", "reverse": i in (2, 4)} for i in range(count)
                ],
                "actions": [{"band": "emerging", "text": "Do something."}],
            }
        )
    return {
        "kind": "assessment_framework",
        "id": "bench-framework",
        "title": "Benchmark framework",
        "summary": "Synthetic.",
        "audiences": ["organisation"],
        "sources": [{"title": "Synthetic", "url": "https://example.org/", "seen": "2026-11-01"}],
        "review": {"owner": "Bench", "last_reviewed": "2026-11-01", "next_review_due": "2027-11-01"},
        "version": "1",
        "instructions": "Answer every statement.",
        "scale": {
            "points": [{"value": v, "label": f"Point {v}"} for v in range(1, 6)],
            "positive_from": 4,
        },
        "bands": [
            {"id": "emerging", "label": "Emerging", "min_score": 1, "description": "x"},
            {"id": "developing", "label": "Developing", "min_score": 2.5, "description": "x"},
            {"id": "established", "label": "Established", "min_score": 3.5, "description": "x"},
        ],
        "domains": domains,
    }


def make_responses(path: Path, item_ids: list[str], rows: int, teams: int) -> None:
    """Random answers, ~5% blank; team sizes vary so some teams fall under the floor."""
    rng = random.Random(20261125)
    weights = [rng.paretovariate(1.5) for _ in range(teams)]
    team_names = [f"team-{t:03d}" for t in range(teams)]
    choices = ["1", "2", "3", "4", "5"] * 19 + [""] * 5
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["respondent", "team", "directorate", *item_ids])
        chosen = rng.choices(team_names, weights=weights, k=rows)
        for r in range(rows):
            team = chosen[r]
            answers = rng.choices(choices, k=len(item_ids))
            writer.writerow([f"r{r:07d}", team, f"dir-{int(team[5:]) % 12}", *answers])


def measure(code: str, args: list[str], repeats: int) -> tuple[float, float, float, float, int]:
    """Best wall time and best CPU time, then peak RSS (MB), RSS before the step (MB) and
    rows, over ``repeats`` fresh processes."""
    runs = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
        ).stdout.split()
        runs.append((float(out[0]), float(out[1]), float(out[2]), float(out[3]), int(out[4])))
    wall = min(r[0] for r in runs)
    cpu = min(r[1] for r in runs)
    peak = max(r[2] for r in runs)
    return wall, cpu, peak, min(r[3] for r in runs), runs[0][4]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        framework = make_framework(args.items)
        item_ids = [i["id"] for d in framework["domains"] for i in d["items"]]  # type: ignore[attr-defined, index]
        fw_path = Path(tmp) / "framework.json"
        fw_path.write_text(json.dumps(framework), encoding="utf-8")
        csv_path = Path(tmp) / "responses.csv"
        make_responses(csv_path, item_ids, args.rows, args.teams)
        size = csv_path.stat().st_size / 2**20

        bare = measure(BARE, [str(csv_path)], args.repeat)
        scored = measure(SCORE, [str(csv_path), str(fw_path)], args.repeat)
        assert bare[4] == scored[4] == args.rows, (bare, scored)

    print(
        f"{args.rows:,} respondents x {args.items} items, {args.teams} teams "
        f"({size:.1f} MB CSV); best of {args.repeat}\n"
    )
    print(
        f"{'step':<34} {'wall (s)':>9} {'CPU (s)':>8} {'peak RSS (MB)':>14} {'RSS growth (MB)':>16} "
        f"{'ratio wall':>10} {'ratio CPU':>9}"
    )
    print("-" * 106)
    for name, (wall, cpu, peak, before, _) in (
        ("csv module read (baseline)", bare),
        ("score_responses(..., by='team')", scored),
    ):
        print(
            f"{name:<34} {wall:>9.3f} {cpu:>8.3f} {peak:>14.1f} {peak - before:>16.1f} "
            f"{wall / bare[0]:>10.2f} {cpu / bare[1]:>9.2f}"
        )
    ratio = scored[1] / bare[1]
    verdict = "within" if ratio <= 3 else "OVER"
    print(f"\nscoring / bare read (CPU time) = {ratio:.2f}x ({verdict} the 3x target)")
    print("CPU time is the fairer ratio on a shared machine; wall time is shown as well.")


if __name__ == "__main__":
    main()
