"""The chain runs API through a real in-process Studio whose runner has the test
resolver, the local OpenAI-protocol server as its provider and the test agent
runner: runs waited for and not, their figures read back from the stored
trace (the ingest pipeline's cost, energy and carbon), the events WebSocket,
cancel, the pool's 429, save as a dataset test case, and 503 when the Studio
has no provider to run an LLM step with. Answers checked against the spec."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from chains.run_fixtures import DictResolver, EmissionsAgents, LocalProviders
from experiments.experiment_requests import call

from gls_engine.api_errors import json_errors
from gls_engine.chains.definition import parse_chain
from gls_engine.chains.run_events import RunEventStreams
from gls_engine.chains.run_handlers import (
    AGENT_RUNNER_KEY,
    CHAIN_RESOLVER_KEY,
    CHAIN_RUNS_KEY,
    PROVIDER_CLIENTS_KEY,
    add_routes,
)
from gls_engine.chains.run_pool import ChainRunPool, PoolSettings
from gls_engine.chains.run_records import ChainRunRecords
from gls_engine.chains.run_service import ChainRuns
from gls_engine.chains.runner import ChainRunner
from gls_engine.metadata.store import MetadataStore

from inprocess_studio import InProcessStudio
from support.openai_compatible_server import OpenAICompatibleServer, last_user_contains

PROJECT = "chain-runs"
RUNS = f"/api/v1/projects/{PROJECT}/chain-runs"

ASK = {
    "input_schema": {
        "type": "object",
        "properties": {"question": {"type": "string"}},
        "required": ["question"],
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
            "id": "emissions",
            "type": "greenlang",
            "agent": "Emissions",
            "input_mapping": {"kwh": "`2500`", "country": "'PL'"},
        },
        {
            "id": "shape",
            "type": "transform",
            "expression": "{answer: steps.ask, kg: steps.emissions.emissions_kg}",
        },
    ],
}


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer() as s:
        yield s


@pytest.fixture(scope="module")
def studio(
    server: OpenAICompatibleServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[InProcessStudio]:
    resolver = DictResolver()
    resolver.add("answer", {k: v for k, v in ASK.items()}, label="production")
    providers = LocalProviders(server)

    def configure(app: web.Application) -> None:
        app[CHAIN_RESOLVER_KEY] = resolver
        app[PROVIDER_CLIENTS_KEY] = providers
        app[AGENT_RUNNER_KEY] = EmissionsAgents()

        async def close_clients(app: web.Application) -> None:
            await providers.close()

        app.on_cleanup.append(close_clients)

    s = InProcessStudio(
        tmp_path_factory.mktemp("chain-runs") / "data",
        configure,
        chain_runs_max_concurrent=2,
        chain_runs_max_queued=2,
    ).start()
    yield s
    s.stop()


def start(studio: InProcessStudio, body: dict[str, Any], expect: int) -> dict[str, Any]:
    return call("POST", studio.api, RUNS, expect, json_body=body)


def wait_ended(studio: InProcessStudio, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        run = call("GET", studio.api, f"{RUNS}/{run_id}", 200)
        if run["status"] not in ("queued", "running"):
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.05)


def test_a_run_waited_for_has_each_steps_figures_from_its_stored_trace(studio, server) -> None:
    server.reset()
    server.on(last_user_contains("France"), content="Paris, by a long way.")
    answer = start(
        studio, {"definition": ASK, "inputs": {"question": "Capital of France?"}, "wait": True}, 200
    )
    [run] = answer["runs"]
    assert run["status"] == "succeeded", run["error"]
    assert run["output"] == {"answer": "Paris, by a long way.", "kg": 1655.0}
    assert (
        run["chain"] is None
        and run["definition"] == parse_chain(ASK).to_json()
        and run["source"] == "api"
    )
    ask, emissions, shape = run["steps"]
    assert (ask["input_tokens"], ask["output_tokens"]) == (3, 5)  # the server counts words
    assert ask["cost_usd"] > 0  # priced by the pipeline's price data
    assert ask["carbon_g_min"] <= ask["carbon_g"] <= ask["carbon_g_max"]
    assert emissions["energy_wh"] > 0  # the power model, from gls.cpu.seconds
    assert not shape["cost_usd"] and shape["input_tokens"] is None and shape["energy_wh"] is None
    assert run["totals"]["cost_usd"] == pytest.approx(ask["cost_usd"])
    rows = studio.sql(
        "SELECT lower(hex(span_id)) AS span, span_type, agent, environment, cost_usd"
        " FROM spans WHERE project = {p:String} AND trace_id = unhex({t:String})",
        p=PROJECT,
        t=run["trace_id"],
    )
    kinds = {r["span"]: (r["span_type"], r["agent"], r["environment"]) for r in rows}
    assert kinds[ask["span_id"]] == ("llm", "", "gls-playground")
    assert kinds[emissions["span_id"]] == ("agent", "Emissions", "gls-playground")
    assert len(rows) == 4  # the root and three steps
    got = call("GET", studio.api, f"{RUNS}/{run['id']}", 200)
    assert got["steps"] == run["steps"] and got["logs"] == run["logs"]


def test_bad_inputs_are_a_400_naming_the_field_and_nothing_is_recorded(studio) -> None:
    before = call("GET", studio.api, RUNS, 200)["runs"]
    error = start(studio, {"definition": ASK, "inputs": {"q": 1}}, 400)["error"]
    assert error["message"] == "inputs: 'question' is a required property"
    error = start(studio, {"chain": "answer", "label": "nope", "inputs": {}}, 404)["error"]
    assert "no label 'nope'" in error["message"]
    error = start(studio, {"definition": ASK, "inputs": {"question": "x"}, "repeat": 21}, 400)
    assert "repeat must be an integer from 1 to 20" in error["error"]["message"]
    assert call("GET", studio.api, RUNS, 200)["runs"] == before


def test_runs_not_waited_for_stream_their_events_then_are_listed(studio, server) -> None:
    server.reset()
    server.on(content="one two three four five six", chunk_chars=4, chunk_delay_s=0.02)
    queued = start(
        studio,
        {
            "chain": "answer",
            "label": "production",
            "inputs": {"question": "count"},
            "source": "playground",
        },
        202,
    )["runs"]
    run_id = queued[0]["id"]
    assert queued[0]["events"] == f"{RUNS}/{run_id}/events"  # the path the answer gives

    async def events() -> list[dict[str, Any]]:
        got = []
        async with aiohttp.ClientSession() as session:
            url = f"{studio.api}{queued[0]['events']}"
            async with session.ws_connect(url) as ws:
                async for message in ws:
                    got.append(json.loads(message.data))
        return got

    async def refused(origin: str, path: str) -> int:
        async with aiohttp.ClientSession() as session:
            url = f"{studio.api}{RUNS}/{path}/events"
            try:
                async with session.ws_connect(url, headers={"Origin": origin}):
                    return 101
            except aiohttp.WSServerHandshakeError as exc:
                return exc.status

    # another site's page may not read a run's events; an unknown run is a 404
    assert asyncio.run(refused("http://evil.example", run_id)) == 403
    assert asyncio.run(refused(studio.api, "0" * 32)) == 404
    live = asyncio.run(events())
    types = [e["type"] for e in live]
    assert types[0] == "run_started" and types[-1] == "run_finished"
    assert "".join(e["text"] for e in live if e["type"] == "token") == "one two three four five six"
    assert live[-1]["status"] == "succeeded"
    ended = call("GET", studio.api, f"{RUNS}/{run_id}", 200)
    assert ended["status"] == "succeeded"  # recorded before run_finished was sent
    assert (ended["chain"], ended["version"]) == ("answer", 1)
    late = asyncio.run(events())  # a subscriber after the end gets the whole story
    assert [e["seq"] for e in late] == [e["seq"] for e in live]
    listed = call("GET", studio.api, RUNS, 200, params={"source": "playground"})["runs"]
    assert [r["id"] for r in listed] == [run_id]
    assert call("GET", studio.api, RUNS, 200, params={"chain": "answer"})["runs"][0]["id"] == run_id


def test_listing_pages_newest_first(studio) -> None:
    body = {"definition": {"steps": [{"id": "t", "type": "transform", "expression": "`1`"}]}}
    ids = [
        start(studio, {**body, "wait": True, "source": "replay"}, 200)["runs"][0]["id"]
        for _ in range(3)
    ]
    page = call("GET", studio.api, RUNS, 200, params={"source": "replay", "limit": 2})
    assert [r["id"] for r in page["runs"]] == ids[::-1][:2]
    rest = call(
        "GET",
        studio.api,
        RUNS,
        200,
        params={"source": "replay", "limit": 2, "cursor": page["next_cursor"]},
    )
    assert [r["id"] for r in rest["runs"]] == ids[:1] and rest["next_cursor"] is None


def test_cancel_stops_the_provider_call_and_keeps_the_trace(studio, server) -> None:
    server.reset()
    server.on(content="slow " * 200, chunk_chars=5, chunk_delay_s=0.05)
    run_id = start(studio, {"definition": ASK, "inputs": {"question": "slow"}}, 202)["runs"][0][
        "id"
    ]
    deadline = time.monotonic() + 30
    while not server.requests:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    cancelled = call("POST", studio.api, f"{RUNS}/{run_id}/cancel", 200)
    assert cancelled["status"] == "cancelled" and cancelled["error_step"] == "ask"
    assert cancelled["steps"][0]["status"] == "cancelled"
    rows = studio.sql(
        "SELECT name, status_code, status_message FROM spans"
        " WHERE project = {p:String} AND trace_id = unhex({t:String}) ORDER BY start_time",
        p=PROJECT,
        t=cancelled["trace_id"],
    )
    assert [(r["name"], r["status_code"]) for r in rows] == [
        ("chain playground", 2),
        ("chat gpt-4o-mini", 2),
    ]
    again = call("POST", studio.api, f"{RUNS}/{run_id}/cancel", 409)
    assert "already ended (cancelled)" in again["error"]["message"]


def test_past_the_queue_a_run_is_refused_with_retry_after(studio, server) -> None:
    body = {"definition": ASK, "inputs": {"question": "x"}, "repeat": 5}
    resp = requests.post(f"{studio.api}{RUNS}", json=body, timeout=30)
    assert resp.status_code == 429, resp.text
    assert int(resp.headers["Retry-After"]) >= 1
    assert "too many chain runs" in resp.json()["error"]["message"]


def test_a_succeeded_run_saved_as_a_dataset_test_case(studio, server) -> None:
    server.reset()
    server.on(content="Paris.")
    datasets = f"/api/v1/projects/{PROJECT}/datasets"
    call("POST", studio.api, datasets, 201, json_body={"name": "capitals"})
    run = start(studio, {"chain": "answer", "inputs": {"question": "France?"}, "wait": True}, 200)[
        "runs"
    ][0]
    version = call(
        "POST",
        studio.api,
        f"{RUNS}/{run['id']}/save-test",
        201,
        json_body={"dataset": "capitals"},
    )
    assert version["added"] == 1
    items = call("GET", studio.api, f"{datasets}/capitals/items", 200)["items"]
    assert items[0]["input"] == {"question": "France?"}
    assert items[0]["expected"] == {"answer": "Paris.", "kg": 1655.0}
    assert items[0]["metadata"]["chain_run_id"] == run["id"]
    bad = json.loads(json.dumps(ASK))
    bad["steps"][1]["input_mapping"]["country"] = "'XX'"
    failed = start(studio, {"definition": bad, "inputs": {"question": "x"}, "wait": True}, 200)
    [failed_run] = failed["runs"]
    assert (failed_run["status"], failed_run["error_step"]) == ("failed", "emissions")
    refused = call(
        "POST",
        studio.api,
        f"{RUNS}/{failed_run['id']}/save-test",
        409,
        json_body={"dataset": "capitals"},
    )
    assert "this one is failed" in refused["error"]["message"]
    missing = call(
        "POST",
        studio.api,
        f"{RUNS}/{run['id']}/save-test",
        404,
        json_body={"dataset": "nope"},
    )
    assert "nope" in missing["error"]["message"]


async def test_without_providers_an_llm_run_is_a_503(tmp_path: Path) -> None:
    """The runs API as create_app leaves it before the chain store, providers and
    agents are wired (chDB takes one Studio per process, so the app here holds
    the runs API alone, on a metadata database of its own)."""
    metadata = MetadataStore(f"sqlite:///{tmp_path / 'metadata.sqlite3'}")
    await metadata.open()
    app = web.Application(middlewares=[json_errors])
    for key in (CHAIN_RESOLVER_KEY, PROVIDER_CLIENTS_KEY, AGENT_RUNNER_KEY):
        app[key] = None
    runner = ChainRunner(resolver=None, providers=None, agents=None, traces=None, figures=None)
    runs = ChainRuns(
        runner, ChainRunRecords(metadata), ChainRunPool(PoolSettings()), RunEventStreams(), None
    )
    app[CHAIN_RUNS_KEY] = runs
    add_routes(app)
    try:
        async with TestClient(TestServer(app)) as client:
            body = {"definition": ASK, "inputs": {"question": "x"}}
            resp = await client.post(RUNS, json=body)
            assert resp.status == 503
            assert (await resp.json())["error"]["message"] == (
                "chains are not configured: no LLM providers"
            )
            resp = await client.post(RUNS, json={"chain": "answer"})
            assert (await resp.json())["error"]["message"] == (
                "chains are not configured: no chain store"
            )
            transform = {"steps": [{"id": "t", "type": "transform", "expression": "`2`"}]}
            resp = await client.post(RUNS, json={"definition": transform, "wait": True})
            assert resp.status == 200
            assert (await resp.json())["runs"][0]["output"] == 2
    finally:
        await runs.close()
        await metadata.close()
