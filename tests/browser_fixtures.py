"""A real browser for the UI tests: Debian's chromium driven by Playwright
(fixtures registered by tests/conftest.py; not a second conftest.py, whose
module name `conftest` would shadow the root one that tests import from).

scripts/test.sh installs chromium; GLS_CHROMIUM names another binary.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

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


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # the page's Content-Security-Policy must not block anything the app itself does
    pg.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    yield pg
    context.close()
    assert errors == [], f"errors on the page: {errors}"


@pytest.fixture()
def attacker_name() -> str:
    return ATTACKER_NAME
