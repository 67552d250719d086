"""The analytics endpoints' `environment` parameter, against what was sent.

Two services send traces through the OpenTelemetry SDK's OTLP/HTTP exporter,
one with `deployment.environment=prod` on its resource, the other `staging`
(as OpenTelemetry puts it: every span of the service carries it). Every figure
asked with environment=prod is recomputed here from the traces as they were
sent (calls, tokens, latencies, failures, chains, repeated calls), not read
back from the store; figures without an independent formula (cost, carbon) are
checked to add up over the two environments to the unfiltered answer.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Status, StatusCode

from openapi_check import checked_get

PROJECT = "environment-filter"
MINUTE_NS = 60 * 10**9
HOUR_NS = 60 * MINUTE_NS
# The window is the last hour before T0; the hour before it is its previous period.
T0 = (time.time_ns() // MINUTE_NS - 2) * MINUTE_NS
ENVIRONMENTS = ("prod", "staging")
MODELS = ("gpt-4o", "gpt-4o-mini")
CHAINS = ("answer", "triage")


@dataclass
class SentCall:
    model: str
    input_tokens: int
    output_tokens: int


@dataclass
class SentTrace:
    environment: str
    chain: str
    start_ns: int
    latency_ms: int
    failed: bool
    calls: list[SentCall] = field(default_factory=list)


def _send(studio: Any) -> list[SentTrace]:
    rng = random.Random(11)
    sent: list[SentTrace] = []
    for env in ENVIRONMENTS:
        provider = TracerProvider(
            resource=Resource.create({"service.name": f"shop-{env}", "deployment.environment": env})
        )
        exporter = OTLPSpanExporter(endpoint=studio.otlp_http, headers={"X-GLS-Project": PROJECT})
        # Batched, in two requests: every LLM call, then every root. Each trace
        # still arrives in two inserts, in 2 inserts in all rather than one a span.
        provider.add_span_processor(BatchSpanProcessor(exporter))
        tracer = provider.get_tracer("environment-test")
        roots = []
        for i in range(14 if env == "prod" else 9):
            start = T0 - rng.randrange(2 * MINUTE_NS, 2 * HOUR_NS - 2 * MINUTE_NS)
            t = SentTrace(env, rng.choice(CHAINS), start, rng.randint(200, 4000), i % 5 == 0)
            root = tracer.start_span(t.chain, start_time=start, attributes={"gls.chain": t.chain})
            with trace.use_span(root, end_on_exit=False):
                for j in range(rng.randint(1, 3)):
                    call = SentCall(rng.choice(MODELS), rng.randint(100, 3000), rng.randint(5, 300))
                    # a call sent twice with the same counts: a repeated call
                    repeats = 2 if rng.random() < 0.3 else 1
                    for _ in range(repeats):
                        t.calls.append(call)
                        llm = tracer.start_span(
                            f"chat {call.model}",
                            start_time=start + (len(t.calls) + j) * 10**6,
                            attributes={
                                "gen_ai.operation.name": "chat",
                                "gen_ai.system": "openai",
                                "gen_ai.request.model": call.model,
                                "gen_ai.usage.input_tokens": call.input_tokens,
                                "gen_ai.usage.output_tokens": call.output_tokens,
                            },
                        )
                        llm.end(end_time=start + (len(t.calls) + j + 1) * 10**6)
            if t.failed:
                root.set_status(Status(StatusCode.ERROR, "failed"))
            roots.append((root, start + t.latency_ms * 10**6))
            sent.append(t)
        assert provider.force_flush()
        for root, end in roots:
            root.end(end_time=end)
        provider.shutdown()
    return sent


@pytest.fixture(scope="module")
def sent(studio: Any) -> Iterator[list[SentTrace]]:
    traces = _send(studio)
    calls = sum(len(t.calls) for t in traces)
    deadline = time.time() + 30
    while time.time() < deadline:  # stored once the tokens endpoint counts every call
        body = checked_get(studio.api, f"/api/v1/projects/{PROJECT}/analytics/tokens", **_window(2))
        if body["totals"]["llm_calls"] == calls:
            break
        time.sleep(0.2)
    yield traces


def _window(hours: int = 1) -> dict[str, str]:
    return {"start": str((T0 - hours * HOUR_NS) // 10**6), "end": str(T0 // 10**6)}


def _get(studio: Any, what: str, **params: str) -> Any:
    return checked_get(
        studio.api, f"/api/v1/projects/{PROJECT}/analytics/{what}", **{**_window(), **params}
    )


def _in_window(t: SentTrace, previous: bool = False) -> bool:
    lo = T0 - (2 if previous else 1) * HOUR_NS
    return lo <= t.start_ns < lo + HOUR_NS


def _prod(sent: list[SentTrace], previous: bool = False) -> list[SentTrace]:
    return [t for t in sent if t.environment == "prod" and _in_window(t, previous)]


def test_tokens_in_one_environment(studio: Any, sent: list[SentTrace]) -> None:
    body = _get(studio, "tokens", environment="prod")
    assert body["environment"] == "prod"
    calls = [c for t in _prod(sent) for c in t.calls]
    assert body["totals"]["llm_calls"] == len(calls)
    assert body["totals"]["input_tokens"] == sum(c.input_tokens for c in calls)
    assert body["totals"]["output_tokens"] == sum(c.output_tokens for c in calls)
    by_model = {m["model"]: m["calls"] for m in body["by_model"]}
    assert by_model == {
        model: n for model in MODELS if (n := sum(1 for c in calls if c.model == model))
    }
    # repeats within a trace: the calls after the first of each (model, input tokens)
    repeats = 0
    for t in _prod(sent):
        seen: dict[tuple[str, int], int] = {}
        for c in t.calls:
            seen[(c.model, c.input_tokens)] = seen.get((c.model, c.input_tokens), 0) + 1
        repeats += sum(n - 1 for n in seen.values())
    assert repeats > 0
    assert body["waste"]["repeated_calls"]["calls"] == repeats
    everything = _get(studio, "tokens")
    assert everything["totals"]["llm_calls"] > len(calls)


def test_costs_in_one_environment(studio: Any, sent: list[SentTrace]) -> None:
    body = _get(studio, "costs", environment="prod", group_by="chain")
    prod = _prod(sent)
    calls = [c for t in prod for c in t.calls]
    assert body["totals"]["llm_calls"] == len(calls)
    assert body["previous"]["llm_calls"] == sum(len(t.calls) for t in _prod(sent, True))
    assert {c["chain"]: c["executions"] for c in body["by_chain"]} == {
        chain: n for chain in CHAINS if (n := sum(1 for t in prod if t.chain == chain))
    }
    assert {m["model"]: (m["requests"], m["input_tokens"]) for m in body["by_model"]} == {
        model: (len(mc), sum(c.input_tokens for c in mc))
        for model in MODELS
        if (mc := [c for c in calls if c.model == model])
    }
    assert {g["group"]: sum(p["llm_calls"] for p in g["series"]) for g in body["groups"]} == {
        chain: n for chain in CHAINS if (n := sum(len(t.calls) for t in prod if t.chain == chain))
    }
    # what no formula here gives: the two environments add up to everything
    staging = _get(studio, "costs", environment="staging")
    everything = _get(studio, "costs")
    for key in ("cost_usd", "llm_cost_usd", "carbon_g", "energy_kwh"):
        assert body["totals"][key] > 0, key
        assert body["totals"][key] + staging["totals"][key] == pytest.approx(
            everything["totals"][key], rel=1e-9
        ), key
    for key in ("carbon_g", "carbon_g_min", "carbon_g_max"):
        assert body["carbon"]["totals"][key] + staging["carbon"]["totals"][key] == pytest.approx(
            everything["carbon"]["totals"][key], rel=1e-9
        ), key


def test_metrics_in_one_environment(studio: Any, sent: list[SentTrace]) -> None:
    prod = _prod(sent)
    latency = _get(studio, "metrics", metric="latency", environment="prod")
    assert latency["summary"]["count"] == len(prod)
    assert latency["summary"]["avg"] == pytest.approx(
        sum(t.latency_ms for t in prod) / len(prod), rel=1e-6
    )
    assert latency["summary"]["previous"]["count"] == len(_prod(sent, True))
    errors = _get(studio, "metrics", metric="error_rate", group_by="chain", environment="prod")
    assert {g["group"]: (g["count"], g["errors"]) for g in errors["groups"]} == {
        chain: (len(ts), sum(1 for t in ts if t.failed))
        for chain in CHAINS
        if (ts := [t for t in prod if t.chain == chain])
    }
    calls = _get(studio, "metrics", metric="tokens", environment="prod")
    assert calls["summary"]["count"] == sum(len(t.calls) for t in prod)
    histogram = _get(studio, "histogram", metric="latency", environment="prod")
    assert histogram["count"] == len(prod)
    leaders = _get(studio, "leaders", metric="latency", group_by="environment", environment="prod")
    assert [g["group"] for g in leaders["top"]] == ["prod"]


def test_cost_and_tokens_per_trace_by_the_traces_chain(studio: Any, sent: list[SentTrace]) -> None:
    """scope=trace: each trace's tokens, grouped by the trace's chain (the LLM
    calls name none themselves), in one environment and in all."""
    for env in ("prod", None):
        params = {"environment": env} if env else {}
        traces = [t for t in sent if _in_window(t) and (env is None or t.environment == env)]
        body = _get(studio, "metrics", metric="tokens", scope="trace", group_by="chain", **params)
        assert body["scope"] == "trace"
        for g in body["groups"]:
            mine = [t for t in traces if t.chain == g["group"]]
            totals = sorted(sum(c.input_tokens + c.output_tokens for c in t.calls) for t in mine)
            assert g["count"] == len(mine), g["group"]
            assert g["sum"] == sum(totals) and g["min"] == totals[0] and g["max"] == totals[-1]
        assert {g["group"] for g in body["groups"]} == {t.chain for t in traces}
        cost = _get(studio, "metrics", metric="cost", scope="trace", group_by="chain", **params)
        costs = _get(studio, "costs", group_by="chain", **params)
        assert {g["group"]: pytest.approx(g["sum"], rel=1e-9) for g in cost["groups"]} == {
            c["chain"]: c["cost_usd"] for c in costs["by_chain"]
        }


@pytest.mark.parametrize(
    "what,params",
    [
        ("metrics", {"metric": "latency", "group_by": "chain"}),
        ("leaders", {"metric": "latency", "group_by": "model"}),
    ],
)
def test_a_sketched_metric_grouped_otherwise_is_400(
    studio: Any, sent: list[SentTrace], what: str, params: dict[str, str]
) -> None:
    body = checked_get(
        studio.api,
        f"/api/v1/projects/{PROJECT}/analytics/{what}",
        expect=400,
        **{**params, "environment": "prod"},
    )
    assert "environment" in body["error"]["message"]
