"""Cost, energy, carbon and data quality of spans sent by the official OTel SDK.

Spans go through a real Studio (embedded chDB) with the SDK's OTLP/HTTP
exporter and are read back with the trace API (open trace, trace list),
every answer checked against api/openapi.yaml; then the Studio is stopped
and the spans and trace_summaries tables are read with SQL, to check the API
serves what was stored. Every expected figure comes from a reference, never
from our own code: genai-prices' `calc_price` for
cost, ecologits' `compute_llm_impacts` for LLM energy and carbon, the CCF
formula over our power-model table for CPU/GPU time, the core's tokenizer
entry points (checked against tiktoken in tests/analytics/test_tokens.py)
for token estimates, and docs/span-schema.md for statuses and quality bits.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from ecologits.electricity_mix_repository import electricity_mixes
from ecologits.impacts.llm import compute_llm_impacts
from ecologits.model_repository import ParametersMoE, models
from ecologits.tracers.utils import PROVIDER_CONFIG_MAP
from ecologits.utils.range_value import RangeValue
from genai_prices import Usage, calc_price
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from gls_engine import _core

from carbon.ccf_published import CPU, REGION_COUNTRY, UNKNOWN_PROVIDER, ccf_kwh
from conftest import make_studio
from enriched_spans import flat_span, query_stopped_store
from openapi_check import checked_get

PROJECT = "enrich-sdk"
REL = 1e-9
SECOND = 10**9
# The calling service runs in AWS Paris: its resource says so. That places its
# own CPU work (FRA), never the LLM calls it makes (the provider's GPUs).
RESOURCE = {
    "service.name": "trip-agent",
    "gls.project": PROJECT,
    "cloud.provider": "aws",
    "cloud.region": "eu-west-3",
}

# docs/span-schema.md: cost_status, energy_source, token_estimate, quality bits.
NOT_LLM, PRICED, OVERRIDE, UNPRICED = 0, 1, 2, 3
ENERGY_UNKNOWN, ENERGY_LLM, ENERGY_COMPUTE = 0, 1, 2
ESTIMATED_INPUT, ESTIMATED_OUTPUT = 1, 2
Q_MODEL, Q_TOKENS, Q_COST, Q_CARBON, Q_VALID = 1, 2, 4, 8, 16
Q_LLM = Q_MODEL | Q_TOKENS | Q_COST | Q_CARBON | Q_VALID

ENRICHMENT_COLUMNS = _core.span_schema().names[_core.span_schema().names.index("ingested_at") + 1 :]


@dataclass(frozen=True)
class LlmCase:
    """An LLM span with reported token counts, and what the references need."""

    name: str
    attributes: dict[str, Any]
    seconds: float
    provider: str  # as the span names it (genai-prices matches it itself)
    model: str
    usage: dict[str, int]  # genai-prices Usage fields
    ecologits: tuple[str, str] | None  # (provider, model) in ecologits; None: unknown there
    zone: str | None = None  # expected zone; None: the provider's data centre (ecologits)


LLM_CASES = [
    LlmCase(
        "semconv openai",
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": 1200,
            "gen_ai.usage.output_tokens": 300,
        },
        2.5,
        "openai",
        "gpt-4o-mini",
        {"input_tokens": 1200, "output_tokens": 300},
        ("openai", "gpt-4o-mini"),
    ),
    LlmCase(
        "semconv anthropic cache read",
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.system": "anthropic",
            "gen_ai.request.model": "claude-sonnet-4-5",
            "gen_ai.usage.input_tokens": 40_000,
            "gen_ai.usage.cache_read.input_tokens": 30_000,
            "gen_ai.usage.output_tokens": 900,
        },
        14.0,
        "anthropic",
        "claude-sonnet-4-5",
        {"input_tokens": 40_000, "cache_read_tokens": 30_000, "output_tokens": 900},
        ("anthropic", "claude-sonnet-4-5"),
    ),
    LlmCase(
        "semconv reasoning",
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "o3-mini",
            "gen_ai.usage.input_tokens": 3000,
            "gen_ai.usage.output_tokens": 5000,
            "gen_ai.usage.reasoning.output_tokens": 4000,
        },
        40.0,
        "openai",
        "o3-mini",
        {"input_tokens": 3000, "output_tokens": 5000, "output_reasoning_tokens": 4000},
        ("openai", "o3-mini"),
    ),
    LlmCase(
        "semconv explicit zone",
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "mistral_ai",
            "gen_ai.request.model": "mistral-large-2512",
            "gen_ai.usage.input_tokens": 800,
            "gen_ai.usage.output_tokens": 400,
            "gls.carbon.zone": "deu",
        },
        6.0,
        "mistral_ai",
        "mistral-large-2512",
        {"input_tokens": 800, "output_tokens": 400},
        ("mistralai", "mistral-large-2512"),
        zone="DEU",
    ),
    LlmCase(
        # A Vertex call says where it ran on the span itself.
        "semconv span region",
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "anthropic",
            "gen_ai.request.model": "claude-haiku-4-5",
            "gen_ai.usage.input_tokens": 2500,
            "gen_ai.usage.output_tokens": 120,
            "cloud.provider": "gcp",
            "cloud.region": "europe-west9",
        },
        1.5,
        "anthropic",
        "claude-haiku-4-5",
        {"input_tokens": 2500, "output_tokens": 120},
        ("anthropic", "claude-haiku-4-5"),
        zone=REGION_COUNTRY["gcp"]["europe-west9"],
    ),
    LlmCase(
        "openinference gpt-4o",
        {
            "openinference.span.kind": "LLM",
            "llm.provider": "openai",
            "llm.model_name": "gpt-4o",
            "llm.token_count.prompt": 2000,
            "llm.token_count.prompt_details.cache_read": 1024,
            "llm.token_count.completion": 150,
            "llm.token_count.total": 2150,
        },
        3.0,
        "openai",
        "gpt-4o",
        {"input_tokens": 2000, "cache_read_tokens": 1024, "output_tokens": 150},
        ("openai", "gpt-4o"),
    ),
    LlmCase(
        # A region our table does not know says nothing: the zone is still the
        # data centre of the model's provider (found from the model alone).
        "openinference unknown region",
        {
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o",
            "llm.token_count.prompt": 640,
            "llm.token_count.completion": 64,
            "cloud.region": "mars-central-1",
        },
        1.8,
        "",
        "gpt-4o",
        {"input_tokens": 640, "output_tokens": 64},
        ("openai", "gpt-4o"),
    ),
    LlmCase(
        # An embedding call is billed like an LLM call; ecologits has no
        # model for it, so its energy stays unknown.
        "semconv embeddings",
        {
            "gen_ai.operation.name": "embeddings",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "text-embedding-3-small",
            "gen_ai.usage.input_tokens": 5000,
        },
        0.3,
        "openai",
        "text-embedding-3-small",
        {"input_tokens": 5000},
        None,
    ),
]

SYSTEM_PROMPT = "You are a terse travel agent. Answer in at most three sentences."
# OpenAI-style chat transcript (OpenInference input.value).
CHAT_PROMPT = json.dumps(
    [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "Plan two days in Lyon for a food lover."},
    ]
)
# GenAI semconv gen_ai.input.messages: content as parts.
SEMCONV_PROMPT = json.dumps(
    [
        {"role": "system", "parts": [{"type": "text", "content": SYSTEM_PROMPT}]},
        {"role": "user", "parts": [{"type": "text", "content": "Where should I eat in Lyon?"}]},
    ]
)
# LangChain-style: the messages inside an object (OpenInference input.value).
WRAPPED_PROMPT = json.dumps(
    {
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": "Which museums in Lyon open on Monday?"},
        ]
    }
)
COMPLETION = (
    "Day 1: Vieux Lyon and a bouchon lunch. Day 2: Les Halles Paul Bocuse, then Croix-Rousse."
)
# The counts these texts must give for gpt-4o-mini, from tiktoken 0.14 itself
# (o200k_base; a transcript counted as OpenAI's cookbook num_tokens_from_messages
# does, see tests/analytics/test_tokens.py), not from the core under test.
CHAT_PROMPT_TOKENS = 35
SYSTEM_PROMPT_TOKENS = 14  # SYSTEM_PROMPT's own tokens, in every message prompt below
COMPLETION_TOKENS = 29
PLAIN_PROMPT_TOKENS = 10  # "Plan two days in Lyon for a food lover."

# Spans of the second trace whose tokens or model are the point (not LlmCase).
ESTIMATED = {
    "openinference.span.kind": "LLM",
    "llm.provider": "openai",
    "llm.model_name": "gpt-4o-mini",
    "input.value": CHAT_PROMPT,
    "output.value": COMPLETION,
}
ESTIMATED_PLAIN = {
    "openinference.span.kind": "LLM",
    "llm.provider": "openai",
    "llm.model_name": "gpt-4o-mini",
    "input.value": "Plan two days in Lyon for a food lover.",
    "output.value": COMPLETION,
}
SYSTEM_FROM_CHAT = {
    "openinference.span.kind": "LLM",
    "llm.provider": "openai",
    "llm.model_name": "gpt-4o-mini",
    "llm.token_count.prompt": 700,
    "llm.token_count.completion": 90,
    "input.value": CHAT_PROMPT,
}
SYSTEM_FROM_PARTS = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.usage.input_tokens": 900,
    "gen_ai.usage.output_tokens": 120,
    "gen_ai.input.messages": SEMCONV_PROMPT,
}
SYSTEM_FROM_WRAPPED = {**SYSTEM_FROM_CHAT, "input.value": WRAPPED_PROMPT}
PLAIN_PROMPT = {
    "openinference.span.kind": "LLM",
    "llm.provider": "openai",
    "llm.model_name": "gpt-4o-mini",
    "llm.token_count.prompt": 40,
    "llm.token_count.completion": 10,
    "input.value": "Plan two days in Lyon.",
}
UNKNOWN_MODEL = {
    "openinference.span.kind": "LLM",
    "llm.provider": "acme",
    "llm.model_name": "acme-llm-9000",
    "llm.token_count.prompt": 500,
    "llm.token_count.completion": 60,
}
NO_MODEL = {
    "openinference.span.kind": "LLM",
    "llm.token_count.prompt": 500,
    "llm.token_count.completion": 60,
}
BAD_TOTAL = {  # total below input + output: the span's figures do not hold together
    "openinference.span.kind": "LLM",
    "llm.provider": "openai",
    "llm.model_name": "gpt-4o-mini",
    "llm.token_count.prompt": 100,
    "llm.token_count.completion": 50,
    "llm.token_count.total": 10,
}

CPU_TOOL = {"openinference.span.kind": "TOOL", "gls.cpu.seconds": 12.5}
CPU_SPAN_REGION = {  # span-level cloud attributes win over the resource's; numeric strings count
    "gls.span.type": "agent",
    "gls.cpu.seconds": "3.5",
    "gls.cpu.utilization": 0.25,
    "cloud.provider": "gcp",
    "cloud.region": "europe-north1",
}
GPU_SPAN = {"gls.span.type": "span", "gls.gpu.seconds": 20.0, "gls.gpu.model": "Tesla T4"}
PLAIN_TOOL = {"openinference.span.kind": "TOOL", "gen_ai.tool.name": "lookup_weather"}
CHAIN_NAMING_MODEL = {"gls.span.type": "chain", "gen_ai.request.model": "gpt-4o"}


@dataclass
class Stored:
    spans: dict[str, dict[str, Any]]  # open-trace API spans (flat_span) by name, unique here
    traces: dict[str, dict[str, Any]]  # trace-list API summaries by trace id
    trace_of: dict[str, str]  # span name -> trace id
    stored_spans: dict[str, dict[str, Any]]  # spans table rows by name
    stored_traces: dict[str, dict[str, Any]]  # trace_summaries sums by trace id


def _emit(provider: TracerProvider) -> dict[str, str]:
    """Two traces, every span with explicit times (latency feeds the energy model)."""
    tracer = provider.get_tracer("greenlang.agent", "0.4.0")
    base = time.time_ns() - 600 * SECOND
    trace_of: dict[str, str] = {}

    def run(root_name: str, root_attrs: dict[str, Any], children: list[tuple]) -> None:
        root = tracer.start_span(root_name, attributes=root_attrs, start_time=base)
        context = trace.set_span_in_context(root)
        start = base + SECOND
        for name, attributes, seconds in children:
            span = tracer.start_span(name, context=context, attributes=attributes, start_time=start)
            span.end(end_time=start + round(seconds * SECOND))
            start += round(seconds * SECOND) + 1000
        # The children in one request, the root in the next: each trace comes in
        # two inserts (summed in trace_summaries), not one a span.
        assert provider.force_flush()
        root.end(end_time=start)
        assert provider.force_flush()
        trace_id = format(root.get_span_context().trace_id, "032x")
        for name in [root_name] + [c[0] for c in children]:
            trace_of[name] = trace_id

    run(
        "plan_trip",
        CHAIN_NAMING_MODEL,
        [(c.name, c.attributes, c.seconds) for c in LLM_CASES]
        + [
            ("search_hotels", CPU_TOOL, 2.0),
            ("rank_results", CPU_SPAN_REGION, 1.0),
            ("embed_batch", GPU_SPAN, 25.0),
            ("lookup_weather", PLAIN_TOOL, 0.2),
        ],
    )
    run(
        "answer_question",
        {"openinference.span.kind": "CHAIN"},
        [
            ("estimated tokens", ESTIMATED, 1.2),
            ("estimated plain", ESTIMATED_PLAIN, 0.8),
            ("system from chat", SYSTEM_FROM_CHAT, 1.1),
            ("system from parts", SYSTEM_FROM_PARTS, 1.3),
            ("system from wrapped", SYSTEM_FROM_WRAPPED, 1.0),
            ("plain prompt", PLAIN_PROMPT, 0.4),
            ("unknown model", UNKNOWN_MODEL, 0.9),
            ("no model", NO_MODEL, 0.9),
            ("bad total", BAD_TOTAL, 0.5),
        ],
    )
    return trace_of


SUMMARY_SQL = f"""
    SELECT lower(hex(trace_id)) AS trace_hex, sum(span_count) AS span_count,
        sum(cost_usd) AS cost_usd, sum(llm_cost_usd) AS llm_cost_usd,
        sum(unpriced_count) AS unpriced_count, sum(energy_kwh) AS energy_kwh,
        sum(carbon_g) AS carbon_g, sum(embodied_carbon_g) AS embodied_carbon_g,
        sum(energy_unknown_count) AS energy_unknown_count,
        sum(quality_passed) AS quality_passed, sum(quality_checks) AS quality_checks
    FROM trace_summaries WHERE project = '{PROJECT}' GROUP BY trace_id
"""

SPANS_SQL = f"""
    SELECT name, span_type, lower(hex(trace_id)) AS trace_hex,
        toUnixTimestamp64Nano(start_time) AS start_ns, duration_ns, model, provider,
        input_tokens, output_tokens, cached_tokens, reasoning_tokens, total_tokens,
        input, output, {", ".join(ENRICHMENT_COLUMNS)}
    FROM spans WHERE project = '{PROJECT}'
"""


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stored]:
    studio = make_studio(tmp_path_factory.mktemp("enrich")).start()
    try:
        exporter = OTLPSpanExporter(endpoint=studio.otlp_http, timeout=30)
        provider = TracerProvider(resource=Resource.create(RESOURCE))
        # Batched, flushed by _emit (force_flush returns once the Studio has
        # answered, so the spans are stored).
        provider.add_span_processor(BatchSpanProcessor(exporter))
        trace_of = _emit(provider)
        provider.shutdown()
        base = f"/api/v1/projects/{PROJECT}/traces"
        opened = [checked_get(studio.api, f"{base}/{t}") for t in sorted(set(trace_of.values()))]
        listed = checked_get(studio.api, base)["traces"]
    finally:
        assert studio.stop() == 0, "".join(studio.output)
    spans = {s["name"]: flat_span(s) for trace in opened for s in trace["spans"]}
    assert len(spans) == len(trace_of)
    stored_spans, stored_traces = query_stopped_store(studio.data_dir, SPANS_SQL, SUMMARY_SQL)
    yield Stored(
        spans,
        {t["trace_id"]: t for t in listed},
        trace_of,
        {row["name"]: row for row in stored_spans},
        {row["trace_hex"]: row for row in stored_traces},
    )


# --- references -------------------------------------------------------------------


def genai_price(provider: str, model: str, start_ns: int, usage: dict[str, int]):
    at = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=start_ns // 1000)
    return calc_price(
        Usage(**usage), model, provider_id=provider or None, genai_request_timestamp=at
    )


def ecologits_impacts(provider: str, model_name: str, tokens: int, latency_s: float, zone: str):
    """ecologits' compute_llm_impacts for a model, a measured latency and a zone."""
    model = models.find_model(provider=provider, model_name=model_name)
    assert model is not None, model_name
    params = model.architecture.parameters
    total, active = (
        (params.total, params.active) if isinstance(params, ParametersMoE) else (params,) * 2
    )
    mix = electricity_mixes.find_electricity_mix(zone=zone)
    assert mix is not None, zone
    config = PROVIDER_CONFIG_MAP[provider]
    return compute_llm_impacts(
        model_active_parameter_count=active,
        model_total_parameter_count=total,
        output_token_count=tokens,
        request_latency=latency_s,
        if_electricity_mix_adpe=mix.adpe,
        if_electricity_mix_pe=mix.pe,
        if_electricity_mix_gwp=mix.gwp,
        if_electricity_mix_wue=mix.wue,
        datacenter_pue=config.datacenter_pue,
        datacenter_wue=config.datacenter_wue,
        tps=model.deployment.tps if model.deployment else None,
        ttft=model.deployment.ttft if model.deployment else None,
    )


def triple(v: float | RangeValue) -> tuple[float, float, float]:
    """(value, min, max) of an ecologits number or range (value = the range's mean)."""
    return (v.mean, v.min, v.max) if isinstance(v, RangeValue) else (v, v, v)


def stored_triple(row: dict[str, Any], column: str) -> tuple[float, float, float]:
    return (row[column], row[f"{column}_min"], row[f"{column}_max"])


def grams(kg: tuple[float, float, float]) -> tuple[float, float, float]:
    return tuple(v * 1000 for v in kg)  # type: ignore[return-value]


def published_kwh(provider: str | None, **usage: Any) -> float:
    """CCF's compute formula over its published coefficients (tests/carbon/ccf_published.py)."""
    return ccf_kwh(CPU[provider] if provider else UNKNOWN_PROVIDER, **usage)


def intensity(zone: str) -> float:
    mix = electricity_mixes.find_electricity_mix(zone=zone)
    assert mix is not None, zone
    return mix.gwp


def assert_unknown_energy(row: dict[str, Any]) -> None:
    for column in ("energy_kwh", "carbon_g", "embodied_carbon_g"):
        assert stored_triple(row, column) == (None, None, None), (row["name"], column)
    assert row["energy_source"] == ENERGY_UNKNOWN and row["carbon_zone"] == ""


# --- 1. LLM calls priced by genai-prices, energy by ecologits ------------------------


def test_api_serves_the_stored_figures(stored: Stored) -> None:
    """Every enrichment column of every span, and the trace rollups, bit for bit."""
    assert set(stored.stored_spans) == set(stored.spans)
    assert "llm_cost_usd" in ENRICHMENT_COLUMNS and "quality_checks" in ENRICHMENT_COLUMNS
    for name, row in stored.stored_spans.items():
        served = stored.spans[name]
        for column in ENRICHMENT_COLUMNS:
            assert served[column] == row[column], (name, column)
    assert set(stored.stored_traces) == set(stored.traces)
    for trace_id, row in stored.stored_traces.items():
        summary = stored.traces[trace_id]
        assert summary["span_count"] == row["span_count"]
        assert summary["cost"] == {
            "total_usd": row["cost_usd"],
            "llm_usd": row["llm_cost_usd"],
            "unpriced_llm_calls": row["unpriced_count"],
        }
        assert summary["carbon"] == {
            "energy_kwh": row["energy_kwh"],
            "carbon_g": row["carbon_g"],
            "embodied_carbon_g": row["embodied_carbon_g"],
            "spans_without_energy": row["energy_unknown_count"],
        }
        assert summary["data_quality"] == row["quality_passed"] / row["quality_checks"]


@pytest.mark.parametrize("case", LLM_CASES, ids=lambda c: c.name)
def test_llm_cost_equals_genai_prices(stored: Stored, case: LlmCase) -> None:
    row = stored.spans[case.name]
    assert row["span_type"] == ("embedding" if "embeddings" in case.name else "llm")
    assert (row["provider"], row["model"]) == (case.provider, case.model)
    assert row["input_tokens"] == case.usage["input_tokens"]
    assert row["output_tokens"] == case.usage.get("output_tokens")
    assert row["cached_tokens"] == case.usage.get("cache_read_tokens")
    assert row["reasoning_tokens"] == case.usage.get("output_reasoning_tokens")
    expected = genai_price(case.provider, case.model, row["start_ns"], case.usage)
    assert row["cost_status"] == PRICED
    for column, theirs in (
        ("llm_cost_usd", expected.total_price),
        ("llm_input_cost_usd", expected.input_price),
        ("llm_output_cost_usd", expected.output_price),
    ):
        assert math.isclose(row[column], float(theirs), rel_tol=REL, abs_tol=1e-15), (
            column,
            row[column],
            theirs,
        )
    # No rate card in this project: the span's cost is its LLM cost.
    assert row["infra_cost_usd"] is None and row["data_cost_usd"] is None
    assert row["cost_usd"] == row["llm_cost_usd"]
    assert row["token_estimate"] == 0


@pytest.mark.parametrize("case", [c for c in LLM_CASES if c.ecologits], ids=lambda c: c.name)
def test_llm_energy_and_carbon_equal_ecologits(stored: Stored, case: LlmCase) -> None:
    row = stored.spans[case.name]
    assert case.ecologits is not None
    provider, model = case.ecologits
    # The resource's own cloud.region (AWS Paris) is not where the provider's
    # GPUs ran: the zone is the span's own, else the provider's data centre.
    zone = case.zone or PROVIDER_CONFIG_MAP[provider].datacenter_location
    assert row["carbon_zone"] == zone
    assert row["energy_source"] == ENERGY_LLM
    expected = ecologits_impacts(
        provider, model, case.usage["output_tokens"], row["duration_ns"] / 1e9, zone
    )
    assert stored_triple(row, "energy_kwh") == triple(expected.energy.value)
    assert stored_triple(row, "carbon_g") == grams(triple(expected.usage.gwp.value))
    assert stored_triple(row, "embodied_carbon_g") == grams(triple(expected.embodied.gwp.value))
    assert row["quality_checks"] == Q_LLM and row["quality_passed"] == Q_LLM


def test_embedding_without_ecologits_model_has_unknown_energy(stored: Stored) -> None:
    row = stored.spans["semconv embeddings"]
    assert models.find_model(provider="openai", model_name=row["model"]) is None
    assert_unknown_energy(row)
    # Priced, but its carbon is not known (and no output tokens were reported).
    assert row["quality_checks"] == Q_LLM
    assert row["quality_passed"] == Q_MODEL | Q_COST | Q_VALID


def test_chain_naming_a_model_is_not_an_llm_call(stored: Stored) -> None:
    row = stored.spans["plan_trip"]
    assert row["span_type"] == "chain" and row["model"] == "gpt-4o"
    assert row["cost_status"] == NOT_LLM and row["llm_cost_usd"] is None
    assert row["cost_usd"] == 0.0
    assert_unknown_energy(row)
    assert (row["quality_checks"], row["quality_passed"]) == (Q_VALID, Q_VALID)


# --- 2. unpriced calls, token estimates, system tokens -------------------------------


@pytest.mark.parametrize("name", ["unknown model", "no model"])
def test_unpriced_llm_call_is_null_not_zero(stored: Stored, name: str) -> None:
    row = stored.spans[name]
    with pytest.raises(LookupError):  # genai-prices cannot price it either
        genai_price(row["provider"], row["model"] or "", row["start_ns"], {"input_tokens": 500})
    assert row["span_type"] == "llm"
    assert row["cost_status"] == UNPRICED
    assert row["llm_cost_usd"] is None
    assert row["llm_input_cost_usd"] is None and row["llm_output_cost_usd"] is None
    assert_unknown_energy(row)
    named = Q_MODEL if row["model"] else 0
    assert row["quality_checks"] == Q_LLM
    assert row["quality_passed"] == named | Q_TOKENS | Q_VALID


def test_unpriced_calls_counted_in_trace_rollup(stored: Stored) -> None:
    trace_id = stored.trace_of["unknown model"]
    summary = stored.traces[trace_id]
    spans = [r for r in stored.spans.values() if r["trace_hex"] == trace_id]
    assert summary["span_count"] == len(spans) == 10
    unpriced = sum(r["cost_status"] == UNPRICED for r in spans)
    assert summary["cost"]["unpriced_llm_calls"] == unpriced == 2
    assert stored.traces[stored.trace_of["plan_trip"]]["cost"]["unpriced_llm_calls"] == 0


def test_trace_rollups_add_up_the_spans(stored: Stored) -> None:
    for trace_id, summary in stored.traces.items():
        spans = [r for r in stored.spans.values() if r["trace_hex"] == trace_id]

        def total(column: str, rows: list[dict[str, Any]] = spans) -> float:
            return math.fsum(r[column] or 0.0 for r in rows)

        cost, carbon = summary["cost"], summary["carbon"]
        for figure, column in (
            (cost["total_usd"], "cost_usd"),
            (cost["llm_usd"], "llm_cost_usd"),
            (carbon["energy_kwh"], "energy_kwh"),
            (carbon["carbon_g"], "carbon_g"),
            (carbon["embodied_carbon_g"], "embodied_carbon_g"),
        ):
            assert math.isclose(figure, total(column), rel_tol=1e-12, abs_tol=1e-18), column
        assert carbon["spans_without_energy"] == sum(r["energy_kwh"] is None for r in spans)
        # docs/span-schema.md: passed checks over applicable checks, counted in bits.
        passed = sum(r["quality_passed"].bit_count() for r in spans)
        checks = sum(r["quality_checks"].bit_count() for r in spans)
        assert summary["data_quality"] == pytest.approx(passed / checks, rel=1e-12)
        assert 0 < summary["data_quality"] < 1


def test_missing_token_counts_are_estimated_from_text(stored: Stored) -> None:
    row = stored.spans["estimated tokens"]
    tokens, system, completion = CHAT_PROMPT_TOKENS, SYSTEM_PROMPT_TOKENS, COMPLETION_TOKENS
    assert row["input"] == CHAT_PROMPT and row["output"] == COMPLETION
    assert row["token_estimate"] == ESTIMATED_INPUT | ESTIMATED_OUTPUT
    assert (row["input_tokens"], row["output_tokens"]) == (tokens, completion)
    assert row["total_tokens"] == tokens + completion
    assert row["system_tokens"] == system
    # Priced from the estimates, but the tokens check does not pass.
    expected = genai_price(
        "openai",
        "gpt-4o-mini",
        row["start_ns"],
        {"input_tokens": tokens, "output_tokens": completion},
    )
    assert row["cost_status"] == PRICED
    assert math.isclose(row["llm_cost_usd"], float(expected.total_price), rel_tol=REL)
    assert row["quality_checks"] == Q_LLM
    assert row["quality_passed"] == Q_LLM & ~Q_TOKENS


def test_estimate_from_plain_text_has_no_system_tokens(stored: Stored) -> None:
    row = stored.spans["estimated plain"]
    assert row["token_estimate"] == ESTIMATED_INPUT | ESTIMATED_OUTPUT
    assert row["input_tokens"] == PLAIN_PROMPT_TOKENS
    # Not a message array: unknown, as for a reported count (not 0).
    assert row["system_tokens"] is None


@pytest.mark.parametrize(
    ("name", "prompt"),
    [
        ("system from chat", CHAT_PROMPT),
        ("system from parts", SEMCONV_PROMPT),
        ("system from wrapped", WRAPPED_PROMPT),
    ],
)
def test_system_tokens_of_a_message_prompt(stored: Stored, name: str, prompt: str) -> None:
    row = stored.spans[name]
    assert row["input"] == prompt
    assert row["system_tokens"] == SYSTEM_PROMPT_TOKENS
    # Reported counts are kept as they are.
    assert row["token_estimate"] == 0 and row["input_tokens"] in (700, 900)


def test_plain_text_prompt_has_no_system_tokens(stored: Stored) -> None:
    row = stored.spans["plain prompt"]
    assert row["system_tokens"] is None and row["token_estimate"] == 0


def test_total_below_input_plus_output_fails_validation(stored: Stored) -> None:
    row = stored.spans["bad total"]
    assert row["cost_status"] == PRICED
    assert row["quality_checks"] == Q_LLM
    assert row["quality_passed"] == Q_LLM & ~Q_VALID


# --- 3. non-LLM spans: the power model, or unknown ---------------------------------


def test_cpu_time_uses_the_power_model_and_the_resource_region(stored: Stored) -> None:
    row = stored.spans["search_hotels"]
    zone = REGION_COUNTRY["aws"]["eu-west-3"]
    assert row["span_type"] == "tool" and row["cost_status"] == NOT_LLM
    assert row["energy_source"] == ENERGY_COMPUTE and row["carbon_zone"] == zone
    kwh = published_kwh("aws", cpu_seconds=12.5)
    assert row["energy_kwh"] == pytest.approx(kwh, rel=1e-12)
    assert row["energy_kwh_min"] == row["energy_kwh"] == row["energy_kwh_max"]
    assert row["carbon_g"] == pytest.approx(kwh * intensity(zone) * 1000, rel=1e-12)
    assert row["carbon_g_min"] == row["carbon_g"] == row["carbon_g_max"]
    assert stored_triple(row, "embodied_carbon_g") == (None, None, None)
    assert (row["quality_checks"], row["quality_passed"]) == (
        Q_CARBON | Q_VALID,
        Q_CARBON | Q_VALID,
    )


def test_span_cloud_attributes_win_over_the_resource(stored: Stored) -> None:
    row = stored.spans["rank_results"]
    zone = REGION_COUNTRY["gcp"]["europe-north1"]
    assert row["energy_source"] == ENERGY_COMPUTE and row["carbon_zone"] == zone
    kwh = published_kwh("gcp", cpu_seconds=3.5, cpu_utilization=0.25)
    assert row["energy_kwh"] == pytest.approx(kwh, rel=1e-12)
    assert row["carbon_g"] == pytest.approx(kwh * intensity(zone) * 1000, rel=1e-12)


def test_gpu_time_uses_the_gpu_power_table(stored: Stored) -> None:
    row = stored.spans["embed_batch"]
    zone = REGION_COUNTRY["aws"]["eu-west-3"]
    assert row["energy_source"] == ENERGY_COMPUTE and row["carbon_zone"] == zone
    kwh = published_kwh("aws", gpu_seconds=20.0, gpu="t4")
    assert row["energy_kwh"] == pytest.approx(kwh, rel=1e-12)
    assert row["carbon_g"] == pytest.approx(kwh * intensity(zone) * 1000, rel=1e-12)


@pytest.mark.parametrize("name", ["lookup_weather", "answer_question"])
def test_span_without_compute_attributes_has_unknown_energy(stored: Stored, name: str) -> None:
    row = stored.spans[name]
    assert_unknown_energy(row)
    assert row["cost_status"] == NOT_LLM and row["cost_usd"] == 0.0
    assert row["infra_cost_usd"] is None and row["data_cost_usd"] is None
    assert (row["quality_checks"], row["quality_passed"]) == (Q_VALID, Q_VALID)
