"""Retention: spans, and the summaries, sketches and rollups made from them, are
kept `retention_days` whole days (UTC) before today, then deleted a partition at
a time.

Dropping a partition unlinks its parts: no rewrite, no mutation, done in
milliseconds whatever its size. The day tables go day by day; the month tables
(sketches, cost rollups) once every day of the month is past the retention.
Ingest refuses spans that start before the same cutoff (partial success, their
own reason), so nothing acknowledged is deleted within the hour by surprise.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from gls_engine.metrics import Counters
from gls_engine.storage.base import SpanStore, StorageError

log = logging.getLogger(__name__)

DAY_PARTITIONED = ("spans", "trace_summaries", "llm_calls")  # PARTITION BY the span's day
# PARTITION BY toYYYYMM(minute)
MONTH_PARTITIONED = (
    "metric_sketches",
    "cost_rollups",
    "token_rollups",
    "carbon_rollups",
    "day_answers",  # PARTITION BY toYYYYMM(day)
    "scores",  # PARTITION BY toYYYYMM(created_at)
)
SWEEP_INTERVAL_S = 3600.0
DAY_NS = 86_400 * 10**9
EPOCH = dt.date(1970, 1, 1)


def cutoff_day(today: dt.date, retention_days: int) -> dt.date:
    """The oldest day kept: `retention_days` whole days before today."""
    return today - dt.timedelta(days=retention_days)


def oldest_kept_ns(now_ns: int, retention_days: int) -> int:
    """Start (UTC) of the oldest day kept, `cutoff_day` of now's day, in ns since the
    epoch; 0 when everything is kept."""
    if retention_days <= 0:
        return 0
    today = EPOCH + dt.timedelta(days=now_ns // DAY_NS)
    return (cutoff_day(today, retention_days) - EPOCH).days * DAY_NS


@dataclass(frozen=True)
class ExpiredPartition:
    table: str
    partition_id: str
    partition: str
    rows: int


def expired_partitions(
    parts: list[dict], retention_days: int, today: dt.date
) -> list[ExpiredPartition]:
    """The partitions (rows of system.parts grouped by partition) wholly before the cutoff."""
    if retention_days <= 0:
        return []
    cutoff = cutoff_day(today, retention_days)
    out = []
    for part in parts:
        table, value = part["table"], str(part["partition"]).strip("'")
        if table in DAY_PARTITIONED:
            expired = dt.date.fromisoformat(value) < cutoff
        elif table in MONTH_PARTITIONED:
            year, month = divmod(int(value), 100)
            first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
            expired = first_of_next <= cutoff  # its last day is before the cutoff
        else:
            continue
        if expired:
            out.append(ExpiredPartition(table, part["partition_id"], value, int(part["rows"])))
    return out


class RetentionSweeper:
    """Drops expired partitions at start-up and then every SWEEP_INTERVAL_S."""

    def __init__(
        self,
        store: SpanStore,
        retention_days: int,
        counters: Counters,
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        self.store = store
        self.retention_days = retention_days
        self.counters = counters
        self._today = today or _utc_today
        self._task: asyncio.Task[None] | None = None

    async def sweep(self) -> list[ExpiredPartition]:
        if self.retention_days <= 0:
            return []
        tables = ", ".join(f"'{t}'" for t in (*DAY_PARTITIONED, *MONTH_PARTITIONED))
        parts = await self.store.query_rows(
            "SELECT table, partition, partition_id, sum(rows) AS rows FROM system.parts"
            f" WHERE active AND database = currentDatabase() AND table IN ({tables})"
            " GROUP BY table, partition, partition_id",
            refusable=False,
        )
        expired = expired_partitions(parts, self.retention_days, self._today())
        for p in expired:
            await self.store.command(f"ALTER TABLE {p.table} DROP PARTITION ID '{p.partition_id}'")
            self.counters.add("retention_partitions_dropped", 1, table=p.table)
            if p.table == "spans":
                self.counters.add("retention_spans_dropped", p.rows)
            log.info(
                "retention (%d days): dropped %s partition %s (%d rows)",
                self.retention_days,
                p.table,
                p.partition,
                p.rows,
            )
        return expired

    async def start(self) -> None:
        """One sweep before ingest starts, then one every interval in the background."""
        if self.retention_days <= 0:
            return
        await self._sweep_logged()
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_INTERVAL_S)
            await self._sweep_logged()

    async def _sweep_logged(self) -> None:
        try:
            await self.sweep()
        except StorageError as exc:  # tried again next interval; never stops the Studio
            self.counters.add("retention_sweeps_failed", 1)
            log.error("retention sweep failed: %s", exc)


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
