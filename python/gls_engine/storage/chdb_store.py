"""Embedded ClickHouse (chDB): the default, no server needed.

One process owns a data directory. Each inserting thread has its own
connection and so does the read side: on a shared connection a read waits
behind a running insert. `INSERT ... SELECT FROM Python(tbl)` with a local
pyarrow Table is chDB's fastest Arrow path (measured in DESIGN.md).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from gls_engine.config import Settings
from gls_engine.metrics import Counters
from gls_engine.storage.base import READ_THREADS, SpanStore, StorageError, is_timeout

# optimize_on_insert=0: do not run the Replacing/Aggregating merge over each
# inserted block. The spans of one insert are distinct (retries are caught by the
# request digest first), the summary views aggregate their own block already,
# and background merges still replace. Measured: -17% CPU per span, 1.21x
# spans/s per insert (benches/bench_insert.py, BENCHMARKS.md).
INSERT_SETTINGS = "optimize_on_insert=0"


# Session settings of the reading connections. Skip indexes are applied when the
# query is planned, not as each granule is read (chDB 4.4 / ClickHouse 26.9
# default): opening a trace otherwise sets up a 66-column reader in every part
# the trace_id bloom filter rules out. 10M spans, 28 parts, each trace cold
# (benches/bench_statements.py open_trace): 17.1 -> 14.0 ms p50; trace lists
# and span searches unchanged. (A ClickHouse server gets this from its profile.)
READER_SESSION = "use_skip_indexes_on_data_read=0"


class ChdbStore(SpanStore):
    backend_name = "chdb"

    def __init__(self, settings: Settings, counters: Counters | None = None) -> None:
        super().__init__(settings, counters)
        self._writers: list[Any] = []
        # One connection runs one query at a time; a free-list of readers, one
        # per read thread, lets reads run in parallel (4 threads on one
        # connection: 1.37 s, on four: 0.75 s for the same 800 queries).
        self._readers: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._all_readers: list[Any] = []
        self._ddl_lock = threading.Lock()

    def _open(self) -> None:
        import chdb

        path = self.settings.data_path
        path.mkdir(parents=True, exist_ok=True)
        try:
            self._writers = [chdb.connect(str(path)) for _ in range(self.settings.insert_threads)]
            reader = f"file:{path}?{READER_SESSION}" if "?" not in str(path) else str(path)
            self._all_readers = [chdb.connect(reader) for _ in range(READ_THREADS)]
            for conn in self._all_readers:
                self._readers.put(conn)
        except Exception as exc:  # chDB raises RuntimeError/ChdbError on a locked directory
            raise StorageError(
                f"cannot open chDB data directory {path}: {exc} (is another Studio using it?)",
                retryable=False,
            ) from None

    def _close(self) -> None:
        for conn in [*self._writers, *self._all_readers]:
            try:
                conn.close()
            except Exception:
                pass
        self._writers, self._all_readers = [], []
        self._readers = queue.SimpleQueue()

    def _insert_arrow(self, table_name: str, table: pa.Table, writer_index: int) -> None:
        conn = self._writers[writer_index % len(self._writers)]
        columns = ", ".join(f"`{name}`" for name in table.column_names)
        # chDB resolves Python(tbl) by looking up the local variable `tbl`.
        tbl = table  # noqa: F841
        try:
            conn.query(
                f"INSERT INTO {table_name} ({columns}) SELECT {columns} FROM Python(tbl)"
                f" SETTINGS {INSERT_SETTINGS}"
            )
        except Exception as exc:
            raise StorageError(f"chDB insert into {table_name} failed: {exc}") from None

    def _query_bytes(self, sql: str, params: Mapping[str, Any], fmt: str = "JSONEachRow") -> bytes:
        conn = self._readers.get()
        try:
            result = conn.query(sql, fmt, params=_stringify(params))
        except Exception as exc:
            raise StorageError(f"query failed: {exc}", retryable=is_timeout(exc)) from None
        finally:
            self._readers.put(conn)
        return result.bytes()

    async def release_free_memory(self) -> None:
        # jemalloc inside chDB keeps freed pages for up to 5 s (dirty_decay_ms);
        # under heavy ingest that was 0.6 GiB. On a reader connection, as a
        # query (the writers may be busy inserting); a command takes no SETTINGS.
        await asyncio.get_running_loop().run_in_executor(
            self._read_pool, self._query_bytes, "SYSTEM JEMALLOC PURGE", {}
        )

    def _command(self, sql: str) -> None:
        with self._ddl_lock:
            try:
                self._writers[0].query(sql)
            except Exception as exc:
                raise StorageError(f"command failed: {exc}", retryable=False) from None


def _escape(text: str) -> str:
    """ClickHouse reads parameter values in its escaped text format."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\0", "\\0")


def _stringify(params: Mapping[str, Any]) -> dict[str, str]:
    """chDB takes query parameters as text: scalars escaped, arrays as quoted literals."""
    out = {}
    for key, value in params.items():
        if isinstance(value, (list, tuple)):
            out[key] = "[" + ",".join(_quote(v) for v in value) + "]"
        elif isinstance(value, bool):
            out[key] = "1" if value else "0"
        elif isinstance(value, str):
            out[key] = _escape(value)
        else:
            out[key] = str(value)
    return out


def _quote(value: Any) -> str:
    if isinstance(value, str):
        return "'" + _escape(value).replace("'", "\\'") + "'"
    return str(value)
