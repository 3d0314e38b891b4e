"""Check a course backup the way Moodle's restore will read it, without a Moodle.

Why this ships in the package (not only in tests): the exporter runs it on every backup it
writes, so a backup that Moodle would reject never reaches an e-learning team, and anyone
can run it on a backup from elsewhere. The rules are the research brief's §2.2 file table
and §7.2 cross-reference list; each problem is one readable sentence.
"""

from __future__ import annotations

import io
import re
import tarfile
import zipfile
from collections import Counter
from decimal import Decimal

from lxml import etree

from ._feedback import parse_rated
from ._xml import DECLARATION

ROOT_REQUIRED = ("moodle_backup.xml", "files.xml", "groups.xml", "outcomes.xml", "scales.xml",
                 "questions.xml", "roles.xml")
COURSE_REQUIRED = ("course/course.xml", "course/roles.xml", "course/filters.xml")
ACTIVITY_REQUIRED = ("module.xml", "roles.xml", "filters.xml", "grades.xml")
WITH_USERS_ROOT = ("users.xml",)
WITH_USERS_COURSE = ("course/comments.xml", "course/calendar.xml", "course/contentbank.xml")
WITH_USERS_ACTIVITY = ("comments.xml", "calendar.xml", "xapistate.xml")

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def read_archive(data: bytes) -> dict[str, bytes]:
    """The entries of a gzip-tar or zip ``.mbz`` (Moodle sniffs the content, not the name)."""
    if data[:2] == b"\x1f\x8b":
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            out = {}
            for member in tar.getmembers():
                if member.isfile():
                    handle = tar.extractfile(member)
                    out[member.name] = handle.read() if handle else b""
            return out
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}
    msg = "not a gzip tar or zip archive"
    raise ValueError(msg)


def _texts(root: etree._Element, path: str) -> list[str]:
    return [str(node.text or "") for node in root.iterfind(path)]


def _text(root: etree._Element, path: str) -> str:
    node = root.find(path)
    return "" if node is None else str(node.text or "")


class _Checker:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.problems: list[str] = []
        self.trees: dict[str, etree._Element] = {}

    def fail(self, message: str) -> None:
        self.problems.append(message)

    def xml(self, name: str) -> etree._Element | None:
        if name in self.trees:
            return self.trees[name]
        data = self.files.get(name)
        if data is None:
            return None
        try:
            root = etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError as exc:
            self.fail(f"{name}: not well-formed XML: {exc}")
            return None
        self.trees[name] = root
        return root

    def run(self) -> list[str]:
        for name in sorted(self.files):
            if name.startswith("/") or ".." in name.split("/"):
                self.fail(f"{name}: archive entries must be relative, without '..'")
            if name.endswith(".xml"):
                if not self.files[name].startswith(DECLARATION):
                    self.fail(f"{name}: must start with {DECLARATION.decode().strip()!r}")
                self.xml(name)
        backup = self.files.get("moodle_backup.xml", b"")
        head = backup[:200]
        if not (head.startswith(DECLARATION.strip()) and b"<moodle_backup>" in head
                and b"<information>" in head):
            self.fail("moodle_backup.xml: Moodle needs the declaration, <moodle_backup> and "
                      "<information> within the first 200 bytes")
        info = self.xml("moodle_backup.xml")
        if info is None:
            self.fail("moodle_backup.xml is missing")
            return self.problems
        self.header(info)
        users = self.setting(info, "users") == "1"
        self.required(info, users)
        self.structure(info)
        self.questions(info)
        return self.problems

    def setting(self, info: etree._Element, name: str) -> str | None:
        for setting in info.iterfind("information/settings/setting"):
            if _text(setting, "level") == "root" and _text(setting, "name") == name:
                return _text(setting, "value")
        return None

    def header(self, info: etree._Element) -> None:
        release = _text(info, "information/backup_release")
        version = _text(info, "information/backup_version")
        try:
            major = tuple(int(p) for p in release.split(".")[:2])
        except ValueError:
            major = (0, 0)
        if major < (4, 0) or version[:8] < "20220202":
            self.fail(f"moodle_backup.xml: the 4.0+ question layout needs backup_release >= 4.0 and "
                      f"backup_version >= 20220202, got {release!r} and {version!r}")
        if _text(info, "information/original_course_format") == "site":
            self.fail("moodle_backup.xml: a course backup cannot have format 'site'")
        for key in ("name", "moodle_version", "backup_date", "original_site_identifier_hash",
                    "original_course_id", "original_course_contextid", "original_system_contextid"):
            if info.find(f"information/{key}") is None:
                self.fail(f"moodle_backup.xml: information/{key} is missing")
        if _text(info, "information/details/detail/type") != "course":
            self.fail("moodle_backup.xml: details/detail/type must be 'course'")

    def required(self, info: etree._Element, users: bool) -> None:
        need = list(ROOT_REQUIRED) + list(COURSE_REQUIRED)
        if users:
            need += list(WITH_USERS_ROOT) + list(WITH_USERS_COURSE)
        for directory in _texts(info, "information/contents/sections/section/directory"):
            need.append(f"{directory}/section.xml")
        for activity in info.iterfind("information/contents/activities/activity"):
            directory = _text(activity, "directory")
            modname = _text(activity, "modulename")
            per = [*ACTIVITY_REQUIRED, f"{modname}.xml"]
            if users:
                per += list(WITH_USERS_ACTIVITY)
            if modname == "quiz":
                per.append("inforef.xml")  # without it the quiz's questions are not restored
            need.extend(f"{directory}/{name}" for name in per)
        for name in need:
            if name not in self.files:
                self.fail(f"{name}: required by restore, but missing")

    def structure(self, info: etree._Element) -> None:
        sections: dict[str, list[str]] = {}
        section_settings = set()
        activity_settings = set()
        for setting in info.iterfind("information/settings/setting"):
            level, name = _text(setting, "level"), _text(setting, "name")
            if level == "section":
                section_settings.add(name)
            elif level == "activity":
                activity_settings.add(name)
        for section in info.iterfind("information/contents/sections/section"):
            sid, directory = _text(section, "sectionid"), _text(section, "directory")
            if directory != f"sections/section_{sid}":
                self.fail(f"section {sid}: directory {directory!r} should be 'sections/section_{sid}'")
            sections[sid] = []
            for suffix in ("included", "userinfo"):
                if f"section_{sid}_{suffix}" not in section_settings:
                    self.fail(f"section {sid}: setting section_{sid}_{suffix} is missing")
        numbers = []
        contexts: Counter[str] = Counter()
        for activity in info.iterfind("information/contents/activities/activity"):
            cmid, sid = _text(activity, "moduleid"), _text(activity, "sectionid")
            modname, directory = _text(activity, "modulename"), _text(activity, "directory")
            key = f"{modname}_{cmid}"
            if directory != f"activities/{key}":
                self.fail(f"activity {key}: directory {directory!r} should be 'activities/{key}'")
            if sid not in sections:
                self.fail(f"activity {key}: section {sid} is not in the backup")
            else:
                sections[sid].append(cmid)
            for suffix in ("included", "userinfo"):
                if f"{key}_{suffix}" not in activity_settings:
                    self.fail(f"activity {key}: setting {key}_{suffix} is missing")
            module = self.xml(f"{directory}/module.xml")
            if module is not None:
                if module.get("id") != cmid:
                    self.fail(f"{directory}/module.xml: id {module.get('id')!r} should be {cmid!r}")
                if _text(module, "sectionid") != sid:
                    self.fail(f"{directory}/module.xml: sectionid {_text(module, 'sectionid')!r} "
                              f"should be {sid!r}")
                if _text(module, "modulename") != modname:
                    self.fail(f"{directory}/module.xml: modulename should be {modname!r}")
            wrapper = self.xml(f"{directory}/{modname}.xml")
            if wrapper is not None:
                if wrapper.tag != "activity" or wrapper.get("moduleid") != cmid or \
                        wrapper.get("modulename") != modname:
                    self.fail(f"{directory}/{modname}.xml: the <activity> wrapper must carry "
                              f"moduleid {cmid!r} and modulename {modname!r}")
                contexts[wrapper.get("contextid") or ""] += 1
                instance = wrapper.find(modname)
                if instance is None or instance.get("id") != wrapper.get("id"):
                    self.fail(f"{directory}/{modname}.xml: <{modname} id> must equal <activity id>")
                numbers.append(cmid)
                self.activity_content(directory, modname, wrapper)
        for ctx, count in contexts.items():
            if count > 1:
                self.fail(f"context id {ctx!r} is used by {count} activities")
        for cmid, count in Counter(numbers).items():
            if count > 1:
                self.fail(f"module id {cmid} is listed {count} times")
        for sid, cmids in sections.items():
            root = self.xml(f"sections/section_{sid}/section.xml")
            if root is None:
                continue
            if root.get("id") != sid:
                self.fail(f"sections/section_{sid}/section.xml: id should be {sid!r}")
            sequence = [c for c in _text(root, "sequence").split(",") if c]
            if sequence != cmids:
                self.fail(f"sections/section_{sid}/section.xml: sequence {sequence} should list "
                          f"the section's modules in order {cmids}")

    def activity_content(self, directory: str, modname: str, wrapper: etree._Element) -> None:
        if modname == "feedback":
            for item in wrapper.iterfind("feedback/items/item"):
                typ, presentation = _text(item, "typ"), _text(item, "presentation")
                if typ in ("multichoicerated", "multichoice"):
                    subtype, sep, rest = presentation.partition(">>>>>")
                    if subtype not in ("r", "c", "d") or not sep or not rest:
                        self.fail(f"{directory}: feedback item {item.get('id')}: bad presentation "
                                  f"{presentation!r}")
                    elif typ == "multichoicerated":
                        try:
                            parse_rated(presentation)
                        except ValueError as exc:
                            self.fail(f"{directory}: feedback item {item.get('id')}: {exc}")
                elif typ == "textarea" and not re.fullmatch(r"\d+\|\d+", presentation):
                    self.fail(f"{directory}: feedback item {item.get('id')}: textarea needs 'cols|rows'")
            positions = [int(_text(i, "position")) for i in wrapper.iterfind("feedback/items/item")]
            if positions != list(range(1, len(positions) + 1)):
                self.fail(f"{directory}: feedback item positions must run 1..n, got {positions}")
        if modname == "book":
            pages = [int(_text(c, "pagenum")) for c in wrapper.iterfind("book/chapters/chapter")]
            if sorted(pages) != list(range(1, len(pages) + 1)):
                self.fail(f"{directory}: book chapter pagenum must run 1..n, got {pages}")

    def questions(self, info: etree._Element) -> None:
        bank = self.xml("questions.xml")
        if bank is None:
            return
        categories = {c.get("id") or "": c for c in bank.iterfind("question_category")}
        entries: dict[str, str] = {}
        for tag in ("question_category", "question_bank_entry", "question_versions", "question", "answer"):
            ids = [n.get("id") for n in bank.iter(tag)]
            for ident, count in Counter(ids).items():
                if count > 1:
                    self.fail(f"questions.xml: <{tag} id={ident!r}> appears {count} times")
        for cat_id, cat in categories.items():
            parent = _text(cat, "parent")
            if parent != "0" and parent not in categories:
                self.fail(f"questions.xml: category {cat_id} has parent {parent} that is not in the file")
            for bank_entry in cat.iterfind("question_bank_entries/question_bank_entry"):
                entries[bank_entry.get("id") or ""] = cat_id
                if _text(bank_entry, "questioncategoryid") != cat_id:
                    self.fail(f"questions.xml: entry {bank_entry.get('id')} names category "
                              f"{_text(bank_entry, 'questioncategoryid')} but sits in {cat_id}")
                for question in bank_entry.iterfind("question_version/question_versions/questions/question"):
                    self.fractions(question)
        for activity in info.iterfind("information/contents/activities/activity"):
            if _text(activity, "modulename") != "quiz":
                continue
            directory = _text(activity, "directory")
            quiz = self.xml(f"{directory}/quiz.xml")
            inforef = self.xml(f"{directory}/inforef.xml")
            if quiz is None or inforef is None:
                continue
            listed = set(_texts(inforef, "question_categoryref/question_category/id"))
            contextid = quiz.get("contextid")
            total = Decimal(0)
            for slot in quiz.iterfind("quiz/question_instances/question_instance"):
                total += Decimal(_text(slot, "maxmark") or "0")
                ref = slot.find("question_reference")
                if ref is None:
                    self.fail(f"{directory}: slot {_text(slot, 'slot')} has no question_reference")
                    continue
                entry = _text(ref, "questionbankentryid")
                if _text(ref, "usingcontextid") != contextid:
                    self.fail(f"{directory}: slot {_text(slot, 'slot')} usingcontextid should be the "
                              f"quiz's context {contextid}")
                if entry not in entries:
                    self.fail(f"{directory}: slot {_text(slot, 'slot')} refers to question bank entry "
                              f"{entry}, which is not in questions.xml")
                    continue
                walk: str | None = entries[entry]
                while walk and walk != "0":
                    if walk not in listed:
                        self.fail(f"{directory}/inforef.xml: question category {walk} (holding or above "
                                  f"slot {_text(slot, 'slot')}'s question) is not listed")
                    holder = categories.get(walk)
                    if holder is not None and _text(holder, "contextid") != contextid:
                        self.fail(f"questions.xml: category {walk} is not in the quiz's context {contextid}")
                    walk = _text(holder, "parent") if holder is not None else None
            sumgrades = Decimal(_text(quiz, "quiz/sumgrades") or "0")
            if sumgrades != total:
                self.fail(f"{directory}: sumgrades {sumgrades} should equal the slots' marks {total}")
            for listed_id in sorted(listed):
                if listed_id not in categories:
                    self.fail(f"{directory}/inforef.xml: category {listed_id} is not in questions.xml")

    def fractions(self, question: etree._Element) -> None:
        qtype = _text(question, "qtype")
        path = f"plugin_qtype_{qtype}_question/answers/answer"
        answers = [Decimal(_text(a, "fraction")) for a in question.iterfind(path)]
        name = f"questions.xml: question {question.get('id')} ({qtype})"
        if qtype == "multichoice":
            single = _text(question, "plugin_qtype_multichoice_question/multichoice/single") == "1"
            if single and answers.count(Decimal(1)) != 1:
                self.fail(f"{name}: a single-answer question needs exactly one answer at 100%")
            positive = sum((a for a in answers if a > 0), Decimal(0))
            if not single and abs(positive - 1) > Decimal("0.00001") * len(answers):
                self.fail(f"{name}: the positive fractions of a multi-answer question must add up to 100%")
        elif qtype == "truefalse":
            if sorted(answers) != [Decimal(0), Decimal(1)]:
                self.fail(f"{name}: true/false needs one answer at 100% and one at 0%")
        elif qtype == "shortanswer" and not any(a == 1 for a in answers):
            self.fail(f"{name}: a short-answer question needs an answer at 100%")


def check_backup(data: bytes | dict[str, bytes]) -> list[str]:
    """Problems Moodle's restore would meet in this backup (an empty list when there are none).

    ``data`` is the ``.mbz`` bytes or its entries by path.
    """
    try:
        files = data if isinstance(data, dict) else read_archive(data)
    except (ValueError, tarfile.TarError, zipfile.BadZipFile, OSError) as exc:
        return [f"cannot read the archive: {exc}"]
    return _Checker(files).run()


def element_paths(xml: bytes) -> set[str]:
    """Every element path in a document (``activity/page/name``), for comparing with a stock file."""
    root = etree.fromstring(xml, _PARSER)
    out: set[str] = set()

    def walk(node: etree._Element, prefix: str) -> None:
        path = f"{prefix}/{node.tag}" if prefix else str(node.tag)
        out.add(path)
        for child in node:
            if isinstance(child.tag, str):
                walk(child, path)

    walk(root, "")
    return out

