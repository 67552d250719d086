"""Every page of the Studio, in light and in dark, in Debian's chromium against
a Studio fed by the OpenTelemetry SDK: each page draws its own heading with no
error on the page (the `page` fixture fails on any script or CSP error), and is
saved as a screenshot under test-artifacts/screenshots (GLS_TEST_ARTIFACTS)
for people to look at what a user sees.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from test_trace_explorer import PROJECT, _send_agent_trace

from browser_fixtures import save_screenshot

# hash path after the project -> text the page must show once drawn
PAGES = {
    "traces": ("", "Traces"),
    "trace-tree": ("/trace/{trace_id}", "carbon report"),
    "trace-graph": ("/trace/{trace_id}?view=graph", "carbon report"),
    "spans": ("/spans", "Spans"),
    "performance": ("/performance", "Performance"),
    "costs": ("/costs", "Cost"),
    "tokens": ("/tokens", "Tokens"),
    "carbon": ("/carbon", "Carbon"),
    "chains": ("/chains", "Chains"),
    "playground": ("/playground", "Playground"),
}


@pytest.fixture(scope="module")
def trace_id(studio) -> str:
    return _send_agent_trace(studio, "carbon report")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_draws_and_is_saved_as_a_screenshot(
    studio, browser: Browser, trace_id: str, name: str, scheme: str
) -> None:
    path, heading = PAGES[name]
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    try:
        page.goto(f"{studio.api}/#/{PROJECT}{path.format(trace_id=trace_id)}")
        expect(page.locator("main h1", has_text=heading).first).to_be_visible()
        # the theme followed the system's choice
        dark = page.evaluate("document.documentElement.classList.contains('dark')")
        assert dark == (scheme == "dark")
        page.wait_for_load_state("networkidle")
        if name == "trace-graph":
            expect(page.get_by_test_id("span-graph").locator("canvas").first).to_be_visible()
        if name == "playground":  # Monaco drawn (its workers and styles under the CSP)
            expect(page.get_by_test_id("step-0").locator(".monaco-editor").first).to_be_visible()
        # nothing wider than the window (the header's navigation included)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1440
        saved = save_screenshot(page, f"page.{name}.{scheme}")
        assert saved.stat().st_size > 10_000, "the screenshot is blank"
    finally:
        context.close()
    assert errors == [], f"errors on the page: {errors}"
