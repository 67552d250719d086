"""The issue's user path through one real Studio and nothing put in its place: an
LLM provider stored with its key (the local OpenAI-protocol server), a two-step
chain saved through the SDK (an LLM call, then GreenLang's real GridFactorAgent,
then a transform), labelled `production`, fetched back by label, run by name
and label, and its trace's steps read from the store with the pipeline's cost,
energy and carbon. A GreenLang workflow imported and saved as a chain runs too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
from experiments.experiment_requests import call
from greenlang_studio import Client

from inprocess_studio import InProcessStudio
from support.openai_compatible_server import (
    TEST_API_KEY,
    OpenAICompatibleServer,
    last_user_contains,
)

PROJECT = "chains-e2e"
BASE = f"/api/v1/projects/{PROJECT}"

ADVISOR = {
    "description": "Answer, then the grid's factor",
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
            "messages": [
                {"role": "system", "content": "Answer in one sentence."},
                {"role": "user", "content": "{{ question }} ({{ country }})"},
            ],
            "parameters": {"temperature": 0},
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


def grid_factor(country: str) -> float:
    text = resources.files("greenlang").joinpath("data", "global_emission_factors.json")
    factor = json.loads(text.read_text(encoding="utf-8"))[country]["electricity"]["kWh"]
    assert isinstance(factor, float)
    return factor


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer(api_key=TEST_API_KEY) as s:
        yield s


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessStudio]:
    s = InProcessStudio(tmp_path_factory.mktemp("chains-e2e") / "data").start()
    yield s
    s.stop()


def test_a_saved_chain_runs_by_label_with_a_real_agent_and_a_priced_trace(
    studio: InProcessStudio, server: OpenAICompatibleServer
) -> None:
    server.on(last_user_contains("heat pump"), content="Yes, where the grid is clean.")
    client = Client(studio.api, PROJECT)
    client.llm_providers.create("local", server.base_url, api_key=TEST_API_KEY)
    client.chains.create("advisor", ADVISOR, message="first")
    client.chains.set_label("advisor", "production", 1)
    fetched = client.chains.get("advisor", label="production")
    assert fetched.version == 1 and fetched.definition["steps"][1]["agent"] == "GridFactorAgent"

    answer = call(
        "POST",
        studio.api,
        f"{BASE}/chain-runs",
        200,
        json_body={
            "chain": "advisor",
            "label": "production",
            "inputs": {"question": "Is a heat pump worth it?", "country": "IN"},
            "wait": True,
        },
    )
    [run] = answer["runs"]
    assert run["status"] == "succeeded", run["error"]
    assert (run["chain"], run["version"]) == ("advisor", 1)
    assert run["output"] == {
        "answer": "Yes, where the grid is clean.",
        "factor": grid_factor("IN"),
    }
    # the key went to the provider, and nowhere else
    assert server.requests[-1].headers.get("Authorization") == f"Bearer {TEST_API_KEY}"
    assert TEST_API_KEY not in json.dumps(run)
    ask, grid, shape = run["steps"]
    assert ask["cost_usd"] > 0 and ask["carbon_g"] > 0
    assert grid["energy_wh"] > 0 and grid["carbon_g"] > 0
    rows = studio.sql(
        "SELECT lower(hex(span_id)) AS span, span_type, agent, model, cost_usd, carbon_g"
        " FROM spans WHERE project = {p:String} AND trace_id = unhex({t:String})",
        p=PROJECT,
        t=run["trace_id"],
    )
    stored = {r["span"]: r for r in rows}
    assert stored[ask["span_id"]]["model"] == "gpt-4o-mini"
    assert stored[ask["span_id"]]["cost_usd"] == pytest.approx(ask["cost_usd"])
    assert (stored[grid["span_id"]]["span_type"], stored[grid["span_id"]]["agent"]) == (
        "agent",
        "GridFactorAgent",
    )
    assert len(rows) == 4  # the chain's root span and its three steps

    # an application runs it through the SDK, in its own environment
    again = client.chains.run(
        "advisor",
        {"question": "Is a heat pump worth it?", "country": "IN"},
        label="production",
        environment="production",
    )
    assert again["status"] == "succeeded" and again["output"] == run["output"]
    assert again["environment"] == "production" and again["trace_id"] != run["trace_id"]


def test_an_agent_the_operator_did_not_enable_is_refused_at_save(studio) -> None:
    bad = json.loads(json.dumps(ADVISOR))
    bad["steps"][1]["agent"] = "SiteInputAgent"  # reads a path from its inputs: off by default
    before = call("GET", studio.api, f"{BASE}/chains", 200)["chains"]
    refused = call(
        "POST", studio.api, f"{BASE}/chains", 400, json_body={"name": "site", "definition": bad}
    )
    assert (
        "steps[1] (grid).agent: 'SiteInputAgent' is not an agent the operator enabled"
        in (refused["error"]["message"])
    )
    assert call("GET", studio.api, f"{BASE}/chains", 200)["chains"] == before


def test_a_greenlang_workflow_imports_saves_and_runs(studio) -> None:
    workflow = """
name: fuel-footprint
steps:
  - name: burn
    agent_id: fuel
    input_mapping:
      fuel_type: input.fuel
      amount: input.amount
      unit: input.unit
      country: input.country
"""
    agents = {a["name"] for a in call("GET", studio.api, "/api/v1/greenlang/agents", 200)["agents"]}
    assert {"FuelAgent", "GridFactorAgent"} <= agents
    imported = call(
        "POST",
        studio.api,
        "/api/v1/chains/import/greenlang",
        200,
        json_body={"yaml": workflow},
    )
    call(
        "POST",
        studio.api,
        f"{BASE}/chains",
        201,
        json_body={"name": imported["name"], "definition": imported["definition"]},
    )
    [run] = call(
        "POST",
        studio.api,
        f"{BASE}/chain-runs",
        200,
        json_body={
            "chain": "fuel-footprint",
            "inputs": {"fuel": "diesel", "amount": 40, "unit": "gallons", "country": "US"},
            "wait": True,
        },
    )["runs"]
    assert run["status"] == "succeeded", run["error"]
    step = run["steps"][0]
    assert step["status"] == "succeeded" and step["energy_wh"] > 0
    output: Any = run["output"]["burn"]  # a workflow's results by step, as GreenLang gives them
    assert output["co2e_emissions_kg"] == pytest.approx(40 * output["emission_factor"])
