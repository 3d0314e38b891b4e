"""Real-browser checks for pages: Debian's Chromium through Playwright, with axe-core.

Why a helper of its own: every page test (reports, forms, the exported site) must
start Chromium the same way and run axe with the same WCAG rules, and must fail
loudly in CI when the browser or axe is missing rather than quietly skip.

Never run ``playwright install``: it downloads a browser. We drive the system
``/usr/bin/chromium`` (``apt-get install chromium``) and the pinned npm axe-core
(``npm ci`` at the repository root).

Usage::

    from browser_support import axe_violations, format_violations

    @pytest.mark.browser
    def test_page_is_accessible(tmp_path):
        violations = axe_violations(page_path.as_uri())
        assert not violations, format_violations(violations)
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("SECONDVICTIM_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
"""The WCAG 2.2 AA rule set (axe's tags are cumulative only within a version)."""


def in_ci() -> bool:
    """True on CI, where a missing browser or axe is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)"
    if not AXE.exists():
        return f"{AXE} not found: run 'npm ci' at the repository root"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[test]'"
    return None


def require_browser() -> None:
    """Skip the test (or fail it on CI) when Chromium, axe-core or Playwright is missing."""
    reason = unavailable()
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"browser test cannot run on CI: {reason}")
    pytest.skip(reason)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright ``Browser``), closed afterwards."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


def run_axe(page: Any) -> list[dict[str, Any]]:
    """Inject axe-core into an open Playwright page and return its violations."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary}))
            }));
        }""",
        list(AXE_TAGS),
    )
    return list(result)


def axe_violations(url: str, *, browser: Any | None = None) -> list[dict[str, Any]]:
    """Open ``url`` (file:// or http://127.0.0.1) in Chromium and return axe's violations.

    The page runs with CSP bypassed only so axe can be injected; check a page's own
    CSP separately with :func:`csp_report`.
    """
    if browser is None:
        with chromium() as fresh:
            return axe_violations(url, browser=fresh)
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        return run_axe(page)
    finally:
        context.close()


def format_violations(violations: list[dict[str, Any]]) -> str:
    """Violations as readable lines for an assertion message."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} {v['helpUrl']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:160]}")
    return "\n".join(lines)


class _Handler(http.server.SimpleHTTPRequestHandler):
    extra_headers: Mapping[str, str] = {}

    def end_headers(self) -> None:
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(directory: Path, headers: Mapping[str, str] | None = None) -> Iterator[str]:
    """Serve ``directory`` on http://127.0.0.1 (a free port) with extra response headers."""
    handler = type("Handler", (_Handler,), {"extra_headers": dict(headers or {})})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


STRICT_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"
"""The strict policy pages must work under: no scripts, no inline styles."""


def csp_report(browser: Any, url: str) -> dict[str, Any]:
    """Load ``url`` (served with a strict CSP header) and report what the policy blocked.

    Returns ``{"violations": [console messages about the policy], "stylesheets": n}``,
    where ``n`` counts the stylesheets that loaded with at least one rule.
    """
    context = browser.new_context()
    try:
        page = context.new_page()
        messages: list[str] = []
        page.on("console", lambda m: messages.append(m.text))
        page.goto(url, wait_until="load")
        sheets = page.evaluate("() => [...document.styleSheets].filter(s => s.cssRules.length > 0).length")
        blocked = [m for m in messages if "Content Security Policy" in m or "Refused" in m]
        return {"violations": blocked, "stylesheets": int(sheets)}
    finally:
        context.close()
