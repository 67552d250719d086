"""GreenLangInstrumentor with the real greenlang-cli 0.3.0 and a real OpenTelemetry
SDK exporting OTLP/HTTP to a real Studio: each agent call is an agent span the
Studio stores with its agent name, input, output, CPU time and the energy and
carbon it derives from that CPU time."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from greenlang_studio.greenlang_instrumentor import GreenLangInstrumentor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from inprocess_studio import InProcessStudio

PROJECT = "greenlang-app"


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessStudio]:
    s = InProcessStudio(tmp_path_factory.mktemp("greenlang-sdk") / "data").start()
    yield s
    s.stop()


@pytest.fixture
def provider(studio: InProcessStudio) -> Iterator[TracerProvider]:
    provider = TracerProvider(resource=Resource.create({"service.name": "climate-app"}))
    exporter = OTLPSpanExporter(
        endpoint=studio.api + "/v1/traces", headers={"X-GLS-Project": PROJECT}
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider
    GreenLangInstrumentor().uninstrument()
    provider.shutdown()


def agent_spans(studio: InProcessStudio, agent: str, count: int) -> list[dict[str, Any]]:
    """The stored spans of `agent`, once `count` of them are there."""
    deadline = time.monotonic() + 30
    while True:
        answer = requests.get(
            f"{studio.api}/api/v1/projects/{PROJECT}/spans",
            params={"agent": agent, "limit": 50},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        spans = answer.json()["spans"]
        if len(spans) >= count or time.monotonic() > deadline:
            return spans
        time.sleep(0.2)


def stored_trace(studio: InProcessStudio, trace_id: str) -> dict[str, Any]:
    answer = requests.get(f"{studio.api}/api/v1/projects/{PROJECT}/traces/{trace_id}", timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_agent_call_is_an_agent_span_with_cpu_energy_and_carbon(
    studio: InProcessStudio, provider: TracerProvider
) -> None:
    GreenLangInstrumentor().instrument(tracer_provider=provider)
    GreenLangInstrumentor().instrument(tracer_provider=provider)  # idempotent: one span a call
    import greenlang.agents as agents
    from greenlang.data.emission_factors import EmissionFactors

    result = agents.FuelAgent().run({"fuel_type": "diesel", "amount": 40, "unit": "gallons"})
    assert result["success"]
    provider.force_flush()
    spans = agent_spans(studio, "FuelAgent", 1)
    assert len(spans) == 1
    trace = stored_trace(studio, spans[0]["trace_id"])
    (span,) = trace["spans"]
    assert span["span_type"] == "agent" and span["agent"] == "FuelAgent"
    assert span["name"] == "agent FuelAgent" and span["status"]["code"] != 2
    assert span["attributes"]["gls.agent.name"] == "FuelAgent"
    cpu = span["attributes"]["gls.cpu.seconds"]
    assert 0 < cpu < 5
    assert json.loads(span["input"]) == {"fuel_type": "diesel", "amount": 40, "unit": "gallons"}
    factor = EmissionFactors().get_factor(fuel_type="diesel", unit="gallons", region="US")
    assert json.loads(span["output"])["co2e_emissions_kg"] == pytest.approx(40 * factor)
    # the Studio's power model turned the CPU time into energy and carbon
    assert trace["totals"]["energy_kwh"]["value"] > 0
    assert trace["totals"]["carbon_g"]["value"] > 0
    assert trace["totals"]["spans_without_energy"] == 0


def test_a_failed_agent_is_an_error_span_with_an_exception_event(
    studio: InProcessStudio, provider: TracerProvider
) -> None:
    GreenLangInstrumentor().instrument(tracer_provider=provider)
    import greenlang.agents as agents

    result = agents.BenchmarkAgent().run({"building_type": "retail", "building_area": 0})
    assert result.success is False  # a pydantic AgentResult
    provider.force_flush()
    (span,) = agent_spans(studio, "BenchmarkAgent", 1)
    (stored,) = stored_trace(studio, span["trace_id"])["spans"]
    assert stored["status"] == {"code": 2, "message": "Building area must be greater than 0"}
    (event,) = [e for e in stored["events"] if e["name"] == "exception"]
    assert event["attributes"]["exception.message"] == "Building area must be greater than 0"
    assert stored["attributes"]["gls.cpu.seconds"] >= 0


def test_uninstrument_restores_the_agents_and_is_idempotent(
    studio: InProcessStudio, provider: TracerProvider
) -> None:
    import greenlang.agents as agents
    from greenlang.agents.base import BaseAgent

    produced = InMemorySpanExporter()  # what the application's SDK made, before any export
    provider.add_span_processor(SimpleSpanProcessor(produced))
    original = BaseAgent.__dict__["run"]
    fuel_run = agents.FuelAgent.__dict__["run"]
    instrumentor = GreenLangInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    GreenLangInstrumentor().instrument(tracer_provider=provider)  # wraps once, not twice
    assert BaseAgent.__dict__["run"].__wrapped__ is original
    assert agents.FuelAgent.__dict__["run"].__wrapped__ is fuel_run
    instrumentor.uninstrument()
    instrumentor.uninstrument()
    assert BaseAgent.__dict__["run"] is original
    assert agents.FuelAgent.__dict__["run"] is fuel_run
    agents.GridFactorAgent().run({"country": "US", "fuel_type": "electricity", "unit": "kWh"})
    provider.force_flush()
    instrumentor.instrument(tracer_provider=provider)
    agents.GridFactorAgent().run({"country": "IN", "fuel_type": "electricity", "unit": "kWh"})
    provider.force_flush()
    assert [s.attributes["gls.agent.name"] for s in produced.get_finished_spans()] == [
        "GridFactorAgent"
    ]  # only the call made while instrumented
    (span,) = agent_spans(studio, "GridFactorAgent", 1)
    (stored,) = stored_trace(studio, span["trace_id"])["spans"]
    assert json.loads(stored["input"])["country"] == "IN"
