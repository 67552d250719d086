"""GET /api/v1/greenlang/agents and POST /api/v1/chains/import/greenlang on a real
Studio, answers checked against api/openapi.yaml."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from inprocess_studio import InProcessStudio
from openapi_check import checked_get, openapi

WORKFLOW = """
name: fuel_total
description: one fuel, totalled
steps:
  - name: fuel
    agent_id: fuel
    input_mapping: {fuel_type: input.fuel, amount: input.amount, unit: input.unit}
  - name: total
    agent_id: CarbonAgent
    condition: "results.fuel.data.co2e_emissions_kg > 0"
    input_mapping: {emissions: input.others}
output_mapping:
  kg: results.total.data.total_co2e_kg
"""


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessStudio]:
    s = InProcessStudio(tmp_path_factory.mktemp("greenlang") / "data").start()
    yield s
    s.stop()


def checked_post(base: str, path: str, body: bytes, content_type: str, expect: int) -> Any:
    headers = {"Content-Type": content_type}
    resp = requests.post(base + path, data=body, headers=headers, timeout=60)
    assert resp.status_code == expect, resp.text
    prepared = requests.Request(
        "POST", "http://127.0.0.1:6006" + path, data=body, headers=headers
    ).prepare()
    spec = openapi()
    # openapi-core reads a text/yaml body as bytes, which no `type: string` admits;
    # the JSON form is checked, and every response
    if expect == 200 and content_type == "application/json":
        spec.validate_request(RequestsOpenAPIRequest(prepared))
    spec.validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(resp))
    return resp.json()


def test_the_enabled_agents_with_their_input_fields(studio: InProcessStudio) -> None:
    agents = {a["name"]: a for a in checked_get(studio.api, "/api/v1/greenlang/agents")["agents"]}
    assert {"FuelAgent", "CarbonAgent", "GridFactorAgent"} <= set(agents)
    assert "SiteInputAgent" not in agents  # opens a path from its inputs: not on by default
    assert agents["FuelAgent"]["input_fields_from"] == "schema"
    assert any(f["name"] == "amount" for f in agents["FuelAgent"]["input_fields"])


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/yaml", WORKFLOW.encode()),
        ("application/x-yaml", WORKFLOW.encode()),
        ("application/json", json.dumps({"yaml": WORKFLOW}).encode()),
    ],
)
def test_a_workflow_imports_as_a_definition(
    studio: InProcessStudio, content_type: str, body: bytes
) -> None:
    answer = checked_post(studio.api, "/api/v1/chains/import/greenlang", body, content_type, 200)
    assert answer["name"] == "fuel_total"
    definition = answer["definition"]
    assert [(s["id"], s["agent"]) for s in definition["steps"]] == [
        ("fuel", "FuelAgent"),
        ("total", "CarbonAgent"),
    ]
    # GreenLang skips the step when reading through a missing step's data raises
    assert definition["steps"][1]["condition"] == (
        "(((contains(keys(steps), `\"fuel\"`) && type(steps.fuel) == 'object') && "
        "type(steps.fuel.co2e_emissions_kg) == 'number') && (steps.fuel.co2e_emissions_kg > `0`))"
    )
    assert definition["output"] == "{kg: steps.total.total_co2e_kg}"
    assert sorted(definition["input_schema"]["properties"]) == ["amount", "fuel", "others", "unit"]


@pytest.mark.parametrize(
    ("content_type", "body", "status", "match"),
    [
        ("text/yaml", b"steps: [", 400, "the workflow is not YAML"),
        (
            "text/yaml",
            WORKFLOW.replace("agent_id: fuel", "agent_id: os:system").encode(),
            400,
            "steps[0] (fuel).agent_id: 'os:system' is not an agent the operator enabled",
        ),
        ("application/json", b'{"yaml": 7}', 400, "yaml must be the workflow's YAML text"),
        ("text/plain", WORKFLOW.encode(), 415, "text/yaml"),
        ("text/yaml", b"a: 1\n" * 300_000, 413, "over"),
    ],
)
def test_bad_workflows_are_refused(
    studio: InProcessStudio, content_type: str, body: bytes, status: int, match: str
) -> None:
    answer = checked_post(studio.api, "/api/v1/chains/import/greenlang", body, content_type, status)
    assert match in answer["error"]["message"]
