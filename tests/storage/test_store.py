"""The storage interface on each backend: migrations, Arrow inserts, bound parameters.

chDB always runs. The ClickHouse server backend runs when GLS_TEST_CLICKHOUSE_URL
points at a server (>= 23.8; Debian's packaged server is too old for the schema);
without one its tests show as skipped, with the reason, in pytest's summary.
"""

from __future__ import annotations

import time

import pytest

from gls_engine import _core
from gls_engine.config import settings_for_tests
from gls_engine.storage import open_store

from otlp_helpers import make_request, make_span, new_trace_id


def _batch(tid: bytes, names: list[str]):
    body = make_request([make_span(tid, name=n) for n in names]).SerializeToString()
    return _core.decode_traces(body, received_ns=time.time_ns()).record_batch()


def test_migrations_are_idempotent(store) -> None:
    assert store.migrate() == []
    versions = store.query_rows_sync("SELECT version FROM schema_migrations ORDER BY version")
    from gls_engine.storage.migrate import MIGRATIONS

    assert [r["version"] for r in versions] == [v for v, _, _ in MIGRATIONS]


def test_spans_table_columns_match_the_arrow_schema(store) -> None:
    rows = store.query_rows_sync(
        "SELECT name, default_kind FROM system.columns"
        " WHERE database = currentDatabase() AND table = 'spans' ORDER BY position"
    )
    assert [r["name"] for r in rows if r["default_kind"] != "MATERIALIZED"] == (
        _core.span_schema().names
    )
    # Computed by ClickHouse from stored columns (migration 0008), never inserted.
    assert [r["name"] for r in rows if r["default_kind"] == "MATERIALIZED"] == ["call_signature"]


def test_insert_and_read_back_with_summary(store) -> None:
    import pyarrow as pa

    tid = new_trace_id()
    store.insert_spans_sync(pa.Table.from_batches([_batch(tid, ["a", "b", "c"])]))
    rows = store.query_rows_sync(
        "SELECT name FROM spans WHERE trace_id = unhex({t:String}) ORDER BY name", {"t": tid.hex()}
    )
    assert [r["name"] for r in rows] == ["a", "b", "c"]
    summary = store.query_rows_sync(
        "SELECT sum(span_count) AS n FROM trace_summaries WHERE trace_id = unhex({t:String})",
        {"t": tid.hex()},
    )
    assert summary == [{"n": 3}]


@pytest.mark.parametrize(
    "value", ["x' OR '1'='1", "\\'; DROP TABLE spans; --", "{p:String}", "a\0b", "🌍"]
)
def test_parameters_are_data_not_sql(store, value) -> None:
    import pyarrow as pa

    tid = new_trace_id()
    store.insert_spans_sync(pa.Table.from_batches([_batch(tid, [value])]))
    rows = store.query_rows_sync("SELECT name FROM spans WHERE name = {v:String}", {"v": value})
    assert rows == [{"name": value}]
    rows = store.query_rows_sync(
        "SELECT count() AS n FROM spans WHERE name IN {v:Array(String)}", {"v": [value, "other"]}
    )
    assert rows == [{"n": 1}]


def test_second_process_on_same_directory_is_refused_clearly(tmp_path) -> None:
    import subprocess
    import sys

    settings = settings_for_tests(data_dir=str(tmp_path / "data"))
    store = open_store(settings)
    store._open()
    try:
        code = (
            "from gls_engine.config import settings_for_tests\n"
            "from gls_engine.storage import open_store, StorageError\n"
            f"s = open_store(settings_for_tests(data_dir={str(tmp_path / 'data')!r}))\n"
            "try:\n    s._open(); s.migrate(); print('opened')\n"
            "except StorageError as e:\n    print('refused:', e)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
        )
        assert "refused:" in out.stdout, out.stdout + out.stderr
        assert "another Studio" in out.stdout
    finally:
        store._close()


def test_reads_are_bounded_by_query_timeout(tmp_path) -> None:
    from gls_engine.storage import StorageError

    store = open_store(settings_for_tests(data_dir=str(tmp_path / "d"), query_timeout_s=0.5))
    store._open()
    try:
        with pytest.raises(StorageError, match="TIMEOUT_EXCEEDED") as caught:
            store.query_rows_sync(
                "SELECT count() AS n FROM numbers(100000000000) WHERE sleepEachRow(0)"
            )
        assert caught.value.retryable
    finally:
        store._close()


@pytest.mark.parametrize("folder", ["d", "odd?name&x=1"])
def test_chdb_reads_apply_skip_indexes_when_planned(tmp_path, folder) -> None:
    """Opening a trace relies on the bloom filter ruling parts out before any reader
    is set up (chdb_store.READER_SESSION); a data dir whose name would confuse the
    connection string still opens, with the engine's default."""
    store = open_store(settings_for_tests(data_dir=str(tmp_path / folder)))
    store._open()
    try:
        [row] = store.query_rows_sync(
            "SELECT getSetting('use_skip_indexes_on_data_read') AS on_read"
        )
        assert row["on_read"] == ("?" in folder)
        store.migrate()
        assert store.query_rows_sync("SELECT count() AS n FROM spans") == [{"n": 0}]
    finally:
        store._close()
