"""The storage interface the pipeline and the query layer share.

Backends implement the blocking primitives (`_insert_arrow`, `_query_bytes`,
`_command`); this base runs them on bounded thread pools so the event loop
never blocks, keeping writes and reads on separate connections and threads
(on one chDB connection a read waits behind a running insert).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
import pyarrow as pa

from gls_engine import _core
from gls_engine.config import Settings
from gls_engine.metrics import Counters
from gls_engine.storage.migrate import MIGRATIONS, merged_alters, split_statements
from gls_engine.storage.read_gate import ReadGate

log = logging.getLogger(__name__)

# JSON output settings every read uses: numbers as numbers, not quoted strings.
READ_SETTINGS = (
    "output_format_json_quote_64bit_integers=0, output_format_json_quote_denormals=1,"
    " output_format_json_named_tuples_as_objects=1"
)
# A trace read by its id: the key and the trace_id bloom filter leave a granule
# or two, where moving conditions to PREWHERE only adds its planning and a
# second reading step (10M spans, 300 traces in their windows, SQL alone: 12.2
# -> 10.7 ms p50, 17.2 -> 15.6 p99). One reading thread: two granules gain
# nothing from a second, which only costs its start (200 traces interleaved,
# loaded machine: 11.0 -> 10.2 ms p50, 29.9 -> 25.3 p99).
TRACE_LOOKUP_TUNING = "optimize_move_to_prewhere=0, max_threads=1"


def is_timeout(exc: BaseException) -> bool:
    return "TIMEOUT_EXCEEDED" in str(exc)


READ_THREADS = 4  # concurrent reads; the chDB backend opens one connection per thread


class StorageError(Exception):
    """A storage call failed. `retryable`: the same call may pass later (a read that ran
    out of time); error_status.py answers 503 for those and 500 for the others."""

    code = "storage_error"

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class SpanStore:
    backend_name = "abstract"

    def __init__(self, settings: Settings, counters: Counters | None = None) -> None:
        self.settings = settings
        self._write_pool = concurrent.futures.ThreadPoolExecutor(
            settings.insert_threads, thread_name_prefix="gls-write"
        )
        self._read_pool = concurrent.futures.ThreadPoolExecutor(
            READ_THREADS, thread_name_prefix="gls-read"
        )
        # every read of query_rows: shared, reused or refused there (read_gate.py)
        self.reads = ReadGate(self._read_pool, counters, settings.max_queued_reads)

    # --- blocking primitives each backend provides -------------------------
    def _insert_arrow(self, table_name: str, table: pa.Table, writer_index: int) -> None:
        raise NotImplementedError

    def _query_bytes(self, sql: str, params: Mapping[str, Any], fmt: str = "JSONEachRow") -> bytes:
        """Run a read and return its answer in ClickHouse's output format `fmt`."""
        raise NotImplementedError

    def _command(self, sql: str) -> None:
        raise NotImplementedError

    def _open(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        pass

    # --- lifecycle -------------------------------------------------------------
    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._write_pool, self._open)
        await loop.run_in_executor(self._write_pool, self.migrate)

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._write_pool, self._close)
        self._write_pool.shutdown(wait=True)
        self._read_pool.shutdown(wait=True)

    def migrate(self) -> list[str]:
        """Apply numbered migrations not yet applied; return the names applied."""
        self._command(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String,"
            " applied_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY version"
        )
        done = {
            row["version"] for row in self.query_rows_sync("SELECT version FROM schema_migrations")
        }
        applied = []
        for version, name, sql in MIGRATIONS:
            if version in done:
                continue
            for statement in merged_alters(split_statements(sql)):
                self._command(statement)
            self._command(
                f"INSERT INTO schema_migrations (version, name) VALUES ({version}, '{name}')"
            )
            log.info("applied migration %04d %s", version, name)
            applied.append(name)
        return applied

    # --- writes (called from the batch writer's threads) -----------------------
    def insert_spans_sync(
        self, table: pa.Table, writer_index: int = 0, sketches: bool = True
    ) -> None:
        """Stores the spans, then their percentile-sketch deltas (metric_sketches).

        Sketches are made before the span insert so a bad batch fails whole;
        they go in after it, so a crash between the two leaves spans without
        sketches, which the client's retry of the unacknowledged request repairs
        (the spans' second copy is replaced by the ReplacingMergeTree)."""
        # One accumulation over the whole commit: per request batch it made
        # ~54x the rows (238 per 500-span request vs 438 per 50K-span commit),
        # each a part-row chDB then merges.
        delta = _core.sketch_rows(table.to_batches()) if sketches else None
        self._insert_arrow("spans", table, writer_index)
        self.reads.wrote()
        if delta is not None and delta.num_rows:
            self._insert_arrow("metric_sketches", pa.Table.from_batches([delta]), writer_index)
            self.reads.wrote()

    def insert_request_digests_sync(
        self, rows: Sequence[tuple[bytes, str, int, int]], writer_index: int = 0
    ) -> None:
        if not rows:
            return
        digests, keys, counts, stored = zip(*rows, strict=True)
        table = pa.table(
            {
                "digest": pa.array(digests, pa.binary(16)),
                "project_key": pa.array(keys, pa.string()),
                "span_count": pa.array(counts, pa.uint32()),
                "stored_at": pa.array(stored, pa.timestamp("ms", "UTC")),
            }
        )
        self._insert_arrow("ingest_requests", table, writer_index)
        self.reads.wrote()

    async def insert_request_digests(
        self, rows: Sequence[tuple[bytes, str, int, int]], writer_index: int = 0
    ) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            self._write_pool, self.insert_request_digests_sync, rows, writer_index
        )

    async def insert_spans(
        self, table: pa.Table, writer_index: int = 0, sketches: bool = True
    ) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            self._write_pool, self.insert_spans_sync, table, writer_index, sketches
        )

    async def insert_derived(self, table_name: str, table: pa.Table) -> None:
        """Rows made from stored data to be read again (e.g. day_answers), on a writing
        connection in turn with inserts. Not a write of data any answer shows, so
        the read gate's reused answers stay."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._write_pool, self._insert_arrow, table_name, table, 0)

    # --- reads -------------------------------------------------------------------
    def _query_bounded(
        self, sql: str, params: Mapping[str, Any], fmt: str = "JSONEachRow", tuning: str = ""
    ) -> bytes:
        # Reads are bounded: a runaway query fails with TIMEOUT_EXCEEDED (503).
        settings = f"{READ_SETTINGS}, max_execution_time={self.settings.query_timeout_s:g}"
        if tuning:
            settings += f", {tuning}"
        return self._query_bytes(f"{sql}\nSETTINGS {settings}", params, fmt)

    def _runner(self, tuning: str) -> Callable[..., bytes]:
        return (
            functools.partial(self._query_bounded, tuning=tuning) if tuning else self._query_bounded
        )

    def query_rows_sync(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        raw = self._query_bounded(sql, params or {})
        return [orjson.loads(line) for line in raw.splitlines() if line]

    async def release_free_memory(self) -> None:
        """Give memory the engine freed but keeps back to the system (no-op
        unless the engine runs in this process)."""

    async def tracked_memory_bytes(self) -> int | None:
        """ClickHouse's MemoryTracking metric; None when it cannot be read."""
        try:
            rows = await self.query_rows(
                "SELECT value FROM system.metrics WHERE metric = 'MemoryTracking'",
                refusable=False,
            )
        except StorageError:
            return None
        return int(rows[0]["value"]) if rows else None

    async def command(self, sql: str) -> None:
        """A statement that returns nothing (DDL), on a writing connection, in turn with inserts."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._write_pool, self._command, sql)
        self.reads.wrote()

    async def query_rows(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        refusable: bool = True,
        tuning: str = "",
    ) -> list[dict]:
        """Rows of a read. `refusable=False` for the Studio's own few reads (status,
        retention, start-up), which a full queue must not refuse. `tuning`: ClickHouse
        settings that change how the read runs, never what it answers (the read gate
        shares answers without them)."""
        raw = await self.reads.read(sql, params or {}, self._runner(tuning), refusable)
        return [orjson.loads(line) for line in raw.splitlines() if line]

    async def query_columns(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        refusable: bool = True,
        tuning: str = "",
    ) -> dict[str, list[Any]]:
        """A read's answer by columns (name -> its values, in row order): no object
        per row, for reads of many rows that are used by column (a trace's spans)."""
        raw = await self.reads.read(
            sql, params or {}, self._runner(tuning), refusable, fmt="JSONColumns"
        )
        return orjson.loads(raw) if raw.strip() else {}
