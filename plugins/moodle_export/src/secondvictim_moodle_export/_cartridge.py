"""An IMS Common Cartridge 1.1 package: the course's pages and web links for any LMS.

Why 1.1: Moodle's converters only recognise CC 1.0 and 1.1 (research brief fact 7), and
Canvas, Blackboard and Brightspace import 1.1 too. A cartridge has no Book, Quiz or
Feedback, so each book becomes a folder of chapter pages, the quiz and self-assessment
stay in the backup and question files, and internal links are plain text (other systems
give imported pages addresses we cannot know).
"""

from __future__ import annotations

import re
import unicodedata

from lxml import etree

from . import _html as h
from ._archive import zip_bytes
from ._course import BookActivity, Course, PageActivity
from ._xml import DECLARATION, to_bytes

CARTRIDGE_NAME = "common-cartridge.imscc"
NS_CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
NS_LOM_MANIFEST = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest"
NS_LOM_RESOURCE = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/resource"
NS_WL = "http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATIONS = (
    f"{NS_CP} http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_imscp_v1p2_v1p0.xsd "
    f"{NS_LOM_RESOURCE} http://www.imsglobal.org/profile/cc/ccv1p1/LOM/ccv1p1_lomresource_v1p0.xsd "
    f"{NS_LOM_MANIFEST} http://www.imsglobal.org/profile/cc/ccv1p1/LOM/ccv1p1_lommanifest_v1p0.xsd"
)
WEB_LINK_TYPE = "imswl_xmlv1p1"


def slug(text: str, limit: int = 48) -> str:
    """ASCII file-name part: lower case, digits and single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return (words[:limit].rstrip("-")) or "page"


def _document(title: str, body: str, language: str) -> bytes:
    """A complete, valid HTML page around a cleaned fragment."""
    text = (
        f'<!DOCTYPE html>\n<html lang="{h.esc(language)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{h.esc(title)}</title>\n</head>\n<body>\n<h1>{h.esc(title)}</h1>\n{body}\n</body>\n</html>\n"
    )
    return text.encode("utf-8")


class _Builder:
    def __init__(self, course: Course) -> None:
        self.course = course
        self.files: dict[str, bytes] = {}
        self.count = 0
        self.cp = f"{{{NS_CP}}}"
        self.root = etree.Element(
            self.cp + "manifest",
            nsmap={None: NS_CP, "lom": NS_LOM_RESOURCE, "lomimscc": NS_LOM_MANIFEST,  # type: ignore[dict-item]
                   "xsi": NS_XSI},
        )
        self.root.set("identifier", "M_secondvictim")
        self.root.set(f"{{{NS_XSI}}}schemaLocation", SCHEMA_LOCATIONS)
        self.metadata()
        organisation = etree.SubElement(
            etree.SubElement(self.root, self.cp + "organizations"), self.cp + "organization",
            identifier="O_1", structure="rooted-hierarchy",
        )
        self.tree = etree.SubElement(organisation, self.cp + "item", identifier="I_root")
        self.resources = etree.SubElement(self.root, self.cp + "resources")

    def ident(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}_{self.count:05d}"

    def metadata(self) -> None:
        s = self.course.settings
        meta = etree.SubElement(self.root, self.cp + "metadata")
        etree.SubElement(meta, self.cp + "schema").text = "IMS Common Cartridge"
        etree.SubElement(meta, self.cp + "schemaversion").text = "1.1.0"
        lom = f"{{{NS_LOM_MANIFEST}}}"
        general = etree.SubElement(etree.SubElement(meta, lom + "lom"), lom + "general")
        title = etree.SubElement(etree.SubElement(general, lom + "title"), lom + "string", language=s.language)
        title.text = s.fullname
        etree.SubElement(general, lom + "language").text = s.language
        description = etree.SubElement(etree.SubElement(general, lom + "description"), lom + "string",
                                       language=s.language)
        description.text = s.summary

    def folder(self, parent: etree._Element, title: str) -> etree._Element:
        node = etree.SubElement(parent, self.cp + "item", identifier=self.ident("I"))
        etree.SubElement(node, self.cp + "title").text = title
        return node

    def webcontent(self, parent: etree._Element, title: str, html: str, name: str) -> None:
        path = f"pages/{name}.html"
        resource = self.ident("R")
        self.files[path] = _document(title, html, self.course.settings.language)
        node = etree.SubElement(parent, self.cp + "item", identifier=self.ident("I"), identifierref=resource)
        etree.SubElement(node, self.cp + "title").text = title
        res = etree.SubElement(self.resources, self.cp + "resource", identifier=resource,
                               type="webcontent", href=path)
        etree.SubElement(res, self.cp + "file", href=path)

    def weblink(self, parent: etree._Element, title: str, url: str) -> None:
        resource = self.ident("R")
        path = f"links/{resource}.xml"
        link = etree.Element(f"{{{NS_WL}}}webLink", nsmap={None: NS_WL})  # type: ignore[dict-item]
        etree.SubElement(link, f"{{{NS_WL}}}title").text = title
        etree.SubElement(link, f"{{{NS_WL}}}url", href=url, target="_blank")
        self.files[path] = to_bytes(link, DECLARATION)
        node = etree.SubElement(parent, self.cp + "item", identifier=self.ident("I"), identifierref=resource)
        etree.SubElement(node, self.cp + "title").text = title
        res = etree.SubElement(self.resources, self.cp + "resource", identifier=resource, type=WEB_LINK_TYPE)
        etree.SubElement(res, self.cp + "file", href=path)

    def build(self, links: list[tuple[str, str]]) -> dict[str, bytes]:
        resolve = h.no_links
        for section in self.course.sections:
            folder = self.folder(self.tree, section.name)
            for activity in section.activities:
                base = f"s{section.number:02d}-{activity.cmid:03d}-{slug(activity.name)}"
                if isinstance(activity, PageActivity):
                    self.webcontent(folder, activity.name, activity.content(resolve), base)
                elif isinstance(activity, BookActivity):
                    book = self.folder(folder, activity.name)
                    for number, chapter in enumerate(activity.chapters, start=1):
                        self.webcontent(book, chapter.title, chapter.render(resolve),
                                        f"{base}-{number:03d}-{slug(chapter.title, 32)}")
            if section.number == 0 and links:
                for title, url in links:
                    self.weblink(folder, title, url)
        self.files["imsmanifest.xml"] = to_bytes(self.root, DECLARATION)
        return self.files


def build_cartridge(course: Course, links: list[tuple[str, str]]) -> dict[str, bytes]:
    """Every file of the cartridge by path: the manifest, HTML pages and web-link files."""
    return _Builder(course).build(links)


def pack_cartridge(files: dict[str, bytes], mtime: int) -> bytes:
    """The ``.imscc`` zip, manifest first."""
    return zip_bytes(files, mtime, first=("imsmanifest.xml",))
