"""Moodle XML and GIFT question files, parsed back the way Moodle's importers read them."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from secondvictim_moodle_export._questions import grade

from secondvictim_core import ExportError
from secondvictim_core.models import Question

# Moodle's question_bank::fraction_options_full(), as percentages.
ALLOWED = {Decimal(x) for x in (
    "100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333", "30", "25",
    "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0")}
ALLOWED |= {-x for x in ALLOWED}


def read_xml(out: Path) -> etree._Element:
    data = (out / "moodle-questions.xml").read_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    return etree.fromstring(data)


def test_moodle_xml_has_categories_then_their_questions(out: Path) -> None:
    root = read_xml(out)
    assert root.tag == "quiz"
    sequence = []
    for q in root.iter("question"):
        if q.get("type") == "category":
            sequence.append(("category", q.findtext("category/text")))
        else:
            sequence.append((q.get("type"), q.findtext("idnumber")))
    assert sequence == [
        ("category", "$course$/top/Knowledge check"),
        ("shortanswer", "q-acronym"),
        ("truefalse", "q-one"),
        ("category", "$course$/top/Reflection"),
        ("essay", "q-reflect"),
        ("category", "$course$/top/Support"),
        ("multichoice", "q-peer"),
        ("category", "$course$/top/Support/Warning signs"),
        ("multichoice", "q-signs"),
    ]


def test_moodle_xml_fractions_are_on_moodles_list_and_add_up(out: Path) -> None:
    for q in read_xml(out).iter("question"):
        kind = q.get("type")
        if kind in ("category", "essay"):
            continue
        fractions = [Decimal(a.get("fraction")) for a in q.iter("answer")]
        assert set(fractions) <= ALLOWED, fractions
        if kind == "multichoice" and q.findtext("single") == "true":
            assert fractions.count(Decimal(100)) == 1
        elif kind == "multichoice":
            assert sum(f for f in fractions if f > 0) == 100
        elif kind == "truefalse":
            assert sorted(a.findtext("text") for a in q.iter("answer")) == ["false", "true"]
            assert sorted(fractions) == [0, 100]


def test_moodle_xml_text_is_html_in_cdata_and_escaped(out: Path) -> None:
    raw = (out / "moodle-questions.xml").read_text(encoding="utf-8")
    assert "<![CDATA[<p>Who gives level 2 support?</p>]]>" in raw
    signs = next(q for q in read_xml(out).iter("question") if q.findtext("idnumber") == "q-signs")
    assert signs.findtext("questiontext/text") == (
        "<p>Which are warning signs? Pick all that apply = ~ ]]&gt; {braces}</p>")
    assert signs.findtext("name/text") == "Signs {that} matter: #1"
    essay = next(q for q in read_xml(out).iter("question") if q.get("type") == "essay")
    assert essay.findtext("defaultgrade") == "0"
    assert essay.findtext("responseformat") == "editor"


# -- GIFT: a small parser for the subset we write ---------------------------------------------------

_UNESCAPE = re.compile(r"\\(.)")


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def _split(text: str, sep: str) -> list[str]:
    """Split on an unescaped separator."""
    parts, current, i = [], "", 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            current += text[i:i + 2]
            i += 2
            continue
        if text.startswith(sep, i):
            parts.append(current)
            current = ""
            i += len(sep)
            continue
        current += text[i]
        i += 1
    parts.append(current)
    return parts


def parse_gift(text: str) -> list[dict[str, object]]:
    category = ""
    questions: list[dict[str, object]] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [ln for ln in block.strip().splitlines() if not ln.startswith("//")]
        if not lines:
            continue
        if lines[0].startswith("$CATEGORY:"):
            category = lines[0].split(":", 1)[1].strip()
            continue
        body = "\n".join(lines)
        match = re.fullmatch(r"::(?P<name>(?:\\.|[^:])*)::(?P<text>(?:\\.|[^{])*)\{(?P<answers>.*)\}", body, re.S)
        assert match, body
        answers_text = match["answers"]
        general = None
        if "####" in answers_text:
            answers_text, general = _split(answers_text, "####")
        answers = []
        stripped = answers_text.strip()
        if stripped in ("",):
            kind = "essay"
        elif stripped.split("#")[0] in ("TRUE", "FALSE", "T", "F"):
            kind = "truefalse"
            word, wrong, right = [*_split(stripped, "#"), "", ""][:3]
            answers = [(word, _unescape(wrong), _unescape(right))]
        else:
            kind = "choice"
            for line in stripped.splitlines():
                line = line.strip()
                mark = re.match(r"^(=|~%-?[\d.]+%|~)", line)
                assert mark, line
                answer, feedback = [*_split(line[mark.end():], "#"), ""][:2]
                answers.append((mark.group(0), _unescape(answer), _unescape(feedback)))
        questions.append({"category": category, "name": _unescape(match["name"]),
                          "text": _unescape(match["text"]), "kind": kind, "answers": answers,
                          "general": _unescape(general.strip()) if general else None})
    return questions


def test_gift_round_trips(out: Path, bundle: object) -> None:
    parsed = parse_gift((out / "moodle-questions.gift.txt").read_text(encoding="utf-8"))
    by_name = {q["name"]: q for q in parsed}
    assert len(parsed) == 5
    signs = by_name["Signs {that} matter: #1"]
    assert signs["category"] == "$course$/top/Support/Warning signs"
    assert signs["text"] == "Which are warning signs? Pick all that apply = ~ ]]> {braces}"
    assert signs["answers"] == [("~%50%", "Flashbacks", "Yes: a sign."), ("~%50%", "Feeling very tired", "Yes."),
                                ("~%-50%", "Whistling", "No #.")]
    assert by_name["Peer support"]["answers"][0] == ("=", "Trained peers", "Yes.")
    assert by_name["Talking helps"]["answers"] == [("TRUE", "Not quite.", "Right.")]
    assert by_name["Talking helps"]["general"] == "Many staff say it helps."
    assert by_name["Reflection"]["kind"] == "essay"
    assert by_name["The framework"]["answers"] == [("=", "PSIRF", "Right.")]


def test_gift_carries_idnumbers_in_comments(out: Path) -> None:
    text = (out / "moodle-questions.gift.txt").read_text(encoding="utf-8")
    assert "// [id:q-signs]\n::Signs" in text


def _question(**fields: object) -> Question:
    base: dict[str, object] = {
        "id": "q", "title": "Q", "summary": "S", "audiences": ["second_victim"], "qtype": "multichoice",
        "text": "T", "general_feedback": "G", "checks": ["x"],
        "sources": [{"title": "s", "url": "https://example.org", "seen": "2026-01-01"}],
        "review": {"owner": "o", "last_reviewed": "2026-01-01", "next_review_due": "2027-01-01"},
    }
    base.update(fields)
    return Question.model_validate(base)


def test_grading_shares_marks_only_as_moodle_allows() -> None:
    three = _question(options=[{"text": str(n), "correct": n < 3, "feedback": "f"} for n in range(5)])
    graded = grade(three)
    assert [str(a.fraction) for a in graded.answers] == ["0.3333333"] * 3 + ["-0.3333333"] * 2
    eleven = _question(options=[{"text": str(n), "correct": n < 11, "feedback": "f"} for n in range(12)])
    with pytest.raises(ExportError, match="11 correct options"):
        grade(eleven)
