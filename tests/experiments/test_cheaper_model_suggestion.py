"""The cost suggestions' cheaper-model case from experiments the SDK ran: gpt-4o-mini
no significantly worse than gpt-4o on a dataset is suggested for gpt-4o's
production calls (not the experiments' own), with the saving worked out from the
experiments' cost ratio; gpt-3.5-turbo, cheaper but significantly worse, is not."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from greenlang_studio import Client
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from conftest import Studio

PROJECT = "cheaper"
PRODUCTION_CALLS = 10


def llm_call(tracer: Any, model: str) -> None:
    with tracer.start_as_current_span(
        f"chat {model}",
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.system": "openai",
            "gen_ai.request.model": model,
            "gen_ai.usage.input_tokens": 1000,
            "gen_ai.usage.output_tokens": 200,
        },
    ):
        pass


def test_a_cheaper_model_without_quality_loss_is_suggested(studio: Studio) -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": "prod-app"}))
    # Batched: the production traces go in one request at shutdown (which returns
    # once the Studio answered), not one request and insert a span.
    provider.add_span_processor(
        BatchSpanProcessor(
            OTLPSpanExporter(endpoint=studio.otlp_http, headers={"X-GLS-Project": PROJECT})
        )
    )
    production = provider.get_tracer("prod")
    trace_ids = []
    for _ in range(PRODUCTION_CALLS):
        with production.start_as_current_span("answer") as root:
            llm_call(production, "gpt-4o")
        trace_ids.append(format(root.get_span_context().trace_id, "032x"))
    provider.shutdown()

    client = Client(studio.api, project=PROJECT)
    dataset = client.create_dataset("faq")
    dataset.add_items([{"id": f"f{i:02d}", "input": i, "expected": str(i)} for i in range(12)])

    def variant(model: str, wrong: set[int]) -> Any:
        def task(number: int) -> str:
            llm_call(client.tracer, model)
            return "?" if number in wrong else str(number)

        return client.run_experiment(
            "faq", task, ["exact_match"], name=model, metadata={"model": model}
        )

    dear = variant("gpt-4o", set())
    cheap = variant("gpt-4o-mini", {5})  # one item worse: p = 0.34
    variant("gpt-3.5-turbo", set(range(8)))  # eight worse: significant

    deadline = time.monotonic() + 60
    while True:
        body = requests.get(
            f"{studio.api}/api/v1/projects/{PROJECT}/analytics/suggestions", timeout=60
        ).json()
        found = [s for s in body["suggestions"] if s["kind"] == "cheaper_model"]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert "cheaper_model" in body["evaluated"]
    assert len(found) == 1, body["suggestions"]
    suggestion = found[0]
    evidence = suggestion["evidence"]
    assert (evidence["model"], evidence["to_model"]) == ("gpt-4o", "gpt-4o-mini")
    assert evidence["experiments"] == [dear.id, cheap.id]
    assert evidence["production_calls"] == PRODUCTION_CALLS  # the experiments' calls left out
    assert evidence["scores"]["exact_match"]["n"] == 12
    ratio = (
        cheap.aggregates()["metrics"]["cost_usd"]["mean"]
        / dear.aggregates()["metrics"]["cost_usd"]["mean"]
    )
    assert evidence["cost_ratio"] == pytest.approx(ratio)
    one_call = requests.get(
        f"{studio.api}/api/v1/projects/{PROJECT}/traces/{trace_ids[0]}", timeout=60
    ).json()["totals"]["cost"]["total_usd"]
    expected = PRODUCTION_CALLS * one_call * (1 - ratio) * body["month_scale"]
    assert suggestion["monthly_saving_usd"] == pytest.approx(expected, rel=1e-6)
    assert suggestion["monthly_saving_co2e_g"] > 0
    client.close()
