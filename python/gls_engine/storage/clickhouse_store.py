"""ClickHouse server backend (clickhouse-connect), for when one machine is not enough.

Same schema, same SQL. Inserts use async_insert with wait_for_async_insert=1,
so the server's own insert queue batches them and the call returns only once
the data is written (the 2xx-after-durable promise holds).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

import pyarrow as pa

from gls_engine.config import Settings
from gls_engine.metrics import Counters
from gls_engine.storage.base import SpanStore, StorageError, is_timeout


class ClickHouseStore(SpanStore):
    backend_name = "clickhouse"

    def __init__(self, settings: Settings, counters: Counters | None = None) -> None:
        super().__init__(settings, counters)
        self._client: Any = None

    def _connect(self, database: str | None) -> Any:
        import clickhouse_connect

        url = urlparse(self.settings.clickhouse_url)
        return clickhouse_connect.get_client(
            host=url.hostname or "127.0.0.1",
            port=url.port or 8123,
            username=url.username or "default",
            password=url.password or "",
            secure=url.scheme == "https",
            database=database or "default",
            autogenerate_session_id=False,
        )

    def _open(self) -> None:
        try:
            admin = self._connect(None)
            admin.command(f"CREATE DATABASE IF NOT EXISTS `{self.settings.clickhouse_database}`")
            admin.close()
            self._client = self._connect(self.settings.clickhouse_database)
        except Exception as exc:
            raise StorageError(
                f"cannot reach ClickHouse at {self.settings.clickhouse_url}: {exc}", retryable=False
            ) from None

    def _close(self) -> None:
        if self._client is not None:
            self._client.close()

    def _insert_arrow(self, table_name: str, table: pa.Table, writer_index: int) -> None:
        try:
            self._client.insert_arrow(
                table_name,
                table,
                settings={"async_insert": 1, "wait_for_async_insert": 1, "optimize_on_insert": 0},
            )
        except Exception as exc:
            raise StorageError(f"ClickHouse insert into {table_name} failed: {exc}") from None

    def _query_bytes(self, sql: str, params: Mapping[str, Any], fmt: str = "JSONEachRow") -> bytes:
        try:
            return self._client.raw_query(sql, parameters=dict(params), fmt=fmt)
        except Exception as exc:
            raise StorageError(f"query failed: {exc}", retryable=is_timeout(exc)) from None

    def _command(self, sql: str) -> None:
        try:
            self._client.command(sql)
        except Exception as exc:
            raise StorageError(f"command failed: {exc}", retryable=False) from None
