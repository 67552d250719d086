"""Retention (storage/retention.py): whole partitions older than the retention are
dropped from every table made from spans, on each backend; recent ones stay."""

from __future__ import annotations

import datetime as dt
import time

import pyarrow as pa

from gls_engine import _core
from gls_engine.metrics import Counters
from gls_engine.storage.retention import (
    RetentionSweeper,
    cutoff_day,
    expired_partitions,
    oldest_kept_ns,
)

from otlp_helpers import make_request, make_span, new_trace_id

DAY_NS = 86_400 * 10**9
TODAY = dt.date(2026, 3, 10)


def test_the_cutoff_is_whole_days_before_today() -> None:
    assert cutoff_day(TODAY, 30) == dt.date(2026, 2, 8)
    now = int(dt.datetime(2026, 3, 10, 15, 30, tzinfo=dt.UTC).timestamp()) * 10**9
    assert oldest_kept_ns(now, 30) == int(
        dt.datetime(2026, 2, 8, tzinfo=dt.UTC).timestamp() * 10**9
    )
    assert oldest_kept_ns(now, 0) == 0


def _part(table: str, partition: str, rows: int = 1) -> dict:
    """A row of system.parts grouped by partition, as the sweep reads it."""
    return {
        "table": table,
        "partition": partition,
        "partition_id": partition.replace("-", ""),
        "rows": rows,
    }


def test_expired_partitions_by_table_kind() -> None:
    parts = [
        _part("spans", "2026-02-07"),
        _part("spans", "2026-02-08"),
        _part("trace_summaries", "2026-01-01"),
        # a month goes once its last day is past the cutoff (2026-02-08)
        _part("metric_sketches", "202601"),
        _part("cost_rollups", "202602"),
        _part("cost_rollups", "202512"),
        _part("ingest_requests", "2020-01-01"),  # has its own TTL
    ]
    got = {(p.table, p.partition) for p in expired_partitions(parts, 30, TODAY)}
    assert got == {
        ("spans", "2026-02-07"),
        ("trace_summaries", "2026-01-01"),
        ("metric_sketches", "202601"),
        ("cost_rollups", "202512"),
    }
    assert expired_partitions(parts, 0, TODAY) == []


def _store_days(store, tmp_path, days_ago: list[int]) -> dict[int, bytes]:
    """One trace per age, stored as the pipeline stores it (with sketch rows)."""
    from gls_engine.config import settings_for_tests
    from gls_engine.ingest.enrichment import Enrichment

    enricher = Enrichment.load(settings_for_tests(data_dir=str(tmp_path / "prices"))).current
    now = time.time_ns()
    traces = {}
    for age in days_ago:
        tid = new_trace_id()
        start = now - age * DAY_NS
        spans = [
            make_span(tid, name=f"root {age}", start_ns=start),
            make_span(
                tid,
                name="chat",
                start_ns=start + 10**6,
                attributes={
                    "gen_ai.operation.name": "chat",
                    "gen_ai.request.model": "gpt-4o",
                    "gen_ai.usage.input_tokens": 10,
                    "gen_ai.usage.output_tokens": 5,
                },
            ),
        ]
        decoded = _core.decode_traces(
            make_request(spans).SerializeToString(), received_ns=now, enricher=enricher
        )
        store.insert_spans_sync(pa.Table.from_batches([decoded.record_batch()]))
        traces[age] = tid
    return traces


async def test_sweep_drops_expired_days_everywhere_and_keeps_the_rest(store, tmp_path) -> None:
    traces = _store_days(store, tmp_path, [0, 3, 45, 120])
    today = dt.datetime.now(dt.UTC).date()
    counters = Counters()
    sweeper = RetentionSweeper(store, 30, counters, today=lambda: today)
    dropped = await sweeper.sweep()

    assert {p.table for p in dropped} >= {"spans", "trace_summaries", "llm_calls"}
    for age, tid in traces.items():
        n = store.query_rows_sync(
            "SELECT count() AS n FROM spans WHERE trace_id = unhex({t:String})", {"t": tid.hex()}
        )[0]["n"]
        s = store.query_rows_sync(
            "SELECT count() AS n FROM trace_summaries WHERE trace_id = unhex({t:String})",
            {"t": tid.hex()},
        )[0]["n"]
        assert (n > 0, s > 0) == ((age < 30),) * 2, age
    oldest_minute = store.query_rows_sync("SELECT toDate(min(minute)) AS d FROM metric_sketches")[
        0
    ]["d"]
    assert dt.date.fromisoformat(oldest_minute) >= cutoff_day(today, 30).replace(day=1)
    assert counters.get("retention_spans_dropped") == 4
    assert counters.get("retention_partitions_dropped", table="spans") == 2
    assert await sweeper.sweep() == []  # nothing left to drop


async def test_retention_zero_keeps_everything(store, tmp_path) -> None:
    _store_days(store, tmp_path, [400])
    sweeper = RetentionSweeper(store, 0, Counters())
    await sweeper.start()
    assert await sweeper.sweep() == []
    await sweeper.close()
    assert store.query_rows_sync("SELECT count() AS n FROM spans")[0]["n"] == 2
