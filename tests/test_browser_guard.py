"""Web pages the user visits cannot read or write the Studio through the user's
browser: a Host allow-list against DNS rebinding, an Origin check against
cross-site requests and WebSocket hijacking, CORS only for listed origins.

Each door (UI page, JSON API read and write, WebSocket, OTLP/HTTP on its own
port and on the API port) is tried with a hostile Host, a hostile Origin, no
Origin and the allowed forms, against a real Studio process.
"""

from __future__ import annotations

from collections.abc import Iterator

import aiohttp
import pytest
import requests
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from gls_engine.browser_guard import BrowserGuard, split_host
from gls_engine.config import SettingsError, settings_for_tests

from conftest import Studio, make_studio
from openapi_check import openapi
from otlp_helpers import make_request, make_span, new_span_id, new_trace_id

EVIL_HOST = "evil.example"
EVIL_ORIGIN = "http://evil.example"
LISTED_ORIGIN = "https://app.example.test"


# --- the rules, without a server ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("localhost", ("localhost", None)),
        ("LocalHost:6006", ("localhost", 6006)),
        ("127.0.0.1:4318", ("127.0.0.1", 4318)),
        ("[::1]:6006", ("::1", 6006)),
        ("[::1]", ("::1", None)),
        ("::1", None),  # IPv6 must be bracketed
        ("localhost:", None),
        ("localhost:99999", None),
        ("localhost:0x10", None),
        ("[::1", None),
        ("[::1]x", None),
        ("evil.example@localhost", None),
        ("local host", None),
        ("", None),
    ],
)
def test_split_host(value: str, parsed: tuple[str, int | None] | None) -> None:
    assert split_host(value) == parsed


def test_defaults_answer_loopback_names_and_addresses_only() -> None:
    guard = BrowserGuard(settings_for_tests())
    for host in (
        "localhost",
        "localhost:6006",
        "127.0.0.1",
        "127.0.0.1:4318",
        "[::1]:6006",
        "127.8.9.10:1",
        None,
    ):
        assert guard.host_allowed(host), host
    for host in (
        "evil.example",
        "evil.example:6006",
        "localhost.evil.example",
        "10.0.0.5:6006",
        "0.0.0.0:6006",
        "localhost.",
        "[::1]:6006:1",
        "studio.example.test",
    ):
        assert not guard.host_allowed(host), host
    for origin in (
        "http://localhost:6006",
        "http://127.0.0.1:6006",
        "http://[::1]:6006",
        "https://localhost",
    ):
        assert guard.origin_allowed(origin), origin
    for origin in (
        "null",
        EVIL_ORIGIN,
        "http://127.0.0.1.evil.example",
        "file://",
        "chrome-extension://abc",
        "http://localhost:6006/path",
        "localhost:6006",
        "http://evil.example@localhost",
        "http://localhost:bad",
    ):
        assert not guard.origin_allowed(origin), origin


def test_configured_hosts_and_origins() -> None:
    guard = BrowserGuard(
        settings_for_tests(
            allowed_hosts="studio.example.test, *.corp.test", allowed_origins=LISTED_ORIGIN
        )
    )
    assert guard.host_allowed("studio.example.test:443")
    assert guard.host_allowed("a.b.corp.test")
    assert not guard.host_allowed("corp.test")  # "*.corp.test" is its subdomains
    assert not guard.host_allowed("evilcorp.test")
    assert guard.origin_allowed("https://studio.example.test")  # the Studio's own page by name
    assert guard.origin_allowed(LISTED_ORIGIN)
    assert guard.origin_allowed("HTTPS://App.Example.Test")
    assert not guard.origin_allowed("http://app.example.test")  # another scheme, another origin
    assert guard.cors_origins == {LISTED_ORIGIN}
    assert BrowserGuard(settings_for_tests(allowed_hosts="*")).host_allowed("anything.example")


def test_a_host_bound_beyond_loopback_answers_to_its_address() -> None:
    settings = settings_for_tests(host="10.1.2.3", allow_remote_without_auth=True)
    guard = BrowserGuard(settings)
    assert guard.host_allowed("10.1.2.3:6006")
    assert not guard.host_allowed("10.1.2.4:6006")
    wildcard = BrowserGuard(settings_for_tests(host="0.0.0.0", allow_remote_without_auth=True))
    assert wildcard.host_allowed("10.1.2.4:6006")  # an IP literal cannot be a rebound name
    assert not wildcard.host_allowed(EVIL_HOST)


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("allowed_origins", "evil.example", "allowed_origins"),
        ("allowed_origins", "http://a.test/path", "allowed_origins"),
        ("allowed_origins", "ftp://a.test", "allowed_origins"),
        ("allowed_origins", "null", "allowed_origins"),
        ("allowed_hosts", "a.test/x", "allowed_hosts"),
        ("allowed_hosts", "user@a.test", "allowed_hosts"),
    ],
)
def test_bad_settings_name_the_setting(setting: str, value: str, named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        settings_for_tests(**{setting: value})


def test_lists_come_from_toml_lists_and_comma_separated_variables(tmp_path) -> None:
    from gls_engine.config import load_settings

    toml = tmp_path / "gls.toml"
    toml.write_text('allowed_hosts = ["studio.example.test", "*.corp.test"]\n')
    assert load_settings(config_file=toml, environ={}).allowed_hosts == (
        "studio.example.test",
        "*.corp.test",
    )
    env = {"GLS_ALLOWED_ORIGINS": "https://a.test, https://b.test:8443"}
    assert load_settings(environ=env).allowed_origins == ("https://a.test", "https://b.test:8443")


# --- every door of a running Studio -----------------------------------------------------


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    studio = make_studio(
        tmp_path_factory.mktemp("guard"),
        "--allowed-hosts",
        "studio.example.test",
        "--allowed-origins",
        LISTED_ORIGIN,
    ).start()
    yield studio
    studio.stop()


def _assert_refused(resp: requests.Response, code: str, setting: str) -> None:
    assert resp.status_code == 403, resp.text
    path = "/" + resp.url.split("/", 3)[3]
    if path.startswith("/api/v1/") and resp.request.method in ("GET", "PUT"):  # as documented
        asked = requests.Request(resp.request.method, "http://127.0.0.1:6006" + path).prepare()
        openapi().validate_response(RequestsOpenAPIRequest(asked), RequestsOpenAPIResponse(resp))
    error = resp.json()["error"]
    assert error["code"] == code
    assert setting in error["message"]
    assert "Access-Control-Allow-Origin" not in resp.headers


def _otlp_body(project: str) -> bytes:
    tid = new_trace_id()
    span = make_span(tid, new_span_id(), name="guarded")
    return make_request([span], {"gls.project": project}).SerializeToString()


def _doors(studio: Studio, project: str) -> list[tuple[str, str, str, dict, bytes | None]]:
    """(name, method, url, headers, body) of each door; OTLP on its own port and the API's."""
    protobuf = {"Content-Type": "application/x-protobuf"}
    return [
        ("ui page", "GET", f"{studio.api}/", {"Accept": "text/html"}, None),
        ("api read", "GET", f"{studio.api}/api/v1/projects", {}, None),
        ("api trace list", "GET", f"{studio.api}/api/v1/projects/{project}/traces", {}, None),
        (
            "api write",
            "PUT",
            f"{studio.api}/api/v1/projects/{project}/settings",
            {"Content-Type": "application/json"},
            b'{"carbon_zone": "FRA"}',
        ),
        ("otlp port", "POST", studio.otlp_http, protobuf, _otlp_body(project)),
        ("otlp on api port", "POST", f"{studio.api}/v1/traces", protobuf, _otlp_body(project)),
    ]


def _stored_spans(studio: Studio, project: str) -> int:
    resp = requests.get(f"{studio.api}/api/v1/projects/{project}/traces", timeout=10)
    assert resp.status_code == 200, resp.text
    return len(resp.json()["traces"])


def _zone(studio: Studio, project: str) -> str | None:
    resp = requests.get(f"{studio.api}/api/v1/projects/{project}/settings", timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()["carbon_zone"]


def test_hostile_host_is_refused_at_every_door_before_anything_is_written(guarded) -> None:
    project = "guard-host"
    for name, method, url, headers, body in _doors(guarded, project):
        port = url.split("/")[2].split(":")[1]
        for host in (f"{EVIL_HOST}:{port}", EVIL_HOST, f"localhost.{EVIL_HOST}:{port}"):
            resp = requests.request(
                method, url, headers={**headers, "Host": host}, data=body, timeout=10
            )
            _assert_refused(resp, "host_not_allowed", "allowed_hosts")
            assert host in resp.json()["error"]["message"], name
    assert _stored_spans(guarded, project) == 0
    assert _zone(guarded, project) is None


def test_hostile_origin_is_refused_at_every_door_before_anything_is_written(guarded) -> None:
    project = "guard-origin"
    for name, method, url, headers, body in _doors(guarded, project):
        for origin in (EVIL_ORIGIN, "null", "http://localhost.evil.example:6006"):
            resp = requests.request(
                method, url, headers={**headers, "Origin": origin}, data=body, timeout=10
            )
            _assert_refused(resp, "origin_not_allowed", "allowed_origins")
            assert origin in resp.json()["error"]["message"], name
    assert _stored_spans(guarded, project) == 0
    assert _zone(guarded, project) is None
    status = requests.get(f"{guarded.api}/api/v1/status", timeout=10).json()
    refused = status["counters"]["requests_refused_by_browser_guard{reason=origin_not_allowed}"]
    assert refused >= 18


def test_allowed_forms_pass_every_door(guarded) -> None:
    project = "guard-allowed"
    allowed = [
        {},  # SDKs, exporters, curl: no Origin
        {"Host": f"localhost:{guarded.api_port}"},
        {"Host": f"[::1]:{guarded.api_port}", "Origin": f"http://[::1]:{guarded.api_port}"},
        {"Origin": f"http://127.0.0.1:{guarded.api_port}"},  # the Studio's own page
        {"Origin": f"http://localhost:{guarded.api_port}"},
        {"Host": "studio.example.test", "Origin": "https://studio.example.test"},
        {"Origin": LISTED_ORIGIN},
    ]
    for name, method, url, headers, body in _doors(guarded, project):
        for extra in allowed:
            resp = requests.request(
                method, url, headers={**headers, **extra}, data=body, timeout=10
            )
            assert resp.status_code == 200, (name, extra, resp.status_code, resp.text[:200])
            listed = extra.get("Origin") == LISTED_ORIGIN
            # CORS is closed except for the listed origin: its pages may read answers.
            assert resp.headers.get("Access-Control-Allow-Origin") == (
                LISTED_ORIGIN if listed else None
            ), (name, extra)
    assert _zone(guarded, project) == "FRA"


def test_preflight_answers_listed_origins_only(guarded) -> None:
    url = f"{guarded.api}/api/v1/projects/guard-cors/settings"
    ask = {
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type, x-gls-project",
    }
    resp = requests.options(url, headers={**ask, "Origin": LISTED_ORIGIN}, timeout=10)
    assert resp.status_code == 204
    assert resp.headers["Access-Control-Allow-Origin"] == LISTED_ORIGIN
    assert "PUT" in resp.headers["Access-Control-Allow-Methods"]
    assert resp.headers["Access-Control-Allow-Headers"] == "content-type, x-gls-project"
    assert "Origin" in resp.headers["Vary"]
    _assert_refused(
        requests.options(url, headers={**ask, "Origin": EVIL_ORIGIN}, timeout=10),
        "origin_not_allowed",
        "allowed_origins",
    )
    otlp = requests.options(guarded.otlp_http, headers={**ask, "Origin": LISTED_ORIGIN}, timeout=10)
    assert otlp.status_code == 204
    assert otlp.headers["Access-Control-Allow-Origin"] == LISTED_ORIGIN


async def _handshake(studio: Studio, project: str, headers: dict[str, str]) -> int | dict:
    """The first message of a live subscription, or the handshake's refusal status."""
    url = f"{studio.api}/api/v1/projects/{project}/live"
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, headers=headers) as ws:
                return await ws.receive_json(timeout=5)
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


async def test_websocket_handshake_from_another_site_is_refused(guarded) -> None:
    project = "guard-live"
    subscribed = {"type": "subscribed", "project": project}
    for headers in (
        {"Origin": EVIL_ORIGIN},
        {"Origin": "null"},
        {"Origin": f"http://{EVIL_HOST}:{guarded.api_port}"},
        {"Host": f"{EVIL_HOST}:{guarded.api_port}"},
        {
            "Host": f"{EVIL_HOST}:{guarded.api_port}",
            "Origin": f"http://{EVIL_HOST}:{guarded.api_port}",
        },
    ):
        assert await _handshake(guarded, project, headers) == 403, headers
    for headers in (
        {},
        {"Origin": f"http://127.0.0.1:{guarded.api_port}"},
        {"Origin": f"http://localhost:{guarded.api_port}", "Host": f"localhost:{guarded.api_port}"},
        {"Origin": LISTED_ORIGIN},
    ):
        assert await _handshake(guarded, project, headers) == subscribed, headers
    status = requests.get(f"{guarded.api}/api/v1/status", timeout=10).json()
    assert status["live_subscribers"] == 0
