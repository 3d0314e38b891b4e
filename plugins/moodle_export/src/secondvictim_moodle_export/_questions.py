"""Knowledge-check questions: grading rules, Moodle XML and GIFT.

Why the grading lives here: the backup's question bank, the Moodle XML file and the GIFT
file must give every answer the same fraction, and Moodle only accepts fractions from
its fixed list (``question_bank::fraction_options_full``), checked to 0.00001 on import.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from secondvictim_core import ExportError
from secondvictim_core.models import Question, QuestionType

from ._html import esc
from ._xml import cdata, element, sub, to_bytes

ONE = Decimal(1)
_SEVEN = Decimal("0.0000001")

# 1/q for 1 <= q <= 10 and 1/20 are on Moodle's list of grade fractions.
_ALLOWED_SPLITS = (*range(1, 11), 20)

AUTO_GRADED = (QuestionType.MULTICHOICE, QuestionType.TRUEFALSE, QuestionType.SHORTANSWER)
"""Types Moodle grades by itself; only these go into the course quiz, so passing it can
complete the activity without waiting for a teacher to grade an essay."""


@dataclass(frozen=True)
class Answer:
    """One answer with its grade fraction (0 to 1, negative for wrong multi-answer picks)."""

    text: str
    fraction: Decimal
    feedback: str


@dataclass(frozen=True)
class GradedQuestion:
    """A question with the grading Moodle will apply."""

    item: Question
    answers: tuple[Answer, ...]
    single: bool
    defaultmark: Decimal
    penalty: Decimal

    @property
    def qtype(self) -> str:
        """Moodle's qtype name (the same words as the model's)."""
        return self.item.qtype.value

    @property
    def name(self) -> str:
        """Question name: the item title, clipped to Moodle's 255 characters."""
        title = self.item.title
        return title if len(title) <= 255 else title[:254] + "…"


def _split(count: int, item: Question) -> Decimal:
    if count not in _ALLOWED_SPLITS:
        msg = (
            f"question {item.id!r} has {count} correct options; Moodle can only share the "
            f"marks equally between 1 to 10 (or 20) correct options"
        )
        raise ExportError(msg)
    return (ONE / count).quantize(_SEVEN)


def grade(item: Question) -> GradedQuestion:
    """Apply Moodle's grading to a question.

    Multiple choice with one correct option is single-answer (right = 100%, wrong = 0).
    With several, each right option earns an equal share and each wrong one loses the same
    share, so ticking everything scores nothing.
    """
    qtype = item.qtype
    if qtype is QuestionType.ESSAY:
        return GradedQuestion(item, (), True, Decimal(0), Decimal(0))
    correct = [o for o in item.options if o.correct]
    if qtype is QuestionType.MULTICHOICE:
        single = len(correct) == 1
        share = _split(len(correct), item)
        answers = tuple(
            Answer(o.text, share if o.correct else (Decimal(0) if single else -share), o.feedback)
            for o in item.options
        )
        penalty = Decimal("0.3333333")
    elif qtype is QuestionType.TRUEFALSE:
        single = True
        by_word = {o.text.strip().lower(): o for o in item.options}
        answers = tuple(
            Answer(word, ONE if by_word[word].correct else Decimal(0), by_word[word].feedback)
            for word in ("true", "false")
        )
        penalty = ONE
    else:
        single = True
        answers = tuple(Answer(o.text, ONE, o.feedback) for o in item.options)
        penalty = Decimal("0.3333333")
    return GradedQuestion(item, answers, single, ONE, penalty)


def category_path(name: str) -> list[str]:
    """A category name as path parts; ``/`` separates levels as in Moodle."""
    return [part.strip() for part in name.split("/") if part.strip()] or ["Knowledge check"]


def _moodle_path(prefix: str, parts: list[str]) -> str:
    # Moodle XML escapes a slash inside a category name by doubling it.
    return "/".join([prefix, "top", *(p.replace("/", "//") for p in parts)])


def html_text(text: str) -> str:
    """Plain text from the model as one HTML paragraph."""
    return f"<p>{esc(text)}</p>"


def _percent(fraction: Decimal) -> str:
    value = (fraction * 100).quantize(Decimal("0.00001")).normalize()
    return format(value, "f")


def moodle_xml(questions: list[GradedQuestion], *, context: str = "$course$") -> bytes:
    """The questions as a Moodle XML file, one category pseudo-question before each category.

    ``context`` is the category path prefix (``$course$`` imports into the course bank).
    """
    root = element("quiz")
    current: list[str] | None = None
    for graded in sorted(questions, key=lambda g: (category_path(g.item.category), g.item.order, g.item.id)):
        parts = category_path(graded.item.category)
        if parts != current:
            current = parts
            cat = sub(root, "question", attrs={"type": "category"})
            sub(sub(cat, "category"), "text", _moodle_path(context, parts))
            sub(sub(cat, "info", attrs={"format": "html"}), "text")
        _question_xml(root, graded)
    return to_bytes(root)


def _question_xml(root: etree._Element, graded: GradedQuestion) -> None:
    item = graded.item
    q = sub(root, "question", attrs={"type": graded.qtype})
    sub(sub(q, "name"), "text", graded.name)
    cdata(sub(q, "questiontext", attrs={"format": "html"}), "text", html_text(item.text))
    cdata(sub(q, "generalfeedback", attrs={"format": "html"}), "text", html_text(item.general_feedback))
    sub(q, "defaultgrade", str(graded.defaultmark.normalize()))
    sub(q, "penalty", str(graded.penalty))
    sub(q, "hidden", "0")
    sub(q, "idnumber", item.id)
    if graded.qtype == "multichoice":
        sub(q, "single", "true" if graded.single else "false")
        sub(q, "shuffleanswers", "true")
        sub(q, "answernumbering", "abc")
        sub(q, "showstandardinstruction", "0")
        for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            sub(sub(q, tag, attrs={"format": "html"}), "text")
        sub(q, "shownumcorrect")
    if graded.qtype == "shortanswer":
        sub(q, "usecase", "0")
    if graded.qtype == "essay":
        for name, value in (
            ("responseformat", "editor"), ("responserequired", "1"), ("responsefieldlines", "10"),
            ("minwordlimit", ""), ("maxwordlimit", ""), ("attachments", "0"),
            ("attachmentsrequired", "0"), ("maxbytes", "0"), ("filetypeslist", ""),
        ):
            sub(q, name, value)
        sub(sub(q, "graderinfo", attrs={"format": "html"}), "text")
        sub(sub(q, "responsetemplate", attrs={"format": "html"}), "text")
    text_format = "html" if graded.qtype == "multichoice" else "moodle_auto_format"
    for answer in graded.answers:
        a = sub(q, "answer", attrs={"fraction": _percent(answer.fraction), "format": text_format})
        if text_format == "html":
            cdata(a, "text", html_text(answer.text))
        else:
            sub(a, "text", answer.text)
        cdata(sub(a, "feedback", attrs={"format": "html"}), "text", html_text(answer.feedback))
    tags = sub(q, "tags")
    for tag in item.tags:
        sub(sub(tags, "tag"), "text", tag)


def _gift_escape(text: str) -> str:
    """GIFT's reserved characters escaped as Moodle's own exporter does (``repchar``)."""
    for raw, escaped in (("\\", "\\\\"), ("#", "\\#"), ("=", "\\="), ("~", "\\~"),
                         ("{", "\\{"), ("}", "\\}"), (":", "\\:"), ("\n", "\\n"), ("\r", "")):
        text = text.replace(raw, escaped)
    return text


def gift(questions: list[GradedQuestion], *, context: str = "$course$") -> str:
    """The questions in GIFT, a text format staff can edit by hand; categories as ``$CATEGORY:``."""
    out: list[str] = []
    current: list[str] | None = None
    for graded in sorted(questions, key=lambda g: (category_path(g.item.category), g.item.order, g.item.id)):
        item = graded.item
        parts = category_path(item.category)
        if parts != current:
            current = parts
            out.append(f"$CATEGORY: {_moodle_path(context, parts)}\n\n")
        head = f"// {item.id}\n// [id:{item.id}]\n::{_gift_escape(graded.name)}::{_gift_escape(item.text)}"
        general = "####" + _gift_escape(item.general_feedback)
        if graded.qtype == "essay":
            out.append(f"{head}{{{general}}}\n\n")
        elif graded.qtype == "truefalse":
            right = next(a for a in graded.answers if a.fraction == ONE)
            wrong = next(a for a in graded.answers if a.fraction != ONE)
            word = "TRUE" if right.text == "true" else "FALSE"
            out.append(
                f"{head}{{{word}#{_gift_escape(wrong.feedback)}#{_gift_escape(right.feedback)}{general}}}\n\n"
            )
        else:
            lines = []
            for answer in graded.answers:
                if graded.qtype == "shortanswer" or (answer.fraction == ONE and graded.single):
                    mark = "="
                elif answer.fraction == 0:
                    mark = "~"
                else:
                    mark = f"~%{_percent(answer.fraction)}%"
                lines.append(f"\t{mark}{_gift_escape(answer.text)}#{_gift_escape(answer.feedback)}\n")
            out.append(f"{head}{{\n{''.join(lines)}\t{general}\n}}\n\n")
    return "".join(out)
