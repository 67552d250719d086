"""Opening a trace straight from the store: order, spans stored twice, and a trace
whose spans fall on two days (two partitions)."""

from __future__ import annotations

import asyncio
import time

from gls_engine import _core
from gls_engine.query.traces import TraceQueries

from otlp_helpers import make_request, make_span, new_span_id, new_trace_id
from plan_helpers import explain_indexes

DAY_NS = 86_400 * 10**9


def _insert(store, spans) -> None:
    body = make_request(spans).SerializeToString()
    table = _core.decode_traces(body, received_ns=time.time_ns()).record_batch()
    store.insert_spans_sync(table, sketches=False)


def test_spans_come_back_in_start_order_once_each_across_days(store) -> None:
    tid = new_trace_id()
    root_id = new_span_id()
    # Midnight UTC two days ago: the trace has spans on both sides of it.
    midnight = (time.time_ns() // DAY_NS - 1) * DAY_NS
    root = make_span(
        tid, span_id=root_id, name="root", start_ns=midnight - 10**9, duration_ns=3 * 10**9
    )
    late = make_span(tid, parent=root_id, name="after midnight", start_ns=midnight + 10**9)
    early = make_span(tid, parent=root_id, name="before midnight", start_ns=midnight - 5 * 10**8)
    _insert(store, [late, root])
    _insert(store, [early, late])  # `late` again: a retry the request digest did not catch
    _insert(store, [make_span(new_trace_id(), name="other trace")])

    trace = asyncio.run(TraceQueries(store).get_trace("default", tid.hex()))
    assert trace is not None
    assert [s["name"] for s in trace["spans"]] == ["root", "before midnight", "after midnight"]
    assert trace["span_count"] == 3
    assert trace["root_span_ids"] == [root_id.hex()]


def test_a_window_reads_only_its_days_and_returns_the_spans_starting_in_it(store) -> None:
    from gls_engine.query.traces import TRACE_SPANS_SELECT

    tid, root_id = new_trace_id(), new_span_id()
    midnight = (time.time_ns() // DAY_NS - 1) * DAY_NS
    root = make_span(
        tid, span_id=root_id, name="root", start_ns=midnight - 10**9, duration_ns=3 * 10**9
    )
    late = make_span(tid, parent=root_id, name="after midnight", start_ns=midnight + 10**9)
    _insert(store, [root, late])
    for days_ago in (3, 4, 5):  # other days: parts the window must not read
        start = midnight - days_ago * DAY_NS
        _insert(store, [make_span(new_trace_id(), start_ns=start) for _ in range(3)])
    queries = TraceQueries(store)

    whole = asyncio.run(
        queries.get_trace("default", tid.hex(), (midnight - 10**9, midnight + 10**9))
    )
    assert whole is not None and [s["name"] for s in whole["spans"]] == ["root", "after midnight"]
    first_day = asyncio.run(
        queries.get_trace("default", tid.hex(), (midnight - DAY_NS, midnight - 1))
    )
    assert first_day is not None and [s["name"] for s in first_day["spans"]] == ["root"]
    elsewhere = (midnight - 5 * DAY_NS, midnight - 3 * DAY_NS)
    assert asyncio.run(queries.get_trace("default", tid.hex(), elsewhere)) is None

    # The window rules parts out by their start_time range before the primary key
    # or the bloom filter look at them: 2 of the 5 parts are read.
    sql = (
        f"SELECT {TRACE_SPANS_SELECT} FROM spans WHERE project = {{project:String}}"
        " AND trace_id = unhex({trace:String})"
        " AND start_time >= fromUnixTimestamp64Nano({first:Int64})"
        " AND start_time <= fromUnixTimestamp64Nano({last:Int64})"
    )
    params = {
        "project": "default",
        "trace": tid.hex(),
        "first": midnight - 10**9,
        "last": midnight + 10**9,
    }
    [minmax] = [i for i in explain_indexes(store, sql, params) if i["Type"] == "Min-Max"]
    assert (minmax["Initial Parts"], minmax["Selected Parts"]) == (5, 2)


def test_spans_in_parent_loops_hang_below_a_marked_root(store) -> None:
    tid = new_trace_id()
    root, a, b, c, below = (new_span_id() for _ in range(5))
    now = time.time_ns()
    _insert(
        store,
        [
            make_span(tid, span_id=root, name="root", start_ns=now),
            make_span(tid, span_id=a, parent=b, name="a", start_ns=now + 1000),
            make_span(tid, span_id=b, parent=a, name="b", start_ns=now + 2000),
            make_span(tid, span_id=below, parent=b, name="below the loop", start_ns=now + 2500),
            make_span(tid, span_id=c, parent=c, name="own parent", start_ns=now + 3000),
        ],
    )
    trace = asyncio.run(TraceQueries(store).get_trace("default", tid.hex()))
    assert trace is not None
    assert trace["root_span_ids"] == [root.hex(), a.hex(), c.hex()]
    looped = {s["name"] for s in trace["spans"] if s["parent_loop"]}
    assert looped == {"a", "own parent"}


def test_an_unknown_trace_is_none(store) -> None:
    _insert(store, [make_span(new_trace_id())])
    assert asyncio.run(TraceQueries(store).get_trace("default", new_trace_id().hex())) is None


def test_a_traces_llm_calls_count_embeddings_too(store) -> None:
    from multidict import MultiDict

    tid, root_id = new_trace_id(), new_span_id()
    now = time.time_ns()
    kinds = ["CHAIN", "LLM", "EMBEDDING", "TOOL"]
    spans = [
        make_span(
            tid,
            span_id=root_id if kind == "CHAIN" else None,
            parent=b"" if kind == "CHAIN" else root_id,
            name=kind.lower(),
            start_ns=now - 10**9 + i,
            attributes={"openinference.span.kind": kind},
        )
        for i, kind in enumerate(kinds)
    ]
    _insert(store, spans)
    query = MultiDict({"start": str(now // 10**6 - 3_600_000), "end": str(now // 10**6 + 1000)})
    listed = asyncio.run(TraceQueries(store).list_traces("default", query))["traces"]
    [trace] = [t for t in listed if t["trace_id"] == tid.hex()]
    assert trace["llm_call_count"] == 2  # the llm and the embedding span
