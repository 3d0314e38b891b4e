"""The Feedback template and the IMS Common Cartridge 1.1 package."""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from secondvictim_moodle_export._feedback import parse_rated

NS = {"cp": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1",
      "lomimscc": "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest",
      "wl": "http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1"}


# -- Feedback template ------------------------------------------------------------------------------


def test_feedback_template_declaration_passes_moodles_import_check(out: Path) -> None:
    data = (out / "moodle-feedback-framework.xml").read_bytes()
    # mod/feedback/import.php: '/^\<\?xml.+(encoding=\"([a-z0-9-]*)\").+\?\>/is' needs a character
    # between encoding="..." and ?>; a declaration without the space fails to import (seen in the lab).
    assert re.match(rb'^<\?xml.+(encoding="([a-z0-9-]*)").+\?>', data, re.I | re.S)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8" ?>\n')


def test_feedback_template_items(out: Path) -> None:
    root = etree.fromstring((out / "moodle-feedback-framework.xml").read_bytes())
    assert root.tag == "FEEDBACK"
    assert root.get("VERSION") == "200701"
    items = root.findall("ITEMS/ITEM")
    assert [i.get("TYPE") for i in items] == ["label", "multichoicerated", "multichoicerated", "pagebreak",
                                              "label", "multichoicerated"]
    for item in items:
        for child in ("ITEMID", "ITEMTEXT", "ITEMLABEL", "PRESENTATION", "OPTIONS", "DEPENDITEM",
                      "DEPENDVALUE"):
            assert item.find(child) is not None, child
        if item.get("TYPE") == "multichoicerated":
            assert item.get("REQUIRED") == "1"
            subtype, rows = parse_rated(item.findtext("PRESENTATION"))
            assert subtype == "r" and len(rows) == 5
    assert [i.findtext("ITEMLABEL") for i in items if i.get("TYPE") == "multichoicerated"] == [
        "fair-1", "fair-2", "support-1"]
    raw = (out / "moodle-feedback-framework.xml").read_text()
    assert "<PRESENTATION><![CDATA[r>>>>>5####Strongly disagree|4####Disagree" in raw


# -- Common Cartridge -------------------------------------------------------------------------------


def cartridge(out: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO((out / "common-cartridge.imscc").read_bytes()))


def test_cartridge_manifest_is_cc_1_1(out: Path) -> None:
    with cartridge(out) as cc:
        assert cc.namelist()[0] == "imsmanifest.xml"
        data = cc.read("imsmanifest.xml")
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    # Moodle detects CC 1.1 from this namespace in the first 1024 bytes.
    assert b'xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"' in data[:1024]
    root = etree.fromstring(data)
    assert root.findtext("cp:metadata/cp:schema", namespaces=NS) == "IMS Common Cartridge"
    assert root.findtext("cp:metadata/cp:schemaversion", namespaces=NS) == "1.1.0"
    assert root.findtext("cp:metadata/lomimscc:lom/lomimscc:general/lomimscc:title/lomimscc:string",
                         namespaces=NS) == "Supporting staff after a patient safety incident"


def test_cartridge_items_resources_and_files_agree(out: Path) -> None:
    with cartridge(out) as cc:
        names = set(cc.namelist())
        root = etree.fromstring(cc.read("imsmanifest.xml"))
        resources = {r.get("identifier"): r for r in root.iterfind("cp:resources/cp:resource", NS)}
        identifiers = [n.get("identifier") for n in root.iter() if n.get("identifier")]
        assert len(identifiers) == len(set(identifiers))
        refs = [i.get("identifierref") for i in root.iter(f"{{{NS['cp']}}}item") if i.get("identifierref")]
        assert sorted(refs) == sorted(resources)
        kinds = {"webcontent": 0, "imswl_xmlv1p1": 0}
        for resource in resources.values():
            kinds[resource.get("type")] += 1
            for file in resource.iterfind("cp:file", NS):
                assert file.get("href") in names
            if resource.get("type") == "webcontent":
                page = cc.read(resource.get("href")).decode()
                assert page.startswith("<!DOCTYPE html>")
                assert "$@" not in page  # no Moodle backup placeholders outside the backup
                assert "<script" not in page.lower()
            else:
                link = etree.fromstring(cc.read(resource.find("cp:file", NS).get("href")))
                assert link.tag == f"{{{NS['wl']}}}webLink"
                assert link.find("wl:url", NS).get("href").startswith("https://")
        assert kinds == {"webcontent": 21, "imswl_xmlv1p1": 2}
        folders = [i.findtext("cp:title", namespaces=NS)
                   for i in root.iterfind("cp:organizations/cp:organization/cp:item/cp:item", NS)]
        assert folders[0] == "Start here" and folders[-1] == "Knowledge check"


def test_cartridge_links_to_other_pages_become_text(out: Path) -> None:
    with cartridge(out) as cc:
        page = next(cc.read(n).decode() for n in cc.namelist() if "your-feelings-are-normal" in n)
    assert "Read the PSIRF answer, call the\ncrisis line, or try the knowledge check." in page


@pytest.mark.skipif(not os.environ.get("MOODLE_LAB_DIR"), reason="set MOODLE_LAB_DIR to a Moodle code tree "
                    "to validate against the CC 1.1 schemas Moodle ships (backup/cc/schemas11)")
def test_cartridge_manifest_validates_against_moodles_cc11_schemas(out: Path) -> None:
    schema_path = Path(os.environ["MOODLE_LAB_DIR"]) / "backup/cc/schemas11/cc11libxml2validator.xsd"
    schema = etree.XMLSchema(etree.parse(str(schema_path)))
    with cartridge(out) as cc:
        manifest = etree.fromstring(cc.read("imsmanifest.xml"))
    assert schema.validate(manifest), schema.error_log
