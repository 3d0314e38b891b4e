"""The html exporter's site, checked as files: pages, links, safety, branding, locales.

Browser checks (axe, keyboard, the scorer, network) are in test_html_browser.py.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import posixpath
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lxml.etree
import lxml.html
import pytest

import secondvictim_core as sv
from secondvictim_core.cli import main
from secondvictim_core.engines.decision import walk
from secondvictim_core.html import BrandError, check_brand, contrast
from secondvictim_core.html._data import plan_signs_check
from secondvictim_core.html._site import Progress, _sitemaps
from secondvictim_core.models import Colours, DecisionFlow, Faq, WarningSign

sys.path.insert(0, str(Path(__file__).parent / "html"))
from sitekit import (
    BRAND,
    BRAND_TERM,
    HERE,
    HOSTILE,
    PACK,
    WELSH,
    brand_site,
    build,
    load,
    pages,
    plugins,
    text_of,
    tree,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The branded site (English at the root, Welsh under cy/), built once for this module."""
    return brand_site(tmp_path_factory.mktemp("brand") / "site", **{"base-url": "https://intranet.example.nhs.uk/support"})


@pytest.fixture(scope="module")
def docs(site: Path) -> dict[str, Any]:
    return dict(pages(site))


def test_both_exporters_are_registered_by_name_and_entry_point() -> None:
    assert {"html", "html-fragments"} <= set(sv.exporters(plugins()))
    import importlib.metadata

    names = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="secondvictim_core")}
    assert names.get("html") == "secondvictim_core.builtin.html_export"


def test_every_kind_of_page_is_written(site: Path) -> None:
    files = set(tree(site))
    bundle = load(BRAND)
    expected = {
        "index.html", "help.html", "for/involved.html", "for/supporting.html", "for/leading.html",
        "search.html", "site-map.html", "accessibility.html", "search-index.json", "sitemap.xml",
        "assets/site.css", "assets/site.js", "assets/logo.svg",
        "guidance/index.html", "faqs/index.html", "support/index.html", "recovery/index.html",
        "signs/index.html", "coping/index.html", "stories/index.html", "case-studies/index.html",
        "assessment/index.html", "assessment/framework.json", "decision-flow/index.html",
        "questions/index.html", "pages/index.html", "directory/index.html",
        "signs-check/index.html", "signs-check/step-1.html", "signs-check/result-crisis.html",
        "signs-check/result-none.html", "decision-flow/flow/q-q1.html", "decision-flow/flow/o-refer.html",
        "cy/index.html", "cy/pages/about.html", "cy/search-index.json",
    }
    assert expected <= files, sorted(expected - files)
    # One page per item (the organisation's accessibility page becomes accessibility.html).
    for item in bundle:
        path = "accessibility.html" if item.id == "our-accessibility" else None
        assert path in files or any(f.endswith(f"/{item.id}.html") for f in files), item.id
    # One directory page per combination of filters: 4 audiences x 5 places x 5 ways.
    assert len([f for f in files if f.startswith("directory/filter--")]) == 4 * 5 * 5 - 1


def test_the_same_input_gives_byte_identical_output(tmp_path: Path) -> None:
    first = brand_site(tmp_path / "a")
    second = brand_site(tmp_path / "b")
    assert tree(first) == tree(second)


def _targets(doc: Any) -> list[tuple[str, str]]:
    found = []
    for element, attribute, link, _ in doc.iterlinks():
        if element.tag == "a" or attribute in ("src", "action", "formaction") or element.tag == "link":
            found.append((element.tag, link))
    return found


def test_every_internal_link_resolves_to_a_file_and_fragment(site: Path, docs: dict[str, Any]) -> None:
    files = set(tree(site))
    broken = []
    for path, doc in docs.items():
        for tag, link in _targets(doc):
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), parts.path)) if parts.path else path
            if target not in files:
                broken.append(f"{path}: <{tag}> {link}")
                continue
            if parts.fragment and target.endswith(".html"):
                ids = {e.get("id") for e in docs[target].iter() if e.get("id")}
                if parts.fragment not in ids:
                    broken.append(f"{path}: {link} (no id {parts.fragment!r})")
    assert not broken, "\n".join(broken[:20])


def test_external_links_only_use_safe_schemes(docs: dict[str, Any]) -> None:
    for path, doc in docs.items():
        for _, link in _targets(doc):
            scheme = urlsplit(link).scheme
            assert scheme in ("", "https", "http", "tel", "mailto", "sms"), f"{path}: {link}"


def test_no_inline_script_style_or_event_handler_anywhere(docs: dict[str, Any]) -> None:
    for path, doc in docs.items():
        assert not doc.xpath("//style"), path
        for element in doc.iter():
            if not isinstance(element.tag, str):
                continue
            assert "style" not in element.attrib, f"{path}: inline style on <{element.tag}>"
            handlers = [a for a in element.attrib if a.lower().startswith("on")]
            assert not handlers, f"{path}: {handlers} on <{element.tag}>"
        for script in doc.iter("script"):
            if script.get("type") == "application/ld+json":
                assert "</" not in (script.text or ""), path
                continue
            assert script.get("src", "").endswith("assets/site.js") and not (script.text or "").strip(), path


def test_the_csp_meta_allows_nothing_inline_or_remote(docs: dict[str, Any]) -> None:
    for path, doc in docs.items():
        (policy,) = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
        assert "'unsafe-inline'" not in policy and "http" not in policy, path
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, path


def test_assets_are_our_own_and_reference_nothing_outside(site: Path) -> None:
    css = (site / "assets" / "site.css").read_text(encoding="utf-8")
    js = (site / "assets" / "site.js").read_text(encoding="utf-8")
    assert css.startswith("/* secondvictim-core site stylesheet")
    assert "secondvictim-core site script" in js
    assert not re.search(r"url\(|@import|https?://", css)
    assert not re.search(r"https?://|eval\(|new Function|innerHTML|document\.write", js)
    # Colours from the overlay, checked for contrast.
    assert "--sv-primary: #00558c" in css and "--sv-accent: #ffdd00" in css


def test_display_term_replaces_second_victim_in_site_chrome(site: Path, docs: dict[str, Any]) -> None:
    home = text_of(docs["index.html"])
    assert BRAND_TERM in home
    for path, doc in docs.items():
        assert "second victim" not in text_of(doc).lower(), path


def test_default_term_is_second_victim(tmp_path: Path) -> None:
    build(tmp_path / "site", load())
    home = text_of(lxml.html.fromstring((tmp_path / "site" / "index.html").read_bytes()))
    assert "\u201csecond victim\u201d" in home


def test_help_box_is_in_the_same_place_on_every_page_with_own_contacts_first(docs: dict[str, Any]) -> None:
    """WCAG 2.2 SC 3.2.6 Consistent Help: the help box always follows the header.

    The emergency route leads; the organisation's own contacts come before national lines.
    """
    expected_names: list[str] | None = None
    for path, doc in docs.items():
        body = doc.find("body")
        landmarks = [e.tag for e in body if e.tag in ("header", "aside", "nav", "main", "footer")]
        assert landmarks[:2] == ["header", "aside"], path
        (aside,) = doc.xpath("//aside[contains(@class, 'sv-help')]")
        assert body.index(aside) == body.index(body.find("header")) + 1, path
        names = [" ".join(n.text_content().split()) for n in aside.xpath(".//*[@class='sv-help__name']")]
        if expected_names is None:
            expected_names = names
        assert names == expected_names, path
    assert expected_names is not None
    assert expected_names[0] == "Emergency services"
    assert expected_names[1:3] == ["Example Valleys occupational health", "Example Valleys staff wellbeing line"]


def test_every_content_page_shows_review_dates_and_sources(site: Path, docs: dict[str, Any]) -> None:
    bundle = load(BRAND)
    for item in bundle:
        matches = [p for p in docs if p.endswith(f"/{item.id}.html") and not p.startswith("cy/")]
        path = "accessibility.html" if item.id == "our-accessibility" else matches[0]
        text = text_of(docs[path])
        assert "Page last reviewed:" in text and "Next review due:" in text, path
        hrefs = set(docs[path].xpath("//ul[@class='sv-sources']//a/@href"))
        assert {str(s.url) for s in item.sources} <= hrefs, path


def test_lang_is_set_and_translations_link_to_each_other(site: Path, docs: dict[str, Any]) -> None:
    english, welsh = docs["pages/about.html"], docs["cy/pages/about.html"]
    assert english.get("lang") == "en-GB" and welsh.get("lang") == "cy-GB"
    assert english.xpath("//link[@rel='alternate']/@hreflang") == ["cy-GB"]
    assert english.xpath("//link[@rel='alternate']/@href") == ["../cy/pages/about.html"]
    assert welsh.xpath("//link[@rel='alternate']/@href") == ["../../pages/about.html"]
    (switch,) = english.xpath("//a[@class='sv-lang__link']")
    assert (switch.text, switch.get("lang"), switch.get("hreflang")) == ("Cymraeg", "cy-GB", "cy-GB")
    assert welsh.xpath("//h1")[0].text == "Amdanom ni"
    # Chrome falls back to English on Welsh pages and says so; untranslated items too.
    assert welsh.xpath("//header/@lang") == ["en-GB"] and welsh.xpath("//footer[@class='sv-footer']/@lang") == ["en-GB"]
    untranslated = docs["cy/coping/coping-talk.html"]
    assert untranslated.xpath("//article/@lang") == ["en-GB"]
    translated = docs["cy/guidance/not-alone.html"]
    assert translated.xpath("//article/@lang") == []
    for path, doc in docs.items():
        assert doc.get("lang") == ("cy-GB" if path.startswith("cy/") else "en-GB"), path
        for href in doc.xpath("//link[@rel='alternate']/@href"):
            assert posixpath.normpath(posixpath.join(posixpath.dirname(path), href)) in docs, (path, href)


def test_separately_exported_translations_are_linked_with_alternate(tmp_path: Path) -> None:
    build(tmp_path / "site", load(BRAND), alternate="cy-GB=https://intranet.example.nhs.uk/cy/")
    doc = lxml.html.fromstring((tmp_path / "site" / "guidance" / "not-alone.html").read_bytes())
    assert doc.xpath("//link[@rel='alternate']/@href") == ["https://intranet.example.nhs.uk/cy/guidance/not-alone.html"]
    with pytest.raises(sv.ExportError, match="LOCALE=URL"):
        build(tmp_path / "bad", load(BRAND), alternate="cy-GB")


def test_json_ld_is_valid_with_faq_page_for_the_faqs(docs: dict[str, Any]) -> None:
    for path, doc in docs.items():
        for block in doc.xpath("//script[@type='application/ld+json']"):
            data = json.loads(block.text)
            assert data["@context"] == "https://schema.org", path
    (faq_block,) = docs["faqs/index.html"].xpath("//script[@type='application/ld+json']")
    data = json.loads(faq_block.text)
    assert data["@type"] == "FAQPage"
    faqs = load(BRAND).of_kind(Faq)
    assert [q["name"] for q in data["mainEntity"]] == [f.title for f in faqs]
    (page_block,) = docs["guidance/not-alone.html"].xpath("//script[@type='application/ld+json']")
    page = json.loads(page_block.text)
    assert page["@type"] == "WebPage" and page["lastReviewed"] == "2026-11-01"
    assert page["url"] == "https://intranet.example.nhs.uk/support/guidance/not-alone.html"
    assert page["publisher"]["name"] == "Example Valleys University Health Board"


def test_sitemap_lists_every_page_at_its_published_address(site: Path) -> None:
    root = lxml.etree.fromstring((site / "sitemap.xml").read_bytes())
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    html = sorted(p for p in tree(site) if p.endswith(".html"))
    assert locs == [f"https://intranet.example.nhs.uk/support/{p}" for p in html]
    faqs = lxml.html.fromstring((site / "faqs" / "index.html").read_bytes())
    canonical = faqs.xpath("//link[@rel='canonical']/@href")
    assert canonical == ["https://intranet.example.nhs.uk/support/faqs/index.html"]


def test_without_a_base_url_there_is_no_sitemap_and_a_note(tmp_path: Path) -> None:
    result = build(tmp_path / "site", load())
    assert not (tmp_path / "site" / "sitemap.xml").exists()
    assert any("base-url" in note for note in result.notes)


def test_a_big_site_gets_a_sitemap_index() -> None:
    files = dict(_sitemaps("https://x.example/", [f"p{i}.html" for i in range(50_001)]))
    assert sorted(files) == ["sitemap-1.xml", "sitemap-2.xml", "sitemap.xml"]
    assert files["sitemap.xml"].count("<sitemap>") == 2 and files["sitemap-2.xml"].count("<url>") == 1


def test_search_index_covers_every_item_page(site: Path) -> None:
    entries = json.loads((site / "search-index.json").read_text(encoding="utf-8"))
    urls = {e["u"] for e in entries}
    for item in load(BRAND):
        assert any(u.endswith(f"{item.id}.html") or u == "accessibility.html" for u in urls), item.id
    assert all((site / e["u"]).is_file() for e in entries)
    welsh = json.loads((site / "cy" / "search-index.json").read_text(encoding="utf-8"))
    assert any(e["t"] == "Amdanom ni" for e in welsh) and all((site / "cy" / e["u"]).is_file() for e in welsh)


def test_no_template_leaks_none_or_undefined(docs: dict[str, Any]) -> None:
    for path, doc in docs.items():
        text = text_of(doc)
        assert not re.search(r"\bNone\b|\bUndefined\b|\{\{|\{%", text), path


def test_stories_and_case_studies_show_content_warnings_before_the_text(docs: dict[str, Any]) -> None:
    doc = docs["stories/story-nurse.html"]
    article = doc.xpath("//article")[0]
    classes = [e.get("class", "") for e in article.iter() if isinstance(e.tag, str)]
    warning = next(i for i, c in enumerate(classes) if "sv-warning" in c.split())
    story = next(i for i, c in enumerate(classes) if "sv-story" in c.split())
    assert warning < story
    assert "Mentions a patient's death" in text_of(doc)
    index = text_of(docs["stories/index.html"])
    assert "Content warning Mentions a patient's death" in index


# -- brand colours and logo ----------------------------------------------------------------


def test_contrast_is_computed_as_wcag_defines_it() -> None:
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#005eb8", "#ffffff") == pytest.approx(6.37, abs=0.01)  # NHS blue
    assert check_brand(None).primary == "#005eb8"


@pytest.mark.parametrize(
    ("colours", "message"),
    [
        ({"primary": "#ffdd00"}, "colours.primary #ffdd00 has contrast 1.3"),
        ({"primary": "#3d8fd6"}, "colours.primary #3d8fd6"),
        ({"accent": "#330072"}, "colours.accent #330072"),
    ],
)
def test_brand_colours_that_fail_contrast_are_rejected(colours: dict[str, str], message: str) -> None:
    with pytest.raises(BrandError, match=re.escape(message)):
        check_brand(Colours(**colours))


def test_a_failing_colour_fails_the_export_and_leaves_the_destination_alone(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "overlay.yaml").write_text(
        "schema_version: 1\nid: pale\nname: Pale\norganisation:\n  name: Pale Trust\n"
        "  colours: {primary: \"#9fc5e8\"}\n", encoding="utf-8")
    dest = tmp_path / "site"
    dest.mkdir()
    (dest / "keep.txt").write_text("old site", encoding="utf-8")
    with pytest.raises(sv.ExportError, match=re.escape("WCAG 2.2 AA needs at least 4.5:1")):
        build(dest, load(overlay))
    assert tree(dest) == {"keep.txt": b"old site"}


def test_logo_is_copied_with_its_alt_text(site: Path, docs: dict[str, Any]) -> None:
    (img,) = docs["index.html"].xpath("//header//img")
    assert img.get("src") == "assets/logo.svg" and img.get("alt") == "Example Valleys University Health Board"
    assert (site / "assets" / "logo.svg").read_bytes() == (BRAND / "logo.svg").read_bytes()
    assert docs["guidance/not-alone.html"].xpath("//header//img/@src") == ["../assets/logo.svg"]


def test_the_overlay_logo_is_found_in_the_overlay_folder_without_an_option(tmp_path: Path) -> None:
    result = build(tmp_path / "site", load(BRAND))
    assert not any("logo" in note for note in result.notes)
    assert (tmp_path / "site" / "assets" / "logo.svg").read_bytes() == (BRAND / "logo.svg").read_bytes()


def test_a_logo_missing_from_the_overlay_folder_is_a_content_problem(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "overlay.yaml").write_text(
        (BRAND / "overlay.yaml").read_text(encoding="utf-8").replace("logo: logo.svg", "logo: ../logo.svg"),
        encoding="utf-8",
    )
    (tmp_path / "logo.svg").write_bytes((BRAND / "logo.svg").read_bytes())  # outside the overlay: refused
    with pytest.raises(sv.ContentError) as info:
        load(overlay)
    assert [p.code for p in info.value.problems] == ["SV111"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script"),
        ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>', "event-handler"),
        ('<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>', "href=\"http"),
        ("GIF89a not a png", "not a PNG or SVG"),
    ],
)
def test_unsafe_logos_are_refused(tmp_path: Path, content: str, message: str) -> None:
    logo = tmp_path / ("logo.svg" if content.startswith("<svg") else "logo.gif")
    logo.write_text(content, encoding="utf-8")
    with pytest.raises(sv.ExportError, match=re.escape(message)):
        build(tmp_path / "site", load(), logo=str(logo))


# -- hostile content ------------------------------------------------------------------------


def _hostile_bundle() -> sv.Bundle:
    """The hostile pack with the content checks switched off: the exporter is the last line."""
    bundle, report = sv.load_report(HOSTILE, plugins=plugins(), checks=False)
    assert bundle is not None, report.render()
    return bundle


def _assert_nothing_executable(root: Path) -> None:
    for path in sorted(root.rglob("*.html")):
        doc = lxml.html.fromstring(path.read_bytes())
        where = path.relative_to(root).as_posix()
        for element in doc.iter():
            if not isinstance(element.tag, str):
                continue
            assert element.tag not in ("iframe", "object", "embed", "style", "img") or (
                element.tag == "img" and "sv-header__logo" in element.get("class", "")), f"{where}: <{element.tag}>"
            for name, value in element.attrib.items():
                assert not name.lower().startswith("on"), f"{where}: {name}= on <{element.tag}>"
                squashed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                assert not squashed.startswith(("javascript:", "data:", "vbscript:")), f"{where}: {name}={value}"
            if element.tag == "script":
                assert element.get("type") == "application/ld+json" or (
                    element.get("src", "").endswith("assets/site.js") and not element.text), where
                if element.get("type") == "application/ld+json":
                    assert "</" not in element.text and "\u2028" not in element.text, where
                    json.loads(element.text)


def test_hostile_content_never_reaches_the_page(tmp_path: Path) -> None:
    bundle = _hostile_bundle()
    build(tmp_path / "site", bundle)
    _assert_nothing_executable(tmp_path / "site")
    page = (tmp_path / "site" / "guidance" / "hostile-guidance.html").read_text(encoding="utf-8")
    # Raw HTML is shown as text; the bad links are not links; the good ones still work.
    assert "&lt;script&gt;window.__pwned" in page
    assert "{{ 7*7 }}" in page
    assert '<a href="../faqs/hostile-faq.html">an internal link</a> and a hidden one' in page
    assert '<a href="https://example.org/ok">' in page


def test_hostile_content_never_reaches_a_fragment(tmp_path: Path) -> None:
    build(tmp_path / "blocks", _hostile_bundle(), "html-fragments")
    _assert_nothing_executable(tmp_path / "blocks")


# -- signs check and decision flow: the static pages agree with the engines -------------------


def _walk_signs_check(check: Any, chosen: tuple[str, ...]) -> tuple[Any, bool]:
    """Answer the steps as a person would; returns (the results page reached, crisis seen)."""
    by_path = {r.path: r for r in check.results}
    steps = list(check.steps)
    crisis = False
    index = 0
    while index < len(steps):
        step = steps[index]
        if any(sign.id in chosen for sign in step.signs):
            result = by_path[step.yes]
            if not step.red:
                return result, crisis
            crisis = True
            later = [s for s in steps[index + 1:] if any(x.id in chosen for x in s.signs)]
            if result.more is None or not later:
                return result, crisis
            # "Are other signs happening too?": continue from the step the link names.
            index = next(i for i, s in enumerate(steps) if s.path == result.more)
            continue
        index += 1
    return by_path["signs-check/result-none.html"], crisis


ENGINE_PACK = Path(__file__).parent / "engines" / "pack"


@pytest.mark.parametrize(
    ("pack", "overlays"),
    [
        (PACK, (BRAND,)),
        (PACK, (HERE / "overlay-low-red",)),
        (ENGINE_PACK, ()),
        (ENGINE_PACK, (ENGINE_PACK.parent / "overlay-wales",)),
    ],
    ids=["brand", "low-red-flag", "engine-pack", "engine-pack-wales"],
)
def test_walking_the_signs_check_pages_gives_the_engines_answer_for_any_selection(
    pack: Path, overlays: tuple[Path, ...]
) -> None:
    bundle = load(*overlays, pack=pack)
    check = plan_signs_check(bundle)
    if overlays and overlays[0].name == "overlay-low-red":
        assert check.results[0].more == "signs-check/step-2.html"
    signs = [s.id for s in bundle.of_kind(WarningSign)]
    assert check.steps and check.steps[0].red
    for size in range(len(signs) + 1):
        for chosen in itertools.combinations(signs, size):
            engine = bundle.signs_check(chosen)
            page, crisis = _walk_signs_check(check, chosen)
            assert crisis == engine.urgent, chosen
            if engine.urgent and page.key == "crisis":
                assert page.result.level.rank <= engine.level.rank, chosen
                urgent = [p.id for p in engine.signposts if p.crisis or p.emergency]
                assert [p.id for p in page.result.signposts][: len(urgent)] == urgent, chosen
            else:
                assert page.result.level.id == engine.level.id, chosen
                if not engine.urgent:
                    assert [p.id for p in page.result.signposts] == [p.id for p in engine.signposts], chosen


def test_walking_the_decision_flow_pages_reaches_the_engines_outcome(docs: dict[str, Any]) -> None:
    flow = next(iter(load(BRAND).of_kind(DecisionFlow)))
    for answers in itertools.product((True, False), repeat=len(flow.questions)):
        given = dict(zip((q.id for q in flow.questions), answers, strict=True))
        path, asked = "decision-flow/flow/q-q1.html", {}
        while "/q-" in path:
            question = path.rsplit("q-", 1)[1][:-5]
            asked[question] = given[question]
            form = docs[path].xpath("//form[@class='sv-check']")[0]
            yes, no = form.get("action"), form.xpath(".//button[@formaction]/@formaction")[0]
            path = posixpath.normpath(posixpath.join(posixpath.dirname(path), yes if given[question] else no))
        assert path == f"decision-flow/flow/o-{walk(flow, asked).outcome.id}.html"
        assert flow.disclaimer in text_of(docs[path])


# -- fragments ------------------------------------------------------------------------------


def test_fragments_have_no_page_chrome_prefixed_names_and_a_manifest(tmp_path: Path) -> None:
    bundle = load(BRAND)
    result = build(tmp_path / "blocks", bundle, "html-fragments", **{"link-base": "https://intranet.example.nhs.uk/support"})
    root = tmp_path / "blocks"
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "secondvictim-html-fragments" and manifest["class_prefix"] == "sv-"
    items = {(f["kind"], f["id"]) for f in manifest["fragments"] if f["type"] == "item"}
    assert items == {(i.kind, i.id) for i in bundle}
    indexes = {f["name"] for f in manifest["fragments"] if f["type"] == "index"}
    assert {"faq", "signpost", "help", "support_ladder", "recovery_stage", "story"} <= indexes
    assert sorted(p.as_posix() for p in result.files) == sorted(
        [f["file"] for f in manifest["fragments"]] + ["manifest.json"])
    for entry in manifest["fragments"]:
        data = (root / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        frag = lxml.html.fragment_fromstring(data.decode("utf-8"))
        assert frag.tag == "div" and "sv-fragment" in frag.get("class").split()
        for element in frag.iter():
            if not isinstance(element.tag, str):
                continue
            chrome = ("html", "head", "body", "script", "header", "nav", "footer", "main", "style")
            assert element.tag not in chrome, entry["file"]
            for cls in element.get("class", "").split():
                assert cls.startswith("sv-"), (entry["file"], cls)
            if element.get("id"):
                assert element.get("id").startswith("sv-"), (entry["file"], element.get("id"))
            href = element.get("href")
            if href and element.tag == "a" and not urlsplit(href).scheme:
                pytest.fail(f"{entry['file']}: relative link {href} (link-base not applied)")
    guidance = (root / "items" / "guidance" / "not-alone.html").read_text(encoding="utf-8")
    assert 'href="https://intranet.example.nhs.uk/support/coping/coping-talk.html"' in guidance


# -- the command line and progress ------------------------------------------------------------


def test_the_main_job_command_writes_the_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["export", "html", "--pack", str(PACK), "--overlay", str(BRAND), "--out", str(tmp_path / "site"),
                 "--logo", str(BRAND / "logo.svg"), "--base-url", "https://intranet.example.nhs.uk/"],
                plugins=plugins())
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "with 'html'" in out.out
    assert (tmp_path / "site" / "index.html").is_file() and (tmp_path / "site" / "sitemap.xml").is_file()
    assert out.err.count("html:") == 0  # stderr is not a terminal here: no progress lines


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_shown_only_on_a_terminal() -> None:
    quiet, loud = io.StringIO(), _Terminal()
    for stream in (quiet, loud):
        progress = Progress(3, None, stream)
        for _ in range(3):
            progress.tick()
    assert quiet.getvalue() == ""
    assert loud.getvalue().endswith("\rhtml: 3/3 pages\n")


def test_welsh_overlay_alone_builds_a_welsh_site(tmp_path: Path) -> None:
    build(tmp_path / "site", load(WELSH))
    doc = lxml.html.fromstring((tmp_path / "site" / "index.html").read_bytes())
    assert doc.get("lang") == "cy-GB" and doc.xpath("//main//div/@lang")[:1] == ["en-GB"]
