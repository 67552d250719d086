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
