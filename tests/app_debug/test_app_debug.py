"""Debugging the user's own running application: an application with the SDK's debug
mode switched on pauses at span boundaries matching breakpoints set through the
Studio's API, sends the span's attributes and its parent stack, and goes on
when a person continues, steps or stops; at its own checkpoints the person may
replace the value. The application is a thread of this test with the real
OpenTelemetry SDK; the Studio is real."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from experiments.experiment_requests import call
from greenlang_studio.debug import AppDebugger, DebugStopped, enable_debugging
from opentelemetry.sdk.trace import TracerProvider

from inprocess_studio import InProcessStudio

PROJECT = "app-debug"
BASE = f"/api/v1/projects/{PROJECT}/app-debug"


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessStudio]:
    s = InProcessStudio(tmp_path_factory.mktemp("app-debug") / "data").start()
    yield s
    s.stop()


@pytest.fixture
def app(studio: InProcessStudio) -> Iterator[tuple[TracerProvider, AppDebugger]]:
    provider = TracerProvider()
    debugger = enable_debugging(provider, studio.api, PROJECT, service="shop-agent")
    assert debugger is not None
    assert debugger.wait_connected(10)
    yield provider, debugger
    set_breakpoints(studio, [])
    provider.shutdown()


def set_breakpoints(studio: InProcessStudio, breakpoints: list[dict[str, Any]]) -> int:
    answer = call(
        "PUT", studio.api, f"{BASE}/breakpoints", 200, json_body={"breakpoints": breakpoints}
    )
    version: int = answer["version"]
    return version


def held_by(debugger: AppDebugger, version: int) -> None:
    deadline = time.monotonic() + 10
    while debugger.breakpoints_version != version:
        assert time.monotonic() < deadline, "the application never received the breakpoints"
        time.sleep(0.02)


def next_pause(studio: InProcessStudio, seen: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        apps = call("GET", studio.api, f"{BASE}/apps", 200)["apps"]
        for app in apps:
            for pause in app["pauses"]:
                if pause["id"] not in seen:
                    seen.add(pause["id"])
                    return pause
        assert time.monotonic() < deadline, "the application did not pause"
        time.sleep(0.02)


def resume(studio: InProcessStudio, pause: dict[str, Any], **decision: Any) -> None:
    call("POST", studio.api, f"{BASE}/pauses/{pause['id']}/resume", 204, json_body=decision)


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = work()
        except Exception as exc:  # noqa: BLE001 - handed to the test to assert on
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def test_a_breakpoint_pauses_the_application_with_the_span_and_its_stack(studio, app) -> None:
    provider, debugger = app
    tracer = provider.get_tracer("shop")
    held_by(debugger, set_breakpoints(studio, [{"id": "r", "span_name": "retrieve"}]))
    events: list[str] = []

    def work() -> str:
        with tracer.start_as_current_span("agent", attributes={"gls.span.type": "agent"}):
            with tracer.start_as_current_span("plan"):
                events.append("plan")
            with tracer.start_as_current_span("retrieve", attributes={"query": "heat pumps"}):
                events.append("retrieve")
            with tracer.start_as_current_span("answer"):
                events.append("answer")
        return "done"

    thread, result = in_thread(work)
    seen: set[str] = set()
    pause = next_pause(studio, seen)
    assert events == ["plan"]  # stopped before the span's work
    assert (pause["point"], pause["breakpoint_id"]) == ("start", "r")
    assert pause["span"]["name"] == "retrieve"
    assert pause["span"]["attributes"] == {"query": "heat pumps"}
    assert [(s["name"], s["type"]) for s in pause["stack"]] == [("agent", "agent")]
    assert pause["editable"] is False
    listed = requests.get(f"{studio.api}{BASE}/apps").json()["apps"]
    assert [a["service"] for a in listed] == ["shop-agent"]

    resume(studio, pause, action="step")  # the next boundary: the end of retrieve
    pause = next_pause(studio, seen)
    assert (pause["point"], pause["span"]["name"], pause["breakpoint_id"]) == (
        "end",
        "retrieve",
        None,
    )
    assert events == ["plan", "retrieve"]
    resume(studio, pause, action="continue")
    thread.join(10)
    assert result == {"value": "done"} and events == ["plan", "retrieve", "answer"]


def test_a_condition_picks_the_spans_and_a_checkpoint_value_is_replaced(studio, app) -> None:
    provider, debugger = app
    tracer = provider.get_tracer("shop")
    version = set_breakpoints(
        studio,
        [
            {"id": "vip", "span_type": "llm", "condition": "attributes.\"user.id\" == 'u-2'"},
            {"id": "prompt", "span_name": "prompt"},
        ],
    )
    held_by(debugger, version)

    def work() -> Any:
        for user in ("u-1", "u-2"):
            attributes = {"gen_ai.operation.name": "chat", "user.id": user}
            with tracer.start_as_current_span(f"chat {user}", attributes=attributes):
                pass
        with tracer.start_as_current_span("compose"):
            return debugger.checkpoint("prompt", {"prompt": "Say hi", "temperature": 0.7})

    thread, result = in_thread(work)
    seen: set[str] = set()
    pause = next_pause(studio, seen)
    assert (pause["span"]["name"], pause["span"]["type"]) == ("chat u-2", "llm")
    resume(studio, pause, action="continue")
    pause = next_pause(studio, seen)
    assert pause["point"] == "checkpoint" and pause["editable"] is True
    assert pause["value"] == {"prompt": "Say hi", "temperature": 0.7}
    assert [s["name"] for s in pause["stack"]] == ["compose"]
    resume(studio, pause, action="continue", value={"prompt": "Say hello", "temperature": 0})
    thread.join(10)
    assert result == {"value": {"prompt": "Say hello", "temperature": 0}}


def test_stop_detaches_at_a_span_and_raises_at_a_checkpoint(studio, app) -> None:
    provider, debugger = app
    tracer = provider.get_tracer("shop")
    held_by(debugger, set_breakpoints(studio, [{"span_name": "loop"}, {"span_name": "cp"}]))

    def spans() -> int:
        for _ in range(3):
            with tracer.start_as_current_span("loop"):
                pass
        return 3

    thread, result = in_thread(spans)
    seen: set[str] = set()
    resume(studio, next_pause(studio, seen), action="stop")
    thread.join(10)
    assert result == {"value": 3}  # no more pauses once stopped

    held_by(debugger, set_breakpoints(studio, [{"span_name": "cp"}]))  # attached again
    thread, result = in_thread(lambda: debugger.checkpoint("cp", 1))
    resume(studio, next_pause(studio, seen), action="stop")
    thread.join(10)
    assert isinstance(result.get("error"), DebugStopped)


def test_bad_breakpoints_and_decisions_are_refused_by_name(studio, app) -> None:
    provider, debugger = app
    version = set_breakpoints(studio, [{"span_name": "x"}])
    for body, message in [
        ({"breakpoints": [{"condition": "attributes.["}]}, "breakpoints[0].condition: JMESPath"),
        ({"breakpoints": [{"point": "start"}]}, "breakpoints[0]: give span_name, span_type"),
        ({"breakpoints": [{"span_type": "banana"}]}, "breakpoints[0].span_type must be one of"),
        ({"breakpoints": [{"span_name": "a", "exec": "1"}]}, "breakpoints[0].exec is not"),
        (
            {"breakpoints": [{"id": "a", "span_name": "a"}, {"id": "a", "span_name": "b"}]},
            "used twice",
        ),
    ]:
        resp = requests.put(f"{studio.api}{BASE}/breakpoints", json=body)
        assert resp.status_code == 400 and message in resp.json()["error"]["message"], resp.text
    now = requests.get(f"{studio.api}{BASE}/breakpoints").json()
    assert now["version"] == version and [b["span_name"] for b in now["breakpoints"]] == ["x"]

    tracer = provider.get_tracer("shop")
    held_by(debugger, version)
    thread, result = in_thread(lambda: tracer.start_span("x").end())
    pause = next_pause(studio, set())
    resp = requests.post(
        f"{studio.api}{BASE}/pauses/{pause['id']}/resume", json={"action": "go", "value": 1}
    )
    assert resp.status_code == 400 and "action must be one of" in resp.text
    resp = requests.post(
        f"{studio.api}{BASE}/pauses/{pause['id']}/resume", json={"action": "continue", "value": 1}
    )
    assert resp.status_code == 400 and "value: this pause is at a span boundary" in resp.text
    resume(studio, pause, action="continue")
    assert requests.post(
        f"{studio.api}{BASE}/pauses/{pause['id']}/resume", json={"action": "continue"}
    ).status_code in (404, 409)
    thread.join(10)
    assert not thread.is_alive()


def test_debug_mode_is_off_without_the_switch_and_forbidden_by_the_environment(
    studio, monkeypatch
) -> None:
    provider = TracerProvider()
    provider.get_tracer("shop").start_span("anything").end()  # no debugger: nothing registers
    assert requests.get(f"{studio.api}{BASE}/apps").json()["apps"] == []
    monkeypatch.setenv("GLS_STUDIO_DEBUG", "0")
    assert enable_debugging(provider, studio.api, PROJECT) is None


def test_a_missing_studio_never_blocks_the_application() -> None:
    with socket_closed() as url:
        provider = TracerProvider()
        debugger = enable_debugging(provider, url, PROJECT)
        assert debugger is not None
        tracer = provider.get_tracer("shop")
        thread, result = in_thread(lambda: [tracer.start_span(f"s{i}").end() for i in range(100)])
        thread.join(30)
        assert not thread.is_alive() and "error" not in result
        assert debugger.checkpoint("cp", 5) == 5
        assert not debugger.connected
        provider.shutdown()


class socket_closed:
    """A loopback URL where nothing listens."""

    def __enter__(self) -> str:
        import socket

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self._sock = sock
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    def __exit__(self, *exc: object) -> None:
        self._sock.close()
