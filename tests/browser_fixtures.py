"""A real browser for the UI tests: Debian's chromium driven by Playwright
(fixtures registered by tests/conftest.py; not a second conftest.py, whose
module name `conftest` would shadow the root one that tests import from).

scripts/test.sh installs chromium; GLS_CHROMIUM names another binary.
Every test's page is saved as a screenshot at its end, under
GLS_TEST_ARTIFACTS (default test-artifacts/) /screenshots, for people to
look at what the tests saw (CI keeps the folder as an artefact).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

# A name of another site that the browser resolves to this machine, as a DNS
# rebinding attacker's would (tests/web/test_browser_attacks.py).
ATTACKER_NAME = "evil.example"


def _chromium() -> str:
    path = os.environ.get("GLS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(
            "no chromium: install Debian's (apt-get install chromium; scripts/test.sh does)"
        )
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=_chromium(),
            args=["--no-sandbox", f"--host-resolver-rules=MAP {ATTACKER_NAME} 127.0.0.1"],
        )
        yield b
        b.close()


def screenshot_dir() -> Path:
    root = Path(
        os.environ.get("GLS_TEST_ARTIFACTS") or Path(__file__).parent.parent / "test-artifacts"
    )
    folder = root / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_screenshot(pg: Page, name: str) -> Path:
    """The page as it is now, full length, as <name>.png in the artefacts."""
    path = screenshot_dir() / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") + ".png")
    pg.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture()
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context()
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # the page's Content-Security-Policy must not block anything the app itself does
    pg.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    yield pg
    if not pg.is_closed() and pg.url.startswith("http"):
        try:
            save_screenshot(pg, f"{Path(request.node.path).stem}.{request.node.name}")
        except Exception as e:  # a picture is a help to people, not a result: say why it is missing
            print(f"no screenshot of {request.node.nodeid}: {e}")
    context.close()
    assert errors == [], f"errors on the page: {errors}"


@pytest.fixture()
def attacker_name() -> str:
    return ATTACKER_NAME
