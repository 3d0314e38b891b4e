"""Generate a synthetic content pack of N items across every kind, for benchmarks.

Usage: python benchmarks/make_pack.py OUT_DIR [--items 50000] [--per-file 100]

The items are valid (they load clean apart from review-date warnings), reference each
other, and are spread over many files as a real large pack would be.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

SOURCE = '[{title: "Synthetic source", url: "https://example.org/source", seen: 2026-11-01}]'
REVIEW = "{owner: Benchmark owner, last_reviewed: 2026-11-01, next_review_due: 2027-11-01}"
BODY = (
    "This is synthetic text for a benchmark. It has a few sentences, a [link](coping_strategy:coping-0), "
    "and a list.\n\n- one point\n- another point\n\nIt ends with a short paragraph.\n"
)


def _common(kind: str, ident: str, n: int) -> str:
    return (
        f"- kind: {kind}\n  id: {ident}\n  title: Synthetic {kind} {n}\n  summary: A synthetic item number {n}.\n"
        f"  audiences: [second_victim, manager_colleague]\n  sources: {SOURCE}\n  review: {REVIEW}\n  order: {n}\n"
    )


def _body() -> str:
    return "  body: |\n" + "".join(f"    {line}\n" if line else "\n" for line in BODY.splitlines())


def item(kind: str, n: int) -> str:
    """One item of ``kind`` as YAML text (a list entry)."""
    ident = f"{kind.replace('_', '-')}-{n}"
    text = _common(kind, ident, n)
    if kind == "guidance":
        text += "  topic: recognition\n" + _body()
    elif kind == "faq":
        text += "  topic: Synthetic\n  process: psirf\n" + _body()
    elif kind == "page":
        text += "  role: other\n" + _body()
    elif kind == "signpost":
        text += ("  organisation: Synthetic service\n  eligibility: Anyone\n"
                 "  channels: [{type: phone, value: \"0300 0303 300\"}, {type: web, value: \"https://example.org/\"}]\n"
                 "  last_verified: 2026-11-01\n  verify_by: 2027-05-01\n")
    elif kind == "warning_sign":
        text += "  category: physical\n  support_level: support-level-0\n"
    elif kind == "coping_strategy":
        text += ("  orientation: task\n  effectiveness: helpful\n  evidence_level: observational\n"
                 "  evidence: Synthetic evidence.\n")
    elif kind == "recovery_stage":
        text += f"  number: {n % 6 + 1}\n  characteristics: [Synthetic]\n  typical_questions: [\"Why?\"]\n"
    elif kind == "story":
        text += (
            "  composite: true\n  anonymisation: composite\n"
            "  anonymisation_signoff: {by: Editor, date: 2026-11-01}\n"
            "  profession: Nurse\n  setting: Ward\n"
            "  coping: [{strategy: coping-strategy-0, how_it_helped: It helped.}]\n" + _body()
        )
    elif kind == "case_study":
        text += ("  organisation: Synthetic trust\n  country: England\n  programme: Synthetic\n  model: Tiers\n"
                 "  outcomes: [{text: Synthetic outcome., source: 0}]\n" + _body())
    elif kind == "question":
        text += ("  qtype: truefalse\n  text: Is this synthetic?\n  general_feedback: Yes.\n  checks: [guidance-0]\n"
                 "  options: [{text: \"True\", correct: true, feedback: Right.}, {text: \"False\", feedback: No.}]\n")
    return text


KINDS = ["guidance", "faq", "page", "signpost", "warning_sign", "coping_strategy", "recovery_stage",
         "story", "case_study", "question"]

FIXED = f"""- kind: support_ladder
  id: support-ladder-0
  title: Synthetic ladder
  summary: Levels.
  audiences: [organisation]
  default: true
  sources: {SOURCE}
  review: {REVIEW}
- kind: support_level
  id: support-level-0
  title: Level one
  summary: The first level.
  audiences: [manager_colleague]
  ladder: support-ladder-0
  rank: 1
  who_delivers: Team
  response_target: Same day
  approaches: [Listen]
  manager_guidance: Ask how they are.
  sources: {SOURCE}
  review: {REVIEW}
- kind: coping_strategy
  id: coping-0
  title: Coping zero
  summary: Target of links.
  audiences: [second_victim]
  orientation: task
  effectiveness: helpful
  evidence_level: observational
  evidence: Synthetic.
  sources: {SOURCE}
  review: {REVIEW}
"""


def make_pack(out: Path, items: int, per_file: int = 100) -> Path:
    """Write the pack to ``out`` (replacing it) and return it."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / "pack.yaml").write_text(
        "schema_version: 1\nid: synthetic\nname: Synthetic pack\nversion: '1'\nlocale: en-GB\n", encoding="utf-8"
    )
    (out / "fixed.yaml").write_text(FIXED, encoding="utf-8")
    buffer: list[str] = []
    file_no = 0
    for n in range(items - 3):
        kind = KINDS[n % len(KINDS)]
        buffer.append(item(kind, n // len(KINDS)))
        if len(buffer) == per_file:
            folder = out / f"part-{file_no // 100:03d}"
            folder.mkdir(exist_ok=True)
            (folder / f"items-{file_no:05d}.yaml").write_text("".join(buffer), encoding="utf-8")
            buffer, file_no = [], file_no + 1
    if buffer:
        (out / f"items-{file_no:05d}.yaml").write_text("".join(buffer), encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--per-file", type=int, default=100)
    args = parser.parse_args()
    make_pack(args.out, args.items, args.per_file)
    print(f"wrote {args.items} items to {args.out}")


if __name__ == "__main__":
    main()
