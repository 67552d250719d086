"""The attacks of issue 9, made by a real browser (Debian's chromium): a page of
another site tries to read the Studio through the user's browser.

The browser resolves the attacker's name to 127.0.0.1 (--host-resolver-rules,
tests/web/conftest.py), exactly what a rebinding DNS server makes it do.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from playwright.sync_api import Page

from otlp_helpers import make_request, make_span, new_span_id, new_trace_id, post_protobuf

PROJECT = "attacked"


class _AttackerSite(BaseHTTPRequestHandler):
    page = b""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def attacker_port() -> Iterator[int]:
    """An attacker's web server on loopback; its page is the test's script."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AttackerSite)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _refusals(studio, reason: str) -> float:
    counters = requests.get(f"{studio.api}/api/v1/status", timeout=10).json()["counters"]
    return counters.get(f"requests_refused_by_browser_guard{{reason={reason}}}", 0)


def _send_trace(studio) -> None:
    span = make_span(new_trace_id(), new_span_id(), name="secret plan")
    resp = post_protobuf(studio.otlp_http, make_request([span], {"gls.project": PROJECT}))
    assert resp.status_code == 200, resp.text


def test_a_rebound_name_cannot_read_the_studio(studio, page: Page, attacker_name: str) -> None:
    _send_trace(studio)
    before = _refusals(studio, "host_not_allowed")
    # The attacker's name now points at 127.0.0.1: the page is same-origin with
    # the Studio as far as the browser knows, but the Studio sees the name.
    for path in ("/", "/api/v1/projects", f"/api/v1/projects/{PROJECT}/traces"):
        resp = page.goto(f"http://{attacker_name}:{studio.api_port}{path}")
        assert resp is not None and resp.status == 403, path
        assert "secret plan" not in page.content()
        assert "allowed_hosts" in page.content()
    assert _refusals(studio, "host_not_allowed") >= before + 3  # and the favicon asks


def test_another_site_cannot_subscribe_to_live_traces_or_post_spans(
    studio, page: Page, attacker_name: str, attacker_port: int
) -> None:
    _AttackerSite.page = b"<!doctype html><title>cute cats</title>"
    page.goto(f"http://{attacker_name}:{attacker_port}/")
    before = _refusals(studio, "origin_not_allowed")
    outcome = page.evaluate(
        """async ([live, otlp]) => {
            const ws = await new Promise((resolve) => {
                const socket = new WebSocket(live);
                socket.onmessage = (e) => resolve("message: " + e.data);
                socket.onerror = () => resolve("refused");
            });
            // A form-style cross-site POST: sent whatever CORS says, answer unreadable.
            await fetch(otlp, {method: "POST", mode: "no-cors", body: "{}",
                               headers: {"Content-Type": "text/plain"}});
            return ws;
        }""",
        [
            f"ws://127.0.0.1:{studio.api_port}/api/v1/projects/{PROJECT}/live",
            f"http://127.0.0.1:{studio.api_port}/v1/traces",
        ],
    )
    assert outcome == "refused"
    # Both reached the Studio and were refused there, not merely unread by the page.
    assert _refusals(studio, "origin_not_allowed") == before + 2


def test_the_studio_page_itself_still_subscribes(studio, page: Page) -> None:
    page.goto(f"{studio.api}/health")  # any page of the Studio's own origin
    outcome = page.evaluate(
        """(live) => new Promise((resolve) => {
            const socket = new WebSocket(live);
            socket.onmessage = (e) => resolve(JSON.parse(e.data));
            socket.onerror = () => resolve("refused");
        })""",
        f"ws://127.0.0.1:{studio.api_port}/api/v1/projects/{PROJECT}/live",
    )
    assert outcome == {"type": "subscribed", "project": PROJECT}
