"""Plan the course: which section and activity every item lands in, with every id fixed.

Why plan before writing: a ``kind:id`` link in one page must point at the activity (and
book chapter) where the other item ended up, so placement and ids are settled first and
HTML is rendered afterwards with a resolver. The same plan feeds the backup, the
cartridge and the question files, so they always agree. Ids are allocated in content
order, never from a clock or a hash seed, which keeps the output byte-identical.

Layout (what an e-learning team sees after restoring):

0. Start here: standing pages (about, accessibility...) and the signposting directory.
1. Staff involved in an incident, 2. managers and colleagues, 3. organisations: guidance
   grouped by topic (a Book when a topic has enough items, else Pages), then the support
   ladder, recovery stages, warning signs, coping strategies, stories, case studies,
   decision flows and the self-assessment (Feedback), each placed by its first audience.
4. Questions about the investigation: FAQs, a Book per topic.
5. Knowledge check: the quiz.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from secondvictim_core import Bundle
from secondvictim_core.models import (
    AssessmentFramework,
    Audience,
    CaseStudy,
    CopingStrategy,
    DecisionFlow,
    Faq,
    GuidanceArticle,
    ItemBase,
    Jurisdiction,
    Page,
    Question,
    RecoveryStage,
    Story,
    SupportLadder,
    SupportLevel,
    WarningSign,
)

from . import _html as h
from ._feedback import FeedbackItem, after_submit_html, feedback_items
from ._options import Settings
from ._questions import AUTO_GRADED, GradedQuestion, category_path, grade

Render = Callable[[h.Resolve], str]
"""Produces an HTML fragment, given how to resolve ``kind:id`` links."""

SECTION_TITLES: dict[str, str] = {
    "start": "Start here",
    Audience.SECOND_VICTIM.value: "If you have been involved in a patient safety incident",
    Audience.MANAGER_COLLEAGUE.value: "For managers and colleagues",
    Audience.ORGANISATION.value: "For organisations",
    "faq": "Questions about the investigation",
    "check": "Knowledge check",
}

TOPIC_TITLES: dict[str, str] = {
    "recognition": "Recognising the impact",
    "what_to_expect": "What to expect",
    "self_care": "Looking after yourself",
    "getting_support": "Getting support",
    "investigation": "Going through an investigation",
    "why_it_matters": "Why support matters",
    "first_response": "The first response",
    "choosing_support": "Choosing the right support",
    "supporting_through_investigation": "Supporting someone through an investigation",
    "supporter_wellbeing": "Looking after yourself as a supporter",
    "safety_culture": "Safety culture",
    "support_model": "Support models",
    "peer_support": "Peer support",
    "measuring_progress": "Measuring progress",
    "other": "More guidance",
}

NATION_NAMES = {
    Jurisdiction.ENGLAND: "England",
    Jurisdiction.WALES: "Wales",
    Jurisdiction.SCOTLAND: "Scotland",
    Jurisdiction.NORTHERN_IRELAND: "Northern Ireland",
}

SYSTEM_CONTEXT = 1
COURSE_ID = 1
COURSE_CONTEXT = 2
GRADE_CATEGORY = 1
COURSE_GRADE_ITEM = 1
QUIZ_GRADE = Decimal(10)


def _stamp(*parts: object) -> str:
    """A stable Moodle-style stamp (host+date+random in Moodle; here derived from content)."""
    digest = hashlib.sha1("\0".join(map(str, parts)).encode("utf-8")).hexdigest()[:12]
    return f"secondvictim+{digest}"


_MARK = "#svref:"
_MARKED = re.compile(r'<a href="#svref:(?P<id>[^"]+)"(?P<rest>[^>]*)>(?P<text>.*?)</a>', re.S)


def _mark(kind: str, item_id: str) -> str:
    """Stands in for a link target while HTML is rendered once for every output."""
    return _MARK + item_id


def _memo(render: Render) -> Render:
    """Render once (Markdown parsing is the expensive part), then fill in links per output.

    The fragment is rendered with every internal link pointing at a marker; each caller's
    resolver then turns a marker into its URL, or the link into its plain words. The
    markers only ever come from our own renderer, after sanitising, so the pattern is exact.
    """
    cache: list[str] = []

    def resolved(resolve: h.Resolve) -> str:
        if not cache:
            cache.append(render(_mark))

        def swap(match: re.Match[str]) -> str:
            url = resolve("*", match["id"])
            return f'<a href="{h.esc(url)}"{match["rest"]}>{match["text"]}</a>' if url else match["text"]

        return _MARKED.sub(swap, cache[0])

    return resolved


def _paragraph(text: str | None) -> Render:
    """A renderer for a fixed plain-text paragraph (or nothing)."""

    def render(resolve: h.Resolve) -> str:
        return h.para(text) if text else ""

    return render


def _clip(text: str, limit: int = 255) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# -- the plan ---------------------------------------------------------------------------


@dataclass(kw_only=True)
class Chapter:
    """A book chapter."""

    id: int
    title: str
    render: Render
    subchapter: bool = False


@dataclass(kw_only=True)
class Activity:
    """What every course module has."""

    modname: str
    cmid: int
    instance: int
    contextid: int
    name: str
    section_id: int = 0
    section_number: int = 0
    intro: Render = field(default_factory=lambda: _paragraph(None))
    completion_view: bool = True

    @property
    def directory(self) -> str:
        """``activities/<mod>_<cmid>``: Moodle's key for the activity's task."""
        return f"activities/{self.modname}_{self.cmid}"


@dataclass(kw_only=True)
class PageActivity(Activity):
    """mod_page."""

    content: Render


@dataclass(kw_only=True)
class BookActivity(Activity):
    """mod_book, one chapter per item."""

    chapters: list[Chapter]


@dataclass(kw_only=True)
class BankQuestion:
    """A question as stored in the backup's question bank (4.0+ layout)."""

    graded: GradedQuestion
    category_id: int
    entry_id: int
    version_id: int
    question_id: int
    answer_ids: tuple[int, ...]
    options_id: int
    stamp: str


@dataclass(kw_only=True)
class BankCategory:
    """A question category in the quiz's own (module-context) bank."""

    id: int
    name: str
    parent: int
    contextid: int
    instanceid: int
    stamp: str
    sortorder: int
    info: str = ""
    questions: list[BankQuestion] = field(default_factory=list)


@dataclass(kw_only=True)
class Slot:
    """A quiz slot referring to a question bank entry."""

    id: int
    number: int
    page: int
    maxmark: Decimal
    question: BankQuestion
    reference_id: int


@dataclass(kw_only=True)
class QuizActivity(Activity):
    """mod_quiz with its bank; passing the quiz completes it."""

    slots: list[Slot]
    categories: list[BankCategory]
    grade_item_id: int
    quiz_section_id: int
    grade: Decimal
    gradepass: Decimal

    @property
    def sumgrades(self) -> Decimal:
        """Total of the slots' marks, as quiz.sumgrades must be."""
        return sum((s.maxmark for s in self.slots), Decimal(0))


@dataclass(kw_only=True)
class FeedbackActivity(Activity):
    """mod_feedback holding a self-assessment framework."""

    framework: AssessmentFramework
    items: list[FeedbackItem]
    after_submit: Render


@dataclass(kw_only=True)
class Section:
    """A course section."""

    id: int
    number: int
    name: str
    summary: str = ""
    activities: list[Activity] = field(default_factory=list)

    @property
    def directory(self) -> str:
        """``sections/section_<id>``."""
        return f"sections/section_{self.id}"


@dataclass(kw_only=True)
class Course:
    """The whole plan: settings, sections with activities, and where each item's links go."""

    settings: Settings
    sections: list[Section]
    targets: dict[str, str]
    questions: list[GradedQuestion]
    notes: list[str]
    summary: str

    @property
    def activities(self) -> list[Activity]:
        """Every activity, in course order."""
        return [a for s in self.sections for a in s.activities]

    def resolve(self, kind: str, item_id: str) -> str | None:
        """Where a ``kind:id`` link goes inside the restored course (Moodle's link placeholders)."""
        return self.targets.get(item_id)


# -- building it ----------------------------------------------------------------------------


class _Counter:
    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def __call__(self, table: str, start: int = 1, count: int = 1) -> int:
        """The next id in ``table`` (the first of ``count`` consecutive ids)."""
        value = self._next.get(table, start)
        self._next[table] = value + count
        return value


@dataclass
class _Group:
    key: str
    name: str
    entries: list[tuple[ItemBase, str, Render]]


class _Planner:
    def __init__(self, bundle: Bundle, settings: Settings) -> None:
        self.bundle = bundle
        self.settings = settings
        self.ids = _Counter()
        self.notes: list[str] = []
        self.targets: dict[str, str] = {}
        nation = bundle.nation
        self.nation = nation if nation not in (None, Jurisdiction.UK) else None
        items = bundle.query(jurisdiction=self.nation) if self.nation else bundle.items
        self.items: tuple[ItemBase, ...] = tuple(items)
        self.titles = {i.id: self.title(i) for i in self.items}
        self.sections: dict[str, Section] = {}
        for number, key in enumerate(SECTION_TITLES):
            self.sections[key] = Section(id=number + 1, number=number, name=SECTION_TITLES[key])

    # helpers ---------------------------------------------------------------------
    def of(self, kind: type[ItemBase]) -> list[ItemBase]:
        return [i for i in self.items if isinstance(i, kind)]

    def title(self, item: ItemBase) -> str:
        """The item's title, naming its nations when the course is not for one nation."""
        if self.nation or Jurisdiction.UK in item.jurisdictions:
            return item.title
        names = [NATION_NAMES[j] for j in item.jurisdictions if j in NATION_NAMES]
        return f"{item.title} ({', '.join(names)})" if names else item.title

    def audience_section(self, item: ItemBase) -> Section:
        return self.sections[item.audiences[0].value]

    def add(self, section: Section, activity: Activity) -> Activity:
        activity.section_id = section.id
        activity.section_number = section.number
        section.activities.append(activity)
        return activity

    def module(self, modname: str) -> tuple[int, int, int]:
        """(cmid, instance id, context id) for a new activity."""
        return self.ids("cm"), self.ids(modname), self.ids("context", COURSE_CONTEXT + 1)

    def page(self, section: Section, name: str, content: Render, summary: str | None,
             link_ids: Sequence[str] = ()) -> PageActivity:
        cmid, instance, contextid = self.module("page")
        page = PageActivity(
            modname="page", name=_clip(name), content=_memo(content), intro=_paragraph(summary),
            cmid=cmid, instance=instance, contextid=contextid,
        )
        for item_id in link_ids:
            self.targets[item_id] = f"$@PAGEVIEWBYID*{page.cmid}@$"
        self.add(section, page)
        return page

    def book(self, section: Section, name: str, entries: Sequence[tuple[ItemBase | None, str, Render]],
             intro: str | None = None) -> BookActivity:
        cmid, instance, contextid = self.module("book")
        book = BookActivity(
            modname="book", name=_clip(name), chapters=[], intro=_paragraph(intro),
            cmid=cmid, instance=instance, contextid=contextid,
        )
        for item, title, render in entries:
            chapter = Chapter(id=self.ids("chapter"), title=_clip(title), render=_memo(render))
            book.chapters.append(chapter)
            if item is not None:
                self.targets[item.id] = f"$@BOOKVIEWBYIDCH*{book.cmid}*{chapter.id}@$"
        self.add(section, book)
        return book

    def pages_or_book(self, section: Section, group: _Group) -> None:
        """A Book when the group is big enough, else one Page per item."""
        if len(group.entries) >= self.settings.book_min_items:
            self.book(section, group.name, group.entries)
            return
        for item, title, render in group.entries:
            self.page(section, title, render, item.summary, [item.id])

    # the layout ----------------------------------------------------------------------
    def plan(self) -> Course:
        start = self.sections["start"]
        for item in self.of(Page):
            assert isinstance(item, Page)
            self.page(start, self.titles[item.id], self._render(item), item.summary, [item.id])
        self.signposts(start)
        self.guidance()
        self.ladder()
        self.collection(RecoveryStage, "Stages of recovery")
        self.warning_signs()
        self.collection(CopingStrategy, "Ways of coping")
        self.collection(Story, "Staff stories")
        self.collection(CaseStudy, "Case studies")
        for flow in self.of(DecisionFlow):
            self.page(self.audience_section(flow), self.titles[flow.id], self._render(flow),
                      flow.summary, [flow.id])
        for framework in self.of(AssessmentFramework):
            assert isinstance(framework, AssessmentFramework)
            self.feedback(framework)
        self.faqs()
        questions = [grade(q) for q in self.of(Question) if isinstance(q, Question)]
        self.quiz(questions)
        # Empty sections would only confuse learners; the first one always stays.
        sections = [s for s in self.sections.values() if s.activities or s.number == 0]
        for number, section in enumerate(sections):
            section.number = number
            for activity in section.activities:
                activity.section_number = number
        org = self.settings.organisation
        summary = h.para(self.settings.summary) + (h.para(f"Provided by {org}.") if org else "")
        if org:
            start.summary = h.para(f"This course is provided by {org}.")
        return Course(
            settings=self.settings,
            sections=sections,
            targets=self.targets,
            questions=questions,
            notes=self.notes,
            summary=h.clean(summary),
        )

    def _render(self, item: ItemBase) -> Render:
        """The renderer for one item's own page or chapter (its sources appended)."""
        titles = self.titles

        def render(resolve: h.Resolve) -> str:
            if isinstance(item, GuidanceArticle):
                body = h.guidance_html(item, resolve, titles)
            elif isinstance(item, Faq):
                body = h.faq_html(item, resolve, titles)
            elif isinstance(item, Page):
                body = h.page_html(item, resolve)
            elif isinstance(item, Story):
                body = h.story_html(item, resolve, titles)
            elif isinstance(item, CaseStudy):
                body = h.case_study_html(item, resolve)
            elif isinstance(item, RecoveryStage):
                body = h.stage_html(item, resolve)
            elif isinstance(item, CopingStrategy):
                body = h.coping_html(item, resolve)
            elif isinstance(item, SupportLadder):
                body = h.ladder_html(item, resolve)
            elif isinstance(item, SupportLevel):
                body = h.level_html(item, resolve, titles)
            elif isinstance(item, DecisionFlow):
                body = h.decision_flow_html(item, resolve)
            else:  # pragma: no cover - every placed kind is listed above
                body = h.para(item.summary)
            return h.with_sources(body, item)

        return render

    def signposts(self, section: Section) -> None:
        posts = self.bundle.signposts(nation=self.nation)
        empty = [p.id for p in posts if p.local_slot and not p.channels]
        if empty:
            self.notes.append(
                "local signposts with no contact details were left out (fill them with an "
                "organisation overlay): " + ", ".join(empty)
            )
        shown = [p for p in posts if not (p.local_slot and not p.channels)]
        if not shown:
            return
        self.page(
            section, "Where to get help",
            lambda resolve: h.signpost_directory(shown, resolve),
            "Services you can contact, crisis and emergency services first.",
            [p.id for p in shown],
        )

    def guidance(self) -> None:
        groups: dict[tuple[str, str], _Group] = {}
        for item in self.of(GuidanceArticle):
            assert isinstance(item, GuidanceArticle)
            key = (item.audiences[0].value, item.topic.value)
            group = groups.setdefault(key, _Group(key[1], TOPIC_TITLES.get(key[1], key[1]), []))
            group.entries.append((item, self.titles[item.id], self._render(item)))
        for (audience, _topic), group in groups.items():
            self.pages_or_book(self.sections[audience], group)

    def ladder(self) -> None:
        try:
            ladder, levels = self.bundle.ladder()
        except KeyError:
            return
        if ladder.id not in self.titles:
            return
        others = [i.id for i in self.of(SupportLadder) if i.id != ladder.id]
        if others:
            self.notes.append(f"only the chosen support ladder {ladder.id!r} is in the course; "
                              f"left out: {', '.join(others)}")
        entries: list[tuple[ItemBase | None, str, Render]] = [
            (ladder, "About this model", self._render(ladder))
        ]
        entries.extend((lv, self.titles[lv.id], self._render(lv)) for lv in levels if lv.id in self.titles)
        book = self.book(self.audience_section(ladder), self.titles[ladder.id], entries)
        self.targets[ladder.id] = f"$@BOOKVIEWBYID*{book.cmid}@$"

    def collection(self, kind: type[ItemBase], name: str) -> None:
        items = self.of(kind)
        if not items:
            return
        group = _Group(kind.__name__, name, [(i, self.titles[i.id], self._render(i)) for i in items])
        self.pages_or_book(self.audience_section(items[0]), group)

    def warning_signs(self) -> None:
        signs = [s for s in self.of(WarningSign) if isinstance(s, WarningSign)]
        if not signs:
            return
        crisis = tuple(s for s in self.bundle.crisis_signposts(self.nation) if s.channels)
        titles = self.titles

        def render(resolve: h.Resolve) -> str:
            body = h.warning_signs_html(signs, crisis, resolve, titles)
            sources = {str(src.url): src for s in signs for src in s.sources}
            return h.clean(body + h.sources_list([sources[k] for k in sorted(sources)]))

        self.page(self.audience_section(signs[0]), "Warning signs", render,
                  "Signs that someone's health or work is being affected, and the support they point to.",
                  [s.id for s in signs])

    def feedback(self, framework: AssessmentFramework) -> None:
        cmid, instance, contextid = self.module("feedback")
        size = len(feedback_items(framework, first_id=1))
        items = feedback_items(framework, first_id=self.ids("feedback_item", count=size))

        def intro(resolve: h.Resolve) -> str:
            return h.clean(h.para(framework.summary) + h.markdown(framework.instructions, resolve))

        def after(resolve: h.Resolve) -> str:
            return after_submit_html(framework, lambda text: h.markdown(text, resolve))

        activity = FeedbackActivity(
            modname="feedback", name=_clip(self.titles[framework.id]), framework=framework,
            items=items, intro=_memo(intro), after_submit=_memo(after), completion_view=False,
            cmid=cmid, instance=instance, contextid=contextid,
        )
        self.targets[framework.id] = f"$@FEEDBACKVIEWBYID*{activity.cmid}@$"
        self.add(self.audience_section(framework), activity)

    def faqs(self) -> None:
        groups: dict[str, _Group] = {}
        for item in self.of(Faq):
            assert isinstance(item, Faq)
            group = groups.setdefault(item.topic, _Group(item.topic, item.topic, []))
            group.entries.append((item, self.titles[item.id], self._render(item)))
        for group in groups.values():
            self.pages_or_book(self.sections["faq"], group)

    def quiz(self, questions: list[GradedQuestion]) -> None:
        graded = [q for q in questions if q.item.qtype in AUTO_GRADED]
        essays = [q.item.id for q in questions if q.item.qtype not in AUTO_GRADED]
        if essays:
            self.notes.append(
                "reflective (essay) questions are in the quiz's question bank and the question "
                "files but not in the quiz, so that passing it needs no manual grading: "
                + ", ".join(essays)
            )
        if not graded:
            return
        cmid, instance, contextid = self.module("quiz")
        top = BankCategory(id=self.ids("qcat"), name="top", parent=0, contextid=contextid,
                           instanceid=cmid, stamp=_stamp("top", contextid), sortorder=0)
        categories = [top]
        by_path: dict[tuple[str, ...], BankCategory] = {}
        bank: dict[str, BankQuestion] = {}
        ordered = sorted(questions, key=lambda g: (category_path(g.item.category), g.item.order, g.item.id))
        for question in ordered:
            parts = tuple(category_path(question.item.category))
            parent = top
            for depth in range(1, len(parts) + 1):
                path = parts[:depth]
                if path not in by_path:
                    cat = BankCategory(id=self.ids("qcat"), name=_clip(path[-1]), parent=parent.id,
                                       contextid=contextid, instanceid=cmid,
                                       stamp=_stamp("category", *path), sortorder=999)
                    by_path[path] = cat
                    categories.append(cat)
                parent = by_path[path]
            answers = tuple(self.ids("answer") for _ in question.answers)
            entry = BankQuestion(
                graded=question, category_id=parent.id, entry_id=self.ids("qbe"),
                version_id=self.ids("qv"), question_id=self.ids("question"), answer_ids=answers,
                options_id=self.ids(f"qtype_{question.qtype}"), stamp=_stamp("question", question.item.id),
            )
            parent.questions.append(entry)
            bank[question.item.id] = entry
        slots = []
        for number, question in enumerate(graded, start=1):
            slots.append(Slot(id=self.ids("slot"), number=number, page=number,
                              maxmark=question.defaultmark, question=bank[question.item.id],
                              reference_id=self.ids("qref")))
        gradepass = (QUIZ_GRADE * self.settings.pass_percent / 100).quantize(Decimal("0.00001"))
        pass_text = format(self.settings.pass_percent.normalize(), "f")
        quiz = QuizActivity(
            modname="quiz", name="Knowledge check", slots=slots, categories=categories,
            grade_item_id=COURSE_GRADE_ITEM + 1, quiz_section_id=1, grade=QUIZ_GRADE,
            gradepass=gradepass, completion_view=False,
            intro=_paragraph(
                f"Check what you have learnt. The pass mark is {pass_text}%, and you can try as "
                f"many times as you like."
            ),
            cmid=cmid, instance=instance, contextid=contextid,
        )
        self.add(self.sections["check"], quiz)


def plan_course(bundle: Bundle, settings: Settings) -> Course:
    """Decide the course layout and every id for this bundle."""
    return _Planner(bundle, settings).plan()
