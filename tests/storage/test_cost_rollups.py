"""cost_rollups (migration 0006), and token_rollups (0013) made from it, against
the spans they add up.

Spans are decoded and enriched by the Rust core (prices, a project override
and rate card, token estimates, system-prompt tokens, energy and carbon) and
stored with the store's own insert, in several inserts whose minutes overlap
(so rows of one key wait for a merge and the read must add them up). The
stored span rows are read back one each and every rollup column is
recomputed from them in Python, by the definition the migration documents,
per project x minute x span type, provider, model, environment, agent and
chain: counts equal, sums equal to 1e-9 relative.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
import pytest

from gls_engine import _core
from gls_engine.config import settings_for_tests
from gls_engine.ingest.enrichment import Enrichment
from gls_engine.metadata.project_settings import ProjectSettings
from gls_engine.storage import SpanStore, base
from gls_engine.storage.migrate import MIGRATIONS

from conftest import STORE_BACKENDS, opened_store
from otlp_helpers import make_request, make_span, new_span_id, new_trace_id

PROJECTS = ("rollup-a", "rollup-b")
MINUTE_NS = 60 * 10**9
# Spans start in the 20 minutes before T0; some exactly on a minute, some 1 ns before one.
T0 = (time.time_ns() // MINUTE_NS - 5) * MINUTE_NS
ROLLUP_VERSION = next(v for v, name, _ in MIGRATIONS if name == "cost_rollups")

MODELS = [
    ("openai", "gpt-4o"),
    ("openai", "gpt-4o-mini"),
    ("anthropic", "claude-3-5-haiku-20241022"),
    ("acme", "my-finetune-v2"),  # priced by the project override
    ("acme", "mystery-model-x"),  # unpriced, no energy model
]
SYSTEM_PROMPTS = [
    "You are a careful assistant. Answer in one short paragraph and cite sources.",
    "You classify support tickets into billing, outage, account or other.",
]
SETTINGS = {
    "rate_card": {
        "cpu_second_usd": 0.0002,
        "gb_read_usd": 0.03,
        "tool_call_usd": {"search": 0.004},
    },
    "price_overrides": [{"model": "my-finetune*", "input_per_mtok": 0.5, "output_per_mtok": 1.5}],
}


# --- the data set ---------------------------------------------------------------------


def _messages(system: str | None, user: str) -> str:
    system_part = [{"role": "system", "content": system}] if system else []
    return json.dumps([*system_part, {"role": "user", "content": user}])


def _llm_attrs(rng: random.Random, provider: str, model: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": model,
        "gen_ai.provider.name": provider,
    }
    if rng.random() < 0.4:
        attrs["gls.chain"] = rng.choice(["rag", "triage"])  # the span's own chain, sometimes
    if rng.random() < 0.15:  # text only: the core estimates both counts
        attrs["gen_ai.input.messages"] = _messages(
            rng.choice(SYSTEM_PROMPTS), "question " * rng.randint(1, 30)
        )
        attrs["gen_ai.output.messages"] = json.dumps(
            [{"role": "assistant", "content": "answer " * rng.randint(1, 40)}]
        )
        return attrs
    attrs["gen_ai.usage.input_tokens"] = rng.choice([0, rng.randint(1, 6000)])
    if rng.random() < 0.9:
        attrs["gen_ai.usage.output_tokens"] = rng.randint(0, 900)
    if rng.random() < 0.3:
        attrs["gen_ai.usage.cache_read.input_tokens"] = rng.randint(0, 40)
    if rng.random() < 0.2:
        attrs["gen_ai.usage.reasoning.output_tokens"] = rng.randint(0, 20)
    if rng.random() < 0.6:
        system = rng.choice(SYSTEM_PROMPTS) if rng.random() < 0.8 else None
        attrs["gen_ai.input.messages"] = _messages(system, "hello " * rng.randint(1, 9))
    return attrs


def _start(rng: random.Random) -> int:
    minute = T0 - rng.randint(1, 20) * MINUTE_NS
    return rng.choice([minute, minute - 1, minute + rng.randrange(MINUTE_NS)])


def _trace(rng: random.Random) -> list[Any]:
    tid, root = new_trace_id(), new_span_id()
    root_attrs: dict[str, Any] = {
        "openinference.span.kind": rng.choice(["CHAIN", "AGENT"]),
        "gls.agent": rng.choice(["planner", "worker", ""]),
        "gls.environment": rng.choice(["prod", "staging"]),
        "gls.chain": rng.choice(["rag", "triage", ""]),
    }
    if rng.random() < 0.5:
        root_attrs["gls.cpu.seconds"] = round(rng.uniform(0.1, 30.0), 3)
    spans = [make_span(tid, root, name="run", start_ns=_start(rng), attributes=root_attrs)]
    for _ in range(rng.randint(1, 4)):
        provider, model = rng.choice(MODELS)
        attrs = _llm_attrs(rng, provider, model)
        spans.append(
            make_span(tid, parent=root, name="chat", start_ns=_start(rng), attributes=attrs)
        )
    if rng.random() < 0.4:
        tool = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "search",
            "gls.data.bytes_read": rng.randint(10**5, 5 * 10**9),
        }
        spans.append(
            make_span(tid, parent=root, name="search", start_ns=_start(rng), attributes=tool)
        )
    if rng.random() < 0.3:
        embed = {
            "gen_ai.operation.name": "embeddings",
            "gen_ai.request.model": "text-embedding-3-small",
            "gen_ai.provider.name": "openai",
            "gen_ai.usage.input_tokens": rng.randint(10, 900),
        }
        spans.append(
            make_span(tid, parent=root, name="embed", start_ns=_start(rng), attributes=embed)
        )
    return spans


@pytest.fixture(scope="module")
def enricher(tmp_path_factory: pytest.TempPathFactory) -> _core.Enricher:
    settings = settings_for_tests(data_dir=str(tmp_path_factory.mktemp("prices")))
    enrichment = Enrichment.load(settings)
    enrichment.apply([ProjectSettings.from_json(p, SETTINGS) for p in PROJECTS])
    return enrichment.current


def _batch(enricher: _core.Enricher, project: str, seed: int, traces: int = 60) -> pa.Table:
    rng = random.Random(seed)
    spans = [s for _ in range(traces) for s in _trace(rng)]
    body = make_request(spans).SerializeToString()
    decoded = _core.decode_traces(
        body, default_project=project, received_ns=time.time_ns(), enricher=enricher
    )
    return pa.Table.from_batches([decoded.record_batch()])


def _insert(store: SpanStore, enricher: _core.Enricher, seed: int) -> None:
    for i, project in enumerate(PROJECTS):
        store.insert_spans_sync(_batch(enricher, project, seed * 10 + i))


# --- the rollup's columns, by their definitions ---------------------------------------------


def _z(value: Any) -> Any:
    return 0 if value is None else value


def _uncached_system(r: dict[str, Any]) -> bool:
    return _z(r["system_tokens"]) > 0 and _z(r["cached_tokens"]) == 0


def _ratio_call(r: dict[str, Any]) -> bool:
    return _z(r["input_tokens"]) > 0 and r["output_tokens"] is not None


def _call_tokens(r: dict[str, Any]) -> int:
    return _z(r["input_tokens"]) + _z(r["output_tokens"])


FIGURES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "spans": lambda r: 1,
    "priced_calls": lambda r: int(r["cost_status"] == 1),
    "override_calls": lambda r: int(r["cost_status"] == 2),
    "unpriced_calls": lambda r: int(r["cost_status"] == 3),
    "priced_call_tokens": lambda r: _call_tokens(r) if r["cost_status"] in (1, 2) else 0,
    "unpriced_call_tokens": lambda r: _call_tokens(r) if r["cost_status"] == 3 else 0,
    "cost_usd": lambda r: r["cost_usd"],
    **{
        column: (lambda c: lambda r: _z(r[c]))(column)
        for column in (
            "llm_cost_usd",
            "llm_input_cost_usd",
            "llm_output_cost_usd",
            "infra_cost_usd",
            "data_cost_usd",
            "energy_kwh",
            "carbon_g",
            "embodied_carbon_g",
            "input_tokens",
            "output_tokens",
            "total_tokens",
            "cached_tokens",
            "reasoning_tokens",
            "system_tokens",
        )
    },
    "energy_unknown_spans": lambda r: int(r["energy_kwh"] is None),
    "input_calls": lambda r: int(r["input_tokens"] is not None),
    "output_calls": lambda r: int(r["output_tokens"] is not None),
    "total_calls": lambda r: int(r["total_tokens"] is not None),
    "system_calls": lambda r: int(r["system_tokens"] is not None),
    "system_in_input_tokens": lambda r: (
        0
        if r["system_tokens"] is None or r["input_tokens"] is None
        else min(r["system_tokens"], r["input_tokens"])
    ),
    "estimated_calls": lambda r: int(r["token_estimate"] != 0),
    "estimated_input_calls": lambda r: int(r["token_estimate"] & 1 != 0),
    "estimated_input_tokens": lambda r: _z(r["input_tokens"]) if r["token_estimate"] & 1 else 0,
    "estimated_output_calls": lambda r: int(r["token_estimate"] & 2 != 0),
    "estimated_output_tokens": lambda r: _z(r["output_tokens"]) if r["token_estimate"] & 2 else 0,
    "ratio_calls": lambda r: int(_ratio_call(r)),
    "ratio_input_tokens": lambda r: _z(r["input_tokens"]) if _ratio_call(r) else 0,
    "ratio_output_tokens": lambda r: _z(r["output_tokens"]) if _ratio_call(r) else 0,
    "uncached_system_calls": lambda r: int(_uncached_system(r)),
    "uncached_system_tokens": lambda r: _z(r["system_tokens"]) if _uncached_system(r) else 0,
    "uncached_system_cost_usd": lambda r: (
        _z(r["llm_input_cost_usd"])
        * min(_z(r["system_tokens"]), _z(r["input_tokens"]))
        / r["input_tokens"]
        if _uncached_system(r) and _z(r["input_tokens"]) > 0
        else 0.0
    ),
}
FLOATS = {
    "cost_usd",
    "llm_cost_usd",
    "llm_input_cost_usd",
    "llm_output_cost_usd",
    "infra_cost_usd",
    "data_cost_usd",
    "energy_kwh",
    "carbon_g",
    "embodied_carbon_g",
    "uncached_system_cost_usd",
}
KEY = ("project", "minute", "span_type", "provider", "model", "environment", "agent", "chain")

SPAN_ROWS = """
SELECT project, intDiv(toUnixTimestamp64Nano(start_time), 60000000000) * 60 AS minute,
    toString(span_type) AS span_type, toString(provider) AS provider, toString(model) AS model,
    toString(environment) AS environment, toString(agent) AS agent, toString(chain) AS chain,
    input_tokens, output_tokens, cached_tokens, reasoning_tokens, total_tokens, system_tokens,
    token_estimate, cost_status, llm_cost_usd, llm_input_cost_usd, llm_output_cost_usd,
    infra_cost_usd, data_cost_usd, cost_usd, energy_kwh, carbon_g, embodied_carbon_g
FROM spans
"""
# Re-aggregated as every reader does: rows of one key may not be merged yet.
ROLLUP_ROWS = (
    "SELECT toString(project) AS project, toUnixTimestamp(minute) AS minute,"
    " toString(span_type) AS span_type, toString(provider) AS provider,"
    " toString(model) AS model, toString(environment) AS environment,"
    " toString(agent) AS agent, toString(chain) AS chain, "
    + ", ".join(f"sum(r.{c}) AS {c}" for c in FIGURES)
    + " FROM cost_rollups AS r GROUP BY project, minute, span_type, provider, model,"
    " environment, agent, chain"
)


def expected_rollup(spans: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in spans:
        sums = out.setdefault(tuple(r[k] for k in KEY), dict.fromkeys(FIGURES, 0))
        for column, figure in FIGURES.items():
            sums[column] += figure(r)
    return out


def check_rollup(store: SpanStore) -> dict[tuple[Any, ...], dict[str, Any]]:
    want = expected_rollup(store.query_rows_sync(SPAN_ROWS))
    got = {tuple(r[k] for k in KEY): r for r in store.query_rows_sync(ROLLUP_ROWS)}
    assert set(got) == set(want)
    for key, sums in want.items():
        for column, value in sums.items():
            if column in FLOATS:
                assert got[key][column] == pytest.approx(value, rel=1e-9, abs=1e-12), (key, column)
            else:
                assert got[key][column] == value, (key, column)
    return want


# token_rollups (migration 0013): the same figures of LLM calls by project, minute, provider, model.
TOKEN_KEY = ("project", "minute", "provider", "model")
TOKEN_FIGURES = [
    c
    for c in FIGURES
    if c == "spans"
    or c.startswith(("input_", "output_", "total_", "system_", "estimated_", "ratio_", "uncached_"))
    or c in ("cached_tokens", "reasoning_tokens")
]
TOKEN_ROWS = (
    "SELECT toString(project) AS project, toUnixTimestamp(minute) AS minute,"
    " toString(provider) AS provider, toString(model) AS model, "
    + ", ".join(f"sum(r.{c}) AS {c}" for c in TOKEN_FIGURES)
    + " FROM token_rollups AS r GROUP BY project, minute, provider, model"
)


def check_token_rollups(store: SpanStore, want: dict[tuple[Any, ...], dict[str, Any]]) -> None:
    """token_rollups equals the cost rollup's expected LLM-call figures regrouped."""
    expected: dict[tuple[Any, ...], dict[str, Any]] = {}
    for key, sums in want.items():
        row = dict(zip(KEY, key, strict=True))
        if row["span_type"] in ("llm", "embedding"):
            into = expected.setdefault(
                tuple(row[k] for k in TOKEN_KEY), dict.fromkeys(TOKEN_FIGURES, 0)
            )
            for column in TOKEN_FIGURES:
                into[column] += sums[column]
    got = {tuple(r[k] for k in TOKEN_KEY): r for r in store.query_rows_sync(TOKEN_ROWS)}
    assert set(got) == set(expected) and expected
    for key, sums in expected.items():
        for column, value in sums.items():
            if column in FLOATS:
                assert got[key][column] == pytest.approx(value, rel=1e-9, abs=1e-12), (key, column)
            else:
                assert got[key][column] == value, (key, column)


# --- stores ------------------------------------------------------------------------------


@pytest.fixture(params=STORE_BACKENDS)
def fresh_store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[SpanStore]:
    yield from opened_store(request.param, tmp_path, migrate=False)


# --- tests -----------------------------------------------------------------------------------


def test_rollup_equals_the_spans_it_adds_up(fresh_store: SpanStore, enricher: Any) -> None:
    fresh_store.migrate()
    # Rows of one key from several inserts stay apart, as before a background merge.
    fresh_store._command("SYSTEM STOP MERGES cost_rollups")
    fresh_store._command("SYSTEM STOP MERGES token_rollups")
    for seed in (1, 2, 3):
        _insert(fresh_store, enricher, seed)
    want = check_rollup(fresh_store)
    check_token_rollups(fresh_store, want)
    stored = fresh_store.query_rows_sync("SELECT count() AS n FROM cost_rollups")[0]["n"]
    assert stored > len(want), "some keys have a row per insert: the read had to add them"
    # The data set exercises every column: a check on zeros proves nothing.
    for column in FIGURES:
        assert any(sums[column] for sums in want.values()), column
    assert {key[0] for key in want} == set(PROJECTS)
    minutes = {key[1] for key in want}
    assert len(minutes) >= 15 and all(m % 60 == 0 for m in minutes)


def test_migration_backfills_spans_stored_before_it(
    fresh_store: SpanStore, enricher: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = [m for m in MIGRATIONS if m[0] < ROLLUP_VERSION]
    monkeypatch.setattr(base, "MIGRATIONS", before)
    assert "cost_rollups" not in fresh_store.migrate()
    tables = fresh_store.query_rows_sync(
        "SELECT name FROM system.tables WHERE database = currentDatabase()"
    )
    assert "cost_rollups" not in {t["name"] for t in tables}
    _insert(fresh_store, enricher, 4)
    _insert(fresh_store, enricher, 5)

    monkeypatch.setattr(base, "MIGRATIONS", MIGRATIONS)
    assert "cost_rollups" in fresh_store.migrate()
    backfilled = check_rollup(fresh_store)
    check_token_rollups(fresh_store, backfilled)
    assert sum(s["spans"] for s in backfilled.values()) == sum(
        r["n"] for r in fresh_store.query_rows_sync("SELECT count() AS n FROM spans")
    )
    # Spans stored afterwards come through the view, each counted once.
    _insert(fresh_store, enricher, 6)
    after = check_rollup(fresh_store)
    check_token_rollups(fresh_store, after)
    assert sum(s["spans"] for s in after.values()) > sum(s["spans"] for s in backfilled.values())
