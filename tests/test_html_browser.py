"""The exported site used as a person would: real Chromium, axe-core, keyboard, no network.

Uses tests/browser_support.py (Debian's /usr/bin/chromium through Playwright, axe-core
pinned in package.json). On CI a missing browser or axe fails these tests; on a
laptop without them they are skipped with the reason.

Set SECONDVICTIM_SHOTS=/tmp/shots to also save screenshots of the home page and a
story page at 320 and 1280 px.
"""

from __future__ import annotations

import io
import json
import os
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import secondvictim_core as sv
from secondvictim_core.engines.assessment import OVERALL, score_responses
from secondvictim_core.html import CSP
from secondvictim_core.models import AssessmentFramework

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent / "html"))
from browser_support import ROOT, chromium, format_violations, run_axe, serve
from sitekit import BRAND, HOSTILE, brand_site, build, load, plugins

pytestmark = pytest.mark.browser

WIDTHS = (320, 1280)
HEADERS = {"Content-Security-Policy": CSP + "; frame-ancestors 'none'"}

TEMPLATE_PAGES = (
    # one page per template, and one item page per kind
    "index.html", "for/involved.html", "for/leading.html", "help.html", "search.html", "site-map.html",
    "accessibility.html", "guidance/index.html", "faqs/index.html", "support/index.html",
    "recovery/index.html", "signs/index.html", "stories/index.html", "coping/index.html",
    "directory/index.html", "directory/filter--involved--wales--phone.html",
    "directory/filter--leading--scotland--email.html",
    "signs-check/index.html", "signs-check/step-1.html", "signs-check/step-2.html",
    "signs-check/result-crisis.html", "signs-check/result-level-2.html", "signs-check/result-none.html",
    "decision-flow/flow.html", "decision-flow/flow/q-q1.html", "decision-flow/flow/o-refer.html",
    "guidance/not-alone.html", "faqs/faq-psirf.html", "pages/about.html", "support/ladder.html",
    "support/level-3.html", "directory/local-wellbeing-line.html", "directory/crisis-line.html",
    "recovery/stage-1.html", "signs/sign-suicidal-thoughts.html", "coping/coping-talk.html",
    "stories/story-nurse.html", "case-studies/case-one.html", "assessment/framework.html",
    "questions/q-one.html", "cy/index.html", "cy/pages/about.html", "cy/coping/coping-talk.html",
)  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return brand_site(tmp_path_factory.mktemp("browser") / "site")


@pytest.fixture(scope="module")
def base(site: Path) -> Iterator[str]:
    with serve(site, HEADERS) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _page(browser: Any, width: int = 1280, **options: Any) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": width, "height": 800}, **options)
    return context, context.new_page()


# -- accessibility ---------------------------------------------------------------------------


def _axe_and_reflow(page: Any, label: str) -> None:
    violations = run_axe(page)
    assert not violations, f"{label}:\n{format_violations(violations)}"
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{label}: the page scrolls sideways by {overflow}px (WCAG 1.4.10 reflow)"


def test_axe_is_the_pinned_version(browser: Any, base: str) -> None:
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"]["axe-core"]
    context, page = _page(browser, bypass_csp=True)
    page.goto(f"{base}/index.html")
    run_axe(page)
    assert page.evaluate("() => axe.version") == pinned
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_template_has_no_axe_violations(browser: Any, base: str, width: int) -> None:
    """WCAG 2.0, 2.1 and 2.2 A and AA rules, on every template at 320 and 1280 px."""
    context, page = _page(browser, width, bypass_csp=True)
    failures = []
    for path in TEMPLATE_PAGES:
        response = page.goto(f"{base}/{path}")
        assert response is not None and response.ok, path
        try:
            _axe_and_reflow(page, f"{path} at {width}px")
        except AssertionError as exc:
            failures.append(str(exc))
    context.close()
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_after_interaction_have_no_axe_violations(browser: Any, base: str, width: int) -> None:
    """States only JavaScript creates: scores shown, search results, a filtered list, open details."""
    context, page = _page(browser, width, bypass_csp=True)
    page.goto(f"{base}/assessment/framework.html")
    page.wait_for_selector("form[data-sv-ready]")
    page.check("#sv-framework-fair-1-4")
    page.check("#sv-framework-support-1-2")
    page.click("button[type=submit]")
    page.wait_for_selector("#sv-results-framework table")
    page.click(".sv-by-hand summary")
    _axe_and_reflow(page, f"assessment with scores at {width}px")
    page.goto(f"{base}/search.html?q=colleague")
    page.wait_for_selector("#sv-search-results li")
    _axe_and_reflow(page, f"search results at {width}px")
    page.goto(f"{base}/directory/index.html")
    page.fill("#sv-name-filter", "line")
    page.wait_for_function("() => document.getElementById('sv-name-filter-status').textContent !== ''")
    _axe_and_reflow(page, f"filtered directory at {width}px")
    page.goto(f"{base}/faqs/index.html")
    page.click(".sv-details summary")
    _axe_and_reflow(page, f"open FAQ at {width}px")
    context.close()


def test_pages_without_javascript_have_no_axe_violations(browser: Any, base: str) -> None:
    """The no-JavaScript state: the same HTML without the ``sv-js`` class, which is all the
    script changes before anyone interacts (axe itself needs script, so it runs here)."""
    context, page = _page(browser, 320, bypass_csp=True)
    for path in ("directory/index.html", "search.html", "assessment/framework.html", "signs-check/step-1.html"):
        page.goto(f"{base}/{path}")
        page.evaluate("() => document.documentElement.classList.remove('sv-js')")
        _axe_and_reflow(page, f"{path} without JavaScript")
    context.close()


# -- no request leaves 127.0.0.1, and the CSP holds ---------------------------------------------


def _use_everything(page: Any, base: str) -> None:
    for path in TEMPLATE_PAGES:
        page.goto(f"{base}/{path}")
    page.goto(f"{base}/assessment/framework.html")
    page.wait_for_selector("form[data-sv-ready]")
    page.check("#sv-framework-fair-1-5")
    page.click("button[type=submit]")
    page.wait_for_selector("#sv-results-framework table")
    page.goto(f"{base}/search.html?q=support")
    page.wait_for_selector("#sv-search-results li")
    page.goto(f"{base}/directory/index.html")
    page.fill("#sv-name-filter", "crisis")


def test_no_request_leaves_localhost(browser: Any, base: str) -> None:
    context, page = _page(browser)
    outside: list[str] = []
    local: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            local.append(url)
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    context.route("**/*", route)
    _use_everything(page, base)
    context.close()
    assert local, "the route recorded nothing: the test is not watching"
    assert outside == []


def test_the_content_security_policy_is_never_violated(browser: Any, base: str) -> None:
    context, page = _page(browser)
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    for path in TEMPLATE_PAGES:
        page.goto(f"{base}/{path}")
        assert page.evaluate("() => window.__csp") == [], path
        assert page.evaluate("() => document.documentElement.classList.contains('sv-js')"), path
    _use_everything(page, base)
    assert page.evaluate("() => window.__csp") == []
    # JSON-LD is data: present, parseable, and not blocked or reported by the policy.
    page.goto(f"{base}/faqs/index.html")
    kind = page.evaluate(
        "() => JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)['@type']"
    )
    assert kind == "FAQPage" and page.evaluate("() => window.__csp") == []
    context.close()
    assert errors == []


# -- keyboard only -----------------------------------------------------------------------------


def _tab_to(page: Any, text: str, limit: int = 60) -> None:
    """Press Tab until the focused element's text starts with ``text``; check focus is visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
                return {text: (e.innerText || e.value || '').trim(), tag: e.tagName,
                        outline: s.outlineStyle, shadow: s.boxShadow, background: s.backgroundColor,
                        top: r.top, bottom: r.bottom, height: window.innerHeight};
            }"""
        )
        if focused["text"].startswith(text):
            visible = focused["outline"] != "none" or focused["shadow"] != "none"
            assert visible, f"focus on {text!r} is not visible: {focused}"
            assert focused["top"] >= 0 and focused["bottom"] <= focused["height"], f"focus obscured: {focused}"
            return
    pytest.fail(f"{limit} presses of Tab never reached {text!r}")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_keyboard_only_walk_through_the_signs_check(browser: Any, base: str, javascript: bool) -> None:
    context, page = _page(browser, 320, java_script_enabled=javascript)
    page.goto(f"{base}/signs-check/index.html")
    _tab_to(page, "Start the signs check")
    page.keyboard.press("Enter")
    page.wait_for_url("**/signs-check/step-1.html")
    assert "Thoughts of suicide" in page.inner_text("main")
    _tab_to(page, "No, none of these")
    page.keyboard.press("Enter")
    page.wait_for_url("**/signs-check/step-2.html*")
    assert "Flashbacks" in page.inner_text("main")
    _tab_to(page, "Yes, one or more of these")
    page.keyboard.press("Enter")
    page.wait_for_url("**/signs-check/result-level-2.html*")
    assert page.inner_text("h1") == "Suggested support: Peer support"
    offered = page.eval_on_selector_all(".sv-cards .sv-card__title", "els => els.map(e => e.innerText)")
    assert offered == [p.title for p in load(BRAND).signs_check(["sign-flashbacks"]).signposts]
    # Back to the start and the red-flag route: crisis services first.
    _tab_to(page, "Start the check again")
    page.keyboard.press("Enter")
    page.wait_for_url("**/signs-check/index.html")
    _tab_to(page, "Start the signs check")
    page.keyboard.press("Enter")
    page.wait_for_url("**/signs-check/step-1.html")
    _tab_to(page, "Yes, one or more of these")
    page.keyboard.press("Enter")
    page.wait_for_url("**/signs-check/result-crisis.html*")
    titles = page.eval_on_selector_all(".sv-cards .sv-card__title", "els => els.map(e => e.innerText)")
    assert titles[:2] == ["Emergency services", "Crisis line"]
    context.close()


def test_keyboard_only_use_of_the_directory_filters(browser: Any, base: str) -> None:
    context, page = _page(browser, 320)
    page.goto(f"{base}/directory/index.html")
    _tab_to(page, "Wales")
    page.keyboard.press("Enter")
    page.wait_for_url("**/directory/filter--all--wales--all.html#sv-filters")
    _tab_to(page, "Phone")
    page.keyboard.press("Enter")
    page.wait_for_url("**/directory/filter--all--wales--phone.html#sv-filters")
    current = page.eval_on_selector_all("a.sv-facet__link[aria-current]", "els => els.map(e => e.innerText)")
    assert [c.replace("\u2713\u00a0", "").strip() for c in current] == ["Everyone", "Wales", "Phone"]
    bundle = load(BRAND)
    expected = [p.title for p in bundle.signposts(nation="wales") if any(c.type.value == "phone" for c in p.channels)]
    shown = page.eval_on_selector_all("#sv-directory-list .sv-card__title", "els => els.map(e => e.innerText)")
    assert shown == expected and shown
    # The name filter (JavaScript enhancement), by keyboard too: Tab onwards from the facets.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "sv-name-filter":
            break
    else:
        pytest.fail("Tab never reached the name filter")
    page.keyboard.type("wellbeing")
    page.wait_for_function("() => document.getElementById('sv-name-filter-status').textContent === '1 shown'")
    visible = page.eval_on_selector_all(
        "#sv-directory-list > li:not([hidden]) .sv-card__title", "els => els.map(e => e.innerText)"
    )
    assert visible == ["Example Valleys staff wellbeing line"]
    context.close()


def test_directory_filters_work_without_javascript(browser: Any, base: str) -> None:
    context, page = _page(browser, 1280, java_script_enabled=False)
    page.goto(f"{base}/directory/index.html")
    assert not page.is_visible("#sv-name-filter")
    page.click("a.sv-facet__link:text-is('I have been involved in an incident')")
    page.wait_for_url("**/filter--involved--all--all.html#sv-filters")
    page.click("a.sv-facet__link:text-is('Text message')")
    page.wait_for_url("**/filter--involved--all--text.html#sv-filters")
    shown = page.eval_on_selector_all("#sv-directory-list .sv-card__title", "els => els.map(e => e.innerText)")
    assert shown == ["Crisis line"]
    page.goto(f"{base}/search.html")
    assert page.is_visible("text=Search needs JavaScript") and not page.is_visible("#sv-search-input")
    page.goto(f"{base}/assessment/framework.html")
    assert page.is_visible("text=You can print this form") and not page.is_visible("button[type=submit]")
    context.close()


# -- the browser scorer gives exactly the engine's numbers ----------------------------------------


def _framework() -> AssessmentFramework:
    framework = load(BRAND).get("framework")
    assert isinstance(framework, AssessmentFramework)
    # One person's answers: the floor of 1 lets the engine publish a single respondent.
    return framework.model_copy(update={"min_group_size": 1})


def _engine(framework: AssessmentFramework, answers: dict[str, int]) -> dict[str, Any]:
    items = [i.id for d in framework.domains for i in d.items]
    csv = "respondent," + ",".join(items) + "\nr1," + ",".join(str(answers.get(i, "")) for i in items) + "\n"
    stream = io.StringIO(csv)
    stream.name = "one.csv"
    result = score_responses(framework, stream, input_format="csv")
    out: dict[str, Any] = {}
    for fid in (*(d.id for d in framework.domains), OVERALL):
        figure = result.total.figure(fid)
        out[fid] = None if figure is None else {
            "mean": figure.mean, "percent_positive": figure.percent_positive, "band": figure.band.id,
            "responses": figure.responses, "positive": figure.positive, "gap": figure.gap,
            "shown_mean": f"{figure.mean:.2f}", "shown_percent": f"{figure.percent_positive:.0f}",
        }
    return out


def _answer_sets(framework: AssessmentFramework) -> list[dict[str, int]]:
    items = [i.id for d in framework.domains for i in d.items]
    values = [p.value for p in framework.scale.points]
    rng = random.Random(20261125)
    sets: list[dict[str, int]] = [{}, dict.fromkeys(items, values[0]), dict.fromkeys(items, values[-1])]
    for _ in range(300):
        sets.append({i: rng.choice(values) for i in items if rng.random() < 0.8})
    return sets


def test_the_browser_scorer_matches_the_python_engine_exactly(browser: Any, base: str) -> None:
    framework = _framework()
    sets = _answer_sets(framework)
    context, page = _page(browser)
    page.goto(f"{base}/assessment/framework.html")
    page.wait_for_selector("form[data-sv-ready]")
    scored = page.evaluate(
        """async (sets) => {
            const fw = await (await fetch('framework.json')).json();
            return sets.map(a => svScore(fw, a).map(f => f.responses ? {
                id: f.id, mean: f.mean, percent_positive: f.percent_positive, band: f.band,
                responses: f.responses, positive: f.positive, gap: f.gap,
                shown_mean: svFixed(f.mean, 2), shown_percent: svFixed(f.percent_positive, 0)} : {id: f.id}));
        }""",
        sets,
    )
    context.close()
    for answers, figures in zip(sets, scored, strict=True):
        expected = _engine(framework, answers) if answers else {f["id"]: None for f in figures}
        got = {f.pop("id"): (f or None) for f in figures}
        assert got == expected, answers


def test_scores_shown_on_the_page_are_the_engines(browser: Any, base: str) -> None:
    framework = _framework()
    answers = {"fair-1": 4, "fair-2": 2, "support-1": 3}
    expected = _engine(framework, answers)
    context, page = _page(browser, 320)
    page.goto(f"{base}/assessment/framework.html")
    page.wait_for_selector("form[data-sv-ready]")
    for item, value in answers.items():
        position = [p.value for p in framework.scale.points].index(value) + 1
        page.check(f"#sv-framework-{item}-{position}")
    page.click("button[type=submit]")
    page.wait_for_selector("#sv-results-framework table")
    assert page.evaluate("() => document.activeElement.id") == "sv-results-framework"
    for fid, figure in expected.items():
        row = page.locator(f"tr[data-sv-figure='{fid}']")
        assert float(row.get_attribute("data-sv-mean")) == figure["mean"]
        assert float(row.get_attribute("data-sv-percent")) == figure["percent_positive"]
        assert row.get_attribute("data-sv-band") == figure["band"]
        assert row.locator("[data-sv-shown=mean]").inner_text() == figure["shown_mean"]
        assert row.locator("[data-sv-shown=percent]").inner_text() == figure["shown_percent"] + "%"
    page.click("button[type=reset]")
    assert not page.is_visible("#sv-results-framework")
    context.close()


def test_numbers_are_rounded_as_python_rounds_them(browser: Any, base: str) -> None:
    values = [0.125, 0.375, 2.5, 3.5, 62.5, 12.25, 1.005, 2.675, 0.0625, 3.0625, 99.5, 0.5, 1.5,
              2.345, 4.444444444444445, 3.6666666666666665, 33.33333333333333, 87.5, 0.0]
    context, page = _page(browser)
    page.goto(f"{base}/index.html")
    shown = page.evaluate("vs => vs.map(v => [0, 1, 2, 3].map(d => svFixed(v, d)))", values)
    context.close()
    assert shown == [[f"{v:.{d}f}" for d in range(4)] for v in values]


def test_print_stylesheet_for_stories_and_the_assessment_form(browser: Any, base: str) -> None:
    context, page = _page(browser)
    page.emulate_media(media="print")
    page.goto(f"{base}/stories/story-nurse.html")
    for hidden in (".sv-nav", ".sv-breadcrumbs", ".sv-footer", "[data-sv-print]", ".sv-skip"):
        assert not page.is_visible(hidden), hidden
    assert page.is_visible(".sv-warning") and page.is_visible(".sv-story") and page.is_visible(".sv-sources")
    page.goto(f"{base}/assessment/framework.html")
    page.wait_for_selector("form[data-sv-ready]")
    assert page.is_visible("input[type=radio]") and not page.is_visible(".sv-actions")
    assert page.pdf().startswith(b"%PDF")
    context.close()


# -- search and hostile content in the browser ------------------------------------------------------


def test_offline_search_finds_pages(browser: Any, base: str) -> None:
    context, page = _page(browser, 320)
    page.goto(f"{base}/search.html?q=talk+colleague")
    page.wait_for_selector("#sv-search-results li")
    assert page.inner_text("#sv-search-results li a") == "Talk to a colleague"
    page.fill("#sv-search-input", "occupational")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#sv-search-results a')?.innerText === 'Example Valleys occupational health'"
    )
    page.click("#sv-search-results a")
    page.wait_for_url("**/directory/local-occupational-health.html")
    page.goto(f"{base}/search.html?q=zzzz")
    page.wait_for_selector("text=No results for")
    context.close()


def test_hostile_content_does_not_run_in_the_browser(browser: Any, tmp_path: Path) -> None:
    bundle, report = sv.load_report(HOSTILE, plugins=plugins(), checks=False)
    assert bundle is not None, report.render()
    build(tmp_path / "site", bundle)
    with serve(tmp_path / "site", HEADERS) as url:
        context, page = _page(browser)
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in sorted(p.relative_to(tmp_path / "site").as_posix() for p in (tmp_path / "site").rglob("*.html")):
            page.goto(f"{url}/{path}")
            for link in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                assert not link.lower().startswith(("javascript:", "data:", "vbscript:")), (path, link)
            assert page.evaluate("() => window.__pwned === undefined"), path
        context.close()
    assert dialogs == []


# -- screenshots for people to look at ---------------------------------------------------------------


@pytest.mark.skipif(not os.environ.get("SECONDVICTIM_SHOTS"), reason="set SECONDVICTIM_SHOTS=DIR to save screenshots")
def test_save_screenshots(browser: Any, base: str) -> None:
    out = Path(os.environ["SECONDVICTIM_SHOTS"])
    out.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        context, page = _page(browser, width)
        for path in ("index.html", "stories/story-nurse.html"):
            page.goto(f"{base}/{path}")
            page.screenshot(path=str(out / f"test-{path.replace('/', '_')[:-5]}-{width}.png"), full_page=True)
        context.close()
