"""llm_calls (migration 0012) against the spans it copies, and the token analyzer
and suggestions that read it (and token_rollups, 0013) against the same reads of
`spans` and `cost_rollups` they made before.

Spans are decoded and enriched by the Rust core and stored with the store's
own insert, in several inserts. The data set has every indicator the readers
judge: calls near gpt-4o's context window, output/input ratio outliers,
repeated calls (one trace, one model, the same counts), long shared system
prompts with and without cache reads, embeddings, and non-LLM spans.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest

from gls_engine import _core
from gls_engine.analytics.suggestions import PREFIX_CHARS, Suggestions
from gls_engine.analytics.tokens import TokenQueries, TokenRequest
from gls_engine.analytics.window import Window
from gls_engine.config import settings_for_tests
from gls_engine.ingest.enrichment import Enrichment
from gls_engine.storage import SpanStore, base
from gls_engine.storage.migrate import MIGRATIONS

from conftest import STORE_BACKENDS, opened_store
from otlp_helpers import make_request, make_span, new_span_id, new_trace_id

PROJECTS = ("calls-a", "calls-b")
MINUTE_NS = 60 * 10**9
T0 = (time.time_ns() // MINUTE_NS - 2) * MINUTE_NS  # the windows end here
HOUR_NS = 60 * MINUTE_NS
LLM_CALLS_VERSION = next(v for v, name, _ in MIGRATIONS if name == "llm_calls")
WORDS = "policy refund invoice shipping account billing order status support escalation ".split()
LONG_SYSTEM = " ".join(WORDS[i % len(WORDS)] + str(i % 97) for i in range(1400))
SYSTEMS = [LONG_SYSTEM, "You are terse. " + LONG_SYSTEM[::-1], "Answer briefly."]
MODELS = [
    ("openai", "gpt-4o"),
    ("openai", "gpt-4o-mini"),
    ("anthropic", "claude-3-5-haiku-20241022"),
    ("acme", "mystery-model-x"),  # no known context window
]
# The columns llm_calls copies from spans, and how the old reads made the prompt prefix.
COPIED = (
    "project, start_time, trace_id, span_id, provider, model, input_tokens, output_tokens,"
    " system_tokens, cached_tokens, llm_cost_usd, call_signature"
)
OLD_SOURCE = (
    f"(SELECT {COPIED}, cityHash64(substringUTF8(input, 1, {PREFIX_CHARS})) AS prompt_prefix"
    " FROM spans WHERE span_type IN ('llm', 'embedding'))"
)


# --- the data set ----------------------------------------------------------------------------


def _llm_attrs(rng: random.Random, provider: str, model: str, input_tokens: int) -> dict:
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": model,
        "gen_ai.provider.name": provider,
        "gen_ai.usage.input_tokens": input_tokens,
    }
    if rng.random() < 0.95:
        ratio = 40.0 if rng.random() < 0.04 else 0.2  # a few runaway generations
        attrs["gen_ai.usage.output_tokens"] = max(1, int(input_tokens * ratio))
    if rng.random() < 0.5:
        system = rng.choice(SYSTEMS)
        question = "question " * rng.randint(1, 3)
        attrs["gen_ai.input.messages"] = json.dumps(
            [{"role": "system", "content": system}, {"role": "user", "content": question}]
        )
        if rng.random() < 0.3:
            attrs["gen_ai.usage.cache_read.input_tokens"] = 1024
    return attrs


def _trace(rng: random.Random, end_ns: int) -> list[Any]:
    tid, root = new_trace_id(), new_span_id()
    start = end_ns - rng.randrange(HOUR_NS)
    spans = [make_span(tid, root, name="run", start_ns=start, attributes={"gls.chain": "rag"})]
    repeated = rng.choice([900, 1500, 30_000])
    for _ in range(rng.randint(1, 6)):
        provider, model = rng.choice(MODELS)
        tokens = rng.choice(
            [repeated, repeated, rng.randint(50, 4000), rng.randint(100_000, 127_000)]
        )
        attrs = _llm_attrs(rng, provider, model, tokens)
        call_start = start + rng.randrange(10**9)
        spans.append(
            make_span(tid, parent=root, name="chat", start_ns=call_start, attributes=attrs)
        )
    if rng.random() < 0.3:
        embed = {
            "gen_ai.operation.name": "embeddings",
            "gen_ai.request.model": "text-embedding-3-small",
            "gen_ai.provider.name": "openai",
            "gen_ai.usage.input_tokens": rng.choice([300, 300, 120]),
        }
        spans.append(make_span(tid, parent=root, name="embed", start_ns=start, attributes=embed))
    return spans


@pytest.fixture(scope="module")
def enricher(tmp_path_factory: pytest.TempPathFactory) -> _core.Enricher:
    return Enrichment.load(settings_for_tests(data_dir=str(tmp_path_factory.mktemp("p")))).current


def _insert(store: SpanStore, enricher: _core.Enricher, seed: int, traces: int = 80) -> None:
    for i, project in enumerate(PROJECTS):
        rng = random.Random(seed * 10 + i)
        spans = [s for _ in range(traces) for s in _trace(rng, T0)]
        decoded = _core.decode_traces(
            make_request(spans).SerializeToString(),
            default_project=project,
            received_ns=time.time_ns(),
            enricher=enricher,
        )
        store.insert_spans_sync(pa.Table.from_batches([decoded.record_batch()]))


def _rows(store: SpanStore, source: str) -> list[tuple[Any, ...]]:
    rows = store.query_rows_sync(
        f"SELECT * EXCEPT (trace_id, span_id), hex(trace_id) AS t, hex(span_id) AS s"
        f" FROM (SELECT {COPIED}, prompt_prefix FROM {source})"
        " ORDER BY project, start_time, t, s"
    )
    return [tuple(r.items()) for r in rows]


def check_llm_calls(store: SpanStore) -> int:
    """llm_calls holds each LLM call of spans once, its columns equal; returns how many."""
    want = _rows(store, OLD_SOURCE)
    assert _rows(store, "llm_calls") == want
    return len(want)


# --- stores ---------------------------------------------------------------------------------


@pytest.fixture(params=STORE_BACKENDS)
def fresh_store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[SpanStore]:
    yield from opened_store(request.param, tmp_path, migrate=False)


# --- tests ------------------------------------------------------------------------------------


def test_view_copies_each_llm_call(fresh_store: SpanStore, enricher: Any) -> None:
    fresh_store.migrate()
    for seed in (1, 2):
        _insert(fresh_store, enricher, seed)
    calls = check_llm_calls(fresh_store)
    spans = fresh_store.query_rows_sync("SELECT count() AS n FROM spans")[0]["n"]
    assert 0 < calls < spans  # the calls, not every span


def test_migration_backfills_calls_stored_before_it(
    fresh_store: SpanStore, enricher: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "MIGRATIONS", [m for m in MIGRATIONS if m[0] < LLM_CALLS_VERSION])
    assert "llm_calls" not in fresh_store.migrate()
    _insert(fresh_store, enricher, 3)
    monkeypatch.setattr(base, "MIGRATIONS", MIGRATIONS)
    assert "llm_calls" in fresh_store.migrate()
    backfilled = check_llm_calls(fresh_store)
    assert backfilled > 0
    _insert(fresh_store, enricher, 4)  # afterwards through the view, each once
    assert check_llm_calls(fresh_store) > backfilled


class OldSourceStore:
    """The store as the readers saw it before migration 0012: every read of
    llm_calls made from `spans` (PREWHERE becomes WHERE: the same rows)."""

    def __init__(self, store: SpanStore) -> None:
        self.store = store
        self.rewritten = 0

    async def query_rows(self, sql: str, params: Any = None) -> list[dict]:
        if "llm_calls" in sql:
            self.rewritten += 1
            sql = re.sub(r"\bllm_calls\b", OLD_SOURCE, _prewhere_as_where(sql))
        if "FROM token_rollups AS r WHERE " in sql:  # migration 0013: cost_rollups' LLM rows
            self.rewritten += 1
            sql = sql.replace(
                "FROM token_rollups AS r WHERE ",
                "FROM cost_rollups AS r WHERE r.span_type IN ('llm', 'embedding') AND ",
            )
        return await self.store.query_rows(sql, params)


def _prewhere_as_where(sql: str) -> str:
    """`PREWHERE x WHERE y` -> `WHERE (x) AND y` (a subquery takes no PREWHERE),
    innermost first; x ends at the WHERE of its own parenthesis depth."""
    while (at := sql.rfind(" PREWHERE ")) != -1:
        start = end = at + len(" PREWHERE ")
        depth = 0
        while end < len(sql) and not (depth == 0 and sql.startswith(" WHERE ", end)):
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            if depth < 0:
                break  # the subquery ends: no WHERE of its own
            end += 1
        condition, rest = sql[start:end], sql[end:]
        if rest.startswith(" WHERE "):
            sql = f"{sql[:at]} WHERE ({condition}) AND {rest[len(' WHERE ') :]}"
        else:
            sql = f"{sql[:at]} WHERE {condition}{rest}"
    return sql


async def test_token_analysis_and_suggestions_unchanged(store: SpanStore, enricher: Any) -> None:
    for seed in (5, 6):
        _insert(store, enricher, seed)
    enrichment = Enrichment.load(store.settings)
    old_store = OldSourceStore(store)
    new = Suggestions(store, enrichment)
    old = Suggestions(old_store, enrichment)  # type: ignore[arg-type]
    window = Window(T0 - 2 * HOUR_NS, T0 + MINUTE_NS, 60)
    for project in PROJECTS:
        req = TokenRequest(project, window, 20)
        tokens = await TokenQueries(store, new.context_windows).analysis(req)
        old_tokens = await TokenQueries(old_store, old.context_windows).analysis(req)  # type: ignore[arg-type]
        assert tokens == old_tokens
        waste = tokens["waste"]
        for indicator in ("near_context_limit", "output_ratio_outliers", "repeated_calls"):
            assert waste[indicator]["calls"] > 0, indicator  # a check on zeros proves nothing
        found = await new.suggest(project, window, 3)
        old_found = await old.suggest(project, window, 3)
        # The example traces are any 5 of the suggestion's (groupUniqArray(5) keeps
        # the first it reads, and the read order changed): as many, each one of its.
        assert _without_traces(found) == _without_traces(old_found)
        for suggestion, before in zip(found["suggestions"], old_found["suggestions"], strict=True):
            assert len(suggestion["traces"]) == len(before["traces"])
            assert set(suggestion["traces"]) <= _model_traces(store, project, suggestion)
        kinds = {s["kind"] for s in found["suggestions"]}
        assert {"prompt_caching", "near_context_limit"} <= kinds
    assert old_store.rewritten >= 2 * 6


def _without_traces(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        **answer,
        "suggestions": [{**s, "traces": None} for s in answer["suggestions"]],
    }


def _model_traces(store: SpanStore, project: str, suggestion: dict[str, Any]) -> set[str]:
    rows = store.query_rows_sync(
        "SELECT DISTINCT lower(hex(trace_id)) AS t FROM spans WHERE project = {p:String}"
        " AND model = {m:String} AND span_type IN ('llm', 'embedding')",
        {"p": project, "m": suggestion["evidence"]["model"]},
    )
    return {r["t"] for r in rows}
