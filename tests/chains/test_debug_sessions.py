"""Debug sessions through one real Studio: an LLM provider stored with its key (the
local OpenAI-protocol server), chains saved in the Studio's own store, GreenLang's
real GridFactorAgent and FuelAgent. A session pauses after the LLM step, its
console reads the state, an edit changes what the next GreenLang step reads and
the run's output and trace show it; stepping into a sub-chain shows two frames;
conditional breakpoints; the controller lease; a reload; stop; bad input.
Every answer is checked against api/openapi.yaml."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from importlib import resources
from typing import Any

import aiohttp
import pytest
import requests
from experiments.experiment_requests import call
from greenlang_studio import Client
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from inprocess_studio import InProcessStudio
from openapi_check import openapi
from support.openai_compatible_server import TEST_API_KEY, OpenAICompatibleServer

PROJECT = "debugger"
BASE = f"/api/v1/projects/{PROJECT}"
SESSIONS = f"{BASE}/debug-sessions"
LEASE = "X-GLS-Debug-Lease"

ADVISOR = {
    "input_schema": {
        "type": "object",
        "properties": {"question": {"type": "string"}, "country": {"type": "string"}},
        "required": ["question", "country"],
    },
    "steps": [
        {
            "id": "ask",
            "type": "llm",
            "provider": "local",
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "{{ question }} ({{ country }})"}],
        },
        {
            "id": "grid",
            "type": "greenlang",
            "agent": "GridFactorAgent",
            "input_mapping": {
                "country": "inputs.country",
                "fuel_type": "'electricity'",
                "unit": "'kWh'",
            },
        },
        {
            "id": "shape",
            "type": "transform",
            "expression": "{answer: steps.ask, factor: steps.grid.emission_factor}",
        },
    ],
    "output": "steps.shape",
}

BURN = {
    "input_schema": {
        "type": "object",
        "properties": {"gallons": {"type": "number"}},
        "required": ["gallons"],
    },
    "steps": [
        {
            "id": "burn",
            "type": "greenlang",
            "agent": "FuelAgent",
            "input_mapping": {
                "fuel_type": "'diesel'",
                "amount": "inputs.gallons",
                "unit": "'gallons'",
                "country": "'US'",
            },
        },
        {"id": "kg", "type": "transform", "expression": "steps.burn.co2e_emissions_kg"},
    ],
    "output": "steps.kg",
}

TRIP = {
    "input_schema": {
        "type": "object",
        "properties": {"question": {"type": "string"}, "gallons": {"type": "number"}},
        "required": ["question", "gallons"],
    },
    "steps": [
        {
            "id": "ask",
            "type": "llm",
            "provider": "local",
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "{{ question }}"}],
        },
        {
            "id": "more",
            "type": "chain",
            "chain": "burn",
            "input_mapping": {"gallons": "inputs.gallons"},
        },
        {"id": "shape", "type": "transform", "expression": "{answer: steps.ask, kg: steps.more}"},
    ],
    "output": "steps.shape",
}


def grid_factor(country: str) -> float:
    text = resources.files("greenlang").joinpath("data", "global_emission_factors.json")
    factor = json.loads(text.read_text(encoding="utf-8"))[country]["electricity"]["kWh"]
    assert isinstance(factor, float)
    return factor


def debug_call(
    studio: InProcessStudio,
    method: str,
    path: str,
    expect: int,
    body: Any = None,
    lease: str | None = None,
) -> Any:
    """The request with the lease header, its status asserted, request (when meant
    to succeed) and answer validated against the spec."""
    data = None if body is None else json.dumps(body).encode()
    headers = {} if data is None else {"Content-Type": "application/json"}
    if lease is not None:
        headers[LEASE] = lease
    resp = requests.request(method, studio.api + path, data=data, headers=headers, timeout=120)
    assert resp.status_code == expect, resp.text
    prepared = requests.Request(
        method, "http://127.0.0.1:6006" + path, data=data, headers=headers
    ).prepare()
    spec = openapi()
    if 200 <= expect < 300:
        spec.validate_request(RequestsOpenAPIRequest(prepared))
    spec.validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(resp))
    return resp.json() if resp.content else None


def command(
    studio: InProcessStudio,
    session_id: str,
    lease: str | None,
    body: dict[str, Any],
    expect: int = 200,
) -> Any:
    return debug_call(studio, "POST", f"{SESSIONS}/{session_id}/commands", expect, body, lease)


def until(studio: InProcessStudio, session_id: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        session = debug_call(studio, "GET", f"{SESSIONS}/{session_id}", 200)
        if session["status"] == status:
            return session
        assert session["status"] != "ended", session["ended"]
        assert time.monotonic() < deadline, session
        time.sleep(0.05)


def state_edit_events(studio: InProcessStudio, trace_id: str) -> list[dict[str, Any]]:
    rows = studio.sql(
        "SELECT name, events FROM spans WHERE project = {p:String} AND trace_id = unhex({t:String})",
        p=PROJECT,
        t=trace_id,
    )
    found = []
    for row in rows:
        for event in json.loads(row["events"] or "[]"):
            if event.get("name") == "gls.debug.state_edit":
                attributes = {
                    a["key"]: next(iter(a["value"].values())) for a in event.get("attributes", [])
                }
                found.append({"span": row["name"], "attributes": attributes})
    return found


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer(api_key=TEST_API_KEY) as s:
        yield s


@pytest.fixture(scope="module")
def studio(
    tmp_path_factory: pytest.TempPathFactory, server: OpenAICompatibleServer
) -> Iterator[InProcessStudio]:
    s = InProcessStudio(tmp_path_factory.mktemp("debugger") / "data").start()
    client = Client(s.api, PROJECT)
    client.llm_providers.create("local", server.base_url, api_key=TEST_API_KEY)
    client.chains.create("advisor", ADVISOR)
    client.chains.create("burn", BURN)
    client.chains.create("trip", TRIP)
    yield s
    s.stop()


def create(studio: InProcessStudio, body: dict[str, Any], expect: int = 201) -> Any:
    return debug_call(studio, "POST", SESSIONS, expect, body)


def test_an_edit_at_a_breakpoint_changes_what_the_next_agent_reads(studio, server) -> None:
    server.reset()
    server.on(content="Heat pumps pay off on a clean grid.")
    created = create(
        studio,
        {
            "chain": "advisor",
            "inputs": {"question": "Is a heat pump worth it?", "country": "IN"},
            "breakpoints": [{"step": "ask", "point": "after"}],
            "client": "alice",
        },
    )
    session_id, lease = created["session"]["id"], created["lease"]["token"]
    assert created["lease"]["client"] == "alice"
    paused = until(studio, session_id, "paused")
    assert paused["paused"]["point"] == "after" and paused["paused"]["path"] == "ask"
    assert paused["paused"]["reason"] == "breakpoint"
    assert [f["chain"] for f in paused["frames"]] == ["advisor"]
    assert lease not in json.dumps(paused)  # the token is said to its holder only

    answer = command(studio, session_id, lease, {"command": "evaluate", "expression": "steps.ask"})
    assert answer["result"] == {
        "expression": "steps.ask",
        "frame": 0,
        "value": "Heat pumps pay off on a clean grid.",
        "error": None,
    }
    # a console error is the console's answer, not a failed request
    bad = command(studio, session_id, lease, {"command": "evaluate", "expression": "steps.["})
    assert bad["result"]["value"] is None and "syntax error" in bad["result"]["error"]

    edited = command(
        studio,
        session_id,
        lease,
        {"command": "edit", "path": "inputs.country", "value": "BR"},
    )
    assert edited["result"]["frame"]["state"]["inputs"]["country"] == "BR"
    assert edited["session"]["paused"]["edited"] is True
    seen = command(studio, session_id, lease, {"command": "evaluate", "expression": "inputs"})
    assert seen["result"]["value"]["country"] == "BR"

    done = command(studio, session_id, lease, {"command": "continue", "wait": True})
    session = done["session"]
    if session["status"] != "ended":
        session = until_ended(studio, session_id)
    assert session["ended"]["run_status"] == "succeeded"
    assert session["ended"]["output"] == {
        "answer": "Heat pumps pay off on a clean grid.",
        "factor": grid_factor("BR"),
    }
    run = call("GET", studio.api, f"{BASE}/chain-runs/{session['run_id']}", 200)
    assert run["source"] == "debugger" and run["status"] == "succeeded"
    assert run["output"]["factor"] == grid_factor("BR") != grid_factor("IN")
    [event] = state_edit_events(studio, run["trace_id"])
    assert event["span"] == "chain advisor"
    attributes = event["attributes"]
    assert attributes["gls.debug.step"] == "ask" and attributes["gls.debug.point"] == "after"
    assert json.loads(attributes["gls.debug.changes"]) == {
        "inputs.country": {"from": "IN", "to": "BR"}
    }
    kinds = [entry["kind"] for entry in session["logs"]]
    assert "pause" in kinds and kinds.count("command") >= 5
    assert any(e["message"] == 'edit frame 0 inputs.country: "IN" -> "BR"' for e in session["logs"])


def until_ended(studio: InProcessStudio, session_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        session = debug_call(studio, "GET", f"{SESSIONS}/{session_id}", 200)
        if session["status"] == "ended":
            return session
        assert time.monotonic() < deadline, session
        time.sleep(0.05)


def test_stepping_into_a_sub_chain_shows_two_frames(studio, server) -> None:
    server.reset()
    server.on(content="Drive less.")
    created = create(
        studio,
        {
            "chain": "trip",
            "inputs": {"question": "Road trip?", "gallons": 10},
            "breakpoints": [{"step": "more", "point": "before"}],
        },
    )
    session_id, lease = created["session"]["id"], created["lease"]["token"]
    paused = until(studio, session_id, "paused")
    assert (paused["paused"]["point"], paused["paused"]["path"]) == ("before", "more")
    inside = command(studio, session_id, lease, {"command": "step", "wait": True})["session"]
    assert (inside["paused"]["point"], inside["paused"]["path"]) == ("before", "more/burn")
    assert inside["paused"]["reason"] == "step"
    outer, inner = inside["frames"]
    assert (outer["chain"], outer["step"], outer["path"]) == ("trip", "more", "more")
    assert (inner["chain"], inner["version"], inner["step"]) == ("burn", 1, "burn")
    assert inner["state"] == {"inputs": {"gallons": 10}, "steps": {}}
    assert inside["selected_frame"] == 1
    selected = command(studio, session_id, lease, {"command": "select_frame", "frame": 0})
    assert selected["result"]["frame"]["state"]["steps"] == {"ask": "Drive less."}
    assert selected["session"]["selected_frame"] == 0
    # the console reads the selected frame
    ask = command(studio, session_id, lease, {"command": "evaluate", "expression": "steps.ask"})
    assert ask["result"]["value"] == "Drive less."
    # the same step again goes after burn, still inside
    after = command(studio, session_id, lease, {"command": "step", "wait": True})["session"]
    assert (after["paused"]["point"], after["paused"]["path"]) == ("after", "more/burn")
    burned = after["frames"][1]["state"]["steps"]["burn"]
    assert burned["co2e_emissions_kg"] > 0
    # stepping over from inside stays at the same depth or above
    over = command(studio, session_id, lease, {"command": "step_over", "wait": True})["session"]
    assert (over["paused"]["point"], over["paused"]["path"]) == ("before", "more/kg")
    done = command(studio, session_id, lease, {"command": "continue", "wait": True})["session"]
    if done["status"] != "ended":
        done = until_ended(studio, session_id)
    assert done["ended"]["run_status"] == "succeeded"
    assert done["ended"]["output"] == {"answer": "Drive less.", "kg": burned["co2e_emissions_kg"]}


def test_step_over_runs_a_sub_chain_without_pausing_inside(studio, server) -> None:
    server.reset()
    server.on(content="Fine.")
    created = create(
        studio,
        {
            "chain": "trip",
            "inputs": {"question": "Go?", "gallons": 2},
            "breakpoints": [{"step": "more", "point": "before"}],
        },
    )
    session_id, lease = created["session"]["id"], created["lease"]["token"]
    until(studio, session_id, "paused")
    over = command(studio, session_id, lease, {"command": "step_over", "wait": True})["session"]
    assert (over["paused"]["point"], over["paused"]["path"]) == ("after", "more")
    assert len(over["frames"]) == 1
    assert isinstance(over["frames"][0]["state"]["steps"]["more"], float)
    command(studio, session_id, lease, {"command": "continue"})
    assert until_ended(studio, session_id)["ended"]["run_status"] == "succeeded"


def test_a_breakpoint_inside_a_sub_chain_by_path_and_pause_at_start(studio, server) -> None:
    server.reset()
    server.on(content="Sure.")
    created = create(
        studio,
        {
            "chain": "trip",
            "inputs": {"question": "Go?", "gallons": 3},
            "breakpoints": [{"step": "more/kg", "point": "after"}],
            "pause_at_start": True,
        },
    )
    session_id, lease = created["session"]["id"], created["lease"]["token"]
    start = until(studio, session_id, "paused")
    assert start["paused"]["reason"] == "start"
    assert (start["paused"]["point"], start["paused"]["path"]) == ("before", "ask")
    command(studio, session_id, lease, {"command": "continue"})
    deep = until(studio, session_id, "paused")
    assert (deep["paused"]["point"], deep["paused"]["path"]) == ("after", "more/kg")
    assert len(deep["frames"]) == 2
    command(studio, session_id, lease, {"command": "continue"})
    assert until_ended(studio, session_id)["ended"]["run_status"] == "succeeded"


@pytest.mark.parametrize(("country", "fires"), [("IN", True), ("BR", False)])
def test_a_conditional_breakpoint_fires_only_when_true(studio, server, country, fires) -> None:
    server.reset()
    server.on(content="Maybe.")
    created = create(
        studio,
        {
            "chain": "advisor",
            "inputs": {"question": "Solar?", "country": country},
            "breakpoints": [
                {
                    "step": "grid",
                    "point": "after",
                    "condition": "steps.grid.emission_factor > `0.5`",
                }
            ],
        },
    )
    session_id, lease = created["session"]["id"], created["lease"]["token"]
    if fires:
        paused = until(studio, session_id, "paused")
        assert paused["paused"]["breakpoint"]["condition"] == "steps.grid.emission_factor > `0.5`"
        assert paused["frames"][0]["state"]["steps"]["grid"]["emission_factor"] == 0.71
        command(studio, session_id, lease, {"command": "continue"})
    ended = until_ended(studio, session_id)
    assert ended["ended"]["run_status"] == "succeeded"
    assert any(e["kind"] == "pause" for e in ended["logs"]) is fires


def test_a_second_client_watches_until_it_takes_over(studio, server) -> None:
    server.reset()
    server.on(content="Yes.")
    created = create(
        studio,
        {
            "chain": "advisor",
            "inputs": {"question": "Wind?", "country": "US"},
            "breakpoints": [{"step": "ask", "point": "after"}],
            "client": "alice",
        },
    )
    session_id, alice = created["session"]["id"], created["lease"]["token"]
    until(studio, session_id, "paused")
    again = command(studio, session_id, alice, {"command": "attach", "client": "alice"})
    assert again["result"]["lease"]["token"] == alice  # attaching twice is no conflict
    refused = command(studio, session_id, None, {"command": "attach", "client": "bob"}, 409)
    message = refused["error"]["message"]
    since = created["lease"]["since"][:19]
    assert "controlled by alice since" in message and since in message
    assert "take_over" in message
    # without the lease, bob can only watch: a command is refused and changes nothing
    no = command(studio, session_id, None, {"command": "continue"}, 409)
    assert "controlled by alice" in no["error"]["message"]
    assert debug_call(studio, "GET", f"{SESSIONS}/{session_id}", 200)["status"] == "paused"
    taken = command(
        studio, session_id, None, {"command": "attach", "client": "bob", "take_over": True}
    )
    bob = taken["result"]["lease"]["token"]
    assert taken["session"]["controller"]["client"] == "bob"
    old = command(studio, session_id, alice, {"command": "step"}, 409)
    assert "controlled by bob" in old["error"]["message"]
    command(studio, session_id, bob, {"command": "continue"})
    ended = until_ended(studio, session_id)
    assert ended["ended"]["run_status"] == "succeeded" and ended["controller"] is None
    assert any("bob took over from alice" in e["message"] for e in ended["logs"])


def test_a_reload_and_a_watcher_see_the_paused_session_and_its_events(studio, server) -> None:
    server.reset()
    server.on(content="Later.")
    created = create(
        studio,
        {
            "chain": "advisor",
            "inputs": {"question": "Now?", "country": "UK"},
            "breakpoints": [{"step": "grid", "point": "before"}],
            "client": "alice",
        },
    )
    session_id, lease = created["session"]["id"], created["lease"]["token"]
    until(studio, session_id, "paused")
    command(studio, session_id, lease, {"command": "edit", "path": "inputs.question", "value": "?"})

    async def watch() -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        async with aiohttp.ClientSession() as http:
            url = f"{studio.api}{SESSIONS}/{session_id}/events"
            async with http.ws_connect(url) as ws:
                first = json.loads((await ws.receive()).data)
                got.append(first)
                # the reload: one GET (here, the socket's first message) tells all
                assert first["type"] == "session"
                await asyncio.to_thread(command, studio, session_id, lease, {"command": "continue"})
                async for message in ws:
                    got.append(json.loads(message.data))
        return got

    async def from_another_site() -> int:
        async with aiohttp.ClientSession() as http:
            url = f"{studio.api}{SESSIONS}/{session_id}/events"
            try:
                async with http.ws_connect(url, headers={"Origin": "http://evil.example"}):
                    return 101
            except aiohttp.WSServerHandshakeError as exc:
                return exc.status

    assert asyncio.run(from_another_site()) == 403  # another site's page may not watch
    reloaded = debug_call(studio, "GET", f"{SESSIONS}/{session_id}", 200)
    assert reloaded["status"] == "paused"
    assert (reloaded["paused"]["point"], reloaded["paused"]["path"]) == ("before", "grid")
    assert reloaded["frames"][0]["state"]["inputs"]["question"] == "?"  # the edit, not yet applied
    assert reloaded["controller"]["client"] == "alice"
    assert [b["step"] for b in reloaded["breakpoints"]] == ["grid"]
    assert [e["kind"] for e in reloaded["logs"]][-2:] == ["pause", "command"]
    events = asyncio.run(watch())
    snapshot = events[0]["session"]
    assert snapshot["status"] == "paused" and snapshot["paused"]["path"] == "grid"
    types = [e["type"] for e in events[1:]]
    assert types[0] == "session_log" and "resumed" in types
    assert {"step_started", "step_finished", "run_finished"} <= set(types)
    assert types[-1] == "ended"
    assert [e["seq"] for e in events[1:]] == list(
        range(events[0]["seq"], events[0]["seq"] + len(types))
    )
    listed = debug_call(studio, "GET", SESSIONS, 200)["sessions"]
    assert session_id in [s["id"] for s in listed]


def test_stop_ends_the_run_as_the_runner_records_it(studio, server) -> None:
    server.reset()
    server.on(content="Stop me.")
    created = create(
        studio,
        {
            "chain": "trip",
            "inputs": {"question": "Go?", "gallons": 4},
            "breakpoints": [{"step": "more/burn", "point": "before"}],
            "client": "carol",
        },
    )
    session_id, lease = created["session"]["id"], created["lease"]["token"]
    until(studio, session_id, "paused")
    stopped = command(studio, session_id, lease, {"command": "stop"})["session"]
    assert stopped["status"] == "ended"
    assert stopped["ended"]["reason"] == "stopped"
    assert stopped["ended"]["run_status"] == "cancelled"
    run = call("GET", studio.api, f"{BASE}/chain-runs/{stopped['run_id']}", 200)
    assert (run["status"], run["error"], run["error_step"]) == (
        "cancelled",
        "stopped by carol in the debugger",
        "more/burn",
    )
    assert [s["path"] for s in run["steps"]] == ["ask", "more"]
    again = command(studio, session_id, lease, {"command": "continue"}, 409)
    assert "the session has ended (stopped)" in again["error"]["message"]
    debug_call(studio, "DELETE", f"{SESSIONS}/{session_id}", 204)
    debug_call(studio, "GET", f"{SESSIONS}/{session_id}", 404)


def test_bad_input_is_a_4xx_naming_the_field_and_changes_nothing(studio, server) -> None:
    before = debug_call(studio, "GET", SESSIONS, 200)["sessions"]
    body = {"chain": "trip", "inputs": {"question": "Go?", "gallons": 1}}
    unknown = create(studio, {**body, "breakpoints": [{"step": "nope"}]}, 400)
    assert unknown["error"]["message"].startswith(
        "breakpoints[0].step: no step 'nope' in the chain"
    )
    deep = create(studio, {**body, "breakpoints": [{"step": "more/nope"}]}, 400)
    assert "breakpoints[0].step: no step 'nope' in chain 'burn' v1" in deep["error"]["message"]
    flat = create(studio, {**body, "breakpoints": [{"step": "ask/x"}]}, 400)
    assert "step 'ask' is a llm step, not a sub-chain" in flat["error"]["message"]
    syntax = create(studio, {**body, "breakpoints": [{"step": "ask", "condition": "steps.["}]}, 400)
    assert syntax["error"]["message"].startswith("breakpoints[0].condition: JMESPath syntax error")
    inputs = create(studio, {"chain": "trip", "inputs": {"question": "x"}}, 400)
    assert inputs["error"]["message"] == "inputs: 'gallons' is a required property"
    assert debug_call(studio, "GET", SESSIONS, 200)["sessions"] == before

    server.reset()
    server.on(content="slow " * 40, chunk_chars=5, chunk_delay_s=0.05)
    created = create(studio, {**body, "breakpoints": [{"step": "ask", "point": "after"}]})
    session_id, lease = created["session"]["id"], created["lease"]["token"]
    running = command(studio, session_id, lease, {"command": "step"}, 409)
    assert running["error"]["message"] == "command: step needs a paused session (it is running)"
    paused = until(studio, session_id, "paused")
    missing = command(
        studio, session_id, lease, {"command": "edit", "path": "steps.nope", "value": 1}, 400
    )
    assert missing["error"]["message"] == "path: the state has no steps.nope"
    wrong = command(studio, session_id, lease, {"command": "edit", "state": {"inputs": {}}}, 400)
    assert (
        "state: an edited state must be an object of inputs and steps"
        in (wrong["error"]["message"])
    )
    frame = command(studio, session_id, lease, {"command": "select_frame", "frame": 3}, 400)
    assert frame["error"]["message"].startswith("frame must be a frame's index")
    points = command(
        studio,
        session_id,
        lease,
        {"command": "set_breakpoints", "breakpoints": [{"step": "more/kg"}, {"step": "zzz"}]},
        400,
    )
    assert points["error"]["message"].startswith("breakpoints[1].step: no step 'zzz'")
    what = command(studio, session_id, lease, {"command": "jump"}, 400)
    assert what["error"]["message"].startswith("command must be one of")
    extra = command(studio, session_id, lease, {"command": "step", "steps": 2}, 400)
    assert extra["error"]["message"] == "steps is not a field of the step command"
    after = debug_call(studio, "GET", f"{SESSIONS}/{session_id}", 200)
    for key in ("status", "paused", "frames", "breakpoints", "controller"):
        assert after[key] == paused[key], key
    # set_breakpoints works while running too, and a valid set replaces the list
    changed = command(
        studio,
        session_id,
        lease,
        {"command": "set_breakpoints", "breakpoints": [{"step": "more/kg", "point": "after"}]},
    )
    assert changed["session"]["breakpoints"] == [
        {"step": "more/kg", "point": "after", "condition": None, "enabled": True}
    ]
    command(studio, session_id, lease, {"command": "continue"})
    deep_pause = until(studio, session_id, "paused")
    assert deep_pause["paused"]["path"] == "more/kg"
    debug_call(studio, "DELETE", f"{SESSIONS}/{session_id}", 409)  # someone controls it
    debug_call(studio, "DELETE", f"{SESSIONS}/{session_id}", 204, lease=lease)
    run = call("GET", studio.api, f"{BASE}/chain-runs/{created['session']['run_id']}", 200)
    assert run["status"] == "cancelled" and run["error_step"] == "more/kg"


def test_an_inline_definition_paused_at_start_takes_a_whole_state_edit(studio) -> None:
    definition: dict[str, Any] = {
        "input_schema": {"type": "object", "properties": {"n": {"type": "number"}}},
        "steps": [
            {"id": "double", "type": "transform", "expression": "inputs.n"},
            {"id": "more", "type": "transform", "expression": "sum([steps.double, `1`])"},
        ],
    }
    created = create(studio, {"definition": definition, "inputs": {"n": 1}, "pause_at_start": True})
    session_id, lease = created["session"]["id"], created["lease"]["token"]
    start = until(studio, session_id, "paused")
    assert (start["chain"], start["version"]) == ("playground", None)
    after = command(studio, session_id, lease, {"command": "step", "wait": True})["session"]
    assert (after["paused"]["point"], after["paused"]["path"]) == ("after", "double")
    whole = {"inputs": {"n": 1, "note": "added"}, "steps": {"double": 41}}
    edited = command(studio, session_id, lease, {"command": "edit", "state": whole})
    assert edited["result"]["frame"]["state"] == whole
    done = command(studio, session_id, lease, {"command": "continue", "wait": True})["session"]
    if done["status"] != "ended":
        done = until_ended(studio, session_id)
    assert done["ended"]["run_status"] == "succeeded" and done["ended"]["output"] == 42
    run = call("GET", studio.api, f"{BASE}/chain-runs/{done['run_id']}", 200)
    [event] = state_edit_events(studio, run["trace_id"])
    assert event["span"] == "chain playground"
    assert json.loads(event["attributes"]["gls.debug.changes"]) == {
        "inputs.note": {"to": "added"},
        "steps.double": {"from": 1, "to": 41},
    }
