"""Cost analysis, CSV export and token analyzer, checked against the stored spans.

Spans go in through the real ingest path (OTLP/HTTP protobuf to a Studio
served from a thread of this process, embedded chDB), so the Rust core
prices them, estimates missing token counts, counts system-prompt tokens and
computes energy and carbon. The test then reads the stored span rows back
with its own SQL (one row per span, no aggregation) and recomputes every
figure of the API from them in Python, by the definitions the API documents;
counts must be equal, sums equal to 1e-9 relative. Context windows come from
genai-prices' own model lookup, not from the Studio's.
"""

from __future__ import annotations

import csv
import io
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.deserializing.media_types.util import plain_loads

from inprocess_studio import InProcessStudio
from openapi_check import SPEC, checked_get
from otlp_helpers import make_request, make_span, new_span_id, new_trace_id, post_protobuf

PROJECT = "cost-analysis"
OTHER = "cost-analysis-other"
EMPTY = "cost-analysis-empty"
MINUTE_NS = 60 * 10**9
HOUR_NS = 60 * MINUTE_NS
# Data lives in [T0 - 2 h, T0): the window under test is the last hour, the
# hour before it is its previous period.
T0 = (time.time_ns() // MINUTE_NS - 5) * MINUTE_NS
START, END = T0 - HOUR_NS, T0

# Chains named to test CSV escaping: a comma and quotes, a line break, and
# text a spreadsheet would run as a formula.
CHAINS = ["rag", 'support, "tier 2"', "multi\nline", '=HYPERLINK("http://x")', ""]
MODELS = [
    ("openai", "gpt-4o"),
    ("openai", "gpt-4o-mini"),
    ("anthropic", "claude-3-5-haiku-20241022"),
    ("acme", "mystery-model-x"),  # no price, no energy model
]
OTHER_ONLY_MODEL = ("openai", "gpt-4.1")
SYSTEM_PROMPTS = [
    "You are a careful assistant. Answer in one short paragraph and cite sources.",
    "You classify support tickets into billing, outage, account or other.",
]
NEAR = 0.8  # share of the context window that is "near the limit", as documented
RATE_CARD = {"cpu_second_usd": 0.0002, "gb_read_usd": 0.03, "tool_call_usd": {"web_search": 0.004}}
OTHER_RATE_CARD = {"cpu_second_usd": 0.05, "gb_read_usd": 1.0, "tool_call_usd": {}}


# --- the data set -----------------------------------------------------------------


def _messages(system: str | None, user: str) -> str:
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": user}
    ]
    return json.dumps(messages)


def _llm_attrs(rng: random.Random, provider: str, model: str, chain: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": model,
        "gen_ai.provider.name": provider,
    }
    if rng.random() < 0.5:
        attrs["gls.chain"] = chain  # a chain on the LLM span itself, sometimes
    if rng.random() < 0.12:
        # No counts, text only: the core estimates both with a tokenizer.
        attrs["gen_ai.input.messages"] = _messages(
            rng.choice(SYSTEM_PROMPTS), f"question {rng.randint(0, 10**6)} " * rng.randint(1, 30)
        )
        attrs["gen_ai.output.messages"] = json.dumps(
            [{"role": "assistant", "content": "answer " * rng.randint(1, 40)}]
        )
        return attrs
    attrs["gen_ai.usage.input_tokens"] = rng.randint(50, 6000)
    attrs["gen_ai.usage.output_tokens"] = rng.randint(1, 60)
    if rng.random() < 0.3:
        attrs["gen_ai.usage.cache_read.input_tokens"] = rng.randint(0, 40)
    if model == "gpt-4o-mini" and rng.random() < 0.3:
        attrs["gen_ai.usage.reasoning.output_tokens"] = rng.randint(0, 20)
    if rng.random() < 0.6:
        system = rng.choice(SYSTEM_PROMPTS) if rng.random() < 0.8 else None
        attrs["gen_ai.input.messages"] = _messages(system, "hello " * rng.randint(1, 9))
    return attrs


def _trace(
    rng: random.Random, project: str, start_ns: int, models: list[tuple[str, str]]
) -> list[Any]:
    tid = new_trace_id()
    root_id = new_span_id()
    chain = rng.choice(CHAINS)
    root_attrs: dict[str, Any] = {
        "openinference.span.kind": "CHAIN",
        "gls.agent": rng.choice(["planner", "-worker", "@bot"]),
        "gls.environment": rng.choice(["prod", "staging", "+dev"]),
        "user.id": rng.choice(["alice", "bob"]),
    }
    if chain:
        root_attrs["gls.chain"] = chain
    if rng.random() < 0.5:
        root_attrs["gls.cpu.seconds"] = round(rng.uniform(0.1, 30.0), 3)
    spans = [make_span(tid, root_id, name="run", start_ns=start_ns, attributes=root_attrs)]
    t = start_ns + 1000
    if rng.random() < 0.4:
        spans.append(
            make_span(
                tid,
                parent=root_id,
                name="web_search",
                start_ns=t,
                attributes={
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "web_search",
                    "gls.data.bytes_read": rng.randint(10**5, 5 * 10**9),
                },
            )
        )
    for _ in range(rng.randint(1, 3)):
        t += 1000
        provider, model = rng.choice(models)
        attrs = _llm_attrs(rng, provider, model, chain)
        spans.append(make_span(tid, parent=root_id, name="chat", start_ns=t, attributes=attrs))
        if rng.random() < 0.15:  # the same call sent again: a retry
            t += 1000
            spans.append(make_span(tid, parent=root_id, name="chat", start_ns=t, attributes=attrs))
    if rng.random() < 0.2:
        t += 1000
        spans.append(
            make_span(
                tid,
                parent=root_id,
                name="embed",
                start_ns=t,
                attributes={
                    "gen_ai.operation.name": "embeddings",
                    "gen_ai.request.model": "text-embedding-3-small",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.usage.input_tokens": rng.randint(10, 900),
                },
            )
        )
    return spans


def _special_traces(start_ns: int) -> list[Any]:
    """Calls the waste indicators must catch: near gpt-4o's context window, and
    gpt-4o-mini generations far longer than the model's usual ratio."""
    tid = new_trace_id()
    root = new_span_id()
    base = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai"}
    spans = [make_span(tid, root, name="long", start_ns=start_ns, attributes={"gls.chain": "rag"})]
    for i, (model, tokens_in, tokens_out) in enumerate(
        [
            ("gpt-4o", 121_000, 200),
            ("gpt-4o", 102_399, 10),  # just under 0.8 x 128000
            ("gpt-4o", 102_400, 10),  # exactly at it
            ("gpt-4o-mini", 100, 9000),
            ("gpt-4o-mini", 80, 5000),
        ]
    ):
        spans.append(
            make_span(
                tid,
                parent=root,
                name="chat",
                start_ns=start_ns + (i + 1) * 1000,
                attributes={
                    **base,
                    "gen_ai.request.model": model,
                    "gen_ai.usage.input_tokens": tokens_in,
                    "gen_ai.usage.output_tokens": tokens_out,
                },
            )
        )
    return spans


def _put_settings(studio: InProcessStudio, project: str, rate_card: dict[str, Any]) -> None:
    resp = requests.put(
        f"{studio.api}/api/v1/projects/{project}/settings",
        json={"rate_card": rate_card},
        timeout=30,
    )
    assert resp.status_code == 200, resp.text


def _send(studio: InProcessStudio, project: str, spans: list[Any]) -> None:
    resp = post_protobuf(
        f"{studio.api}/v1/traces", make_request(spans), headers={"X-GLS-Project": project}
    )
    assert resp.status_code == 200, resp.text


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessStudio]:
    s = InProcessStudio(tmp_path_factory.mktemp("costs") / "data").start()
    try:
        _put_settings(s, PROJECT, RATE_CARD)
        _put_settings(s, OTHER, OTHER_RATE_CARD)
        rng = random.Random(20261127)
        for project, count, models in (
            (PROJECT, 150, MODELS),
            (OTHER, 40, [*MODELS[:2], OTHER_ONLY_MODEL]),
        ):
            batch: list[Any] = []
            for _ in range(count):
                # Two thirds in the window, a third in the previous hour.
                start = T0 - rng.randrange(MINUTE_NS, HOUR_NS - MINUTE_NS)
                if rng.random() < 0.33:
                    start -= HOUR_NS
                batch += _trace(rng, project, start, models)
                if len(batch) > 200:
                    _send(s, project, batch)
                    batch = []
            batch += _special_traces(T0 - 30 * MINUTE_NS)
            _send(s, project, batch)
        yield s
    finally:
        s.stop()


# --- the stored spans, read back one row each ------------------------------------------

ROW_SQL = """
SELECT lower(hex(trace_id)) AS trace, lower(hex(span_id)) AS span,
    toUnixTimestamp64Nano(start_time) AS start_ns, toString(toDate(start_time)) AS day,
    toString(span_type) AS span_type, toString(provider) AS provider, toString(model) AS model,
    toString(chain) AS chain, toString(agent) AS agent, toString(environment) AS environment,
    user_id, input_tokens, output_tokens, cached_tokens, reasoning_tokens, total_tokens,
    system_tokens, token_estimate, cost_status, llm_cost_usd, llm_input_cost_usd,
    infra_cost_usd, data_cost_usd, cost_usd, energy_kwh, carbon_g, embodied_carbon_g,
    energy_kwh_min, energy_kwh_max, carbon_g_min, carbon_g_max, embodied_carbon_g_min,
    embodied_carbon_g_max, toString(carbon_zone) AS carbon_zone
FROM spans WHERE project = {project:String}
"""


@pytest.fixture(scope="module")
def rows(studio: InProcessStudio) -> dict[str, list[dict[str, Any]]]:
    return {p: studio.sql(ROW_SQL, project=p) for p in (PROJECT, OTHER, EMPTY)}


def _in(start: int, end: int) -> Callable[[dict[str, Any]], bool]:
    return lambda r: start <= r["start_ns"] < end


def _llm(r: dict[str, Any]) -> bool:
    return r["span_type"] in ("llm", "embedding")


def _z(value: Any) -> Any:
    return 0 if value is None else value


def _close(got: float | None, want: float | None, what: str, rel: float = 1e-9) -> None:
    if want is None:
        assert got is None, what
        return
    assert got == pytest.approx(want, rel=rel, abs=1e-12), what


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns // 10**9, UTC).isoformat().replace("+00:00", "Z")


def _window() -> dict[str, str]:
    return {"start": str(START // 10**6), "end": str(END // 10**6)}


# --- expected figures, recomputed from the rows --------------------------------------

COST_KEYS = (
    "cost_usd",
    "llm_cost_usd",
    "infrastructure_cost_usd",
    "data_cost_usd",
    "llm_calls",
    "unpriced_llm_calls",
    "energy_kwh",
    "carbon_g",
    "embodied_carbon_g",
)
INTEGER_KEYS = {"llm_calls", "unpriced_llm_calls", "spans"}


def cost_figures(spans: Iterable[dict[str, Any]]) -> dict[str, Any]:
    spans = list(spans)
    return {
        "cost_usd": sum(r["cost_usd"] for r in spans),
        "llm_cost_usd": sum(_z(r["llm_cost_usd"]) for r in spans),
        "infrastructure_cost_usd": sum(_z(r["infra_cost_usd"]) for r in spans),
        "data_cost_usd": sum(_z(r["data_cost_usd"]) for r in spans),
        "llm_calls": sum(1 for r in spans if _llm(r)),
        "unpriced_llm_calls": sum(1 for r in spans if r["cost_status"] == 3),
        "energy_kwh": sum(_z(r["energy_kwh"]) for r in spans),
        "carbon_g": sum(_z(r["carbon_g"]) for r in spans),
        "embodied_carbon_g": sum(_z(r["embodied_carbon_g"]) for r in spans),
        "spans": len(spans),
    }


def _check_figures(got: dict[str, Any], want: dict[str, Any], what: str) -> None:
    for key in COST_KEYS:
        if key in INTEGER_KEYS:
            assert got[key] == want[key], f"{what} {key}"
        else:
            _close(got[key], want[key], f"{what} {key}")


def cost_totals(spans: list[dict[str, Any]]) -> dict[str, Any]:
    out = cost_figures(spans)

    def call_tokens(r: dict[str, Any]) -> int:
        return _z(r["input_tokens"]) + _z(r["output_tokens"])

    unpriced = sum(call_tokens(r) for r in spans if r["cost_status"] == 3)
    priced = sum(call_tokens(r) for r in spans if r["cost_status"] in (1, 2))
    out.update(
        priced_llm_calls=sum(1 for r in spans if r["cost_status"] in (1, 2)),
        unpriced_tokens=unpriced,
        unknown_cost_share=_ratio(unpriced, unpriced + priced),
        llm_calls_without_energy=sum(1 for r in spans if _llm(r) and r["energy_kwh"] is None),
    )
    return out


def _check_totals(got: dict[str, Any], want: dict[str, Any], what: str) -> None:
    _check_figures(got, want, what)
    for key in ("priced_llm_calls", "unpriced_tokens", "llm_calls_without_energy"):
        assert got[key] == want[key], f"{what} {key}"
    _close(got["unknown_cost_share"], want["unknown_cost_share"], f"{what} unknown share")
    for part, key in (
        ("llm", "llm_cost_usd"),
        ("infrastructure", "infrastructure_cost_usd"),
        ("data", "data_cost_usd"),
    ):
        _close(got["split"][part], _ratio(want[key], want["cost_usd"]), f"{what} split {part}")


def group_by_key(
    spans: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], Any]
) -> dict[Any, list[dict[str, Any]]]:
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for r in spans:
        groups[key(r)].append(r)
    return groups


# --- the data set is what the tests need -------------------------------------------


def test_the_data_set_exercises_every_figure(rows: dict[str, list[dict[str, Any]]]) -> None:
    """The core enriched the spans as the figures below assume: otherwise a
    check could pass on zeros."""
    spans = [r for r in rows[PROJECT] if START <= r["start_ns"] < END]
    llm = [r for r in spans if _llm(r)]
    assert any(r["cost_status"] == 1 for r in llm)
    assert any(r["cost_status"] == 3 for r in llm), "an unpriced call"
    assert any(r["span_type"] == "embedding" for r in llm)
    assert any(_z(r["infra_cost_usd"]) > 0 for r in spans)
    assert any(_z(r["data_cost_usd"]) > 0 for r in spans)
    assert any(r["energy_kwh"] is None for r in llm), "an LLM call without energy"
    assert any(_z(r["embodied_carbon_g"]) > 0 for r in llm)
    assert any(r["token_estimate"] & 1 for r in llm) and any(r["token_estimate"] & 2 for r in llm)
    assert any(_z(r["system_tokens"]) > 0 and not r["cached_tokens"] for r in llm)
    assert any(_z(r["system_tokens"]) > 0 and _z(r["cached_tokens"]) > 0 for r in llm)
    assert any(r["system_tokens"] == 0 for r in llm), "messages without a system prompt"
    assert not rows[EMPTY]


# --- cost analysis -----------------------------------------------------------------


def _costs(studio: InProcessStudio, project: str = PROJECT, **params: Any) -> dict[str, Any]:
    return checked_get(
        studio.api, f"/api/v1/projects/{project}/analytics/costs", **{**_window(), **params}
    )


@pytest.mark.parametrize("project", [PROJECT, OTHER, EMPTY])
def test_cost_totals_previous_period_and_change(
    studio: InProcessStudio, rows: dict[str, list[dict[str, Any]]], project: str
) -> None:
    body = _costs(studio, project)
    assert body["window"]["start"] == _iso(START) and body["window"]["end"] == _iso(END)
    now = cost_totals([r for r in rows[project] if _in(START, END)(r)])
    before = cost_totals([r for r in rows[project] if _in(START - HOUR_NS, START)(r)])
    _check_totals(body["totals"], now, f"{project} totals")
    _check_totals(body["previous"], before, f"{project} previous")
    for key in COST_KEYS:
        want = (now[key] - before[key]) / abs(before[key]) if before[key] else None
        _close(body["change"][key], want, f"{project} change {key}")
    if project == EMPTY:
        assert body["totals"]["cost_usd"] == 0 and body["totals"]["split"]["llm"] is None
        assert body["by_model"] == [] and body["by_chain"] == []


def test_projects_are_isolated(
    studio: InProcessStudio, rows: dict[str, list[dict[str, Any]]]
) -> None:
    """The other project's model and its far higher rates never show in this one."""
    body = _costs(studio, PROJECT)
    assert OTHER_ONLY_MODEL[1] not in {m["model"] for m in body["by_model"]}
    assert any(m["model"] == OTHER_ONLY_MODEL[1] for m in _costs(studio, OTHER)["by_model"])
    assert body["totals"]["llm_calls"] == sum(
        1 for r in rows[PROJECT] if _in(START, END)(r) and _llm(r)
    )
    tokens = checked_get(studio.api, f"/api/v1/projects/{PROJECT}/analytics/tokens", **_window())
    assert OTHER_ONLY_MODEL[1] not in {m["model"] for m in tokens["by_model"]}


def test_cost_series_every_step(
    studio: InProcessStudio, rows: dict[str, list[dict[str, Any]]]
) -> None:
    body = _costs(studio, step="300")
    assert body["window"]["step_s"] == 300
    spans = [r for r in rows[PROJECT] if _in(START, END)(r)]
    buckets = group_by_key(spans, lambda r: r["start_ns"] // (300 * 10**9) * 300)
    first = START // 10**9 // 300 * 300
    expected_t = list(range(first, END // 10**9, 300))
    assert [p["t"] for p in body["series"]] == [_iso(t * 10**9) for t in expected_t]
    for t, point in zip(expected_t, body["series"], strict=True):
        _check_figures(point, cost_figures(buckets.get(t, [])), f"point {point['t']}")
    assert sum(p["llm_calls"] for p in body["series"]) == body["totals"]["llm_calls"]


@pytest.mark.parametrize("group_by,column", [("model", "model"), ("environment", "environment")])
def test_cost_series_by_group(
    studio: InProcessStudio, rows: dict[str, list[dict[str, Any]]], group_by: str, column: str
) -> None:
    body = _costs(studio, group_by=group_by, step="900")
    assert body["group_by"] == group_by
    spans = [r for r in rows[PROJECT] if _in(START, END)(r) and (group_by != "model" or _llm(r))]
    groups = group_by_key(spans, lambda r: r[column])
    ranked = sorted(
        groups, key=lambda g: (-sum(r["cost_usd"] for r in groups[g]), -len(groups[g]), g)
    )
    assert [g["group"] for g in body["groups"]] == ranked[:10]
    for g in body["groups"]:
        buckets = group_by_key(groups[g["group"]], lambda r: r["start_ns"] // (900 * 10**9) * 900)
        _close(g["cost_usd"], sum(r["cost_usd"] for r in groups[g["group"]]), f"{g['group']} cost")
        for point in g["series"]:
            t = int(datetime.fromisoformat(point["t"].replace("Z", "+00:00")).timestamp())
            _check_figures(point, cost_figures(buckets.get(t, [])), f"{g['group']} {point['t']}")


def test_cost_by_model(studio: InProcessStudio, rows: dict[str, list[dict[str, Any]]]) -> None:
    body = _costs(studio)
    llm = [r for r in rows[PROJECT] if _in(START, END)(r) and _llm(r)]
    models = group_by_key(llm, lambda r: (r["provider"], r["model"]))
    assert len(body["by_model"]) == len(models)
    got_costs = [m["cost_usd"] for m in body["by_model"]]
    assert got_costs == sorted(got_costs, reverse=True)
    for m in body["by_model"]:
        calls = models[(m["provider"], m["model"])]
        priced = [r for r in calls if r["cost_status"] in (1, 2)]
        cost = sum(_z(r["llm_cost_usd"]) for r in calls)
        what = f"{m['provider']}/{m['model']}"
        assert m["requests"] == len(calls), what
        assert m["priced_requests"] == len(priced), what
        assert m["unpriced_requests"] == sum(1 for r in calls if r["cost_status"] == 3), what
        for key in ("input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens"):
            assert m[key] == sum(_z(r[key]) for r in calls), f"{what} {key}"
        _close(m["cost_usd"], cost, f"{what} cost")
        _close(m["avg_cost_per_request_usd"], _ratio(cost, len(priced)), f"{what} avg")
        for key in ("energy_kwh", "carbon_g", "embodied_carbon_g"):
            _close(m[key], sum(_z(r[key]) for r in calls), f"{what} {key}")
    unknown = next(m for m in body["by_model"] if m["model"] == "mystery-model-x")
    assert unknown["unpriced_requests"] == unknown["requests"] > 0
    assert unknown["avg_cost_per_request_usd"] is None and unknown["cost_usd"] == 0


def _traces(spans: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per trace: its chain (max over its spans, as the summary keeps it),
    start, and every span."""
    out: dict[str, dict[str, Any]] = {}
    for trace, members in group_by_key(spans, lambda r: r["trace"]).items():
        out[trace] = {
            "chain": max(r["chain"] for r in members),
            "start_ns": min(r["start_ns"] for r in members),
            "spans": members,
        }
    return out


def test_cost_by_chain(studio: InProcessStudio, rows: dict[str, list[dict[str, Any]]]) -> None:
    body = _costs(studio)
    started = [t for t in _traces(rows[PROJECT]).values() if START <= t["start_ns"] < END]
    chains = group_by_key(started, lambda t: t["chain"])
    assert {c["chain"] for c in body["by_chain"]} == set(chains)
    for c in body["by_chain"]:
        traces = chains[c["chain"]]
        spans = [r for t in traces for r in t["spans"]]
        what = f"chain {c['chain']!r}"
        assert c["executions"] == len(traces), what
        cost = sum(r["cost_usd"] for r in spans)
        _close(c["cost_usd"], cost, f"{what} cost")
        _close(c["avg_cost_per_execution_usd"], cost / len(traces), f"{what} avg")
        _close(c["llm_cost_usd"], sum(_z(r["llm_cost_usd"]) for r in spans), f"{what} llm")
        assert c["unpriced_llm_calls"] == sum(1 for r in spans if r["cost_status"] == 3), what
        for key in ("input_tokens", "output_tokens", "cached_tokens", "total_tokens"):
            assert c[key] == sum(_z(r[key]) for r in spans), f"{what} {key}"
        total = sum(_z(r["total_tokens"]) for r in spans)
        _close(c["avg_tokens_per_execution"], total / len(traces), f"{what} avg tokens")
        _close(c["energy_kwh"], sum(_z(r["energy_kwh"]) for r in spans), f"{what} energy")
        _close(c["carbon_g"], sum(_z(r["carbon_g"]) for r in spans), f"{what} carbon")


def test_cost_series_by_user_is_the_traces_user(
    studio: InProcessStudio, rows: dict[str, list[dict[str, Any]]]
) -> None:
    """Grouped by user, the trace's user (its root names it, its calls do not)."""
    body = _costs(studio, group_by="user", step="900")
    traces = _traces(rows[PROJECT])
    started = [t for t in traces.values() if START <= t["start_ns"] < END]
    users = group_by_key(started, lambda t: max(r["user_id"] for r in t["spans"]))
    assert {"alice", "bob"} <= set(users)

    def cost(user: str) -> float:
        return sum(r["cost_usd"] for t in users[user] for r in t["spans"])

    assert [g["group"] for g in body["groups"]] == sorted(
        users, key=lambda u: (-cost(u), -len(users[u]), u)
    )
    for g in body["groups"]:
        _close(g["cost_usd"], cost(g["group"]), f"user {g['group']} cost")
        assert sum(p["llm_calls"] for p in g["series"]) == sum(
            1 for t in users[g["group"]] for r in t["spans"] if _llm(r)
        )


def test_cost_series_by_chain_is_the_traces_chain(
    studio: InProcessStudio, rows: dict[str, list[dict[str, Any]]]
) -> None:
    """Grouped by chain, the series are the trace's chain (as by_chain and the
    trace list's filter): an LLM call inside a chain's trace counts under that
    chain even when the call itself names none; each trace at its start's step."""
    body = _costs(studio, group_by="chain", step="900")
    started = [t for t in _traces(rows[PROJECT]).values() if START <= t["start_ns"] < END]
    assert any(  # the data holds LLM calls naming no chain inside a chain's trace
        _llm(r) and r["chain"] == "" for t in started if t["chain"] for r in t["spans"]
    )
    chains = group_by_key(started, lambda t: t["chain"])

    def cost(chain: str) -> float:
        return sum(r["cost_usd"] for t in chains[chain] for r in t["spans"])

    ranked = sorted(chains, key=lambda c: (-cost(c), -len(chains[c]), c))
    assert [g["group"] for g in body["groups"]] == ranked[:10]
    by_chain = {c["chain"]: c for c in body["by_chain"]}
    for g in body["groups"]:
        what = f"chain {g['group']!r}"
        _close(g["cost_usd"], cost(g["group"]), f"{what} cost")
        _close(g["cost_usd"], by_chain[g["group"]]["cost_usd"], f"{what} = by_chain")
        steps = group_by_key(chains[g["group"]], lambda t: t["start_ns"] // (900 * 10**9) * 900)
        assert sum(p["llm_calls"] for p in g["series"]) == sum(
            1 for t in chains[g["group"]] for r in t["spans"] if _llm(r)
        ), what
        for point in g["series"]:
            t = int(datetime.fromisoformat(point["t"].replace("Z", "+00:00")).timestamp())
            spans = [r for trace in steps.get(t, []) for r in trace["spans"]]
            want = cost_figures(spans)
            for key in ("cost_usd", "llm_cost_usd", "energy_kwh", "carbon_g", "embodied_carbon_g"):
                _close(point[key], want[key], f"{what} {point['t']} {key}")
            for key in ("llm_calls", "unpriced_llm_calls"):
                assert point[key] == want[key], f"{what} {point['t']} {key}"
            # traces keep no split of their non-LLM cost
            assert point["infrastructure_cost_usd"] is None and point["data_cost_usd"] is None


def test_cost_by_model_previous_period(
    studio: InProcessStudio, rows: dict[str, list[dict[str, Any]]]
) -> None:
    """Each model's requests and cost in the hour before the window, and the change."""
    body = _costs(studio)
    before = group_by_key(
        [r for r in rows[PROJECT] if _in(START - HOUR_NS, START)(r) and _llm(r)],
        lambda r: (r["provider"], r["model"]),
    )
    assert any(m["previous_requests"] for m in body["by_model"])
    for m in body["by_model"]:
        calls = before.get((m["provider"], m["model"]), [])
        what = f"{m['provider']}/{m['model']}"
        assert m["previous_requests"] == len(calls), what
        assert m["previous_unpriced_requests"] == sum(1 for r in calls if r["cost_status"] == 3)
        previous = sum(_z(r["llm_cost_usd"]) for r in calls)
        _close(m["previous_cost_usd"], previous, f"{what} previous cost")
        want = (m["cost_usd"] - previous) / previous if previous else None
        _close(m["cost_change"], want, f"{what} change")


CARBON_RANGE_KEYS = tuple(
    f"{figure}{bound}"
    for figure in ("energy_kwh", "carbon_g", "embodied_carbon_g")
    for bound in ("", "_min", "_max")
)


def carbon_range(spans: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Sums of the central figures and of each span's bounds (its central
    figure where it has no bound), over spans with an energy or carbon figure."""
    kept = [
        r
        for r in spans
        if r["energy_kwh"] is not None
        or r["carbon_g"] is not None
        or r["embodied_carbon_g"] is not None
    ]
    out: dict[str, Any] = {"spans": len(kept)}
    for key in CARBON_RANGE_KEYS:
        central = key.removesuffix("_min").removesuffix("_max")
        out[key] = sum(_z(r[key] if r[key] is not None else r[central]) for r in kept)
    return out


def _check_carbon(got: dict[str, Any], want: dict[str, Any], what: str) -> None:
    assert got["spans"] == want["spans"], what
    for key in CARBON_RANGE_KEYS:
        _close(got[key], want[key], f"{what} {key}")


def test_carbon_ranges_and_zones(
    studio: InProcessStudio, rows: dict[str, list[dict[str, Any]]]
) -> None:
    body = _costs(studio, step="900")
    carbon = body["carbon"]
    now = [r for r in rows[PROJECT] if _in(START, END)(r)]
    _check_carbon(carbon["totals"], carbon_range(now), "totals")
    before = [r for r in rows[PROJECT] if _in(START - HOUR_NS, START)(r)]
    _check_carbon(carbon["previous"], carbon_range(before), "previous")
    # a real range: some span's bounds differ from its estimate
    assert carbon["totals"]["carbon_g_min"] < carbon["totals"]["carbon_g"]
    assert carbon["totals"]["carbon_g"] < carbon["totals"]["carbon_g_max"]
    _close(carbon["totals"]["carbon_g"], body["totals"]["carbon_g"], "= the cost totals")
    steps = group_by_key(now, lambda r: r["start_ns"] // (900 * 10**9) * 900)
    assert [p["t"] for p in carbon["series"]] == [p["t"] for p in body["series"]]
    for point in carbon["series"]:
        t = int(datetime.fromisoformat(point["t"].replace("Z", "+00:00")).timestamp())
        _check_carbon(point, carbon_range(steps.get(t, [])), f"point {point['t']}")
    zones = group_by_key(carbon_range_rows(now), lambda r: r["carbon_zone"])
    assert [z["zone"] for z in carbon["by_zone"]] == sorted(
        zones, key=lambda z: (-carbon_range(zones[z])["carbon_g"], z)
    )
    assert len(zones) >= 2, "the data set uses more than one grid zone"
    for z in carbon["by_zone"]:
        _check_carbon(z, carbon_range(zones[z["zone"]]), f"zone {z['zone']!r}")


def carbon_range_rows(spans: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in spans if r["energy_kwh"] is not None or r["carbon_g"] is not None]


def test_environment_filter(studio: InProcessStudio, rows: dict[str, list[dict[str, Any]]]) -> None:
    """environment=prod: span figures over the spans of prod, by_chain over the
    traces of prod (their environment as the trace list's filter takes it)."""
    body = _costs(studio, environment="prod", group_by="environment")
    assert body["environment"] == "prod"
    now = [r for r in rows[PROJECT] if _in(START, END)(r)]
    prod = [r for r in now if r["environment"] == "prod"]
    assert 0 < len(prod) < len(now)
    _check_totals(body["totals"], cost_totals(prod), "prod totals")
    before = [r for r in rows[PROJECT] if _in(START - HOUR_NS, START)(r)]
    _check_totals(
        body["previous"], cost_totals([r for r in before if r["environment"] == "prod"]), "prev"
    )
    assert [e["environment"] for e in body["by_environment"]] == ["prod"]
    assert [g["group"] for g in body["groups"]] == ["prod"]
    _check_carbon(body["carbon"]["totals"], carbon_range(prod), "prod carbon")
    traces = _traces(rows[PROJECT]).values()
    started = [
        t
        for t in traces
        if START <= t["start_ns"] < END and max(r["environment"] for r in t["spans"]) == "prod"
    ]
    chains = group_by_key(started, lambda t: t["chain"])
    assert {c["chain"]: c["executions"] for c in body["by_chain"]} == {
        c: len(ts) for c, ts in chains.items()
    }
    every = _costs(studio)
    assert body["totals"]["cost_usd"] < every["totals"]["cost_usd"]


@pytest.mark.parametrize("column", ["environment", "agent"])
def test_cost_by_environment_and_agent(
    studio: InProcessStudio, rows: dict[str, list[dict[str, Any]]], column: str
) -> None:
    body = _costs(studio)
    groups = group_by_key([r for r in rows[PROJECT] if _in(START, END)(r)], lambda r: r[column])
    got = body[f"by_{column}"]
    assert {g[column] for g in got} == set(groups)
    before = group_by_key(
        [r for r in rows[PROJECT] if _in(START - HOUR_NS, START)(r)], lambda r: r[column]
    )
    for g in got:
        want = cost_figures(groups[g[column]])
        assert g["spans"] == want["spans"]
        _check_figures(g, want, f"{column} {g[column]!r}")
        # the previous period's costs, for the trend
        previous = cost_figures(before.get(g[column], []))
        for key in ("cost_usd", "llm_cost_usd", "infrastructure_cost_usd", "data_cost_usd"):
            _close(g["previous"][key], previous[key], f"{column} {g[column]!r} previous {key}")
    assert any(g["previous"]["infrastructure_cost_usd"] for g in got)


def test_default_window_is_the_last_day(
    studio: InProcessStudio, rows: dict[str, list[dict[str, Any]]]
) -> None:
    body = checked_get(studio.api, f"/api/v1/projects/{PROJECT}/analytics/costs")
    start = datetime.fromisoformat(body["window"]["start"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(body["window"]["end"].replace("Z", "+00:00"))
    assert (end - start).total_seconds() in (86_400, 86_460)  # minute alignment
    _check_totals(body["totals"], cost_totals(rows[PROJECT]), "last day")


# --- CSV export ------------------------------------------------------------------------


def _export(studio: InProcessStudio, **params: Any) -> requests.Response:
    resp = requests.get(
        f"{studio.api}/api/v1/projects/{PROJECT}/analytics/costs/export.csv",
        params={**_window(), **params},
        timeout=60,
    )
    return resp


def csv_openapi() -> OpenAPI:
    """The spec, reading text/csv bodies as text (openapi-core knows text/plain only)."""
    config = Config(extra_media_type_deserializers={"text/csv": plain_loads})
    return OpenAPI.from_file_path(str(SPEC), config=config)


def _defused(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def test_csv_export(studio: InProcessStudio, rows: dict[str, list[dict[str, Any]]]) -> None:
    resp = _export(studio)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert resp.headers["Content-Disposition"].startswith("attachment; filename=")
    path = f"/api/v1/projects/{PROJECT}/analytics/costs/export.csv"
    prepared = requests.Request("GET", "http://127.0.0.1:6006" + path, params=_window()).prepare()
    spec = csv_openapi()
    spec.validate_request(RequestsOpenAPIRequest(prepared))
    spec.validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(resp))

    text = resp.content.decode("utf-8")
    assert text.endswith("\r\n")
    table = list(csv.reader(io.StringIO(text, newline="")))
    header, body = table[0], table[1:]
    assert header[:5] == ["day", "chain", "environment", "provider", "model"]

    traces = _traces(rows[PROJECT])
    spans = [r for r in rows[PROJECT] if _in(START, END)(r)]
    expected = group_by_key(
        spans,
        lambda r: (
            r["day"],
            traces[r["trace"]]["chain"],
            r["environment"],
            r["provider"],
            r["model"],
        ),
    )
    assert len(body) == len(expected)
    keys = [tuple(line[:5]) for line in body]
    defused = {tuple(_defused(v) for v in k): k for k in expected}
    assert keys == sorted(keys, key=lambda k: tuple(defused[k])), "ordered by the text columns"
    for line in body:
        cells = dict(zip(header, line, strict=True))
        key = defused[tuple(line[:5])]
        group = expected[key]
        want = cost_figures(group)
        what = f"row {key}"
        for name in ("spans", "llm_calls", "unpriced_llm_calls"):
            assert int(cells[name]) == want[name], f"{what} {name}"
        for name in ("input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens"):
            assert int(cells[name]) == sum(_z(r[name]) for r in group), f"{what} {name}"
        for name in (
            "llm_cost_usd",
            "infrastructure_cost_usd",
            "data_cost_usd",
            "cost_usd",
            "energy_kwh",
            "carbon_g",
            "embodied_carbon_g",
        ):
            assert "e" not in cells[name].lower(), f"{what} {name} in fixed point"
            assert float(cells[name]) == pytest.approx(want[name], rel=1e-9, abs=1e-12), what
    # Escaping: the tricky chains come back whole, formulas defused.
    chains = {line[1] for line in body}
    assert 'support, "tier 2"' in chains and "multi\nline" in chains
    assert '\'=HYPERLINK("http://x")' in chains
    assert {line[2] for line in body} >= {"'+dev", "prod"}
    assert '"support, ""tier 2"""' in text


def test_csv_export_refuses_to_cut_rows(studio: InProcessStudio) -> None:
    resp = _export(studio, limit="3")
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "invalid_parameter"
    assert "more than 3 rows" in resp.json()["error"]["message"]


# --- token analyzer ----------------------------------------------------------------------


def context_window(provider: str, model: str) -> int | None:
    """genai-prices' own answer for the model's context window."""
    from genai_prices.data_snapshot import get_snapshot

    try:
        _, info = get_snapshot().find_provider_model(model, None, provider or None, None)
    except LookupError:
        return None
    return info.context_window


def token_figures(llm: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for key, calls in group_by_key(llm, lambda r: (r["provider"], r["model"])).items():
        both = [r for r in calls if _z(r["input_tokens"]) > 0 and r["output_tokens"] is not None]
        ratio = (
            sum(r["output_tokens"] for r in both) / sum(r["input_tokens"] for r in both)
            if len(both) >= 10
            else None
        )
        window = context_window(*key)
        uncached = [r for r in calls if _z(r["system_tokens"]) > 0 and _z(r["cached_tokens"]) == 0]
        near = [r for r in calls if window and _z(r["input_tokens"]) >= window * NEAR]
        outliers = [
            r for r in both if ratio and r["output_tokens"] > r["input_tokens"] * ratio * 5.0
        ]
        repeats = group_by_key(
            [r for r in calls if _z(r["input_tokens"]) > 0],
            lambda r: (r["trace"], r["input_tokens"], r["system_tokens"]),
        )
        repeated = [g for g in repeats.values() if len(g) > 1]
        out[key] = {
            "calls": calls,
            "window": window,
            "ratio": ratio,
            "uncached": uncached,
            "near": near,
            "outliers": outliers,
            "repeated_calls": sum(len(g) - 1 for g in repeated),
            "repeated_input_tokens": sum((len(g) - 1) * g[0]["input_tokens"] for g in repeated),
            "repeated_cost_usd": sum(
                sum(_z(r["llm_cost_usd"]) for r in g) * (len(g) - 1) / len(g) for g in repeated
            ),
        }
    return out


def _tokens(studio: InProcessStudio, project: str = PROJECT, **params: Any) -> dict[str, Any]:
    return checked_get(
        studio.api, f"/api/v1/projects/{project}/analytics/tokens", **{**_window(), **params}
    )


def _sum(calls: Iterable[dict[str, Any]], key: str) -> int:
    return sum(_z(r[key]) for r in calls)


def _system_in_input(r: dict[str, Any]) -> int:
    if r["system_tokens"] is None or r["input_tokens"] is None:
        return 0
    return min(r["system_tokens"], r["input_tokens"])


@pytest.mark.parametrize("project", [PROJECT, OTHER])
def test_token_totals_averages_distribution_estimates(
    studio: InProcessStudio, rows: dict[str, list[dict[str, Any]]], project: str
) -> None:
    body = _tokens(studio, project)
    llm = [r for r in rows[project] if _in(START, END)(r) and _llm(r)]
    totals = body["totals"]
    assert totals["llm_calls"] == len(llm)
    for key in (
        "input_tokens",
        "output_tokens",
        "cached_tokens",
        "reasoning_tokens",
        "system_tokens",
        "total_tokens",
    ):
        assert totals[key] == _sum(llm, key), key

    def known(key: str) -> int:
        return sum(1 for r in llm if r[key] is not None)

    average = body["average_per_call"]
    for key in ("input_tokens", "output_tokens", "total_tokens", "system_tokens"):
        _close(average[key], _ratio(_sum(llm, key), known(key)), f"average {key}")
    for key in ("cached_tokens", "reasoning_tokens"):
        _close(average[key], _ratio(_sum(llm, key), len(llm)), f"average {key}")

    system = sum(_system_in_input(r) for r in llm)
    whole = _sum(llm, "input_tokens") + _sum(llm, "output_tokens")
    dist = body["distribution"]
    assert dist["system_tokens"] == system
    assert dist["other_input_tokens"] == _sum(llm, "input_tokens") - system
    assert dist["output_tokens"] == _sum(llm, "output_tokens")
    assert dist["calls_with_system_tokens"] == known("system_tokens")
    _close(dist["system_share"], _ratio(system, whole), "system share")
    _close(dist["output_share"], _ratio(_sum(llm, "output_tokens"), whole), "output share")

    est = body["estimated"]
    input_est = [r for r in llm if r["token_estimate"] & 1]
    output_est = [r for r in llm if r["token_estimate"] & 2]
    assert est["calls"] == sum(1 for r in llm if r["token_estimate"])
    assert est["input_calls"] == len(input_est) and est["output_calls"] == len(output_est)
    _close(est["call_share"], _ratio(est["calls"], len(llm)), "estimated call share")
    _close(
        est["input_token_share"],
        _ratio(_sum(input_est, "input_tokens"), _sum(llm, "input_tokens")),
        "estimated input share",
    )
    _close(
        est["output_token_share"],
        _ratio(_sum(output_est, "output_tokens"), _sum(llm, "output_tokens")),
        "estimated output share",
    )


def test_token_waste_indicators(
    studio: InProcessStudio, rows: dict[str, list[dict[str, Any]]]
) -> None:
    body = _tokens(studio)
    llm = [r for r in rows[PROJECT] if _in(START, END)(r) and _llm(r)]
    per_model = token_figures(llm)
    waste = body["waste"]
    for name in ("uncached_system_prompt", "near_context_limit", "output_ratio_outliers"):
        assert waste[name]["definition"]

    uncached = [r for m in per_model.values() for r in m["uncached"]]
    u = waste["uncached_system_prompt"]
    assert u["calls"] == len(uncached) > 0
    assert u["system_tokens"] == _sum(uncached, "system_tokens")
    cost = sum(
        _z(r["llm_input_cost_usd"]) * min(r["system_tokens"], r["input_tokens"]) / r["input_tokens"]
        for r in uncached
        if _z(r["input_tokens"]) > 0
    )
    _close(u["estimated_input_cost_usd"], cost, "uncached system cost")
    _close(
        u["share_of_input_tokens"],
        _ratio(_sum(uncached, "system_tokens"), _sum(llm, "input_tokens")),
        "uncached system share",
    )

    near = [r for m in per_model.values() for r in m["near"]]
    n = waste["near_context_limit"]
    assert n["threshold"] == NEAR
    assert n["calls"] == len(near) == 2, "121000 and exactly 0.8 x 128000 tokens, not 102399"
    assert n["input_tokens"] == _sum(near, "input_tokens")
    assert n["calls_with_known_context_window"] == sum(
        len(m["calls"]) for m in per_model.values() if m["window"]
    )
    assert {(x["provider"], x["model"]) for x in n["models_without_context_window"]} == {
        k for k, m in per_model.items() if not m["window"]
    }
    assert ("acme", "mystery-model-x") in {
        (x["provider"], x["model"]) for x in n["models_without_context_window"]
    }

    outliers = [r for m in per_model.values() for r in m["outliers"]]
    o = waste["output_ratio_outliers"]
    assert o["calls"] == len(outliers) >= 2
    assert o["output_tokens"] == _sum(outliers, "output_tokens")
    assert o["models_judged"] == sum(1 for m in per_model.values() if m["ratio"] is not None)

    rep = waste["repeated_calls"]
    assert rep["calls"] == sum(m["repeated_calls"] for m in per_model.values()) > 0
    assert rep["input_tokens"] == sum(m["repeated_input_tokens"] for m in per_model.values())
    _close(rep["cost_usd"], sum(m["repeated_cost_usd"] for m in per_model.values()), "repeats")

    assert len(body["by_model"]) == len(per_model)
    for m in body["by_model"]:
        want = per_model[(m["provider"], m["model"])]
        calls = want["calls"]
        what = f"{m['provider']}/{m['model']}"
        assert m["calls"] == len(calls), what
        assert m["context_window"] == want["window"], what
        assert m["near_context_limit_calls"] == len(want["near"]), what
        _close(m["output_input_ratio"], want["ratio"], f"{what} ratio")
        assert m["output_ratio_outlier_calls"] == len(want["outliers"]), what
        assert m["uncached_system_tokens"] == _sum(want["uncached"], "system_tokens"), what
        assert m["repeated_calls"] == want["repeated_calls"], what
        for key in ("input_tokens", "output_tokens", "cached_tokens", "system_tokens"):
            assert m[key] == _sum(calls, key), f"{what} {key}"
    gpt4o = next(m for m in body["by_model"] if m["model"] == "gpt-4o")
    assert gpt4o["context_window"] == 128_000


# --- bad parameters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["analytics/costs", "analytics/costs/export.csv", "analytics/tokens"]
)
@pytest.mark.parametrize(
    "params,needle",
    [
        ({"start": "yesterday"}, "start"),
        ({"end": "2026-13-45T00:00:00Z"}, "end"),
        ({"start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "before"),
        ({"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "before"),
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"environment": "x" * 257}, "environment"),
        ({"environment": "prod\nstaging"}, "environment"),
    ],
)
def test_bad_parameters_are_400(
    studio: InProcessStudio, path: str, params: dict[str, str], needle: str
) -> None:
    resp = requests.get(f"{studio.api}/api/v1/projects/{PROJECT}/{path}", params=params, timeout=30)
    assert resp.status_code == 400, resp.text
    error = resp.json()["error"]
    assert error["code"] == "invalid_parameter" and needle in error["message"]


@pytest.mark.parametrize(
    "params,needle",
    [
        ({"group_by": "planet"}, "group_by"),
        ({"step": "7"}, "step"),
        (
            {"step": "60", "start": "2026-01-01T00:00:00Z", "end": "2026-01-05T00:00:00Z"},
            "points",
        ),
    ],
)
def test_bad_grouping_and_step_are_400(
    studio: InProcessStudio, params: dict[str, str], needle: str
) -> None:
    resp = requests.get(
        f"{studio.api}/api/v1/projects/{PROJECT}/analytics/costs", params=params, timeout=30
    )
    assert resp.status_code == 400, resp.text
    assert needle in resp.json()["error"]["message"]


@pytest.mark.parametrize(
    "path", ["analytics/costs", "analytics/costs/export.csv", "analytics/tokens"]
)
def test_invalid_project_is_400(studio: InProcessStudio, path: str) -> None:
    resp = requests.get(f"{studio.api}/api/v1/projects/bad%20name!/{path}", timeout=30)
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["code"] == "invalid_parameter"


def test_limit_keeps_the_costliest_rows(studio: InProcessStudio) -> None:
    # Sums may differ in the last bits between runs (parallel aggregation):
    # rows are compared by what they name.
    names = {
        "by_model": ("provider", "model"),
        "by_chain": ("chain",),
        "by_environment": ("environment",),
        "by_agent": ("agent",),
    }
    full, top = _costs(studio), _costs(studio, limit="2")
    for key, columns in names.items():
        assert len(full[key]) > 2, key
        assert [[r[c] for c in columns] for r in top[key]] == [
            [r[c] for c in columns] for r in full[key][:2]
        ], key
    one = _tokens(studio, limit="1")["by_model"]
    assert [(m["provider"], m["model"]) for m in one] == [
        (m["provider"], m["model"]) for m in _tokens(studio)["by_model"][:1]
    ]
