"""Restore and import into a real Moodle (optional; CI runs the offline tests only).

Set ``MOODLE_LAB_DIR`` to the root of an installed Moodle 4.1+ code tree (the folder with
``config.php``) and have ``php`` on the PATH. Nothing here installs Moodle: the tests
restore the exported backup with Moodle's own ``admin/cli/restore_backup.php``, import
the question, Feedback and cartridge files through Moodle's own classes, read back what
arrived from Moodle's database through its API, and delete the courses they made.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

LAB = os.environ.get("MOODLE_LAB_DIR", "")
pytestmark = [
    pytest.mark.moodle_lab,
    pytest.mark.skipif(not (LAB and Path(LAB, "config.php").is_file() and shutil.which("php")),
                       reason="set MOODLE_LAB_DIR to an installed Moodle (with config.php) and put php on PATH"),
]

_HEAD = """<?php
define('CLI_SCRIPT', true);
require(getenv('MOODLE_LAB_DIR') . '/config.php');
require_once($CFG->libdir . '/clilib.php');
\\core\\session\\manager::set_user(get_admin());
"""

_LISTING = _HEAD + r"""
$courseid = (int)getenv('COURSE_ID');
$course = get_course($courseid);
$modinfo = get_fast_modinfo($course);
$out = ['fullname' => $course->fullname, 'enablecompletion' => (int)$course->enablecompletion,
        'sections' => [], 'modules' => [], 'chapters' => [], 'slots' => [], 'feedback' => [],
        'placeholders_left' => 0, 'links' => 0];
foreach ($modinfo->get_section_info_all() as $section) {
    $mods = [];
    foreach ($modinfo->sections[$section->section] ?? [] as $cmid) {
        $cm = $modinfo->get_cm($cmid);
        $mods[] = [$cm->modname, $cm->name, (int)$cm->completion, (int)$cm->completionview,
                   (int)$cm->completionpassgrade];
    }
    $out['sections'][] = ['name' => $section->name, 'modules' => $mods];
}
foreach ($DB->get_records('book', ['course' => $courseid], 'id') as $book) {
    $out['chapters'][$book->name] = array_values($DB->get_fieldset_select('book_chapters', 'title',
        'bookid = ? ORDER BY pagenum', [$book->id]));
}
$texts = array_merge($DB->get_fieldset_select('page', 'content', 'course = ?', [$courseid]),
    $DB->get_fieldset_sql('SELECT c.content FROM {book_chapters} c JOIN {book} b ON b.id = c.bookid
                            WHERE b.course = ?', [$courseid]));
foreach ($texts as $text) {
    $out['placeholders_left'] += substr_count($text, '$@');
    $out['links'] += substr_count($text, $CFG->wwwroot . '/mod/');
}
foreach ($DB->get_records('quiz', ['course' => $courseid]) as $quiz) {
    $cm = get_coursemodule_from_instance('quiz', $quiz->id);
    $context = context_module::instance($cm->id);
    $out['slots'] = array_values(array_map(fn($r) => [$r->qtype, $r->idnumber], $DB->get_records_sql(
        "SELECT s.slot, q.qtype, e.idnumber FROM {quiz_slots} s
           JOIN {question_references} r ON r.itemid = s.id AND r.component = 'mod_quiz'
                AND r.questionarea = 'slot' AND r.usingcontextid = ?
           JOIN {question_bank_entries} e ON e.id = r.questionbankentryid
           JOIN {question_versions} v ON v.questionbankentryid = e.id
           JOIN {question} q ON q.id = v.questionid
          WHERE s.quizid = ? ORDER BY s.slot", [$context->id, $quiz->id])));
    $out['gradepass'] = (float)$DB->get_field('grade_items', 'gradepass',
        ['itemmodule' => 'quiz', 'iteminstance' => $quiz->id]);
    $out['bank'] = (int)$DB->count_records_sql('SELECT COUNT(1) FROM {question_bank_entries} e
        JOIN {question_categories} c ON c.id = e.questioncategoryid WHERE c.contextid = ?', [$context->id]);
}
foreach ($DB->get_records('feedback', ['course' => $courseid]) as $feedback) {
    $out['feedback'] = array_values($DB->get_fieldset_select('feedback_item', 'typ',
        'feedback = ? ORDER BY position', [$feedback->id]));
    $out['anonymous'] = (int)$feedback->anonymous;
}
$out['course_completion'] = array_values($DB->get_fieldset_select('course_completion_criteria', 'module',
    'course = ?', [$courseid]));
echo json_encode($out);
"""

_DELETE = _HEAD + r"""
delete_course((int)getenv('COURSE_ID'), false);
"""

_IMPORT_QUESTIONS = _HEAD + r"""
require_once($CFG->libdir . '/questionlib.php');
require_once($CFG->dirroot . '/question/format.php');
$format = getenv('QFORMAT');
require_once($CFG->dirroot . "/question/format/$format/format.php");
$course = get_course((int)getenv('COURSE_ID'));
$contexts = new core_question\local\bank\question_edit_contexts(context_course::instance($course->id));
$category = question_make_default_categories($contexts->all());
$category->context = context::instance_by_id($category->contextid);
$class = "qformat_$format";
$q = new $class();
$q->setCategory($category); $q->setContexts($contexts->having_one_edit_tab_cap('import'));
$q->setCourse($course); $q->setFilename(getenv('QFILE')); $q->setRealfilename(basename(getenv('QFILE')));
$q->setMatchgrades('error'); $q->setCatfromfile(true); $q->setContextfromfile(true); $q->setStoponerror(true);
ob_start();
$ok = $q->importpreprocess() && $q->importprocess() && $q->importpostprocess();
$log = ob_get_clean();
echo json_encode(['ok' => $ok, 'imported' => count($q->questionids ?? []), 'log' => $ok ? '' : $log]);
"""

_IMPORT_FEEDBACK = _HEAD + r"""
require_once($CFG->libdir . '/testing/generator/lib.php');
require_once($CFG->dirroot . '/mod/feedback/lib.php');
// mod/feedback/import.php is a web page; its two import functions are taken from it unchanged.
$src = file_get_contents($CFG->dirroot . '/mod/feedback/import.php');
eval(substr($src, strpos($src, 'function feedback_load_xml_data')));
$gen = new testing_data_generator();
$fb = $gen->create_module('feedback', ['course' => (int)getenv('COURSE_ID')]);
$data = feedback_load_xml_data(file_get_contents(getenv('QFILE')));
$error = $data === false ? null : feedback_import_loaded_data($data, $fb->id);
echo json_encode(['loaded' => $data !== false, 'ok' => $error ? $error->stat : false,
    'types' => array_values($DB->get_fieldset_select('feedback_item', 'typ',
        'feedback = ? ORDER BY position', [$fb->id]))]);
"""

_IMPORT_CC = _HEAD + r"""
require_once($CFG->dirroot . '/backup/util/includes/restore_includes.php');
$dir = 'cc_' . uniqid();
get_file_packer('application/zip')->extract_to_pathname(getenv('QFILE'), make_backup_temp_directory($dir));
$format = backup_general_helper::detect_backup_format($dir);
$courseid = restore_dbops::create_new_course('CC import', 'ccimport_' . uniqid(), 1);
chdir($CFG->dirroot . '/backup');  // the converter loads its XSL sheets relative to here
$rc = new restore_controller($dir, $courseid, backup::INTERACTIVE_NO, backup::MODE_GENERAL, get_admin()->id,
    backup::TARGET_NEW_COURSE);
$rc->convert();
$rc->execute_precheck();
$rc->execute_plan();
$rc->destroy();
$mods = [];
foreach (get_fast_modinfo($courseid)->get_cms() as $cm) { $mods[] = $cm->modname; }
echo json_encode(['format' => $format, 'courseid' => $courseid, 'modules' => array_count_values($mods)]);
"""


def php(script: str, tmp_path: Path, **env: str) -> str:
    path = tmp_path / "lab.php"
    path.write_text(script, encoding="utf-8")
    result = subprocess.run(["php", str(path)], capture_output=True, text=True,
                            env={**os.environ, **env}, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def php_json(script: str, tmp_path: Path, **env: str) -> Any:
    text = php(script, tmp_path, **env)
    return json.loads(text[text.index("{"):])


@pytest.fixture
def restored(out: Path, tmp_path: Path) -> Any:
    result = subprocess.run(
        ["php", f"{LAB}/admin/cli/restore_backup.php", f"--file={out / 'moodle-course-backup.mbz'}",
         "--categoryid=1"], capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    course_id = re.search(r"Restored course ID: (\d+)", result.stdout)
    assert course_id, result.stdout
    yield course_id.group(1)
    php(_DELETE, tmp_path, COURSE_ID=course_id.group(1))


def expected_from_backup(backup: dict[str, bytes]) -> dict[str, Any]:
    """What the backup says should arrive: sections with their modules, chapters, slots, items."""
    info = etree.fromstring(backup["moodle_backup.xml"]).find("information/contents")
    by_section: dict[str, list[list[str]]] = {}
    for act in info.iterfind("activities/activity"):
        by_section.setdefault(act.findtext("sectionid") or "", []).append(
            [act.findtext("modulename") or "", act.findtext("title") or ""])
    sections = []
    for section in info.iterfind("sections/section"):
        root = etree.fromstring(backup[f"{section.findtext('directory')}/section.xml"])
        modules = by_section.get(section.findtext("sectionid") or "", [])
        sections.append({"name": root.findtext("name"), "modules": modules})
    chapters, slots, items = {}, 0, []
    for act in info.iterfind("activities/activity"):
        mod, directory = act.findtext("modulename"), act.findtext("directory")
        root = etree.fromstring(backup[f"{directory}/{mod}.xml"])
        if mod == "book":
            chapters[act.findtext("title")] = [c.findtext("title") for c in root.iter("chapter")]
        if mod == "quiz":
            slots = len(root.findall("quiz/question_instances/question_instance"))
        if mod == "feedback":
            items = [i.findtext("typ") for i in root.iter("item")]
    bank = len(etree.fromstring(backup["questions.xml"]).findall(".//question_bank_entry"))
    return {"sections": sections, "chapters": chapters, "slots": slots, "items": items, "bank": bank}


def _layout(got: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": s["name"], "modules": [m[:2] for m in s["modules"]]} for s in got["sections"]]


def test_backup_restores_with_every_section_page_chapter_question_and_item(
    restored: str, tmp_path: Path, backup: dict[str, bytes]
) -> None:
    got = php_json(_LISTING, tmp_path, COURSE_ID=restored)
    want = expected_from_backup(backup)
    assert got["enablecompletion"] == 1
    assert _layout(got) == want["sections"]
    modules = [m for s in got["sections"] for m in s["modules"]]
    assert len(modules) == 16 and sum(1 for m in modules if m[0] == "page") == 10
    for modname, _name, completion, view, passgrade in modules:
        assert completion == 2  # automatic completion everywhere
        assert view == (1 if modname in ("page", "book") else 0)
        assert passgrade == (1 if modname == "quiz" else 0)
    assert got["chapters"] == want["chapters"]
    assert sum(len(c) for c in got["chapters"].values()) == 11
    assert len(got["slots"]) == want["slots"] == 4
    assert sorted(idn for _, idn in got["slots"]) == ["q-acronym", "q-one", "q-peer", "q-signs"]
    assert got["bank"] == want["bank"] == 5
    assert got["gradepass"] == 8.0
    assert got["feedback"] == want["items"]
    assert got["anonymous"] == 1
    assert got["placeholders_left"] == 0 and got["links"] >= 10
    assert got["course_completion"] == ["quiz"]


def test_question_files_import(restored: str, out: Path, tmp_path: Path) -> None:
    xml = php_json(_IMPORT_QUESTIONS, tmp_path, COURSE_ID=restored, QFORMAT="xml",
                   QFILE=str(out / "moodle-questions.xml"))
    assert xml == {"ok": True, "imported": 5, "log": ""}
    gift = php_json(_IMPORT_QUESTIONS, tmp_path, COURSE_ID=restored, QFORMAT="gift",
                    QFILE=str(out / "moodle-questions.gift.txt"))
    assert gift == {"ok": True, "imported": 5, "log": ""}


def test_feedback_template_imports(restored: str, out: Path, tmp_path: Path) -> None:
    got = php_json(_IMPORT_FEEDBACK, tmp_path, COURSE_ID=restored,
                   QFILE=str(out / "moodle-feedback-framework.xml"))
    assert got == {"loaded": True, "ok": True, "types": [
        "label", "multichoicerated", "multichoicerated", "pagebreak", "label", "multichoicerated"]}


def test_cartridge_imports(out: Path, tmp_path: Path) -> None:
    got = php_json(_IMPORT_CC, tmp_path, QFILE=str(out / "common-cartridge.imscc"))
    try:
        assert got["format"] == "imscc11"
        assert got["modules"]["page"] == 21 and got["modules"]["url"] == 2
    finally:
        php(_DELETE, tmp_path, COURSE_ID=str(got["courseid"]))


def test_default_content_restores_completely(tmp_path: Path, pm: Any) -> None:
    from secondvictim_moodle_export import read_archive

    import secondvictim_core as sv

    bundle, report = sv.load_report(plugins=pm)
    if bundle is None:
        pytest.skip(f"the default content does not validate yet ({report.summary()})")
    sv.export(bundle, "moodle", tmp_path / "out", {}, plugins=pm)
    mbz = tmp_path / "out" / "moodle-course-backup.mbz"
    result = subprocess.run(["php", f"{LAB}/admin/cli/restore_backup.php", f"--file={mbz}", "--categoryid=1"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    course_id = re.search(r"Restored course ID: (\d+)", result.stdout).group(1)  # type: ignore[union-attr]
    try:
        got = php_json(_LISTING, tmp_path, COURSE_ID=course_id)
        want = expected_from_backup(read_archive(mbz.read_bytes()))
        assert _layout(got) == want["sections"]
        assert got["chapters"] == want["chapters"]
        assert len(got["slots"]) == want["slots"]
        assert got["bank"] == want["bank"] == len(bundle.of_kind("question"))
        assert got["feedback"] == want["items"]
        assert got["placeholders_left"] == 0
    finally:
        php(_DELETE, tmp_path, COURSE_ID=course_id)
