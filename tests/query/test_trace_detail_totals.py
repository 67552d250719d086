"""The trace-detail endpoint's totals (the footer), for traces sent by the OTel SDK.

Each figure is checked against what was sent (token counts, LLM calls,
duration), against the sum of the same trace's spans in the answer, and
against the trace list's summary, which the store computes on its own
(the trace_summaries materialized view), so a wrong rule on either side fails.
"""

from __future__ import annotations

import math
import time
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode

from openapi_check import checked_get

PROJECT = "trace-totals"
SECOND = 10**9


def _chat(tracer: Any, model: str, input_tokens: int, output_tokens: int, start: int) -> None:
    span = tracer.start_span(
        f"chat {model}",
        start_time=start,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": model,
            "gen_ai.usage.input_tokens": input_tokens,
            "gen_ai.usage.output_tokens": output_tokens,
        },
    )
    span.end(end_time=start + 2 * SECOND)


@pytest.fixture(scope="module")
def sent(studio) -> dict[str, Any]:
    """Two traces: one whose LLM calls are all priced, one with an unpriced call."""
    provider = TracerProvider(
        resource=Resource.create({"service.name": "totals", "gls.project": PROJECT})
    )
    # Synchronous export: once end() returns, the Studio has stored the span.
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=studio.otlp_http)))
    tracer = provider.get_tracer("totals-test")
    traces = {}
    start = time.time_ns() - 60 * SECOND
    for name, second_model in (("all priced", "gpt-4o-mini"), ("one unpriced", "no-such-model")):
        root = tracer.start_span(name, start_time=start)
        with trace.use_span(root, end_on_exit=False):
            _chat(tracer, "gpt-4o", 1200, 300, start + SECOND)
            _chat(tracer, second_model, 500, 50, start + 4 * SECOND)
            tool = tracer.start_span(
                "lookup", start_time=start + 7 * SECOND, attributes={"gls.span.type": "tool"}
            )
            tool.set_status(Status(StatusCode.ERROR, "not found"))
            tool.end(end_time=start + 8 * SECOND)
        root.end(end_time=start + 10 * SECOND)
        traces[name] = format(root.get_span_context().trace_id, "032x")
    provider.shutdown()
    return traces


def _opened(studio, trace_id: str) -> dict[str, Any]:
    return checked_get(studio.api, f"/api/v1/projects/{PROJECT}/traces/{trace_id}")


def _listed(studio) -> dict[str, dict[str, Any]]:
    page = checked_get(studio.api, f"/api/v1/projects/{PROJECT}/traces")
    return {t["trace_id"]: t for t in page["traces"]}


def test_totals_match_what_was_sent(studio, sent):
    for name, trace_id in sent.items():
        totals = _opened(studio, trace_id)["totals"]
        assert totals["duration_ms"] == 10_000.0
        assert totals["llm_calls"] == 2
        assert totals["tokens"]["input"] == 1700
        assert totals["tokens"]["output"] == 350
        assert totals["tokens"]["total"] == 2050
        assert totals["tokens"]["spans_without_counts"] == 0
        assert totals["cost"]["known"] is (name == "all priced")
        assert totals["cost"]["unpriced_llm_calls"] == (0 if name == "all priced" else 1)


def test_totals_are_the_sums_of_the_spans_served(studio, sent):
    for trace_id in sent.values():
        trace = _opened(studio, trace_id)
        spans, totals = trace["spans"], trace["totals"]
        assert math.isclose(totals["cost"]["total_usd"], sum(s["cost"]["total_usd"] for s in spans))
        assert math.isclose(
            totals["cost"]["llm_usd"], sum(s["cost"]["llm_usd"] or 0 for s in spans)
        )
        assert totals["cost"]["total_usd"] > 0  # gpt-4o is priced in any case
        for figure in ("energy_kwh", "carbon_g", "embodied_carbon_g"):
            ranges = [s["carbon"][figure] for s in spans if s["carbon"][figure]]
            assert ranges, figure  # the LLM calls have an estimate
            for part in ("value", "min", "max"):
                assert math.isclose(totals[figure][part], sum(r[part] for r in ranges))
            assert totals[figure]["min"] <= totals[figure]["value"] <= totals[figure]["max"]
        assert totals["spans_without_energy"] == sum(
            1 for s in spans if s["carbon"]["energy_kwh"] is None
        )
        quality = totals["data_quality"]
        passed = sum(bin(s["data_quality"]["passed"]).count("1") for s in spans)
        checks = sum(bin(s["data_quality"]["checks"]).count("1") for s in spans)
        assert (quality["passed_checks"], quality["applicable_checks"]) == (passed, checks)
        assert quality["score"] == passed / checks


def test_totals_equal_the_trace_lists_summary(studio, sent):
    listed = _listed(studio)
    for trace_id in sent.values():
        totals = _opened(studio, trace_id)["totals"]
        summary = listed[trace_id]
        assert totals["llm_calls"] == summary["llm_call_count"]
        assert totals["tokens"]["input"] == summary["input_tokens"]
        assert totals["tokens"]["output"] == summary["output_tokens"]
        assert totals["tokens"]["total"] == summary["total_tokens"]
        assert math.isclose(totals["cost"]["total_usd"], summary["cost"]["total_usd"])
        assert math.isclose(totals["cost"]["llm_usd"], summary["cost"]["llm_usd"])
        assert totals["cost"]["unpriced_llm_calls"] == summary["cost"]["unpriced_llm_calls"]
        assert math.isclose(totals["energy_kwh"]["value"], summary["carbon"]["energy_kwh"])
        assert math.isclose(totals["carbon_g"]["value"], summary["carbon"]["carbon_g"])
        assert totals["spans_without_energy"] == summary["carbon"]["spans_without_energy"]
        assert math.isclose(totals["data_quality"]["score"], summary["data_quality"])
