"""A data dir written before migrations 0008-0010 keeps working after them: the
token analyzer finds repeated calls among spans stored before `call_signature`
existed (ClickHouse computes it from the stored columns), and traces stored
before `trace_index` was dropped open by the primary key and bloom filter."""

from __future__ import annotations

import asyncio
import time

import pytest

import gls_engine.storage.base as storage_base
from gls_engine import _core
from gls_engine.analytics.tokens import TokenQueries, TokenRequest
from gls_engine.analytics.window import MINUTE_NS, Window
from gls_engine.query.traces import TraceQueries
from gls_engine.storage.migrate import MIGRATIONS

from conftest import opened_store
from otlp_helpers import make_request, make_span, new_span_id, new_trace_id


def _llm_call(tid: bytes, parent: bytes, start_ns: int, input_tokens: int):
    return make_span(
        tid,
        parent=parent,
        name="chat gpt-4o-mini",
        start_ns=start_ns,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.provider.name": "openai",
            "gen_ai.usage.input_tokens": input_tokens,
            "gen_ai.usage.output_tokens": 20,
        },
    )


@pytest.fixture
def old_store(tmp_path, monkeypatch):
    """A store migrated only up to 0007, as a Studio of this morning left it."""
    monkeypatch.setattr(storage_base, "MIGRATIONS", [m for m in MIGRATIONS if m[0] <= 7])
    yield from opened_store("chdb", tmp_path)


def test_spans_stored_before_the_migrations_are_read_by_the_new_code(
    old_store, monkeypatch
) -> None:
    now = time.time_ns()
    tid, root_id = new_trace_id(), new_span_id()
    start = now - 600 * 10**9
    spans = [
        make_span(tid, span_id=root_id, name="agent", start_ns=start, duration_ns=10**10),
        _llm_call(tid, root_id, start + 10**9, 1234),
        _llm_call(tid, root_id, start + 2 * 10**9, 1234),  # sent again: one repeat
        _llm_call(tid, root_id, start + 3 * 10**9, 999),
    ]
    body = make_request(spans).SerializeToString()
    table = _core.decode_traces(body, received_ns=now).record_batch()
    old_store.insert_spans_sync(table, sketches=False)
    tables = old_store.query_rows_sync(
        "SELECT name FROM system.tables WHERE database = currentDatabase()"
    )
    assert "trace_index" in {t["name"] for t in tables}

    monkeypatch.setattr(storage_base, "MIGRATIONS", MIGRATIONS)
    assert old_store.migrate() == [name for version, name, _ in MIGRATIONS if version > 7]
    tables = old_store.query_rows_sync(
        "SELECT name FROM system.tables WHERE database = currentDatabase()"
    )
    assert "trace_index" not in {t["name"] for t in tables}

    end = (now // MINUTE_NS + 1) * MINUTE_NS
    window = Window(end - 3600 * 10**9, end, 60)
    repeats = asyncio.run(
        TokenQueries(old_store, None)._repeats(TokenRequest("default", window, 10))
    )
    [per_model] = repeats.values()
    assert per_model["repeated_calls"] == 1
    assert per_model["repeated_input_tokens"] == 1234

    trace = asyncio.run(TraceQueries(old_store).get_trace("default", tid.hex()))
    assert trace is not None
    assert [s["name"] for s in trace["spans"]] == ["agent"] + ["chat gpt-4o-mini"] * 3


@pytest.fixture
def store_at_0018(tmp_path, monkeypatch):
    """A store migrated up to 0018: `spans` still sorted by trace first."""
    monkeypatch.setattr(storage_base, "MIGRATIONS", [m for m in MIGRATIONS if m[0] <= 18])
    yield from opened_store("chdb", tmp_path)


def _store_trace(store, start_ns: int, spans_in_trace: int = 3) -> bytes:
    tid, root_id = new_trace_id(), new_span_id()
    spans = [make_span(tid, span_id=root_id, name="agent", start_ns=start_ns)]
    spans += [
        _llm_call(tid, root_id, start_ns + i * 10**9, 100 + i) for i in range(1, spans_in_trace)
    ]
    body = make_request(spans).SerializeToString()
    table = _core.decode_traces(body, received_ns=time.time_ns()).record_batch()
    store.insert_spans_sync(table, sketches=False)
    return tid


def _counts(store) -> tuple[int, int, int]:
    [row] = store.query_rows_sync(
        "SELECT (SELECT count() FROM spans) AS spans,"
        " (SELECT sum(span_count) FROM trace_summaries) AS summed,"
        " (SELECT sum(spans) FROM cost_rollups) AS rolled"
    )
    return row["spans"], row["summed"], row["rolled"]


def test_spans_sorted_by_hour_keep_every_row_and_every_view(store_at_0018, monkeypatch) -> None:
    """0019 copies `spans` into a table sorted by hour then trace and exchanges
    them: every row kept (the MATERIALIZED call_signature too), no rollup or
    summary counted twice, the views still fed by inserts afterwards; a copy
    half made by a crash is dropped and made again."""
    store = store_at_0018
    now = time.time_ns()
    old = [_store_trace(store, now - hours * 3600 * 10**9) for hours in (1, 5, 30)]
    before = _counts(store)
    signatures = store.query_rows_sync(
        "SELECT lower(hex(span_id)) AS s, call_signature FROM spans ORDER BY s"
    )
    # a copy left half made by a crash during the first attempt
    store._command("CREATE TABLE spans_by_hour AS spans")
    store._command("INSERT INTO spans_by_hour SELECT * FROM spans LIMIT 2")

    monkeypatch.setattr(storage_base, "MIGRATIONS", MIGRATIONS)
    assert "spans_by_hour" in store.migrate()
    [table] = store.query_rows_sync(
        "SELECT sorting_key FROM system.tables WHERE database = currentDatabase()"
        " AND name = 'spans'"
    )
    assert table["sorting_key"].startswith("project, toStartOfHour(start_time), trace_id")
    assert _counts(store) == before
    assert (
        store.query_rows_sync(
            "SELECT lower(hex(span_id)) AS s, call_signature FROM spans ORDER BY s"
        )
        == signatures
    )
    names = {t["name"] for t in store.query_rows_sync("SELECT name FROM system.tables")}
    assert "spans_by_hour" not in names

    new = _store_trace(store, now - 600 * 10**9, spans_in_trace=4)
    spans, summed, rolled = _counts(store)
    assert (spans, summed) == (before[0] + 4, before[1] + 4) and rolled > before[2]
    queries = TraceQueries(store)
    for tid in [*old, new]:
        trace = asyncio.run(queries.get_trace("default", tid.hex()))
        assert trace is not None and trace["spans"][0]["name"] == "agent"
