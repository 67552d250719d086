"""Project settings API (GET/PUT /api/v1/projects/{project}/settings) end to end.

A real Studio stores the settings in its SQLite file, prices the spans sent
after a PUT with them (OTel SDK over OTLP/HTTP), keeps them across a restart
and refuses bad documents with a JSON error naming the field, storing
nothing. Every request and answer is checked against api/openapi.yaml.
Expected costs are the settings' own prices times the tokens sent, or
genai-prices' `calc_price` where no override applies; energy follows the CCF
formula over our power-model table (docs/carbon.md).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from ecologits.electricity_mix_repository import electricity_mixes
from genai_prices import Usage, calc_price
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.exceptions import OpenAPIError
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from gls_engine.metadata.handlers import MAX_SETTINGS_BYTES
from gls_engine.metadata.project_settings import MAX_OVERRIDES, MAX_TOOL_RATES

from carbon.ccf_published import UNKNOWN_PROVIDER, ccf_kwh
from conftest import Studio, free_port, make_studio
from enriched_spans import flat_span
from openapi_check import checked_get, checked_put, openapi

PROJECT = "priced-by-override"
OTHER = "priced-by-default"
SERVER_DEFAULT_ZONE = "WOR"  # Settings.default_carbon_zone, not changed by these Studios
SECOND = 10**9
PRICED, OVERRIDE, UNPRICED = 1, 2, 3  # cost_status (docs/span-schema.md)
ENERGY_COMPUTE = 2

SETTINGS = {
    "carbon_zone": "FRA",
    "price_overrides": [
        {"model": "my-llama-ft*", "input_per_mtok": 0.2, "output_per_mtok": 0.6},
        {
            "model": "gpt-4o-mini",
            "input_per_mtok": 0.05,
            "output_per_mtok": 0.1,
            "cache_read_per_mtok": 0.01,
        },
    ],
    "rate_card": {
        "cpu_second_usd": 0.00002,
        "gpu_second_usd": 0.0008,
        "gb_read_usd": 0.005,
        "tool_call_usd": {"web_search": 0.01, "sql_query": 0.002},
    },
}
DEFAULT_RATE_CARD = {
    "cpu_second_usd": None,
    "gpu_second_usd": None,
    "gb_read_usd": None,
    "tool_call_usd": {},
}


def settings_path(project: str) -> str:
    return f"/api/v1/projects/{project}/settings"


def as_stored(document: dict[str, Any], project: str) -> dict[str, Any]:
    """What the API answers for a document: every field present, defaults filled in."""
    return {
        "project": project,
        "carbon_zone": document.get("carbon_zone"),
        "price_overrides": [
            {"cache_read_per_mtok": None, "cache_write_per_mtok": None, **o}
            for o in document.get("price_overrides", [])
        ],
        "rate_card": {**DEFAULT_RATE_CARD, **document.get("rate_card", {})},
    }


def without_time(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in settings.items() if k != "updated_at"}


# --- spans --------------------------------------------------------------------------

# name -> attributes. Sent to both projects; names are unique per phase.
LLM_FT = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "vllm",
    "gen_ai.request.model": "my-llama-ft-v2",
    "gen_ai.usage.input_tokens": 10_000,
    "gen_ai.usage.output_tokens": 2_000,
}
LLM_MINI = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.usage.input_tokens": 1_200,
    "gen_ai.usage.cache_read.input_tokens": 200,
    "gen_ai.usage.output_tokens": 300,
}
SPANS = {
    "llm ft": LLM_FT,
    "llm mini": LLM_MINI,
    "cpu work": {"gls.span.type": "agent", "gls.cpu.seconds": 30.0},
    # An agent naming its LLM provider: its own CPU work still runs where the
    # project does, not in the provider's data centre.
    "agent cpu": {
        "gls.span.type": "agent",
        "gen_ai.provider.name": "openai",
        "gen_ai.agent.name": "planner",
        "gls.cpu.seconds": 30.0,
    },
    "gpu work": {"gls.span.type": "span", "gls.gpu.seconds": 10.0},
    # Times no figure can come of: infinite is not reported; 1.7e308 s
    # overflows the energy to infinity, which is unknown too (never inf).
    "cpu infinite": {"gls.span.type": "agent", "gls.cpu.seconds": math.inf},
    "cpu overflow": {"gls.span.type": "agent", "gls.cpu.seconds": 1.7e308},
    "web search": {"openinference.span.kind": "TOOL", "gen_ai.tool.name": "web_search"},
    # No tool-name attribute: the span name is the tool's name.
    "sql_query": {"openinference.span.kind": "TOOL"},
    "calculator": {"openinference.span.kind": "TOOL", "tool.name": "calculator"},
    "read table": {"openinference.span.kind": "RETRIEVER", "gls.data.bytes_read": 2_500_000_000},
}


def send_spans(studio: Studio, project: str, phase: str, names: list[str]) -> None:
    """With the official SDK, batched: shutdown() returns once the Studio answered
    the one request (one insert rather than one a span; each span is a trace)."""
    provider = TracerProvider(
        resource=Resource.create({"service.name": "settings-test", "gls.project": project})
    )
    provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=studio.otlp_http, timeout=30))
    )
    tracer = provider.get_tracer("settings-test")
    start = time.time_ns() - 60 * SECOND
    for name in names:
        # The phase rides in an attribute: a tool span's name is its tool's name.
        attributes = {**SPANS[name], "test.phase": phase}
        span = tracer.start_span(name, attributes=attributes, start_time=start)
        span.end(end_time=start + 2 * SECOND)
    provider.shutdown()


def read_spans(studio: Studio) -> dict[tuple[str, str], dict[str, Any]]:
    """Every span of both projects from the span search API: (project, "phase:name") -> figures."""
    spans = {}
    for project in (PROJECT, OTHER):
        page = checked_get(studio.api, f"/api/v1/projects/{project}/spans", limit=1000)
        assert page["next_cursor"] is None
        for span in page["spans"]:
            row = flat_span(span)
            key = (project, f"{row['attributes']['test.phase']}:{row['name']}")
            assert key not in spans, key
            spans[key] = row
    return spans


@dataclass
class Configured:
    defaults: dict[str, Any]  # GET before any PUT
    put_answer: dict[str, Any]
    get_after_put: dict[str, Any]
    get_after_restart: dict[str, Any]
    spans: dict[tuple[str, str], dict[str, Any]]  # (project, "phase:name") -> figures
    spans_before_restart: dict[tuple[str, str], dict[str, Any]]
    data_dir: Path


def restarted(studio: Studio) -> Studio:
    """The same data directory on fresh ports."""
    return Studio(studio.data_dir, free_port(), free_port(), free_port()).start()


@pytest.fixture(scope="module")
def configured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Configured]:
    studio = make_studio(tmp_path_factory.mktemp("settings")).start()
    try:
        defaults = checked_get(studio.api, settings_path(PROJECT))
        send_spans(studio, PROJECT, "before", ["llm ft", "llm mini", "cpu work"])
        put_answer = checked_put(studio.api, settings_path(PROJECT), SETTINGS)
        get_after_put = checked_get(studio.api, settings_path(PROJECT))
        for project in (PROJECT, OTHER):
            send_spans(studio, project, "after", list(SPANS))
        before_restart = read_spans(studio)
    finally:
        assert studio.stop() == 0, "".join(studio.output)
    studio = restarted(studio)
    try:
        get_after_restart = checked_get(studio.api, settings_path(PROJECT))
        send_spans(studio, PROJECT, "restart", ["llm ft", "cpu work", "agent cpu"])
        spans = read_spans(studio)
    finally:
        assert studio.stop() == 0, "".join(studio.output)
    yield Configured(
        defaults,
        put_answer,
        get_after_put,
        get_after_restart,
        spans,
        before_restart,
        studio.data_dir,
    )


def genai_cost(row: dict[str, Any], provider: str, model: str) -> float:
    at = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=row["start_ns"] // 1000)
    usage = Usage(
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
        cache_read_tokens=row["cached_tokens"],
    )
    return float(
        calc_price(usage, model, provider_id=provider, genai_request_timestamp=at).total_price
    )


def intensity(zone: str) -> float:
    mix = electricity_mixes.find_electricity_mix(zone=zone)
    assert mix is not None, zone
    return mix.gwp


# --- 4. settings stored, survive a restart, price what comes after --------------------


def test_unset_project_answers_defaults(configured: Configured) -> None:
    assert configured.defaults == {**as_stored({}, PROJECT), "updated_at": None}


def test_put_answer_and_get_agree(configured: Configured) -> None:
    assert without_time(configured.put_answer) == as_stored(SETTINGS, PROJECT)
    stamped = dt.datetime.fromisoformat(configured.put_answer["updated_at"])
    assert abs(stamped - dt.datetime.now(dt.UTC)) < dt.timedelta(hours=1)
    assert configured.get_after_put == configured.put_answer


def test_settings_survive_a_restart(configured: Configured) -> None:
    assert configured.get_after_restart == configured.put_answer
    with sqlite3.connect(configured.data_dir / "metadata.sqlite3") as db:
        projects = [row[0] for row in db.execute("SELECT project FROM project_settings")]
    assert projects == [PROJECT]


@pytest.mark.parametrize("phase", ["after", "restart"])
def test_override_prices_a_prefix_match(configured: Configured, phase: str) -> None:
    row = configured.spans[(PROJECT, f"{phase}:llm ft")]
    override = SETTINGS["price_overrides"][0]
    expected = (10_000 * override["input_per_mtok"] + 2_000 * override["output_per_mtok"]) / 1e6
    assert row["cost_status"] == OVERRIDE
    assert math.isclose(row["llm_cost_usd"], expected, rel_tol=1e-12)
    assert row["cost_usd"] == row["llm_cost_usd"]


def test_override_replaces_genai_prices_for_a_known_model(configured: Configured) -> None:
    row = configured.spans[(PROJECT, "after:llm mini")]
    override = SETTINGS["price_overrides"][1]
    # Cache reads are part of the input tokens, charged at the cache price.
    expected = (
        (1_200 - 200) * override["input_per_mtok"]
        + 200 * override["cache_read_per_mtok"]
        + 300 * override["output_per_mtok"]
    ) / 1e6
    assert row["cost_status"] == OVERRIDE
    assert math.isclose(row["llm_cost_usd"], expected, rel_tol=1e-12)
    assert not math.isclose(expected, genai_cost(row, "openai", "gpt-4o-mini"), rel_tol=1e-3)


def test_stored_figures_survive_the_restart(configured: Configured) -> None:
    kept = {key: configured.spans[key] for key in configured.spans_before_restart}
    assert kept == configured.spans_before_restart
    assert len(configured.spans) == len(kept) + 3  # the spans sent after the restart


def test_spans_before_the_put_keep_their_figures(configured: Configured) -> None:
    mini = configured.spans[(PROJECT, "before:llm mini")]
    assert mini["cost_status"] == PRICED
    assert math.isclose(
        mini["llm_cost_usd"], genai_cost(mini, "openai", "gpt-4o-mini"), rel_tol=1e-9
    )
    ft = configured.spans[(PROJECT, "before:llm ft")]
    assert ft["cost_status"] == UNPRICED and ft["llm_cost_usd"] is None
    cpu = configured.spans[(PROJECT, "before:cpu work")]
    assert cpu["carbon_zone"] == SERVER_DEFAULT_ZONE and cpu["infra_cost_usd"] is None


def test_other_project_is_unaffected(configured: Configured) -> None:
    mini = configured.spans[(OTHER, "after:llm mini")]
    assert mini["cost_status"] == PRICED
    assert math.isclose(
        mini["llm_cost_usd"], genai_cost(mini, "openai", "gpt-4o-mini"), rel_tol=1e-9
    )
    ft = configured.spans[(OTHER, "after:llm ft")]
    assert ft["cost_status"] == UNPRICED and ft["llm_cost_usd"] is None
    for name in SPANS:
        if not name.startswith("llm"):
            row = configured.spans[(OTHER, f"after:{name}")]
            assert row["infra_cost_usd"] is None and row["data_cost_usd"] is None, name
            assert row["cost_usd"] == 0.0, name
    cpu = configured.spans[(OTHER, "after:cpu work")]
    assert cpu["carbon_zone"] == SERVER_DEFAULT_ZONE


@pytest.mark.parametrize("name", ["cpu work", "agent cpu"])
@pytest.mark.parametrize("phase", ["after", "restart"])
def test_cpu_work_runs_in_the_project_zone(configured: Configured, phase: str, name: str) -> None:
    row = configured.spans[(PROJECT, f"{phase}:{name}")]
    other = configured.spans[(OTHER, f"after:{name}")]
    kwh = ccf_kwh(UNKNOWN_PROVIDER, cpu_seconds=30.0)  # published figures, not our table
    for r, zone in ((row, SETTINGS["carbon_zone"]), (other, SERVER_DEFAULT_ZONE)):
        assert r["energy_source"] == ENERGY_COMPUTE and r["carbon_zone"] == zone
        assert r["energy_kwh"] == pytest.approx(kwh, rel=1e-12)
        assert r["carbon_g"] == pytest.approx(kwh * intensity(zone) * 1000, rel=1e-12)
    assert row["carbon_g"] != other["carbon_g"]


@pytest.mark.parametrize("project", [PROJECT, OTHER])
def test_times_without_a_finite_figure_are_unknown(configured: Configured, project: str) -> None:
    for name in ("cpu infinite", "cpu overflow"):
        row = configured.spans[(project, f"after:{name}")]
        assert row["energy_kwh"] is None and row["carbon_g"] is None, name
        assert row["energy_source"] == 0 and row["carbon_zone"] == "", name
        assert math.isfinite(row["cost_usd"]), name
    infinite = configured.spans[(project, "after:cpu infinite")]
    assert infinite["infra_cost_usd"] is None and infinite["cost_usd"] == 0.0
    overflow = configured.spans[(project, "after:cpu overflow")]
    rate = SETTINGS["rate_card"]["cpu_second_usd"] if project == PROJECT else None
    expected = None if rate is None else pytest.approx(1.7e308 * rate, rel=1e-12)
    assert overflow["infra_cost_usd"] == expected


@pytest.mark.parametrize(
    ("name", "infra", "data"),
    [
        ("cpu work", 30.0 * SETTINGS["rate_card"]["cpu_second_usd"], None),
        ("gpu work", 10.0 * SETTINGS["rate_card"]["gpu_second_usd"], None),
        ("web search", SETTINGS["rate_card"]["tool_call_usd"]["web_search"], None),
        ("sql_query", SETTINGS["rate_card"]["tool_call_usd"]["sql_query"], None),
        ("calculator", None, None),  # a tool the rate card does not price
        ("read table", None, 2_500_000_000 / 1e9 * SETTINGS["rate_card"]["gb_read_usd"]),
    ],
)
def test_rate_card_costs(
    configured: Configured, name: str, infra: float | None, data: float | None
) -> None:
    row = configured.spans[(PROJECT, f"after:{name}")]
    assert row["llm_cost_usd"] is None
    assert row["infra_cost_usd"] == (None if infra is None else pytest.approx(infra, rel=1e-12))
    assert row["data_cost_usd"] == (None if data is None else pytest.approx(data, rel=1e-12))
    assert row["cost_usd"] == pytest.approx((infra or 0.0) + (data or 0.0), rel=1e-12)


# --- 5. bad input: a JSON error naming the field, nothing stored ----------------------

GUARDED = "guarded"  # holds a valid document every bad request must leave alone
GOOD = {
    "carbon_zone": "SWE",
    "price_overrides": [{"model": "acme-*", "input_per_mtok": 1.0, "output_per_mtok": 2.0}],
    "rate_card": {"cpu_second_usd": 0.001, "tool_call_usd": {"search": 0.5}},
}


def override(**fields: Any) -> dict[str, Any]:
    return {
        "price_overrides": [{"model": "m", "input_per_mtok": 1, "output_per_mtok": 1, **fields}]
    }


def doc(document: Any) -> bytes:
    return json.dumps(document).encode()


# (id, raw body, content type, status, words the message must contain)
BAD_REQUESTS = [
    ("text/plain", doc(GOOD), "text/plain", 415, ["application/json"]),
    ("form", b"carbon_zone=FRA", "application/x-www-form-urlencoded", 415, ["application/json"]),
    ("invalid JSON", b'{"carbon_zone": ', "application/json", 400, ["JSON"]),
    ("empty body", b"", "application/json", 400, ["JSON"]),
    ("invalid UTF-8", b'{"carbon_zone": "\xff\xfe"}', "application/json", 400, ["JSON"]),
    ("NaN literal", b'{"rate_card": {"cpu_second_usd": NaN}}', "application/json", 400, ["JSON"]),
    (
        "infinite number",
        b'{"rate_card": {"gb_read_usd": 1e400}}',
        "application/json",
        400,
        ["JSON"],
    ),
    ("deep nesting", b"[" * 5000 + b"]" * 5000, "application/json", 400, ["JSON"]),
    ("array", doc([GOOD]), "application/json", 400, ["settings", "object"]),
    ("string", doc("FRA"), "application/json", 400, ["settings", "object"]),
    ("null", doc(None), "application/json", 400, ["settings", "object"]),
    ("unknown field", doc({**GOOD, "colour": "green"}), "application/json", 400, ["colour"]),
    (
        "unknown override field",
        doc(override(discount=0.5)),
        "application/json",
        400,
        ["price_overrides[0]", "discount"],
    ),
    (
        "unknown rate card field",
        doc({"rate_card": {"cpu_hour_usd": 1}}),
        "application/json",
        400,
        ["rate_card", "cpu_hour_usd"],
    ),
    (
        "negative price",
        doc(override(input_per_mtok=-1)),
        "application/json",
        400,
        ["price_overrides[0].input_per_mtok"],
    ),
    (
        "absurd price",
        doc(override(output_per_mtok=1e300)),
        "application/json",
        400,
        ["price_overrides[0].output_per_mtok", "1000000"],
    ),
    (
        "absurd tool price",
        doc({"rate_card": {"tool_call_usd": {"search": 2e6}}}),
        "application/json",
        400,
        ["rate_card.tool_call_usd"],
    ),
    (
        "NaN string price",
        doc(override(output_per_mtok="NaN")),
        "application/json",
        400,
        ["price_overrides[0].output_per_mtok"],
    ),
    (
        "string price",
        doc(override(cache_read_per_mtok="0.5")),
        "application/json",
        400,
        ["price_overrides[0].cache_read_per_mtok"],
    ),
    (
        "boolean price",
        doc(override(input_per_mtok=True)),
        "application/json",
        400,
        ["price_overrides[0].input_per_mtok"],
    ),
    (
        "missing price",
        doc({"price_overrides": [{"model": "m", "input_per_mtok": 1}]}),
        "application/json",
        400,
        ["price_overrides[0].output_per_mtok"],
    ),
    (
        "negative rate",
        doc({"rate_card": {"cpu_second_usd": -0.1}}),
        "application/json",
        400,
        ["rate_card.cpu_second_usd"],
    ),
    (
        "negative tool price",
        doc({"rate_card": {"tool_call_usd": {"search": -1}}}),
        "application/json",
        400,
        ["rate_card.tool_call_usd"],
    ),
    (
        "tool prices not an object",
        doc({"rate_card": {"tool_call_usd": [1, 2]}}),
        "application/json",
        400,
        ["rate_card.tool_call_usd"],
    ),
    ("unknown zone", doc({"carbon_zone": "XXX"}), "application/json", 400, ["carbon_zone", "XXX"]),
    ("zone with spaces", doc({"carbon_zone": "FR A"}), "application/json", 400, ["carbon_zone"]),
    (
        "zone injection",
        doc({"carbon_zone": "FRA'; DROP TABLE project_settings; --"}),
        "application/json",
        400,
        ["carbon_zone"],
    ),
    ("zone number", doc({"carbon_zone": 250}), "application/json", 400, ["carbon_zone"]),
    (
        "NUL in model",
        doc(override(model="llama\x00ft")),
        "application/json",
        400,
        ["price_overrides[0].model"],
    ),
    (
        "control char in model",
        doc(override(model="llama\x1b[31mft")),
        "application/json",
        400,
        ["price_overrides[0].model"],
    ),
    (
        "10 KB model",
        doc(override(model="m" * 10_240)),
        "application/json",
        400,
        ["price_overrides[0].model"],
    ),
    ("empty model", doc(override(model="")), "application/json", 400, ["price_overrides[0].model"]),
    ("star alone", doc(override(model="*")), "application/json", 400, ["price_overrides[0].model"]),
    (
        "inner star",
        doc(override(model="gpt-*-mini")),
        "application/json",
        400,
        ["price_overrides[0].model"],
    ),
    ("model number", doc(override(model=7)), "application/json", 400, ["price_overrides[0].model"]),
    (
        "NUL in tool name",
        doc({"rate_card": {"tool_call_usd": {"se\x00arch": 1}}}),
        "application/json",
        400,
        ["rate_card.tool_call_usd"],
    ),
    (
        "10 KB tool name",
        doc({"rate_card": {"tool_call_usd": {"t" * 10_240: 1}}}),
        "application/json",
        400,
        ["rate_card.tool_call_usd"],
    ),
    (
        "too many overrides",
        doc(
            {
                "price_overrides": [
                    {"model": f"m{i}", "input_per_mtok": 1, "output_per_mtok": 1}
                    for i in range(MAX_OVERRIDES + 1)
                ]
            }
        ),
        "application/json",
        400,
        ["price_overrides", str(MAX_OVERRIDES)],
    ),
    (
        "too many tool rates",
        doc({"rate_card": {"tool_call_usd": {f"t{i}": 1 for i in range(MAX_TOOL_RATES + 1)}}}),
        "application/json",
        400,
        ["rate_card.tool_call_usd", str(MAX_TOOL_RATES)],
    ),
    (
        "overrides not a list",
        doc({"price_overrides": {"model": "m"}}),
        "application/json",
        400,
        ["price_overrides"],
    ),
    (
        "override not an object",
        doc({"price_overrides": ["m"]}),
        "application/json",
        400,
        ["price_overrides[0]"],
    ),
    ("rate card not an object", doc({"rate_card": []}), "application/json", 400, ["rate_card"]),
    (
        "body over the limit",
        doc({**GOOD, "padding": "x" * MAX_SETTINGS_BYTES}),
        "application/json",
        413,
        [str(MAX_SETTINGS_BYTES)],
    ),
]


@pytest.fixture(scope="module")
def guarded(studio: Studio) -> dict[str, Any]:
    return checked_put(studio.api, settings_path(GUARDED), GOOD)


def assert_error(answer: dict[str, Any], words: list[str]) -> None:
    assert set(answer) == {"error"} and set(answer["error"]) == {"code", "message"}
    assert answer["error"]["code"]
    for word in words:
        assert word in answer["error"]["message"], (word, answer)


@pytest.mark.parametrize(
    ("body", "content_type", "status", "words"),
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
def test_bad_settings_are_refused_and_nothing_is_stored(
    studio: Studio,
    guarded: dict[str, Any],
    body: bytes,
    content_type: str,
    status: int,
    words: list[str],
) -> None:
    answer = checked_put(
        studio.api, settings_path(GUARDED), expect=status, body=body, content_type=content_type
    )
    assert_error(answer, words)
    assert checked_get(studio.api, settings_path(GUARDED)) == guarded


# Which zones exist is in the ecologits data, not in the spec's pattern.
SPEC_CANNOT_KNOW = {"unknown zone"}


SPEC_CASES = [
    case
    for case in BAD_REQUESTS
    if case[3] == 400 and "JSON" not in case[4] and case[0] not in SPEC_CANNOT_KNOW
]


@pytest.mark.parametrize("body", [c[1] for c in SPEC_CASES], ids=[c[0] for c in SPEC_CASES])
def test_spec_refuses_what_the_server_refuses(body: bytes) -> None:
    """api/openapi.yaml states the same rules: a client validating against it
    learns of a bad document before sending it."""
    prepared = requests.Request(
        "PUT",
        "http://127.0.0.1:6006" + settings_path(GUARDED),
        data=body,
        headers={"Content-Type": "application/json"},
    ).prepare()
    with pytest.raises(OpenAPIError):
        openapi().validate_request(RequestsOpenAPIRequest(prepared))


def checked_error(method: str, studio: Studio, path: str, status: int) -> dict[str, Any]:
    """A request the spec itself forbids (a bad path parameter): only the answer is checked."""
    data = doc(GOOD) if method == "PUT" else None
    headers = {"Content-Type": "application/json"}
    resp = requests.request(method, studio.api + path, data=data, headers=headers, timeout=60)
    assert resp.status_code == status, resp.text
    prepared = requests.Request(
        method, "http://127.0.0.1:6006" + path, data=data, headers=headers
    ).prepare()
    openapi().validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(resp))
    return resp.json()


@pytest.mark.parametrize("method", ["GET", "PUT"])
@pytest.mark.parametrize("project", ["bad%20name", "semi%3Bcolon", "p" * 129, "%C3%A9t%C3%A9"])
def test_invalid_project_name_in_path(
    studio: Studio, guarded: dict[str, Any], method: str, project: str
) -> None:
    answer = checked_error(method, studio, settings_path(project), 400)
    assert_error(answer, ["project"])
    assert checked_get(studio.api, settings_path(GUARDED)) == guarded


def test_unset_project_defaults_on_a_live_studio(studio: Studio) -> None:
    answer = checked_get(studio.api, settings_path("never-configured"))
    assert answer == {**as_stored({}, "never-configured"), "updated_at": None}


def test_empty_document_resets_to_defaults(studio: Studio) -> None:
    path = settings_path("reset-me")
    checked_put(studio.api, path, GOOD)
    answer = checked_put(studio.api, path, {})
    assert without_time(answer) == as_stored({}, "reset-me")
    assert answer["updated_at"] is not None
    assert checked_get(studio.api, path) == answer


def test_zone_codes_are_case_insensitive(studio: Studio) -> None:
    path = settings_path("lower-zone")
    answer = checked_put(studio.api, path, {"carbon_zone": "fra"})
    assert answer["carbon_zone"] == "FRA"
    assert checked_get(studio.api, path)["carbon_zone"] == "FRA"


def test_oversized_body_is_refused_before_it_is_read(studio: Studio) -> None:
    path = settings_path("too-big")
    resp = requests.put(
        studio.api + path,
        data=b"{" + b" " * (300 * 1024) + b"}",
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert resp.status_code == 413 and resp.json()["error"]["code"] == "payload_too_large"
    assert checked_get(studio.api, path)["updated_at"] is None
