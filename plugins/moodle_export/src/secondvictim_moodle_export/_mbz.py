"""The course backup (.mbz): every XML file a Moodle 4.1+ restore reads, then the archive.

Why we write the full stock file set, stubs included: restore fails hard ("Backup is
missing XML file") on any file it expects, and only after it has created the course
(research brief §2.2). Element names and order follow Moodle 4.5's own backup of the lab
course; the header claims Moodle 4.1 (``2022112800``), the oldest release whose layout
(4.0+ question bank entries and versions) we write, so no 4.1+ site warns that the
backup is newer than itself.

No user data, no files, no logs: every ``users``-type root setting is 0, so only the
course structure and content travel.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from lxml import etree

from . import _html as h
from ._archive import tar_gz, zip_bytes
from ._course import (
    COURSE_CONTEXT,
    COURSE_GRADE_ITEM,
    COURSE_ID,
    GRADE_CATEGORY,
    SYSTEM_CONTEXT,
    Activity,
    BankCategory,
    BankQuestion,
    BookActivity,
    Course,
    FeedbackActivity,
    PageActivity,
    QuizActivity,
    Render,
    Section,
)
from ._xml import decimal, element, fields, sub, to_bytes

MOODLE_VERSION = "2022112800"
"""Moodle 4.1 (LTS), the oldest release whose backup layout we write."""
MOODLE_RELEASE = "4.1 (Build: 20221128)"
BACKUP_VERSION = "2022112800"
BACKUP_RELEASE = "4.1"
MODULE_VERSION = "2022112800"
"""Claimed plugin version of each module: newer than every restore-time conversion."""

BACKUP_NAME = "moodle-course-backup.mbz"
SITE_HASH = hashlib.md5(b"secondvictim-core course export").hexdigest()
"""``original_site_identifier_hash``: never equal to a real site's, so restore treats the
backup as coming from elsewhere and always creates fresh question categories."""

FORMAT_HTML = 1
REVIEW_ALL = 69904  # during, immediately after, later while open, after close
REVIEW_OVERALL = 4368  # the same without "during the attempt"

ROOT_SETTINGS: tuple[tuple[str, str], ...] = (
    ("filename", BACKUP_NAME),
    ("imscc11", "0"),
    ("users", "0"),
    ("anonymize", "0"),
    ("role_assignments", "0"),
    ("activities", "1"),
    ("blocks", "0"),
    ("files", "1"),
    ("filters", "1"),
    ("comments", "0"),
    ("badges", "0"),
    ("calendarevents", "0"),
    ("userscompletion", "0"),
    ("logs", "0"),
    ("grade_histories", "0"),
    ("questionbank", "1"),
    ("groups", "0"),
    ("competencies", "0"),
    ("customfield", "0"),
    ("contentbankcontent", "0"),
    ("xapistate", "0"),
    ("legacyfiles", "0"),
)

ACTIVITY_FILES = (
    "module.xml", "roles.xml", "filters.xml", "grades.xml", "inforef.xml", "completion.xml",
    "calendar.xml", "comments.xml", "competencies.xml", "grade_history.xml", "xapistate.xml",
)
"""Files in every activity folder besides ``<modname>.xml``, as Moodle writes them."""


class BackupWriter:
    """Renders a planned course into the backup's files."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.settings = course.settings
        self.time = course.settings.timestamp
        self.files: dict[str, bytes] = {}

    def put(self, name: str, root: etree._Element) -> None:
        self.files[name] = to_bytes(root)

    def html(self, render: Render) -> str:
        return render(self.course.resolve)

    # -- whole backup --------------------------------------------------------------
    def build(self) -> dict[str, bytes]:
        self.moodle_backup()
        self.root_files()
        self.course_files()
        for section in self.course.sections:
            self.section(section)
        for activity in self.course.activities:
            self.activity(activity)
        return self.files

    def moodle_backup(self) -> None:
        course, s = self.course, self.settings
        root = element("moodle_backup")
        info = sub(root, "information")
        fields(info, [
            ("name", BACKUP_NAME),
            ("moodle_version", MOODLE_VERSION),
            ("moodle_release", MOODLE_RELEASE),
            ("backup_version", BACKUP_VERSION),
            ("backup_release", BACKUP_RELEASE),
            ("backup_date", self.time),
            ("mnet_remoteusers", 0),
            ("include_files", 1),
            ("include_file_references_to_external_content", 0),
            ("original_wwwroot", "https://secondvictim.invalid"),
            ("original_site_identifier_hash", SITE_HASH),
            ("original_course_id", COURSE_ID),
            ("original_course_format", "topics"),
            ("original_course_fullname", s.fullname),
            ("original_course_shortname", s.shortname),
            ("original_course_startdate", s.startdate),
            ("original_course_enddate", 0),
            ("original_course_contextid", COURSE_CONTEXT),
            ("original_system_contextid", SYSTEM_CONTEXT),
        ])
        detail = sub(sub(info, "details"), "detail",
                     attrs={"backup_id": hashlib.md5(s.shortname.encode()).hexdigest()})
        fields(detail, [("type", "course"), ("format", "moodle2"), ("interactive", 1), ("mode", 10),
                        ("execution", 1), ("executiontime", 0)])
        contents = sub(info, "contents")
        activities = sub(contents, "activities")
        for activity in course.activities:
            fields(sub(activities, "activity"), [
                ("moduleid", activity.cmid),
                ("sectionid", activity.section_id),
                ("modulename", activity.modname),
                ("title", activity.name),
                ("directory", activity.directory),
                ("insubsection", ""),
            ])
        sections = sub(contents, "sections")
        for section in course.sections:
            fields(sub(sections, "section"), [
                ("sectionid", section.id),
                ("title", section.name),
                ("directory", section.directory),
                ("parentcmid", ""),
                ("modname", ""),
            ])
        fields(sub(contents, "course"), [("courseid", COURSE_ID), ("title", s.shortname),
                                         ("directory", "course")])
        settings = sub(info, "settings")
        for name, value in ROOT_SETTINGS:
            fields(sub(settings, "setting"), [("level", "root"), ("name", name), ("value", value)])
        for section in course.sections:
            key = f"section_{section.id}"
            for suffix, value in (("included", "1"), ("userinfo", "0")):
                fields(sub(settings, "setting"), [("level", "section"), ("section", key),
                                                  ("name", f"{key}_{suffix}"), ("value", value)])
            for activity in section.activities:
                key_a = f"{activity.modname}_{activity.cmid}"
                for suffix, value in (("included", "1"), ("userinfo", "0")):
                    fields(sub(settings, "setting"), [("level", "activity"), ("activity", key_a),
                                                      ("name", f"{key_a}_{suffix}"), ("value", value)])
        self.put("moodle_backup.xml", root)

    def root_files(self) -> None:
        self.put("files.xml", element("files"))
        groups = element("groups")
        sub(groups, "groupcustomfields")
        sub(sub(groups, "groupings"), "groupingcustomfields")
        self.put("groups.xml", groups)
        self.put("outcomes.xml", element("outcomes_definition"))
        self.put("scales.xml", element("scales_definition"))
        self.put("roles.xml", element("roles_definition"))
        self.put("badges.xml", element("badges"))
        self.course_completion()
        history = element("grade_history")
        sub(history, "grade_grades")
        self.put("grade_history.xml", history)
        self.gradebook()
        self.questions()

    def course_completion(self) -> None:
        """Course completion criteria, so the restored course can be reported on as training.

        'quiz': passing the knowledge check completes the course (every activity when there
        is no quiz); 'all': every activity except the anonymous self-assessment; 'none'.
        """
        root = element("course_completion")
        mode = self.settings.course_completion
        acts = [a for a in self.course.activities if not isinstance(a, FeedbackActivity)]
        quizzes = [a for a in acts if isinstance(a, QuizActivity)]
        chosen = [] if mode == "none" else (quizzes if mode == "quiz" and quizzes else acts)
        for number, activity in enumerate(chosen, start=1):
            node = sub(root, "course_completion_criteria", attrs={"id": number})
            fields(node, [
                ("course", COURSE_ID), ("criteriatype", 4), ("module", activity.modname),
                ("moduleinstance", activity.cmid), ("courseinstanceshortname", None), ("enrolperiod", 0),
                ("timeend", 0), ("gradepass", None), ("role", None), ("roleshortname", None),
            ])
            sub(node, "course_completion_crit_completions")
        if chosen:
            for number, criteriatype in enumerate((None, 4), start=1):
                fields(sub(root, "course_completion_aggr_methd", attrs={"id": number}), [
                    ("course", COURSE_ID), ("criteriatype", criteriatype), ("method", 1), ("value", None),
                ])
        self.put("completion.xml", root)

    def gradebook(self) -> None:
        root = element("gradebook")
        sub(root, "attributes")
        cat = sub(sub(root, "grade_categories"), "grade_category", attrs={"id": GRADE_CATEGORY})
        fields(cat, [
            ("parent", None), ("depth", 1), ("path", f"/{GRADE_CATEGORY}/"), ("fullname", "?"),
            ("aggregation", 13), ("keephigh", 0), ("droplow", 0), ("aggregateonlygraded", 1),
            ("aggregateoutcomes", 0), ("timecreated", self.time), ("timemodified", self.time),
            ("hidden", 0),
        ])
        items = sub(root, "grade_items")
        self.grade_item(items, COURSE_GRADE_ITEM, category=None, name=None, itemtype="course",
                        module=None, instance=GRADE_CATEGORY, number=None, grademax=Decimal(self._course_max()),
                        gradepass=Decimal(0), sortorder=1)
        sub(root, "grade_letters")
        setting = sub(sub(root, "grade_settings"), "grade_setting", attrs={"id": ""})
        fields(setting, [("name", "minmaxtouse"), ("value", 1)])
        self.put("gradebook.xml", root)

    def _course_max(self) -> int:
        return sum(int(a.grade) for a in self.course.activities if isinstance(a, QuizActivity))

    def grade_item(self, parent: etree._Element, item_id: int, *, category: int | None, name: str | None,
                   itemtype: str, module: str | None, instance: int, number: int | None,
                   grademax: Decimal, gradepass: Decimal, sortorder: int) -> None:
        node = sub(parent, "grade_item", attrs={"id": item_id})
        fields(node, [
            ("categoryid", category), ("itemname", name), ("itemtype", itemtype), ("itemmodule", module),
            ("iteminstance", instance), ("itemnumber", number), ("iteminfo", None),
            ("idnumber", "" if itemtype == "mod" else None), ("calculation", None), ("gradetype", 1),
            ("grademax", decimal(grademax, 5)), ("grademin", decimal(0, 5)), ("scaleid", None),
            ("outcomeid", None), ("gradepass", decimal(gradepass, 5)), ("multfactor", decimal(1, 5)),
            ("plusfactor", decimal(0, 5)), ("aggregationcoef", decimal(0, 5)),
            ("aggregationcoef2", decimal(1 if itemtype == "mod" else 0, 5)), ("weightoverride", 0),
            ("sortorder", sortorder), ("display", 0), ("decimals", None), ("hidden", 0), ("locked", 0),
            ("locktime", 0), ("needsupdate", 0), ("timecreated", self.time), ("timemodified", self.time),
        ])
        sub(node, "grade_grades")

    def course_files(self) -> None:
        s = self.settings
        root = element("course", {"id": COURSE_ID, "contextid": COURSE_CONTEXT})
        fields(root, [
            ("shortname", s.shortname), ("fullname", s.fullname), ("idnumber", ""),
            ("summary", self.course.summary), ("summaryformat", FORMAT_HTML), ("format", "topics"),
            ("showgrades", 1), ("newsitems", 0), ("startdate", s.startdate), ("enddate", 0),
            ("marker", 0), ("maxbytes", 0), ("legacyfiles", 0), ("showreports", 0), ("visible", 1),
            ("groupmode", 0), ("groupmodeforce", 0), ("defaultgroupingid", 0), ("lang", ""),
            ("theme", ""), ("timecreated", self.time), ("timemodified", self.time), ("requested", 0),
            ("showactivitydates", 0), ("showcompletionconditions", 1), ("pdfexportfont", None),
            ("enablecompletion", 1), ("completionnotify", 0),
        ])
        cat = sub(root, "category", attrs={"id": 1})
        fields(cat, [("name", s.organisation or "Staff support"), ("description", None)])
        sub(root, "tags")
        sub(root, "customfields")
        options = sub(root, "courseformatoptions")
        for name, value in (("hiddensections", 1), ("coursedisplay", 0)):
            fields(sub(options, "courseformatoption"),
                   [("format", "topics"), ("sectionid", 0), ("name", name), ("value", value)])
        self.put("course/course.xml", root)
        self.put("course/roles.xml", _roles())
        self.put("course/filters.xml", _filters())
        self.put("course/inforef.xml", element("inforef"))
        self.put("course/completiondefaults.xml", element("course_completion_defaults"))
        self.put("course/calendar.xml", element("events"))
        self.put("course/comments.xml", element("comments"))
        self.put("course/contentbank.xml", element("contents"))
        competencies = element("course_competencies")
        sub(competencies, "competencies")
        sub(competencies, "user_competencies")
        self.put("course/competencies.xml", competencies)

    def section(self, section: Section) -> None:
        root = element("section", {"id": section.id})
        fields(root, [
            ("number", section.number), ("name", section.name), ("summary", section.summary),
            ("summaryformat", FORMAT_HTML),
            ("sequence", ",".join(str(a.cmid) for a in section.activities)),
            ("visible", 1), ("availabilityjson", None), ("component", None), ("itemid", None),
            ("timemodified", self.time),
        ])
        self.put(f"{section.directory}/section.xml", root)
        self.put(f"{section.directory}/inforef.xml", element("inforef"))

    # -- activities -------------------------------------------------------------------
    def activity(self, activity: Activity) -> None:
        base = activity.directory
        quiz = activity if isinstance(activity, QuizActivity) else None
        feedback = isinstance(activity, FeedbackActivity)
        module = element("module", {"id": activity.cmid, "version": MODULE_VERSION})
        fields(module, [
            ("modulename", activity.modname), ("sectionid", activity.section_id),
            ("sectionnumber", activity.section_number), ("idnumber", ""), ("added", self.time),
            ("score", 0), ("indent", 0), ("visible", 1), ("visibleoncoursepage", 1), ("visibleold", 1),
            ("groupmode", 0), ("groupingid", 0),
            ("completion", 2),  # automatic: view, pass grade or submit
            ("completiongradeitemnumber", 0 if quiz else None),
            ("completionpassgrade", 1 if quiz else 0),
            ("completionview", 1 if activity.completion_view and not (quiz or feedback) else 0),
            ("completionexpected", 0), ("availability", None), ("showdescription", 0),
            ("downloadcontent", 1), ("lang", None),
        ])
        sub(module, "tags")
        self.put(f"{base}/module.xml", module)
        self.put(f"{base}/roles.xml", _roles())
        self.put(f"{base}/filters.xml", _filters())
        self.put(f"{base}/calendar.xml", element("events"))
        self.put(f"{base}/comments.xml", element("comments"))
        self.put(f"{base}/xapistate.xml", element("states"))
        competencies = element("course_module_competencies")
        sub(competencies, "competencies")
        self.put(f"{base}/competencies.xml", competencies)
        completion = element("completions")
        sub(completion, "completionviews")
        self.put(f"{base}/completion.xml", completion)
        history = element("grade_history")
        sub(history, "grade_grades")
        self.put(f"{base}/grade_history.xml", history)

        grades = element("activity_gradebook")
        items = sub(grades, "grade_items")
        inforef = element("inforef")
        if quiz is not None:
            self.grade_item(items, quiz.grade_item_id, category=GRADE_CATEGORY, name=quiz.name,
                            itemtype="mod", module="quiz", instance=quiz.instance, number=0,
                            grademax=quiz.grade, gradepass=quiz.gradepass, sortorder=2)
            sub(sub(sub(inforef, "grade_itemref"), "grade_item"), "id", quiz.grade_item_id)
            refs = sub(inforef, "question_categoryref")
            for cat in quiz.categories:
                sub(sub(refs, "question_category"), "id", cat.id)
        sub(grades, "grade_letters")
        self.put(f"{base}/grades.xml", grades)
        self.put(f"{base}/inforef.xml", inforef)

        wrapper = element("activity", {"id": activity.instance, "moduleid": activity.cmid,
                                       "modulename": activity.modname, "contextid": activity.contextid})
        if isinstance(activity, PageActivity):
            self.page(wrapper, activity)
        elif isinstance(activity, BookActivity):
            self.book(wrapper, activity)
        elif isinstance(activity, QuizActivity):
            self.quiz(wrapper, activity)
        elif isinstance(activity, FeedbackActivity):
            self.feedback(wrapper, activity)
        self.put(f"{base}/{activity.modname}.xml", wrapper)

    def _intro(self, activity: Activity) -> list[tuple[str, str | int | None]]:
        return [("name", activity.name), ("intro", self.html(activity.intro)), ("introformat", FORMAT_HTML)]

    def page(self, wrapper: etree._Element, page: PageActivity) -> None:
        node = sub(wrapper, "page", attrs={"id": page.instance})
        fields(node, [
            *self._intro(page), ("content", self.html(page.content)), ("contentformat", FORMAT_HTML),
            ("legacyfiles", 0), ("legacyfileslast", None), ("display", 5),  # 5 = open in the course
            ("displayoptions", 'a:2:{s:10:"printintro";i:0;s:17:"printlastmodified";i:0;}'),
            ("revision", 1), ("timemodified", self.time),
        ])

    def book(self, wrapper: etree._Element, book: BookActivity) -> None:
        node = sub(wrapper, "book", attrs={"id": book.instance})
        fields(node, [*self._intro(book), ("numbering", 1), ("navstyle", 1), ("customtitles", 0),
                      ("timecreated", self.time), ("timemodified", self.time)])
        chapters = sub(node, "chapters")
        for pagenum, chapter in enumerate(book.chapters, start=1):
            fields(sub(chapters, "chapter", attrs={"id": chapter.id}), [
                ("pagenum", pagenum), ("subchapter", 1 if chapter.subchapter else 0),
                ("title", chapter.title), ("content", self.html(chapter.render)),
                ("contentformat", FORMAT_HTML), ("hidden", 0), ("timemodified", self.time),
                ("importsrc", ""),
            ])
        sub(node, "chaptertags")

    def feedback(self, wrapper: etree._Element, activity: FeedbackActivity) -> None:
        node = sub(wrapper, "feedback", attrs={"id": activity.instance})
        fields(node, [
            *self._intro(activity), ("anonymous", 1), ("email_notification", 0),
            ("multiple_submit", 0), ("autonumbering", 1), ("site_after_submit", ""),
            ("page_after_submit", self.html(activity.after_submit)),
            ("page_after_submitformat", FORMAT_HTML), ("publish_stats", 0), ("timeopen", 0),
            ("timeclose", 0), ("timemodified", self.time), ("completionsubmit", 1),
        ])
        items = sub(node, "items")
        for item in activity.items:
            fields(sub(items, "item", attrs={"id": item.id}), [
                ("template", 0), ("name", item.name), ("label", item.label),
                ("presentation", item.presentation), ("typ", item.typ), ("hasvalue", item.hasvalue),
                ("position", item.position), ("required", item.required), ("dependitem", 0),
                ("dependvalue", ""), ("options", item.options),
            ])
        sub(node, "completeds")

    def quiz(self, wrapper: etree._Element, quiz: QuizActivity) -> None:
        node = sub(wrapper, "quiz", attrs={"id": quiz.instance})
        fields(node, [
            *self._intro(quiz), ("timeopen", 0), ("timeclose", 0), ("timelimit", 0),
            ("overduehandling", "autosubmit"), ("graceperiod", 0),
            ("preferredbehaviour", "deferredfeedback"), ("canredoquestions", 0),
            ("attempts_number", 0), ("attemptonlast", 0), ("grademethod", 1), ("decimalpoints", 2),
            ("questiondecimalpoints", -1),
            ("reviewattempt", REVIEW_ALL), ("reviewcorrectness", REVIEW_ALL),
            ("reviewmaxmarks", REVIEW_ALL), ("reviewmarks", REVIEW_ALL),
            ("reviewspecificfeedback", REVIEW_ALL), ("reviewgeneralfeedback", REVIEW_ALL),
            ("reviewrightanswer", REVIEW_ALL), ("reviewoverallfeedback", REVIEW_OVERALL),
            ("questionsperpage", 1), ("navmethod", "free"), ("shuffleanswers", 1),
            ("sumgrades", decimal(quiz.sumgrades, 5)), ("grade", decimal(quiz.grade, 5)),
            ("timecreated", self.time), ("timemodified", self.time), ("password", ""), ("subnet", ""),
            ("browsersecurity", "-"), ("delay1", 0), ("delay2", 0), ("showuserpicture", 0),
            ("showblocks", 0), ("completionattemptsexhausted", 0), ("completionminattempts", 0),
            ("allowofflineattempts", 0),
        ])
        sub(node, "subplugin_quizaccess_seb_quiz")
        sub(node, "quiz_grade_items")
        instances = sub(node, "question_instances")
        for slot in quiz.slots:
            inst = sub(instances, "question_instance", attrs={"id": slot.id})
            fields(inst, [
                ("quizid", quiz.instance), ("slot", slot.number), ("page", slot.page),
                ("displaynumber", None), ("requireprevious", 0), ("maxmark", decimal(slot.maxmark, 7)),
                ("quizgradeitemid", None),
            ])
            fields(sub(inst, "question_reference", attrs={"id": slot.reference_id}), [
                ("usingcontextid", quiz.contextid), ("component", "mod_quiz"), ("questionarea", "slot"),
                ("questionbankentryid", slot.question.entry_id), ("version", None),
            ])
        section = sub(sub(node, "sections"), "section", attrs={"id": quiz.quiz_section_id})
        fields(section, [("firstslot", 1), ("heading", ""), ("shufflequestions", 0)])
        for name in ("feedbacks", "overrides", "grades", "attempts"):
            sub(node, name)

    # -- question bank ------------------------------------------------------------------
    def questions(self) -> None:
        root = element("question_categories")
        for activity in self.course.activities:
            if isinstance(activity, QuizActivity):
                for category in activity.categories:
                    self.category(root, category)
        self.put("questions.xml", root)

    def category(self, root: etree._Element, cat: BankCategory) -> None:
        node = sub(root, "question_category", attrs={"id": cat.id})
        fields(node, [
            ("name", cat.name), ("contextid", cat.contextid), ("contextlevel", 70),
            ("contextinstanceid", cat.instanceid), ("info", cat.info), ("infoformat", FORMAT_HTML),
            ("stamp", cat.stamp), ("parent", cat.parent), ("sortorder", cat.sortorder),
            ("idnumber", None),
        ])
        entries = sub(node, "question_bank_entries")
        for question in cat.questions:
            self.bank_entry(entries, question)

    def bank_entry(self, parent: etree._Element, bank: BankQuestion) -> None:
        graded = bank.graded
        item = graded.item
        entry = sub(parent, "question_bank_entry", attrs={"id": bank.entry_id})
        fields(entry, [("questioncategoryid", bank.category_id), ("idnumber", item.id), ("ownerid", None)])
        versions = sub(sub(entry, "question_version"), "question_versions", attrs={"id": bank.version_id})
        fields(versions, [("version", 1), ("status", "ready")])
        question = sub(sub(versions, "questions"), "question", attrs={"id": bank.question_id})
        fields(question, [
            ("parent", 0), ("name", graded.name), ("questiontext", _p(item.text)),
            ("questiontextformat", FORMAT_HTML), ("generalfeedback", _p(item.general_feedback)),
            ("generalfeedbackformat", FORMAT_HTML), ("defaultmark", decimal(graded.defaultmark, 7)),
            ("penalty", decimal(graded.penalty, 7)), ("qtype", graded.qtype), ("length", 1),
            ("stamp", bank.stamp), ("timecreated", self.time), ("timemodified", self.time),
            ("createdby", None), ("modifiedby", None),
        ])
        plugin = sub(question, f"plugin_qtype_{graded.qtype}_question")
        if graded.qtype != "essay":
            answers = sub(plugin, "answers")
            for answer_id, answer in zip(bank.answer_ids, graded.answers, strict=True):
                text = _p(answer.text) if graded.qtype == "multichoice" else (
                    answer.text.capitalize() if graded.qtype == "truefalse" else answer.text)
                fields(sub(answers, "answer", attrs={"id": answer_id}), [
                    ("answertext", text),
                    ("answerformat", FORMAT_HTML if graded.qtype == "multichoice" else 0),
                    ("fraction", decimal(answer.fraction, 7)), ("feedback", _p(answer.feedback)),
                    ("feedbackformat", FORMAT_HTML),
                ])
        options = sub(plugin, graded.qtype, attrs={"id": bank.options_id})
        if graded.qtype == "multichoice":
            fields(options, [
                ("layout", 0), ("single", 1 if graded.single else 0), ("shuffleanswers", 1),
                ("correctfeedback", ""), ("correctfeedbackformat", FORMAT_HTML),
                ("partiallycorrectfeedback", ""), ("partiallycorrectfeedbackformat", FORMAT_HTML),
                ("incorrectfeedback", ""), ("incorrectfeedbackformat", FORMAT_HTML),
                ("answernumbering", "abc"), ("shownumcorrect", 1), ("showstandardinstruction", 0),
            ])
        elif graded.qtype == "truefalse":
            true_id, false_id = bank.answer_ids
            fields(options, [("trueanswer", true_id), ("falseanswer", false_id),
                             ("showstandardinstruction", 0)])
        elif graded.qtype == "shortanswer":
            fields(options, [("usecase", 0)])
        else:
            fields(options, [
                ("responseformat", "editor"), ("responserequired", 1), ("responsefieldlines", 10),
                ("minwordlimit", None), ("maxwordlimit", None), ("attachments", 0),
                ("attachmentsrequired", 0), ("graderinfo", ""), ("graderinfoformat", FORMAT_HTML),
                ("responsetemplate", ""), ("responsetemplateformat", FORMAT_HTML),
                ("filetypeslist", None), ("maxbytes", 0),
            ])
        sub(sub(question, "plugin_qbank_comment_question"), "comments")
        sub(sub(question, "plugin_qbank_customfields_question"), "customfields")
        sub(question, "question_hints")
        sub(question, "tags")


def _p(text: str) -> str:
    return f"<p>{h.esc(text)}</p>"


def _roles() -> etree._Element:
    root = element("roles")
    sub(root, "role_overrides")
    sub(root, "role_assignments")
    return root


def _filters() -> etree._Element:
    root = element("filters")
    sub(root, "filter_actives")
    sub(root, "filter_configs")
    return root


def build_backup(course: Course) -> dict[str, bytes]:
    """Every file of the backup, by archive path."""
    return BackupWriter(course).build()


def pack_backup(files: dict[str, bytes], mtime: int, *, as_zip: bool = False) -> bytes:
    """The ``.mbz``: gzip tar (what Moodle writes) or zip (what very old sites prefer)."""
    return zip_bytes(files, mtime) if as_zip else tar_gz(files, mtime)

