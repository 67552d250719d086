"""trace_summaries (migration 0014) and spans (0020): a day whose parts are all older than the
force-merge age becomes one part, and the summaries read from it are the same."""

from __future__ import annotations

import time
from typing import Any

import pyarrow as pa

from gls_engine import _core
from gls_engine.storage import SpanStore

from otlp_helpers import make_request, make_span, new_span_id, new_trace_id

DAY_NS = 86_400 * 10**9
# Every summary column a read aggregates, per trace (as query/traces.py does).
SUMMARIES = (
    "SELECT hex(trace_id) AS t, min(start_time) AS s, max(end_time) AS e, sum(span_count) AS n,"
    " sum(error_count) AS errors, sum(llm_count) AS llm, max(root_name) AS name,"
    " arraySort(arrayDistinct(arrayFlatten(groupArray(span_types)))) AS types,"
    " arraySort(arrayDistinct(arrayFlatten(groupArray(models)))) AS models,"
    " sum(input_tokens) AS input, sum(output_tokens) AS output"
    " FROM trace_summaries GROUP BY trace_id ORDER BY t"
)
PARTS = (
    "SELECT count() AS n FROM system.parts WHERE database = currentDatabase()"
    " AND table = 'trace_summaries' AND active"
)


def _insert_trace_halves(store: SpanStore, traces: list[bytes], day_start: int, half: int) -> None:
    """Each trace's root in one insert, its LLM call in the next: a trace's
    summary is then two rows in two parts until they merge."""
    spans = []
    for i, tid in enumerate(traces):
        start = day_start + i * 10**9
        if half == 0:
            spans.append(make_span(tid, b"\x01" * 8, name=f"run {i}", start_ns=start))
        else:
            attrs = {
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 10 + i,
                "gen_ai.usage.output_tokens": 3,
            }
            spans.append(
                make_span(
                    tid, new_span_id(), parent=b"\x01" * 8, start_ns=start + 1, attributes=attrs
                )
            )
    decoded = _core.decode_traces(
        make_request(spans).SerializeToString(), received_ns=time.time_ns()
    )
    store.insert_spans_sync(pa.Table.from_batches([decoded.record_batch()]))


def _wait_for_parts(store: SpanStore, want: int, timeout_s: float = 120) -> int:
    deadline = time.monotonic() + timeout_s
    while (n := store.query_rows_sync(PARTS)[0]["n"]) != want and time.monotonic() < deadline:
        time.sleep(0.5)
    return n


def test_closed_day_merged_into_one_part_with_the_same_summaries(store: SpanStore) -> None:
    engine = store.query_rows_sync(
        "SELECT engine_full AS e FROM system.tables WHERE database = currentDatabase()"
        " AND name = 'trace_summaries'"
    )[0]["e"]
    assert "min_age_to_force_merge_seconds = 3600" in engine
    assert "min_age_to_force_merge_on_partition_only = 1" in engine

    yesterday = (time.time_ns() // DAY_NS - 1) * DAY_NS
    traces = [new_trace_id() for _ in range(50)]
    store._command("SYSTEM STOP MERGES trace_summaries")
    for half in (0, 1, 0):  # the third insert: a span stored twice, as after a retry
        _insert_trace_halves(store, traces, yesterday, half)
    assert store.query_rows_sync(PARTS)[0]["n"] == 3
    before = store.query_rows_sync(SUMMARIES)
    assert len(before) == len(traces) and all(r["llm"] == 1 for r in before)

    # The hour shortened so the test sees the merge the setting asks for.
    store._command("ALTER TABLE trace_summaries MODIFY SETTING min_age_to_force_merge_seconds = 1")
    store._command("SYSTEM START MERGES trace_summaries")
    assert _wait_for_parts(store, 1) == 1
    assert store.query_rows_sync(SUMMARIES) == before
    rows: list[dict[str, Any]] = store.query_rows_sync("SELECT count() AS n FROM trace_summaries")
    assert rows[0]["n"] == len(traces)  # one row per trace once merged


SPAN_PARTS = (
    "SELECT count() AS n FROM system.parts WHERE database = currentDatabase()"
    " AND table = 'spans' AND active"
)
SPANS = "SELECT hex(trace_id) AS t, hex(span_id) AS s, name, input_tokens FROM spans ORDER BY t, s"


def test_closed_day_of_spans_merged_into_one_part(store: SpanStore) -> None:
    """spans (migration 0020): the same rule, and a span stored twice kept once."""
    engine = store.query_rows_sync(
        "SELECT engine_full AS e FROM system.tables WHERE database = currentDatabase()"
        " AND name = 'spans'"
    )[0]["e"]
    assert "min_age_to_force_merge_seconds = 3600" in engine
    assert "min_age_to_force_merge_on_partition_only = 1" in engine

    yesterday = (time.time_ns() // DAY_NS - 1) * DAY_NS
    traces = [new_trace_id() for _ in range(50)]
    store._command("SYSTEM STOP MERGES spans")
    for half in (0, 1, 0):
        _insert_trace_halves(store, traces, yesterday, half)
    assert store.query_rows_sync(SPAN_PARTS)[0]["n"] == 3
    store._command("ALTER TABLE spans MODIFY SETTING min_age_to_force_merge_seconds = 1")
    store._command("SYSTEM START MERGES spans")
    deadline = time.monotonic() + 120
    while store.query_rows_sync(SPAN_PARTS)[0]["n"] != 1 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert store.query_rows_sync(SPAN_PARTS)[0]["n"] == 1
    rows = store.query_rows_sync(SPANS)
    assert len(rows) == 2 * len(traces)  # the root sent twice is kept once
