"""The ``moodle`` exporter and its hook implementation.

Why files and not web-service calls: Moodle's web services cannot create a Page, Book,
Quiz or Feedback with content (research brief fact 8), so the product is what an
administrator restores or imports: a course backup, question files, a Feedback template
and a Common Cartridge. The core runs :meth:`MoodleExporter.export` in an empty temporary
folder and moves it into place only when it has finished.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from secondvictim_core import Bundle, ExportError, ExportOption, ExportResult, hookimpl
from secondvictim_core.models import Signpost

from ._cartridge import CARTRIDGE_NAME, build_cartridge, pack_cartridge
from ._course import Course, FeedbackActivity, plan_course
from ._feedback import template_xml
from ._mbz import BACKUP_NAME, build_backup, pack_backup
from ._options import OPTIONS, parse_options
from ._questions import gift, moodle_xml
from ._verify import check_backup

QUESTIONS_XML = "moodle-questions.xml"
QUESTIONS_GIFT = "moodle-questions.gift.txt"
README = "README.txt"


def feedback_template_name(framework_id: str) -> str:
    """File name of a framework's Feedback template."""
    return f"moodle-feedback-{framework_id}.xml"


def web_links(bundle: Bundle, course: Course) -> list[tuple[str, str]]:
    """(title, url) of every website in the signposting directory, for the cartridge."""
    links: list[tuple[str, str]] = []
    shown = {i for i in course.targets if i in bundle}
    for post in bundle.of_kind(Signpost):
        if post.id not in shown:
            continue
        webs = [c for c in post.channels if c.type.value == "web"]
        for channel in webs:
            title = post.title if len(webs) == 1 else f"{post.title}: {channel.label or channel.value}"
            links.append((title, channel.value))
    return links


def _readme(course: Course, written: list[str]) -> str:
    s = course.settings
    lines = [
        f"{s.fullname}",
        "",
        "Files for Moodle (4.1 or later) made by secondvictim-core.",
        "",
    ]
    describe = {
        BACKUP_NAME: "the whole course. Site administration > Courses > Restore course, or "
        "'php admin/cli/restore_backup.php --file=" + BACKUP_NAME + " --categoryid=N'.",
        QUESTIONS_XML: "the knowledge-check questions (Moodle XML, with categories). Question bank > "
        "Import, format 'Moodle XML'.",
        QUESTIONS_GIFT: "the same questions in GIFT, for editing in a text editor.",
        CARTRIDGE_NAME: "IMS Common Cartridge 1.1 with the pages and web links, for other LMSs or "
        "Moodle's Restore page (pages only; no books, quiz or feedback).",
    }
    for name in written:
        text = describe.get(name)
        if text is None and name.startswith("moodle-feedback-"):
            text = ("the self-assessment as a Feedback template. In a Feedback activity: "
                    "Templates > Import questions.")
        if text:
            lines.append(f"- {name}: {text}")
    lines += ["", "Course layout:", ""]
    for section in course.sections:
        lines.append(f"{section.number}. {section.name}")
        for activity in section.activities:
            lines.append(f"   - {activity.name} ({activity.modname})")
    if course.notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in course.notes]
    return "\n".join(lines) + "\n"


class MoodleExporter:
    """Writes a Moodle course backup, question files, Feedback templates and a cartridge."""

    name = "moodle"
    description = (
        "Moodle: a course backup (.mbz) to restore, questions (Moodle XML, GIFT), the "
        "self-assessment as a Feedback template, and an IMS Common Cartridge 1.1"
    )
    options: tuple[ExportOption, ...] = OPTIONS

    def export(self, bundle: Bundle, destination: Path, options: Mapping[str, Any]) -> ExportResult:
        """Write every file into ``destination`` and check the backup before returning.

        Raises:
            ExportError: an option is invalid, or the backup failed its own structural check.
        """
        settings = parse_options(bundle, options)
        course = plan_course(bundle, settings)
        written: list[str] = []

        files = build_backup(course)
        problems = check_backup(files)
        if problems:
            msg = "the course backup failed its structural check:\n  " + "\n  ".join(problems)
            raise ExportError(msg)
        (destination / BACKUP_NAME).write_bytes(
            pack_backup(files, settings.timestamp, as_zip=settings.zip_backup)
        )
        written.append(BACKUP_NAME)

        notes = list(course.notes)
        if course.questions:
            (destination / QUESTIONS_XML).write_bytes(moodle_xml(course.questions))
            written.append(QUESTIONS_XML)
            if settings.gift:
                (destination / QUESTIONS_GIFT).write_text(gift(course.questions), encoding="utf-8")
                written.append(QUESTIONS_GIFT)
        else:
            notes.append("the content has no questions, so there is no quiz or question file")

        for activity in course.activities:
            if isinstance(activity, FeedbackActivity):
                name = feedback_template_name(activity.framework.id)
                (destination / name).write_bytes(template_xml(activity.items))
                written.append(name)

        if settings.cartridge:
            cartridge = build_cartridge(course, web_links(bundle, course))
            (destination / CARTRIDGE_NAME).write_bytes(pack_cartridge(cartridge, settings.timestamp))
            written.append(CARTRIDGE_NAME)

        (destination / README).write_text(_readme(course, written), encoding="utf-8")
        written.append(README)
        return ExportResult(
            exporter=self.name,
            files=tuple(sorted(Path(n) for n in written)),
            notes=tuple(notes),
        )


@hookimpl
def register_exporters() -> list[MoodleExporter]:
    """Provide the ``moodle`` exporter."""
    return [MoodleExporter()]
