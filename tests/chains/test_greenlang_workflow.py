"""GreenLang workflow YAML imported as a chain definition: the translation is
checked against GreenLang 0.3.0's own path lookup and condition evaluator, the
step by step run against its Orchestrator's step logic with real agents, and
what cannot be translated faithfully is refused naming the step and field."""

from __future__ import annotations

import asyncio
import copy
import json
import sys
from collections.abc import Iterator
from importlib import resources
from typing import Any

import jmespath
import pytest
import yaml

from gls_engine.chains.definition import parse_chain
from gls_engine.chains.expressions import evaluate
from gls_engine.chains.greenlang_agents import GreenLangAgents, builtin_agent_names
from gls_engine.chains.greenlang_workflow import GREENLANG_AGENT_IDS, import_workflow
from gls_engine.config import settings_for_tests
from gls_engine.errors import InvalidParameterError

ENABLED = frozenset(builtin_agent_names()) - {"SiteInputAgent"}

BUILDING = """
name: building_footprint
description: Fuel emissions, totalled, benchmarked when the area is known
version: 0.0.1
steps:
  - name: diesel emissions
    agent_id: fuel
    input_mapping:
      fuel_type: input.fuel.type
      amount: input.fuel.amount
      unit: input.fuel.unit
      country: input.country
  - name: grid
    agent_id: GridFactorAgent
    input_mapping: {country: input.country, fuel_type: input.grid_fuel, unit: input.grid_unit}
    output_key: grid_factor
  - name: total
    agent_id: carbon
    input_mapping:
      emissions: input.extra_emissions
  - name: benchmark
    agent_id: benchmark
    condition: "input.building.area and input.building.area > 100 and results.total.data.total_co2e_kg >= 0"
    input_mapping:
      total_emissions_kg: results.total.data.total_co2e_kg
      building_area: input.building.area
      building_type: input.building.type
  - name: only offices
    agent_id: intensity
    condition: "(input.building.type == 'commercial_office' or input.building.type == 'retail') and not input.skip_intensity and 'office' in 'commercial_office'"
    input_mapping:
      total_emissions_kg: results.diesel emissions.data.co2e_emissions_kg
      area: input.building.area
output_mapping:
  diesel_kg: results.diesel emissions.data.co2e_emissions_kg
  factor: results.grid.data.emission_factor
  total_kg: results.total.data.total_co2e_kg
  rating: results.benchmark.data.rating
  per_sqft: results.only offices.data.intensities.per_sqft_year
"""


@pytest.fixture(scope="module")
def orchestrator() -> Iterator[Any]:
    before = list(sys.path)  # importing it puts site-packages/core first on sys.path
    from greenlang.core.orchestrator import Orchestrator

    sys.path[:] = before
    yield Orchestrator()


@pytest.fixture(scope="module")
def agents() -> Iterator[GreenLangAgents]:
    registry = GreenLangAgents.from_settings(settings_for_tests())
    yield registry
    registry.close()


def imported(text: str) -> dict[str, Any]:
    answer = import_workflow(text, ENABLED)
    parse_chain(answer["definition"], enabled_agents=ENABLED)  # what the store will check
    return answer


def refused(text: str, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        import_workflow(text, ENABLED)


def test_a_workflow_becomes_greenlang_steps() -> None:
    answer = imported(BUILDING)
    definition = answer["definition"]
    assert answer["name"] == "building_footprint"
    assert definition["description"].startswith("Fuel emissions")
    assert [s["id"] for s in definition["steps"]] == [
        "diesel_emissions",
        "grid",
        "total",
        "benchmark",
        "only_offices",
    ]
    assert [s["agent"] for s in definition["steps"]] == [
        "FuelAgent",
        "GridFactorAgent",
        "CarbonAgent",
        "BenchmarkAgent",
        "IntensityAgent",
    ]
    assert definition["steps"][0]["input_mapping"]["amount"] == "inputs.fuel.amount"
    assert definition["steps"][3]["input_mapping"]["total_emissions_kg"] == (
        "steps.total.total_co2e_kg"
    )
    assert set(definition["input_schema"]["properties"]) == {
        "building",
        "country",
        "extra_emissions",
        "fuel",
        "grid_fuel",
        "grid_unit",
        "skip_intensity",
    }


def greenlang_context(inputs: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
    return {
        "input": inputs,
        "results": results,
        "errors": [],
        "workflow_id": "w",
        "execution_id": "w_0",
    }


CONTEXTS = [
    {
        "building": {"area": 2000, "type": "commercial_office"},
        "skip_intensity": False,
        "zone": "north",
    },
    {"building": {"area": 0, "type": "retail"}, "skip_intensity": 0, "zone": 5},
    {"building": {"area": 50, "type": "warehouse"}, "skip_intensity": True, "zone": "south"},
    {"building": {"type": "retail"}, "zone": "east"},
    {"building": {"area": 5000}, "skip_intensity": ""},
    {"building": "a string", "zone": None},
    {},
]
CONDITIONS = [
    "input.building.area and input.building.area > 100 and results.total.data.total_co2e_kg >= 0",
    "(input.building.type == 'commercial_office' or input.building.type == 'retail')"
    " and not input.skip_intensity",
    "not input.building.area",
    "input.zone in 'north-east' or input.skip_intensity",
    "input.zone not in 'south' and results.total.data",
    "0 < results.total.data.total_co2e_kg <= 200",
    "input.building.type > 'm' or input.zone < 3",
    "not results.total.data.total_co2e_kg",
    "context.input.building.area != None",
    "input.building.area.deeper == 1 or input.zone",
    "results.total.data.total_co2e_kg or not input.zone",
    "not results.total.data",
    "'a' < 1 or input.zone",
    "not 5 < input.zone < 'z'",
]


@pytest.mark.parametrize("inputs", CONTEXTS)
@pytest.mark.parametrize("total", [None, 0, 120.5])
def test_conditions_decide_as_greenlangs_evaluator(
    orchestrator: Any, inputs: dict[str, Any], total: float | None
) -> None:
    results = (
        {} if total is None else {"total": {"success": True, "data": {"total_co2e_kg": total}}}
    )
    state = {
        "inputs": inputs,
        "steps": {} if total is None else {"total": {"total_co2e_kg": total}},
    }
    for source in CONDITIONS:
        text = "name: w\nsteps:\n  - {name: total, agent_id: carbon, input_mapping: {emissions: input.e}}\n"
        text += "  - name: then\n    agent_id: carbon\n    input_mapping: {emissions: input.e}\n"
        text += f"    condition: {json.dumps(source)}\n"
        translated = imported(text)["definition"]["steps"][1]["condition"]
        try:
            theirs = orchestrator._evaluate_condition(source, greenlang_context(inputs, results))
        except Exception:  # GreenLang skips a step whose condition raises
            theirs = False
        value = evaluate(translated, state)
        ours = value not in (None, False, "", [], {})  # the runner's skip rule (docs/chains.md)
        assert ours == theirs, (source, translated, inputs, total)


@pytest.mark.parametrize(
    "path",
    [
        "input.fuel.amount",
        "input.country",
        "input.grid-zone.2030",
        "input.missing.deeper",
        "input",
        "results.total.data.total_co2e_kg",
        "results.total.data",
        "results.total.data.nothing",
    ],
)
def test_paths_resolve_as_greenlangs_lookup(orchestrator: Any, path: str) -> None:
    inputs = {"fuel": {"amount": 40}, "country": "US", "grid-zone": {"2030": "Z"}}
    results = {"total": {"success": True, "data": {"total_co2e_kg": 350.5}}}
    text = "name: w\ndescription: d\nsteps:\n  - name: total\n    agent_id: carbon\n"
    text += "    input_mapping: {emissions: input.e}\n"
    text += f"  - name: after\n    agent_id: carbon\n    input_mapping: {{emissions: {path}}}\n"
    expression = imported(text)["definition"]["steps"][1]["input_mapping"]["emissions"]
    state = {"inputs": inputs, "steps": {"total": {"total_co2e_kg": 350.5}}}
    theirs = orchestrator._get_value_from_path(greenlang_context(inputs, results), path)
    assert jmespath.search(expression, state) == theirs


def run_as_greenlang(orchestrator: Any, workflow: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """GreenLang's Orchestrator.execute_workflow step by step, without its OPA policy
    gate (0.3.0 denies every run when no `opa` binary is installed)."""
    import greenlang.agents as builtins

    context = greenlang_context(inputs, {})
    for step in workflow["steps"]:
        step_model = type("Step", (), {**{"input_mapping": None, "condition": None}, **step})
        if not orchestrator._should_execute_step(step_model, context):
            continue
        agent_class = getattr(builtins, GREENLANG_AGENT_IDS.get(step["agent_id"], step["agent_id"]))
        result = agent_class().run(orchestrator._prepare_step_input(step_model, context))
        if not isinstance(result, dict):
            result = {"success": result.success, "data": result.data}
        context["results"][step["name"]] = result
        assert result["success"], result
    model = type("Workflow", (), {"output_mapping": workflow.get("output_mapping")})
    return orchestrator._format_workflow_output(model, context)["data"]


def run_as_chain(
    agents: GreenLangAgents, definition: dict[str, Any], inputs: dict[str, Any]
) -> Any:
    """The chain's steps as the runner runs them: condition, mapping, agent, data."""
    state: dict[str, Any] = {"inputs": inputs, "steps": {}}
    for step in definition["steps"]:
        if step.get("condition") is not None:
            if evaluate(step["condition"], state) in (None, False, "", [], {}):
                continue
        mapped = {k: evaluate(v, state) for k, v in step["input_mapping"].items()}
        result = asyncio.run(agents.run(step["agent"], mapped))
        assert result.success, result.error
        state["steps"][step["id"]] = result.data
    return evaluate(definition["output"], state)


@pytest.mark.parametrize(
    "building",
    [
        {"area": 2000, "type": "commercial_office"},
        {"area": 50, "type": "warehouse"},
        {"area": 3000, "type": "retail"},
    ],
)
def test_the_chain_answers_what_greenlang_answers(
    orchestrator: Any, agents: GreenLangAgents, building: dict[str, Any]
) -> None:
    inputs = {
        "fuel": {"type": "diesel", "amount": 40, "unit": "gallons"},
        "country": "US",
        "grid_fuel": "electricity",
        "grid_unit": "kWh",
        "extra_emissions": [{"fuel_type": "diesel", "co2e_emissions_kg": 408.4}],
        "building": building,
    }
    theirs = run_as_greenlang(orchestrator, yaml.safe_load(BUILDING), copy.deepcopy(inputs))
    ours = run_as_chain(agents, imported(BUILDING)["definition"], copy.deepcopy(inputs))
    # GreenLang leaves out an output whose value is None; JMESPath answers null.
    assert {k: v for k, v in ours.items() if v is not None} == theirs
    assert theirs["diesel_kg"] > 0 and theirs["factor"] > 0


def test_greenlangs_own_example_workflow_is_refused_where_it_cannot_be_kept() -> None:
    bundled = resources.files("greenlang").joinpath("configs", "carbon_footprint.yaml")
    text = bundled.read_text(encoding="utf-8")
    refused(text, r"^steps\[0\] \(validate_input\)\.input_mapping: without one GreenLang passes")
    workflow = yaml.safe_load(text)
    workflow["steps"][0]["input_mapping"] = {"fuels": "input.fuels"}
    refused(
        yaml.safe_dump(workflow, sort_keys=False),
        r"^steps\[1\] \(calculate_emissions\)\.on_failure: 'skip'",
    )
    workflow["steps"][1].update(on_failure="stop", input_mapping={"fuel_type": "input.fuel"})
    workflow["steps"][3]["on_failure"] = "stop"
    # its benchmark condition calls .get(): GreenLang's evaluator refuses calls and skips it
    refused(
        yaml.safe_dump(workflow, sort_keys=False),
        r"^steps\[3\] \(benchmark_analysis\)\.condition: .* is a call",
    )
    del workflow["steps"][3]["condition"]
    del workflow["output_mapping"]["benchmark_rating"]
    definition = imported(yaml.safe_dump(workflow, sort_keys=False))["definition"]
    assert definition["steps"][2]["input_mapping"] == {"emissions": "steps.calculate_emissions"}
    assert definition["output"].startswith("{total_emissions_tons: steps.aggregate_carbon")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("steps: [unclosed", r"^the workflow is not YAML"),
        ("!!python/object/apply:os.system ['true']", r"^the workflow is not YAML"),
        ("- just\n- a list\n", r"^not a GreenLang workflow"),
        ("name: w\nsteps: []\n", r"^steps: the workflow has no steps"),
        ("name: w\nsteps: [{agent_id: fuel}]\n", r"^steps\[0\]\.name must be"),
        (
            "name: w\nsteps:\n  - {name: a, agent: DemoAgent, inputs: {load_kwh: 1}}\n",
            r"^steps\[0\] \(a\)\.agent is not a field of a GreenLang workflow step",
        ),
        (
            "name: w\nsteps:\n  - {name: a, agent_id: greenlang.agents.site_input_agent:SiteInputAgent,"
            " input_mapping: {site_file: input.f}}\n",
            r"^steps\[0\] \(a\)\.agent_id: 'greenlang.agents.site_input_agent:SiteInputAgent' is not"
            r" an agent the operator enabled",
        ),
        (
            "name: w\nsteps:\n  - {name: a, agent_id: fuel, input_mapping: {x: workflow_id}}\n",
            r"^steps\[0\] \(a\)\.input_mapping\.x: 'workflow_id' cannot be translated",
        ),
        (
            "name: w\nsteps:\n  - {name: a, agent_id: fuel, input_mapping: {x: input.a}}\n"
            "  - {name: b, agent_id: carbon, input_mapping: {emissions: results.a.success}}\n",
            r"^steps\[1\] \(b\)\.input_mapping\.emissions: 'results\.a\.success': a chain keeps",
        ),
        (
            "name: w\nsteps:\n  - {name: a, agent_id: fuel, input_mapping: {x: results.b.data}}\n"
            "  - {name: b, agent_id: carbon, input_mapping: {emissions: input.e}}\n",
            r"^steps\[0\] \(a\)\.input_mapping\.x reads steps\.b, which is not an earlier step",
        ),
        (
            "name: w\nsteps:\n  - {name: a, agent_id: fuel, input_mapping: {x: input.a},"
            " condition: 'input.a > None'}\n",
            r"^steps\[0\] \(a\)\.condition: ordering against null",
        ),
        (
            "name: w\nsteps:\n  - {name: a, agent_id: fuel, input_mapping: {x: input.a},"
            " condition: 'input.a + 1 > 2'}\n",
            r"^steps\[0\] \(a\)\.condition: 'input.a \+ 1' is not something",
        ),
        (
            "name: w\nsteps:\n  - {name: a, agent_id: fuel, input_mapping: {x: input.a},"
            " condition: 'input.k in input.d'}\n",
            r"^steps\[0\] \(a\)\.condition: `in` is translated against a literal",
        ),
        (
            "name: w\nsteps:\n  - {name: a, agent_id: fuel, input_mapping: {x: input.a},"
            " condition: 'input.k in [1, 2]'}\n",
            r"^steps\[0\] \(a\)\.condition: '\[1, 2\]': GreenLang 0.3.0's condition evaluator has no",
        ),
        (
            "name: w\nsteps:\n  - {name: a, agent_id: fuel, input_mapping: {x: input.a},"
            " retry_count: 2}\n",
            r"^steps\[0\] \(a\)\.retry_count",
        ),
        (
            "name: w\nsteps:\n  - {name: a, agent_id: fuel, input_mapping: {x: input.steps}}\n",
            r"^steps\[0\] \(a\)\.input_mapping\.x: input\.steps: a chain input may not be named",
        ),
    ],
)
def test_what_cannot_be_kept_is_refused_naming_step_and_field(text: str, match: str) -> None:
    refused(text, match)


def test_an_agent_the_operator_did_not_enable_is_refused() -> None:
    text = "name: w\nsteps:\n  - {name: a, agent_id: fuel, input_mapping: {x: input.a}}\n"
    with pytest.raises(InvalidParameterError, match=r"'fuel' is not an agent the operator enabled"):
        import_workflow(text, frozenset({"CarbonAgent"}))
