"""Optimisation suggestions from evidence in stored spans, savings checked
against genai-prices and ecologits computed independently here."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from ecologits.electricity_mix_repository import electricity_mixes
from genai_prices import Usage, calc_price

from carbon.ccf_published import REGION_COUNTRY
from inprocess_studio import InProcessStudio
from openapi_check import checked_get
from otlp_helpers import make_request, make_span, new_span_id, new_trace_id, post_protobuf

PROJECT = "suggest"
MINUTE_NS = 60 * 10**9
T0 = (time.time_ns() // MINUTE_NS - 2) * MINUTE_NS
WINDOW_NS = 60 * MINUTE_NS
SCALE = 30 * 86_400 / 3600  # one-hour window -> 30 days
WORDS = "policy refund invoice shipping account billing order status support escalation ".split()
LONG_SYSTEM = " ".join(WORDS[i % len(WORDS)] + str(i % 97) for i in range(1400))
OTHER_SYSTEM = "You are terse. " + LONG_SYSTEM[::-1]


def _prompt(system: str, question: str) -> str:
    return json.dumps(
        [{"role": "system", "content": system}, {"role": "user", "content": question}]
    )


def _llm(tid: bytes, parent: bytes, start: int, model: str, attrs: dict[str, Any]) -> Any:
    return make_span(
        tid,
        parent=parent,
        name="chat",
        start_ns=start,
        duration_ns=800_000_000,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": model,
            "gen_ai.provider.name": "openai",
            "gen_ai.usage.output_tokens": 100,
            **attrs,
        },
    )


def _post(studio: InProcessStudio, queued: list[tuple[list[Any], dict[str, Any] | None]]) -> None:
    """The queued traces, those of one resource in one request (one insert, not one a
    trace): the same spans stored."""
    for resource in {repr(r): r for _, r in queued}.values():
        spans = [span for trace, r in queued if r == resource for span in trace]
        resp = post_protobuf(
            studio.api + "/v1/traces",
            make_request(spans, resource=resource),
            headers={"X-GLS-Project": PROJECT},
        )
        assert resp.status_code == 200, resp.text


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessStudio]:
    s = InProcessStudio(tmp_path_factory.mktemp("suggest") / "data").start()
    queued: list[tuple[list[Any], dict[str, Any] | None]] = []  # (a trace's spans, resource)
    # 30 uncached calls sharing one long system prompt, 30 that read theirs from cache
    for i in range(60):
        tid, root = new_trace_id(), new_span_id()
        cached = i >= 30
        system = OTHER_SYSTEM if cached else LONG_SYSTEM
        attrs = {
            "input.value": _prompt(system, f"question {i}?"),
            "gen_ai.usage.input_tokens": 2100,
            "user.id": "u1",
        }
        if cached:
            attrs["gen_ai.usage.cache_read.input_tokens"] = 1500
        start = T0 - (i + 1) * MINUTE_NS // 2
        queued.append(
            (
                [
                    make_span(
                        tid,
                        root,
                        name="answer",
                        start_ns=start,
                        duration_ns=10**9,
                        attributes={"openinference.span.kind": "CHAIN", "user.id": "u1"},
                    ),
                    _llm(tid, root, start + 1000, "gpt-4o", attrs),
                ],
                None,
            )
        )
    # 5 calls near gpt-4o-mini's context window
    for i in range(5):
        tid, root = new_trace_id(), new_span_id()
        start = T0 - (i + 1) * MINUTE_NS
        queued.append(
            (
                [
                    make_span(
                        tid,
                        root,
                        name="long",
                        start_ns=start,
                        duration_ns=10**9,
                        attributes={"openinference.span.kind": "CHAIN"},
                    ),
                    _llm(
                        tid,
                        root,
                        start + 1000,
                        "gpt-4o-mini",
                        {"gen_ai.usage.input_tokens": 120_000 + i},
                    ),
                ],
                None,
            )
        )
    # batch compute (no user) on AWS us-east-1
    for i in range(10):
        tid, root = new_trace_id(), new_span_id()
        start = T0 - (i + 1) * MINUTE_NS
        queued.append(
            (
                [
                    make_span(
                        tid,
                        root,
                        name="nightly-embed",
                        start_ns=start,
                        duration_ns=10**9,
                        attributes={"openinference.span.kind": "CHAIN"},
                    ),
                    make_span(
                        tid,
                        parent=root,
                        name="featurize",
                        start_ns=start + 1000,
                        duration_ns=900_000_000,
                        attributes={
                            "openinference.span.kind": "TOOL",
                            "gls.cpu.seconds": 120.0 + i,
                        },
                    ),
                ],
                {
                    "service.name": "batch",
                    "cloud.provider": "aws",
                    "cloud.region": "us-east-1",
                    "deployment.environment": "nightly",
                },
            )
        )
    _post(s, queued)
    yield s
    s.stop()


def _suggestions(studio: InProcessStudio, **params: str) -> dict[str, Any]:
    return checked_get(
        studio.api,
        f"/api/v1/projects/{PROJECT}/analytics/suggestions",
        start=str((T0 - WINDOW_NS) // 10**6),
        end=str(T0 // 10**6),
        min_calls="10",
        **params,
    )


def _price(model: str, usage: Usage) -> float:
    at = datetime.now(UTC)
    return float(
        calc_price(
            usage, model_ref=model, provider_id="openai", genai_request_timestamp=at
        ).total_price
    )


def test_prompt_caching_is_suggested_for_the_uncached_shared_prompt(
    studio: InProcessStudio,
) -> None:
    body = _suggestions(studio)
    assert body["month_scale"] == pytest.approx(SCALE)
    caching = [s for s in body["suggestions"] if s["kind"] == "prompt_caching"]
    assert len(caching) == 1, caching  # the cached prompt is not suggested
    s = caching[0]
    # LONG_SYSTEM's tokens in o200k_base as tiktoken 0.14 counts them (not the core's count).
    tokens = 2800
    assert s["evidence"]["calls"] == 30 and s["evidence"]["cached_calls"] == 0
    assert s["evidence"]["system_tokens"] == tokens >= 1024
    per_call = _price("gpt-4o", Usage(input_tokens=tokens)) - _price(
        "gpt-4o", Usage(input_tokens=tokens, cache_read_tokens=tokens)
    )
    assert s["monthly_saving_usd"] == pytest.approx(per_call * 30 * SCALE, rel=1e-9)
    assert s["monthly_saving_co2e_g"] == 0
    stored = studio.sql(
        "SELECT DISTINCT lower(hex(trace_id)) AS t FROM spans WHERE project = {p:String}"
        " AND model = 'gpt-4o' AND ifNull(cached_tokens, 0) = 0",
        p=PROJECT,
    )
    assert set(s["traces"]) <= {r["t"] for r in stored} and len(s["traces"]) == 5


def test_calls_near_the_context_window(studio: InProcessStudio) -> None:
    body = _suggestions(studio)
    near = [s for s in body["suggestions"] if s["kind"] == "near_context_limit"]
    assert len(near) == 1
    s = near[0]
    import genai_prices

    ctx = next(
        m.context_window
        for p in genai_prices.data.providers
        if p.id == "openai"
        for m in p.models
        if m.id == "gpt-4o-mini"
    )
    assert s["evidence"]["context_window"] == ctx
    excess = sum(120_000 + i - int(ctx * 0.5) for i in range(5))
    assert s["evidence"]["calls"] == 5 and s["evidence"]["excess_input_tokens"] == excess
    per_token = _price("gpt-4o-mini", Usage(input_tokens=1_000_000)) / 1e6
    assert s["monthly_saving_usd"] == pytest.approx(per_token * excess * SCALE, rel=1e-9)


def test_batch_compute_moves_to_the_cleanest_zone_of_its_cloud(studio: InProcessStudio) -> None:
    body = _suggestions(studio)
    region = [s for s in body["suggestions"] if s["kind"] == "lower_carbon_region"]
    assert len(region) == 1
    s = region[0]
    aws_zones = set(REGION_COUNTRY["aws"].values())
    intensity = {z: electricity_mixes.find_electricity_mix(zone=z).gwp for z in aws_zones}
    best = min(aws_zones, key=lambda z: intensity[z])
    assert s["evidence"]["zone"] == "USA" and s["evidence"]["to_zone"] == best
    carbon = studio.sql(
        "SELECT sum(carbon_g) AS c FROM spans WHERE project = {p:String} AND energy_source = 2",
        p=PROJECT,
    )[0]["c"]
    expected = carbon * (1 - intensity[best] / intensity["USA"]) * SCALE
    assert s["monthly_saving_co2e_g"] == pytest.approx(expected, rel=1e-6)
    assert s["monthly_saving_usd"] == 0


def test_kinds_not_evaluated_say_why(studio: InProcessStudio) -> None:
    body = _suggestions(studio)
    assert {k["kind"] for k in body["not_evaluated"]} == {"lower_carbon_hour"}
    assert "cheaper_model" in body["evaluated"]  # from experiments (tests/experiments)
    assert all(k["why"] for k in body["not_evaluated"])
    savings = [(s["monthly_saving_usd"], s["monthly_saving_co2e_g"]) for s in body["suggestions"]]
    assert savings == sorted(savings, reverse=True)


def test_an_environment_keeps_its_own_evidence(studio: InProcessStudio) -> None:
    """The batch service runs in `nightly` (its resource), the LLM calls in no
    environment: nightly has the batch suggestion alone, as it is without a filter."""
    every = _suggestions(studio)
    nightly = _suggestions(studio, environment="nightly")
    assert nightly["environment"] == "nightly"
    assert {s["kind"] for s in every["suggestions"]} == {
        "prompt_caching",
        "near_context_limit",
        "lower_carbon_region",
    }
    assert [s["kind"] for s in nightly["suggestions"]] == ["lower_carbon_region"]
    # the same figures (its example traces are any 5 of the 10 batch traces)
    batch = next(s for s in every["suggestions"] if s["kind"] == "lower_carbon_region")
    # sums of floats added in another order differ in the last bits
    assert _rounded({**nightly["suggestions"][0], "traces": None}) == _rounded(
        {**batch, "traces": None}
    )
    assert _suggestions(studio, environment="prod")["suggestions"] == []


def _rounded(value: Any) -> Any:
    """Floats to 12 significant digits, through dicts and lists."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value
