"""A debug session's limits through a real Studio with short ones: a paused
session left idle ends (its run stopped and recorded), a controller lease
lapses when nothing comes from its holder or its WebSocket closes for good
(not when it comes back within the grace period), at most
`debug_sessions_max` sessions are open, and stop while a step runs cancels it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import aiohttp
import pytest
import requests
from chains.test_debug_sessions import ADVISOR, SESSIONS, command, debug_call, until, until_ended
from experiments.experiment_requests import call
from greenlang_studio import Client

from inprocess_studio import InProcessStudio
from support.openai_compatible_server import TEST_API_KEY, OpenAICompatibleServer

PROJECT = "debugger"
IDLE_S = 5.0  # long enough for a loaded machine's requests in between
GRACE_S = 0.3
BODY = {
    "chain": "advisor",
    "inputs": {"question": "Heat pump?", "country": "IN"},
    "breakpoints": [{"step": "ask", "point": "after"}],
    "client": "alice",
}


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer(api_key=TEST_API_KEY) as s:
        yield s


@pytest.fixture(scope="module")
def studio(
    tmp_path_factory: pytest.TempPathFactory, server: OpenAICompatibleServer
) -> Iterator[InProcessStudio]:
    s = InProcessStudio(
        tmp_path_factory.mktemp("debugger-limits") / "data",
        debug_session_idle_s=IDLE_S,
        debug_lease_grace_s=GRACE_S,
        debug_sessions_max=2,
    ).start()
    client = Client(s.api, PROJECT)
    client.llm_providers.create("local", server.base_url, api_key=TEST_API_KEY)
    client.chains.create("advisor", ADVISOR)
    yield s
    s.stop()


def create(studio: InProcessStudio, body: dict[str, Any], expect: int = 201) -> Any:
    return debug_call(studio, "POST", SESSIONS, expect, body)


def test_a_paused_session_left_idle_ends_and_its_run_is_recorded(studio, server) -> None:
    server.reset()
    server.on(content="Yes.")
    created = create(studio, BODY)
    session_id = created["session"]["id"]
    paused = until(studio, session_id, "paused")
    ended = until_ended(studio, session_id)
    waited = datetime.fromisoformat(ended["ended"]["at"]) - datetime.fromisoformat(
        paused["paused"]["since"]
    )
    assert IDLE_S <= waited.total_seconds() < IDLE_S + 5  # not before its time
    assert ended["ended"]["reason"] == "idle_timeout"
    assert ended["ended"]["run_status"] == "cancelled"
    assert ended["controller"] is None and ended["paused"] is None
    run = call("GET", studio.api, f"/api/v1/projects/{PROJECT}/chain-runs/{ended['run_id']}", 200)
    assert run["status"] == "cancelled" and run["error_step"] == "ask"
    assert run["error"] == f"the debug session was idle for {IDLE_S:g} s"
    assert paused["idle_timeout_s"] == IDLE_S


def test_a_lease_outlives_a_reconnect_but_not_a_socket_gone_for_good(studio, server) -> None:
    server.reset()
    server.on(content="Maybe.")
    created = create(studio, BODY)
    session_id, lease = created["session"]["id"], created["lease"]["token"]
    until(studio, session_id, "paused")
    url = f"{studio.api}{SESSIONS}/{session_id}/events"

    async def bind(token: str) -> dict[str, Any]:
        async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
            assert json.loads((await ws.receive()).data)["type"] == "session"
            await ws.send_str(json.dumps({"lease": token}))
            while True:
                message = json.loads((await ws.receive()).data)
                if message["type"] in ("lease_bound", "lease_refused"):
                    return message

    assert asyncio.run(bind("not-the-token"))["type"] == "lease_refused"
    assert asyncio.run(bind(lease))["controller"]["client"] == "alice"
    assert asyncio.run(bind(lease))["type"] == "lease_bound"  # a reload within the grace
    time.sleep(GRACE_S * 3)
    gone = debug_call(studio, "GET", f"{SESSIONS}/{session_id}", 200)
    assert gone["controller"] is None
    assert any("its WebSocket closed" in e["message"] for e in gone["logs"])
    refused = command(studio, session_id, lease, {"command": "continue"}, 409)
    assert "no one controls the session: attach first" in refused["error"]["message"]
    bob = command(studio, session_id, None, {"command": "attach", "client": "bob"})
    token = bob["result"]["lease"]["token"]
    debug_call(studio, "DELETE", f"{SESSIONS}/{session_id}", 204, lease=token)


def test_a_lease_lapses_when_its_holder_sends_nothing(studio, server) -> None:
    server.reset()
    server.on(content="slow " * 100, chunk_chars=5, chunk_delay_s=0.1)  # 10 s of answer
    created = create(studio, BODY)
    session_id, lease = created["session"]["id"], created["lease"]["token"]
    time.sleep(IDLE_S + 0.3)
    lapsed = debug_call(studio, "GET", f"{SESSIONS}/{session_id}", 200)
    assert lapsed["controller"] is None
    assert any("alice's lease ended: idle" in e["message"] for e in lapsed["logs"])
    bob = command(studio, session_id, None, {"command": "attach", "client": "bob"})
    token = bob["result"]["lease"]["token"]
    # stop while the LLM step runs: the step is cancelled, the run recorded
    stopped = command(studio, session_id, token, {"command": "stop"})["session"]
    assert (stopped["status"], stopped["ended"]["reason"]) == ("ended", "stopped")
    run = call("GET", studio.api, f"/api/v1/projects/{PROJECT}/chain-runs/{stopped['run_id']}", 200)
    assert run["status"] == "cancelled" and run["error"] == "the run was cancelled"
    assert run["steps"][0]["status"] == "cancelled"
    assert lease != token


def test_past_the_bound_a_session_is_refused_with_retry_after(studio, server) -> None:
    server.reset()
    server.on(content="Ok.")
    runs = f"/api/v1/projects/{PROJECT}/chain-runs"
    first = create(studio, BODY)
    second = create(studio, BODY)
    before = call("GET", studio.api, runs, 200)["runs"]
    resp = requests.post(f"{studio.api}{SESSIONS}", json=BODY, timeout=30)
    assert resp.status_code == 429, resp.text
    assert int(resp.headers["Retry-After"]) >= 1
    assert "too many debug sessions: 2 open (at most 2)" in resp.json()["error"]["message"]
    assert call("GET", studio.api, runs, 200)["runs"] == before  # nothing started
    for created in (first, second):
        session_id = created["session"]["id"]
        debug_call(
            studio, "DELETE", f"{SESSIONS}/{session_id}", 204, lease=created["lease"]["token"]
        )
    third = create(studio, BODY)
    debug_call(
        studio,
        "DELETE",
        f"{SESSIONS}/{third['session']['id']}",
        204,
        lease=third["lease"]["token"],
    )
