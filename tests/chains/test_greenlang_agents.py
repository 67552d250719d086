"""The GreenLang agent registry with the real greenlang-cli 0.3.0: each enabled
built-in run on sample inputs and its numbers checked against the package's own
data; the three result shapes; an agent's exception; what a request may name."""

from __future__ import annotations

import asyncio
import json
import math
import socket
import threading
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest

from gls_engine.chains.contracts import AgentResult
from gls_engine.chains.greenlang_agents import (
    PATH_READING_BUILTINS,
    GreenLangAgents,
    builtin_agent_names,
)
from gls_engine.config import SettingsError, load_settings, settings_for_tests
from gls_engine.errors import InvalidParameterError

OPERATOR = "support.greenlang_operator_agents"


@pytest.fixture(scope="module")
def agents() -> Iterator[GreenLangAgents]:
    registry = GreenLangAgents.from_settings(
        settings_for_tests(
            greenlang_agents=(
                f"Flaky={OPERATOR}:FlakyMeterAgent",
                f"Meter={OPERATOR}:MeterReadingAgent",
                f"Plain={OPERATOR}:PlainOutputAgent",
            )
        )
    )
    yield registry
    registry.close()


def run(agents: GreenLangAgents, name: str, inputs: dict[str, Any]) -> AgentResult:
    return asyncio.run(agents.run(name, inputs))


def emission_factor(fuel: str, unit: str, region: str) -> float:
    from greenlang.data.emission_factors import EmissionFactors

    factor = EmissionFactors().get_factor(fuel_type=fuel, unit=unit, region=region)
    assert factor is not None and factor > 0
    return float(factor)


def grid_data() -> dict[str, Any]:
    text = resources.files("greenlang").joinpath("data", "global_emission_factors.json")
    return json.loads(text.read_text(encoding="utf-8"))


def check_fuel(data: dict[str, Any]) -> None:
    factor = emission_factor("diesel", "gallons", "US")
    assert data["emission_factor"] == factor
    assert math.isclose(data["co2e_emissions_kg"], 40 * factor)


def check_boiler(data: dict[str, Any]) -> None:
    factor = emission_factor("natural_gas", "therms", "US")
    assert data["emission_factor"] == factor
    # 100 MMBtu of heat at the boiler's efficiency, 10 therms a MMBtu, times the factor
    fuel_therms = 100 * 10 / data["efficiency"]
    assert math.isclose(data["fuel_consumption_value"], fuel_therms)
    assert math.isclose(data["co2e_emissions_kg"], fuel_therms * factor)


def check_grid(data: dict[str, Any]) -> None:
    assert data["emission_factor"] == grid_data()["IN"]["electricity"]["kWh"]
    assert data["country"] == "IN" and data["unit"] == "kgCO2e/kWh"


def check_carbon(data: dict[str, Any]) -> None:
    assert data["total_co2e_kg"] == 350.5 and data["total_co2e_tons"] == round(350.5 / 1000, 3)
    assert [b["source"] for b in data["emissions_breakdown"]] == ["diesel", "natural_gas"]


def check_intensity(data: dict[str, Any]) -> None:
    assert data["intensities"]["per_sqft_year"] == round(50_000 / 2_000, 3)
    assert data["intensities"]["per_person_year"] == 50_000 / 10


def check_benchmark(data: dict[str, Any]) -> None:
    from greenlang.agents.benchmark_agent import BenchmarkAgent

    thresholds = BenchmarkAgent.BENCHMARKS["commercial_office"]
    intensity = 50_000 / 2_000
    assert data["carbon_intensity"] == intensity
    assert thresholds["excellent"] < intensity <= thresholds["good"] and data["rating"] == "Good"


def check_building_profile(data: dict[str, Any]) -> None:
    assert data["building_category"] == "commercial_office"
    # the energy is the unrounded EUI x the area; the EUI is answered rounded to 0.1
    assert round(data["expected_annual_energy_kwh"] / 50_000, 1) == data["expected_eui"]


def check_validator(data: dict[str, Any]) -> None:
    fuel = data["validated_data"]["fuels"][0]
    assert (fuel["fuel_type"], fuel["consumption"], fuel["unit"]) == ("electricity", 1000.0, "kWh")


def check_recommendation(data: dict[str, Any]) -> None:
    assert data["recommendations"] and all("action" in r for r in data["recommendations"])


def check_report(data: dict[str, Any]) -> None:
    assert data["format"] == "markdown" and "1.500" in data["report"]


def check_field_layout(data: dict[str, Any]) -> None:
    from greenlang.agents import field_layout_agent as layout

    area = 2.0 * 1e6 * 0.5 / (layout.ANNUAL_DNI_KWH_PER_M2 * layout.SYSTEM_EFFICIENCY_HEURISTIC)
    collectors = round(area / 50)
    assert data["num_collectors"] == collectors
    assert data["required_land_area_m2"] == collectors * 50 * 2.5


def check_solar(data: dict[str, Any]) -> None:
    frame = json.loads(data["solar_resource_df"])
    assert frame["columns"] == ["dni_w_per_m2", "temp_c"] and len(frame["data"]) == 8760


SAMPLES: dict[str, tuple[dict[str, Any], Any]] = {
    "FuelAgent": (
        {"fuel_type": "diesel", "amount": 40, "unit": "gallons", "country": "US"},
        check_fuel,
    ),
    "BoilerAgent": (
        {
            "boiler_type": "condensing",
            "fuel_type": "natural_gas",
            "thermal_output": {"value": 100, "unit": "MMBtu"},
            "country": "US",
        },
        check_boiler,
    ),
    "GridFactorAgent": ({"country": "IN", "fuel_type": "electricity", "unit": "kWh"}, check_grid),
    "CarbonAgent": (
        {
            "emissions": [
                {"fuel_type": "diesel", "co2e_emissions_kg": 300.25},
                {"fuel_type": "natural_gas", "co2e_emissions_kg": 50.25},
            ]
        },
        check_carbon,
    ),
    "IntensityAgent": (
        {"total_emissions_kg": 50_000, "area": 2_000, "area_unit": "sqft", "occupancy": 10},
        check_intensity,
    ),
    "BenchmarkAgent": (
        {
            "building_type": "commercial_office",
            "total_emissions_kg": 50_000,
            "building_area": 2_000,
        },
        check_benchmark,
    ),
    "BuildingProfileAgent": (
        {"building_type": "commercial_office", "area": 50_000, "country": "US", "building_age": 20},
        check_building_profile,
    ),
    "InputValidatorAgent": (
        {
            "fuels": [{"type": "electricity", "consumption": 1000, "unit": "kWh"}],
            "building_info": {"type": "commercial_office", "area": 1000},
        },
        check_validator,
    ),
    "RecommendationAgent": (
        {
            "emissions_by_source": {"electricity": 1000, "natural_gas": 500},
            "building_type": "commercial_office",
            "building_age": 25,
            "country": "US",
        },
        check_recommendation,
    ),
    "ReportAgent": (
        {
            "format": "markdown",
            "carbon_data": {
                "total_co2e_tons": 1.5,
                "total_co2e_kg": 1500,
                "emissions_breakdown": [{"source": "diesel", "co2e_tons": 1.5, "percentage": 100}],
            },
        },
        check_report,
    ),
    "FieldLayoutAgent": (
        {"total_annual_demand_gwh": 2.0, "solar_config": {"row_spacing_factor": 2.5}},
        check_field_layout,
    ),
    "SolarResourceAgent": ({"lat": 19.0, "lon": 72.8}, check_solar),
}


def test_the_default_is_every_builtin_but_those_opening_paths_from_their_inputs(
    agents: GreenLangAgents,
) -> None:
    builtins = set(builtin_agent_names())
    assert set(PATH_READING_BUILTINS) <= builtins
    assert agents.enabled() == (builtins - set(PATH_READING_BUILTINS)) | {"Flaky", "Meter", "Plain"}
    assert set(SAMPLES) == builtins - set(PATH_READING_BUILTINS)  # each one is run below


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            n,
            # pandas 3 warns about the agent's to_json(); this suite turns warnings into errors
            marks=pytest.mark.filterwarnings("ignore:The default formatting of datetime"),
        )
        for n in sorted(SAMPLES)
    ],
)
def test_each_enabled_builtin_runs_offline_with_real_figures(
    agents: GreenLangAgents, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    inputs, check = SAMPLES[name]
    result = run(agents, name, inputs)
    assert result.success, result.error
    assert result.error is None
    json.dumps(result.data, allow_nan=False)  # JSON values only
    check(result.data)
    assert 0 < result.cpu_seconds < 5
    assert attempts == []


def test_a_dict_result_keeps_its_metadata_and_structured_error(agents: GreenLangAgents) -> None:
    ok = run(agents, "FuelAgent", SAMPLES["FuelAgent"][0])
    assert ok.metadata["agent_id"] == "fuel"
    failed = run(
        agents, "GridFactorAgent", {"country": "US", "fuel_type": "moonlight", "unit": "kWh"}
    )
    assert failed.success is False and failed.data is None
    assert failed.error == "DataError: Fuel type 'moonlight' not found for country US"
    assert failed.metadata["error_info"]["type"] == "DataError"


def test_a_pydantic_result_failure_is_a_failed_result(agents: GreenLangAgents) -> None:
    result = run(agents, "BenchmarkAgent", {"building_type": "retail", "building_area": 0})
    assert (result.success, result.error) == (False, "Building area must be greater than 0")


def test_a_result_dataclass_is_normalised_to_json(agents: GreenLangAgents) -> None:
    result = run(agents, "Meter", {"meter": "m-7"})
    assert result.success and result.error is None
    assert result.data == {
        "meter": "m-7",
        "read_at": "2026-12-07T06:00:00+00:00",
        "kwh": 12.5,
        "hourly": [1.5, 2.5],
        "peak": 2.5,
    }
    assert result.metadata == {"agent": "meter", "version": "0.1.0"}
    refused = run(agents, "Meter", {})
    assert (refused.success, refused.error) == (False, "Input validation failed")


def test_a_plain_output_dict_is_the_data(agents: GreenLangAgents) -> None:
    result = run(agents, "Plain", {"value": "x", "dropped": None})
    assert result.success and result.data == {"echo": "x", "count": 3}


def test_an_agent_exception_is_a_failed_result_not_a_crash(agents: GreenLangAgents) -> None:
    result = run(agents, "Flaky", {"meter": "m-1"})
    assert result.success is False and result.data is None
    assert result.error == "ConnectionError: meter m-1 did not answer"
    assert result.cpu_seconds >= 0
    assert run(agents, "CarbonAgent", SAMPLES["CarbonAgent"][0]).success  # the pool still runs


def test_agents_run_off_the_event_loop_thread(agents: GreenLangAgents) -> None:
    async def main() -> tuple[int, int]:
        loop_thread = threading.get_ident()
        seen: list[int] = []
        from gls_engine.chains import greenlang_agents as module

        original = module.run_agent

        def spy(make: Any, inputs: dict[str, Any]) -> AgentResult:
            seen.append(threading.get_ident())
            return original(make, inputs)

        module.run_agent = spy
        try:
            await agents.run("CarbonAgent", {"emissions": []})
        finally:
            module.run_agent = original
        return loop_thread, seen[0]

    loop_thread, agent_thread = asyncio.run(main())
    assert agent_thread != loop_thread


def test_stateful_builtins_get_a_new_instance_per_call(agents: GreenLangAgents) -> None:
    # FuelAgent counts its factor cache misses on the instance and reports them: a
    # shared instance would answer 1, 2, 3 for three different fuels.
    for fuel, unit in (("diesel", "gallons"), ("natural_gas", "therms"), ("electricity", "kWh")):
        inputs = {"fuel_type": fuel, "amount": 10, "unit": unit, "country": "US"}
        assert run(agents, "FuelAgent", inputs).metadata["cache_misses"] == 1


def test_an_unknown_agent_is_refused_naming_the_enabled_ones(agents: GreenLangAgents) -> None:
    with pytest.raises(InvalidParameterError, match=r"'NoSuchAgent' is not an agent.*FuelAgent"):
        run(agents, "NoSuchAgent", {})


@pytest.mark.parametrize(
    "name",
    [
        "SiteInputAgent",
        "greenlang.agents.site_input_agent:SiteInputAgent",
        "os:system",
        "BaseAgent",
    ],
)
def test_a_request_cannot_name_a_module_or_a_path_reading_builtin(
    agents: GreenLangAgents, name: str
) -> None:
    with pytest.raises(InvalidParameterError, match="is not an agent the operator enabled"):
        run(agents, name, {"site_file": "/etc/passwd"})


def test_the_operator_restricts_the_builtins() -> None:
    registry = GreenLangAgents.from_settings(
        load_settings(environ={"GLS_GREENLANG_BUILTIN_AGENTS": "FuelAgent,GridFactorAgent"})
    )
    try:
        assert registry.enabled() == {"FuelAgent", "GridFactorAgent"}
        with pytest.raises(InvalidParameterError, match="CarbonAgent"):
            run(registry, "CarbonAgent", {"emissions": []})
    finally:
        registry.close()
    none = GreenLangAgents.from_settings(
        load_settings(environ={"GLS_GREENLANG_BUILTIN_AGENTS": ""})
    )
    assert none.enabled() == frozenset()
    none.close()


def test_operator_agents_come_from_the_settings_only() -> None:
    env = {"GLS_GREENLANG_AGENTS": f"Meter={OPERATOR}:MeterReadingAgent"}
    registry = GreenLangAgents.from_settings(load_settings(environ=env))
    assert "Meter" in registry.enabled()
    registry.close()
    with pytest.raises(SettingsError, match="not Name=package.module:Class"):
        load_settings(environ={"GLS_GREENLANG_AGENTS": "Meter=/tmp/evil.py"})
    with pytest.raises(SettingsError, match="cannot import"):
        GreenLangAgents.from_settings(settings_for_tests(greenlang_agents=("X=no_such_pkg:Agent",)))
    with pytest.raises(SettingsError, match="not a GreenLang built-in"):
        GreenLangAgents.from_settings(settings_for_tests(greenlang_builtin_agents=("Nope",)))


def test_describe_gives_each_agent_its_input_fields(agents: GreenLangAgents) -> None:
    described = {a["name"]: a for a in agents.describe()}
    fuel = described["FuelAgent"]
    assert fuel["input_fields_from"] == "schema"  # greenlang/schemas/fuel_input.schema.json
    fields = {f["name"]: f for f in fuel["input_fields"]}
    assert fields["fuel_type"]["required"] is True and "diesel" in fields["fuel_type"]["enum"]
    assert fields["amount"]["type"] == "number"
    carbon = described["CarbonAgent"]
    assert carbon["input_fields_from"] == "code"
    assert [f["name"] for f in carbon["input_fields"]] == ["emissions"]
    assert carbon["description"] == "Aggregates emissions and provides carbon footprint"
    intensity = [f["name"] for f in described["IntensityAgent"]["input_fields"]]
    assert intensity[:3] == ["total_emissions_kg", "area", "area_unit"]
    assert described["Meter"]["builtin"] is False
    assert described["Meter"]["description"] == "Reads a meter"


def test_null_inputs_are_left_out_as_greenlangs_orchestrator_does(agents: GreenLangAgents) -> None:
    # A mapping of a missing value reads null; GreenLang leaves such an input out,
    # so the agent's .get(name, default) keeps its default (12 months here).
    inputs = {"building_type": "retail", "total_emissions_kg": 40_000, "building_area": 1_000}
    result = run(agents, "BenchmarkAgent", {**inputs, "period_months": None})
    assert result.success, result.error
    assert result.data["carbon_intensity"] == 40.0
