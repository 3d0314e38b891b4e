"""The course backup (.mbz): what Moodle's restore reads, checked offline.

The required-file table and the cross-reference rules come from the research brief
(shared/research/moodle.md §2.2 and §7.2); each was established against a real Moodle.
"""

from __future__ import annotations

import gzip
import html
import io
import json
import re
import tarfile
from pathlib import Path

import lxml.html
import pytest
from lxml import etree
from secondvictim_moodle_export import check_backup, read_archive
from secondvictim_moodle_export._feedback import parse_rated
from secondvictim_moodle_export._verify import element_paths

HERE = Path(__file__).parent

DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

# Research brief §2.2, as data: files restore fails without (users setting = 0).
REQUIRED_ROOT = ["moodle_backup.xml", "files.xml", "groups.xml", "outcomes.xml", "scales.xml",
                 "questions.xml", "roles.xml", "course/course.xml", "course/roles.xml",
                 "course/filters.xml"]
REQUIRED_PER_ACTIVITY = ["module.xml", "{mod}.xml", "roles.xml", "filters.xml", "grades.xml"]
REQUIRED_PER_SECTION = ["section.xml"]
QUIZ_EXTRA = ["inforef.xml"]  # fact 4: without it the quiz's questions are not restored


def xml(backup: dict[str, bytes], name: str) -> etree._Element:
    return etree.fromstring(backup[name])


def texts(root: etree._Element, path: str) -> list[str]:
    return [n.text or "" for n in root.iterfind(path)]


def activities(backup: dict[str, bytes]) -> list[dict[str, str]]:
    info = xml(backup, "moodle_backup.xml")
    return [{c.tag: c.text or "" for c in a} for a in info.iterfind("information/contents/activities/activity")]


def sections(backup: dict[str, bytes]) -> list[etree._Element]:
    info = xml(backup, "moodle_backup.xml")
    return [xml(backup, f"{d}/section.xml") for d in texts(info, "information/contents/sections/section/directory")]


def html_fields(backup: dict[str, bytes]) -> list[tuple[str, str]]:
    """Every HTML-bearing field in the backup as (file, unescaped html)."""
    out = []
    for name, data in backup.items():
        if not name.endswith(".xml"):
            continue
        root = etree.fromstring(data)
        for tag in ("content", "intro", "summary", "page_after_submit", "questiontext",
                    "generalfeedback", "feedback", "answertext"):
            for node in root.iter(tag):
                if node.text:
                    out.append((name, node.text))
        for item in root.iter("item"):
            if item.findtext("typ") == "label":
                out.append((name, item.findtext("presentation") or ""))
    return out


# -- archive and XML basics --------------------------------------------------------------


def test_archive_is_gzip_tar_with_fixed_header_and_sorted_root_entries(out: Path) -> None:
    data = (out / "moodle-course-backup.mbz").read_bytes()
    assert data[:2] == b"\x1f\x8b"
    # gzip header: MTIME (bytes 4-8) is the build date; FLG has no FNAME.
    assert int.from_bytes(data[4:8], "little") == 1795564800  # 2026-11-25T00:00:00Z
    assert data[3] & 0x08 == 0
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names)
    assert all(not n.startswith(("/", "./")) and ".." not in n.split("/") for n in names)
    assert {m.mtime for m in members} == {1795564800}
    assert {(m.uid, m.gid, m.uname, m.gname, m.mode) for m in members} == {(0, 0, "", "", 0o644)}
    assert gzip.decompress(data)  # the whole stream is valid


def test_every_xml_file_has_the_exact_declaration_and_parses(backup: dict[str, bytes]) -> None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for name, data in backup.items():
        assert name.endswith(".xml"), name
        assert data.startswith(DECLARATION), name
        etree.fromstring(data, parser)
    head = backup["moodle_backup.xml"][:200]
    assert b"<moodle_backup>" in head and b"<information>" in head


def test_backup_passes_its_own_structural_check(out: Path) -> None:
    assert check_backup((out / "moodle-course-backup.mbz").read_bytes()) == []


def test_required_files_from_the_research_table(backup: dict[str, bytes]) -> None:
    missing = [n for n in REQUIRED_ROOT if n not in backup]
    for section in xml(backup, "moodle_backup.xml").iterfind("information/contents/sections/section"):
        missing += [f"{section.findtext('directory')}/{f}" for f in REQUIRED_PER_SECTION
                    if f"{section.findtext('directory')}/{f}" not in backup]
    for activity in activities(backup):
        need = REQUIRED_PER_ACTIVITY + (QUIZ_EXTRA if activity["modulename"] == "quiz" else [])
        for name in need:
            path = f"{activity['directory']}/{name.format(mod=activity['modulename'])}"
            if path not in backup:
                missing.append(path)
    assert missing == []


def test_header_declares_the_4_1_layout_and_no_user_data(backup: dict[str, bytes]) -> None:
    info = xml(backup, "moodle_backup.xml").find("information")
    assert info.findtext("backup_release") == "4.1"
    assert info.findtext("backup_version") == "2022112800"
    assert info.findtext("moodle_version") == "2022112800"
    assert info.findtext("original_course_format") == "topics"
    settings = {s.findtext("name"): s.findtext("value") for s in info.iterfind("settings/setting")
                if s.findtext("level") == "root"}
    for name in ("users", "anonymize", "role_assignments", "comments", "badges", "calendarevents",
                 "userscompletion", "logs", "grade_histories", "groups", "competencies",
                 "customfield", "contentbankcontent", "xapistate", "legacyfiles"):
        assert settings[name] == "0", name
    assert settings["activities"] == "1"


def test_element_paths_cover_moodles_own_backup(backup: dict[str, bytes]) -> None:
    """Every element Moodle 4.5 writes for these file types, we write too (bar user data)."""
    stock = json.loads((HERE / "data" / "moodle45_stock_paths.json").read_text())["paths"]
    not_written = {
        "course/enrolments.xml",  # restore adds the site's default enrolment methods instead
        "users.xml",  # users = 0
    }
    ours: dict[str, set[str]] = {}
    for name, data in backup.items():
        parts = name.split("/")
        key = f"activity/{parts[-1]}" if parts[0] == "activities" else (
            f"section/{parts[-1]}" if parts[0] == "sections" else name)
        ours.setdefault(key, set()).update(element_paths(data))
    for key, paths in stock.items():
        if key in not_written:
            continue
        missing = set(paths) - ours.get(key, set())
        # Role definitions and course-level category refs only appear with enrolments.
        missing -= {p for p in missing if p.startswith(("roles_definition/role", "inforef/roleref",
                                                        "inforef/question_categoryref"))
                    and key in ("roles.xml", "course/inforef.xml")}
        assert not missing, f"{key}: {sorted(missing)}"


# -- ids and cross-references -------------------------------------------------------------------


def test_module_ids_directories_and_sections_agree(backup: dict[str, bytes]) -> None:
    acts = activities(backup)
    section_ids = {s.get("id") for s in sections(backup)}
    for act in acts:
        assert act["directory"] == f"activities/{act['modulename']}_{act['moduleid']}"
        module = xml(backup, f"{act['directory']}/module.xml")
        assert module.get("id") == act["moduleid"]
        assert module.findtext("sectionid") == act["sectionid"] in section_ids
        wrapper = xml(backup, f"{act['directory']}/{act['modulename']}.xml")
        assert wrapper.get("moduleid") == act["moduleid"]
        assert wrapper.find(act["modulename"]).get("id") == wrapper.get("id")
    for section in sections(backup):
        listed = [a["moduleid"] for a in acts if a["sectionid"] == section.get("id")]
        sequence = section.findtext("sequence") or ""
        assert (sequence.split(",") if sequence else []) == listed
    contexts = [xml(backup, f"{a['directory']}/{a['modulename']}.xml").get("contextid") for a in acts]
    assert len(set(contexts)) == len(contexts)
    cmids = [a["moduleid"] for a in acts]
    assert len(set(cmids)) == len(cmids)


def test_every_section_and_activity_has_included_and_userinfo_settings(backup: dict[str, bytes]) -> None:
    info = xml(backup, "moodle_backup.xml")
    names = set(texts(info, "information/settings/setting/name"))
    for section in sections(backup):
        assert {f"section_{section.get('id')}_included", f"section_{section.get('id')}_userinfo"} <= names
    for act in activities(backup):
        key = f"{act['modulename']}_{act['moduleid']}"
        assert {f"{key}_included", f"{key}_userinfo"} <= names


def test_quiz_slots_refer_to_bank_entries_listed_in_inforef(backup: dict[str, bytes]) -> None:
    quiz_act = next(a for a in activities(backup) if a["modulename"] == "quiz")
    quiz = xml(backup, f"{quiz_act['directory']}/quiz.xml")
    inforef = xml(backup, f"{quiz_act['directory']}/inforef.xml")
    bank = xml(backup, "questions.xml")
    categories = {c.get("id"): c for c in bank.iterfind("question_category")}
    entry_category = {e.get("id"): c.get("id") for c in categories.values()
                      for e in c.iterfind("question_bank_entries/question_bank_entry")}
    listed = set(texts(inforef, "question_categoryref/question_category/id"))
    assert listed == set(categories)
    slots = quiz.findall("quiz/question_instances/question_instance")
    assert [s.findtext("slot") for s in slots] == [str(n) for n in range(1, len(slots) + 1)]
    for slot in slots:
        ref = slot.find("question_reference")
        assert ref.findtext("usingcontextid") == quiz.get("contextid")
        assert ref.findtext("component") == "mod_quiz"
        assert ref.findtext("questionbankentryid") in entry_category
    for cat in categories.values():
        assert cat.findtext("contextid") == quiz.get("contextid")
        assert cat.findtext("contextlevel") == "70"
        assert cat.findtext("contextinstanceid") == quiz_act["moduleid"]
    tops = [c for c in categories.values() if c.findtext("parent") == "0"]
    assert [t.findtext("name") for t in tops] == ["top"]
    assert inforef.findtext("grade_itemref/grade_item/id") == xml(
        backup, f"{quiz_act['directory']}/grades.xml").find("grade_items/grade_item").get("id")


def test_quiz_holds_every_auto_graded_question_and_the_bank_holds_them_all(
    backup: dict[str, bytes], bundle: object
) -> None:
    bank = xml(backup, "questions.xml")
    by_entry = {e.get("id"): e for e in bank.iter("question_bank_entry")}
    quiz_act = next(a for a in activities(backup) if a["modulename"] == "quiz")
    quiz = xml(backup, f"{quiz_act['directory']}/quiz.xml")
    in_quiz = [by_entry[r].findtext("idnumber")
               for r in texts(quiz, "quiz/question_instances/question_instance/question_reference/questionbankentryid")]
    assert sorted(in_quiz) == ["q-acronym", "q-one", "q-peer", "q-signs"]
    assert sorted(e.findtext("idnumber") for e in by_entry.values()) == [
        "q-acronym", "q-one", "q-peer", "q-reflect", "q-signs"]
    assert quiz.findtext("quiz/sumgrades") == "4.00000"
    grades = xml(backup, f"{quiz_act['directory']}/grades.xml").find("grade_items/grade_item")
    assert grades.findtext("grademax") == "10.00000"
    assert grades.findtext("gradepass") == "8.00000"  # 80 % by default


def test_question_answers_and_fractions(backup: dict[str, bytes]) -> None:
    bank = xml(backup, "questions.xml")
    questions = {q.getparent().getparent().getparent().getparent().findtext("idnumber"): q
                 for q in bank.iter("question")}
    fractions = {k: [a.findtext("fraction") for a in q.iter("answer")] for k, q in questions.items()}
    assert fractions["q-peer"] == ["1.0000000", "0.0000000", "0.0000000"]
    assert fractions["q-signs"] == ["0.5000000", "0.5000000", "-0.5000000"]
    assert fractions["q-one"] == ["1.0000000", "0.0000000"]
    assert fractions["q-acronym"] == ["1.0000000"]
    assert fractions["q-reflect"] == []
    assert questions["q-signs"].findtext("plugin_qtype_multichoice_question/multichoice/single") == "0"
    tf = questions["q-one"].find("plugin_qtype_truefalse_question")
    answer_ids = [a.get("id") for a in tf.iter("answer")]
    assert [tf.findtext("truefalse/trueanswer"), tf.findtext("truefalse/falseanswer")] == answer_ids
    assert [a.findtext("answertext") for a in tf.iter("answer")] == ["True", "False"]


# -- course layout and content ---------------------------------------------------------------------


def test_sections_and_activities_follow_the_audiences(backup: dict[str, bytes]) -> None:
    names = [s.findtext("name") for s in sections(backup)]
    assert names == [
        "Start here",
        "If you have been involved in a patient safety incident",
        "For managers and colleagues",
        "For organisations",
        "Questions about the investigation",
        "Knowledge check",
    ]
    by_section: dict[str, list[tuple[str, str]]] = {}
    for act in activities(backup):
        by_section.setdefault(act["sectionid"], []).append((act["modulename"], act["title"]))
    layout = [by_section.get(s.get("id"), []) for s in sections(backup)]
    assert layout[0] == [("page", "About"), ("page", "Where to get help")]
    assert ("book", "Recognising the impact") in layout[1]  # two recognition articles -> a Book
    assert ("book", "Staff stories") in layout[1]
    assert ("page", "Warning signs") in layout[1]
    assert ("book", "Test ladder") in layout[2]
    assert ("page", "Test flow") in layout[2]
    assert ("feedback", "Test framework") in layout[3]
    assert ("page", "A programme") in layout[3]  # a single case study -> a Page
    assert layout[4] == [("book", "The investigation"), ("page", "Can I bring a union representative?")]
    assert layout[5] == [("quiz", "Knowledge check")]


def test_books_have_a_chapter_per_item_in_order(backup: dict[str, bytes]) -> None:
    books = {}
    for act in activities(backup):
        if act["modulename"] == "book":
            root = xml(backup, f"{act['directory']}/book.xml")
            books[act["title"]] = [(c.findtext("pagenum"), c.findtext("title")) for c in root.iter("chapter")]
    assert books["Test ladder"] == [("1", "About this model"), ("2", "Local support"),
                                    ("3", "Peer support"), ("4", "Expert support")]
    assert books["The investigation"] == [
        ("1", "What is PSIRF? (England)"),
        ("2", "What is an after action review?"),
        ("3", "How are incidents reviewed in Wales? (Wales)"),
    ]
    assert [t for _, t in books["Staff stories"]] == ["A doctor's story", "A nurse's story"]


def test_stories_start_with_their_content_warnings(backup: dict[str, bytes]) -> None:
    act = next(a for a in activities(backup) if a["title"] == "Staff stories")
    for chapter in xml(backup, f"{act['directory']}/book.xml").iter("chapter"):
        content = chapter.findtext("content") or ""
        assert content.startswith('<div class="alert alert-warning" role="note"><p><strong>Content warning')
    doctor = next(c for c in xml(backup, f"{act['directory']}/book.xml").iter("chapter")
                  if c.findtext("title") == "A doctor's story")
    assert "<li>Mentions a medication error</li><li>Mentions self-blame</li>" in doctor.findtext("content")


def test_completion_is_set_for_training(backup: dict[str, bytes]) -> None:
    course = xml(backup, "course/course.xml")
    assert course.findtext("enablecompletion") == "1"
    for act in activities(backup):
        module = xml(backup, f"{act['directory']}/module.xml")
        assert module.findtext("completion") == "2", act
        if act["modulename"] in ("page", "book"):
            assert module.findtext("completionview") == "1"
        if act["modulename"] == "quiz":
            assert module.findtext("completionpassgrade") == "1"
            assert module.findtext("completiongradeitemnumber") == "0"
        if act["modulename"] == "feedback":
            feedback = xml(backup, f"{act['directory']}/feedback.xml")
            assert feedback.findtext("feedback/completionsubmit") == "1"


PLACEHOLDER = re.compile(r"\$@(PAGEVIEWBYID|BOOKVIEWBYIDCH|BOOKVIEWBYID|FEEDBACKVIEWBYID)\*(\d+)(?:\*(\d+))?@\$")


def test_course_completion_criteria(backup: dict[str, bytes], bundle: object, run_export: object) -> None:
    def criteria(files: dict[str, bytes]) -> list[tuple[str, str]]:
        root = xml(files, "completion.xml")
        return [(c.findtext("module") or "", c.findtext("moduleinstance") or "")
                for c in root.iter("course_completion_criteria")]

    quiz = next(a for a in activities(backup) if a["modulename"] == "quiz")
    assert criteria(backup) == [("quiz", quiz["moduleid"])]  # default: passing the knowledge check
    methods = [(m.findtext("criteriatype"), m.findtext("method"))
               for m in xml(backup, "completion.xml").iter("course_completion_aggr_methd")]
    assert methods == [("$@NULL@$", "1"), ("4", "1")]
    every = read_archive((run_export(bundle, course_completion="all") / "moodle-course-backup.mbz").read_bytes())
    assert sorted(m for m, _ in criteria(every)) == ["book"] * 4 + ["page"] * 10 + ["quiz"]
    none = read_archive((run_export(bundle, course_completion="none") / "moodle-course-backup.mbz").read_bytes())
    assert criteria(none) == []


def test_internal_links_become_moodle_placeholders_that_point_inside_the_course(backup: dict[str, bytes]) -> None:
    acts = {a["moduleid"]: a for a in activities(backup)}
    chapters = {}
    for act in acts.values():
        if act["modulename"] == "book":
            chapters.update({c.get("id"): act["moduleid"]
                             for c in xml(backup, f"{act['directory']}/book.xml").iter("chapter")})
    found = 0
    for name, text in html_fields(backup):
        for href in re.findall(r'href="([^"]*)"', text):
            assert href.startswith(("https:", "http:", "mailto:", "tel:", "$@")), (name, href)
        for kind, cmid, chapter in PLACEHOLDER.findall(text):
            found += 1
            assert cmid in acts, (name, kind, cmid)
            expected = {"PAGEVIEWBYID": "page", "FEEDBACKVIEWBYID": "feedback"}.get(kind, "book")
            assert acts[cmid]["modulename"] == expected
            if chapter:
                assert chapters[chapter] == cmid
    assert found >= 10
    chapter = next(t for n, t in html_fields(backup) if "Guilt, fear and sadness" in t)
    assert "or try the knowledge check." in chapter  # a question has no page: plain text


ALLOWED_TAGS = {"a", "p", "br", "strong", "em", "ul", "ol", "li", "h3", "h4", "h5", "h6", "blockquote",
                "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td", "div", "body", "html"}


def test_html_is_sanitised(backup: dict[str, bytes]) -> None:
    for name, text in html_fields(backup):
        for node in lxml.html.fragment_fromstring(text, create_parent="div").iter():
            if not isinstance(node.tag, str):
                continue
            assert node.tag in ALLOWED_TAGS, (name, node.tag)
            for attr, value in node.attrib.items():
                assert attr in {"href", "title", "class", "role", "scope", "start"}, (name, attr)
                if attr == "href":
                    assert re.match(r"(https?:|mailto:|tel:|\$@[A-Z]+\*)", value), (name, value)
    feelings = next(t for _, t in html_fields(backup) if "Guilt, fear" in t)
    assert "&lt;script&gt;" in feelings  # the author's raw HTML is shown as text


def test_feedback_items_are_scored_likert_items_grouped_by_domain(backup: dict[str, bytes]) -> None:
    act = next(a for a in activities(backup) if a["modulename"] == "feedback")
    root = xml(backup, f"{act['directory']}/feedback.xml")
    assert root.findtext("feedback/anonymous") == "1"
    items = [(i.findtext("typ"), i.findtext("label"), i.findtext("presentation")) for i in root.iter("item")]
    assert [t for t, _, _ in items] == ["label", "multichoicerated", "multichoicerated", "pagebreak",
                                        "label", "multichoicerated"]
    assert items[0][2] == "<h3>Fairness</h3><p>Fair treatment.</p>"
    assert parse_rated(items[1][2]) == ("r", [(1, "Strongly disagree"), (2, "Disagree"), (3, "Neutral"),
                                              (4, "Agree"), (5, "Strongly agree")])
    # fair-2 is reverse-scored: same labels, reversed values.
    assert parse_rated(items[2][2]) == ("r", [(5, "Strongly disagree"), (4, "Disagree"), (3, "Neutral"),
                                              (2, "Agree"), (1, "Strongly agree")])
    assert [int(i.findtext("position")) for i in root.iter("item")] == list(range(1, 7))
    after = html.unescape(root.findtext("feedback/page_after_submit") or "")
    assert "Low" in after and "Adopt the guide." in after


def test_course_settings_from_options(bundle: object, run_export: object) -> None:
    folder = run_export(bundle, course_fullname="Support after incidents", course_shortname="SV101",
                        course_summary="For all staff.", start_date="2027-01-04")
    backup = read_archive((folder / "moodle-course-backup.mbz").read_bytes())
    course = xml(backup, "course/course.xml")
    assert course.findtext("fullname") == "Support after incidents"
    assert course.findtext("shortname") == "SV101"
    assert course.findtext("summary") == "<p>For all staff.</p>"
    assert course.findtext("startdate") == "1799020800"
    info = xml(backup, "moodle_backup.xml").find("information")
    assert info.findtext("original_course_fullname") == "Support after incidents"
    assert info.findtext("original_course_startdate") == "1799020800"


def test_organisation_overlay_sets_names_nation_and_local_services(org_bundle: object, run_export: object) -> None:
    folder = run_export(org_bundle)
    backup = read_archive((folder / "moodle-course-backup.mbz").read_bytes())
    course = xml(backup, "course/course.xml")
    assert course.findtext("fullname") == (
        "Supporting staff after a patient safety incident (Example University Health Board)")
    assert "Provided by Example University Health Board." in course.findtext("summary")
    titles = [a["title"] for a in activities(backup)]
    assert "A programme" not in titles  # hidden by the overlay
    investigation = next(a for a in activities(backup) if a["title"] == "The investigation")
    chapters = [c.findtext("title") for c in xml(backup, f"{investigation['directory']}/book.xml").iter("chapter")]
    assert chapters == ["What is an after action review?", "How are incidents reviewed in Wales?"]
    directory = next(a for a in activities(backup) if a["title"] == "Where to get help")
    content = xml(backup, f"{directory['directory']}/page.xml").findtext("page/content")
    assert "Occupational health at Example" in content and "tel:02920180000" in content
    assert check_backup(backup) == []


def test_zip_backup_option(bundle: object, run_export: object) -> None:
    folder = run_export(bundle, zip_backup=True)
    data = (folder / "moodle-course-backup.mbz").read_bytes()
    assert data[:2] == b"PK"
    assert check_backup(data) == []


# -- the checker really fails ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda b: b.pop(next(n for n in b if n.endswith("/filters.xml") and n.startswith("activities/"))),
         "required by restore, but missing"),
        (lambda b: b.__setitem__("moodle_backup.xml", b["moodle_backup.xml"].replace(
            b'version="1.0"', b"version='1.0'", 1)), "must start with"),
        (lambda b: b.pop(next(n for n in b if n.startswith("activities/quiz") and n.endswith("inforef.xml"))),
         "inforef.xml: required by restore"),
        (lambda b: b.__setitem__("sections/section_1/section.xml", b["sections/section_1/section.xml"].replace(
            b"<sequence>1,2</sequence>", b"<sequence>2,1</sequence>")), "sequence"),
        (lambda b: b.__setitem__("questions.xml", b["questions.xml"].replace(
            b"<questioncategoryid>", b"<questioncategoryid>9", 1)), "names category"),
        (lambda b: b.__setitem__("course/course.xml", b"<course"), "not well-formed"),
    ],
    ids=["missing-filters", "single-quoted-declaration", "quiz-without-inforef", "bad-sequence",
         "entry-in-wrong-category", "broken-xml"],
)
def test_check_backup_reports_what_restore_would_trip_on(
    backup: dict[str, bytes], change: object, expected: str
) -> None:
    broken = dict(backup)
    change(broken)  # type: ignore[operator]
    problems = check_backup(broken)
    assert any(expected in p for p in problems), problems


def test_check_backup_rejects_non_archives() -> None:
    assert check_backup(b"hello") == ["cannot read the archive: not a gzip tar or zip archive"]
