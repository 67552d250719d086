"""Stored facet answers of whole UTC days (table facet_days, migration 0017).

A day's answer counts the traces that start in it: their summary rows lie in
that day and, for a trace running past midnight, the next. So the answer holds
while neither changed in a way that reaches it, and each stored answer keeps
the marks it was made from:

- source_mark: the newest `ingested_at` of the day's summary rows then;
- next_mark: the newest of the next day's rows then.

It is used while the day's newest ingested_at is still source_mark, and either
the next day's is still next_mark or none of the next day's rows written since
belongs to a trace of the day (the continuation check: one semi-join of two
days' ids, ~15 ms, run only when the next day moved on, i.e. for yesterday).
Marks are read before the answer is aggregated, so a span stored meanwhile
makes it stale rather than lost. ingested_at is the Studio's own clock at
ingest; a clock stepped back could hide a write from these marks.

Answers are kept in memory (this process's, by LRU) and in ClickHouse (other
nodes', and after a restart). Writing one is not a write readers must see
(nothing else reads the table), so it does not end the read gate's reuse.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import pyarrow as pa

from gls_engine.metrics import Counters
from gls_engine.storage import SpanStore, StorageError

log = logging.getLogger(__name__)

DAY_NS = 86_400 * 10**9
EPOCH = dt.date(1970, 1, 1)
MEMO_DAYS = 4096  # (project, day) answers kept in memory: each a few KB

# One day's facet answer over disjoint traces: total, errors, value -> count per
# facet, range bounds (facets.py makes and adds them up).
Partial = dict[str, Any]


@dataclass(frozen=True)
class StoredDay:
    source_mark: int
    next_mark: int
    partial: Partial


@dataclass
class DayCheck:
    """What `usable` found: the answers that hold, and the marks it read."""

    known: dict[int, Partial]
    marks: dict[int, int]


class FacetDays:
    def __init__(self, store: SpanStore, counters: Counters | None = None) -> None:
        self.store = store
        self.counters = counters
        self._memo: OrderedDict[tuple[str, int], StoredDay] = OrderedDict()
        self._writes: set[asyncio.Task[None]] = set()

    async def usable(self, project: str, days: range) -> DayCheck:
        """The stored answers of `days` that still hold, with the marks now."""
        remembered = {d: self._memo.get((project, d)) for d in days}
        missing = [d for d, s in remembered.items() if s is None]
        marks_read = self._marks(project, days.start, days.stop)  # the next day too
        if missing:
            marks, stored = await asyncio.gather(marks_read, self._stored(project, missing))
        else:
            marks, stored = await marks_read, {}
        candidates = {d: remembered[d] or stored.get(d) for d in days}
        known: dict[int, Partial] = {}
        to_check: list[tuple[int, StoredDay]] = []
        for day, found in candidates.items():
            if found is None or found.source_mark != marks.get(day, 0):
                continue
            if found.next_mark == marks.get(day + 1, 0):
                known[day] = found.partial
            else:
                to_check.append((day, found))
        if to_check:
            latest = await asyncio.gather(*(self._continued(project, d) for d, _ in to_check))
            for (day, found), mark in zip(to_check, latest, strict=True):
                if mark <= found.next_mark:
                    known[day] = found.partial
        for day, found in candidates.items():
            if day in known and found is not None:
                self._keep(project, day, found)
            elif remembered[day] is not None:  # stale: next time, the table may know better
                del self._memo[(project, day)]
        self._count("facet_days_reused", len(known))
        return DayCheck(known, marks)

    def remember(self, project: str, check: DayCheck, partials: dict[int, Partial]) -> None:
        """Keep answers of whole days aggregated after `check` read its marks."""
        rows = []
        for day, partial in partials.items():
            stored = StoredDay(check.marks.get(day, 0), check.marks.get(day + 1, 0), partial)
            self._keep(project, day, stored)
            rows.append((day, stored))
        self._count("facet_days_stored", len(rows))
        task = asyncio.get_running_loop().create_task(self._write(project, rows))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def drain(self) -> None:
        """Wait for the answers being written (at shutdown, and in tests)."""
        while self._writes:
            await asyncio.gather(*list(self._writes), return_exceptions=True)

    # --- reads ---------------------------------------------------------------------
    async def _marks(self, project: str, first: int, stop: int) -> dict[int, int]:
        """day -> newest ingested_at (ns) of its summary rows, for first..stop (inclusive)."""
        rows = await self.store.query_rows(
            "SELECT toUInt32(day) AS d, toUnixTimestamp64Nano(max(ingested_at)) AS mark"
            " FROM trace_summaries WHERE project = {project:String}"
            " AND day >= {first:Date} AND day <= {last:Date} GROUP BY day",
            {"project": project, "first": _date(first), "last": _date(stop)},
        )
        return {int(r["d"]): int(r["mark"]) for r in rows}

    async def _stored(self, project: str, days: Sequence[int]) -> dict[int, StoredDay]:
        rows = await self.store.query_rows(
            "SELECT toUInt32(day) AS d, source_mark, next_mark, answer FROM facet_days FINAL"
            " WHERE project = {project:String} AND day >= {first:Date} AND day <= {last:Date}",
            {"project": project, "first": _date(min(days)), "last": _date(max(days))},
        )
        out = {}
        for r in rows:
            try:
                partial = orjson.loads(r["answer"])
            except orjson.JSONDecodeError:
                continue  # unreadable: aggregated again and stored anew
            out[int(r["d"])] = StoredDay(int(r["source_mark"]), int(r["next_mark"]), partial)
        return out

    async def _continued(self, project: str, day: int) -> int:
        """Newest ingested_at (ns) of the next day's rows of traces that have a row in `day`."""
        rows = await self.store.query_rows(
            "SELECT toUnixTimestamp64Nano(max(ingested_at)) AS mark, count() AS n"
            " FROM trace_summaries WHERE project = {project:String}"
            " AND day = {next:Date} AND trace_id IN (SELECT trace_id"
            " FROM trace_summaries WHERE project = {project:String} AND day = {day:Date})",
            {"project": project, "day": _date(day), "next": _date(day + 1)},
        )
        return int(rows[0]["mark"]) if rows and rows[0]["n"] else 0

    # --- writes --------------------------------------------------------------------
    async def _write(self, project: str, rows: list[tuple[int, StoredDay]]) -> None:
        now = time.time_ns()
        table = pa.table(
            {
                "project": pa.array([project] * len(rows), pa.string()),
                "day": pa.array([EPOCH + dt.timedelta(days=d) for d, _ in rows], pa.date32()),
                "source_mark": pa.array([s.source_mark for _, s in rows], pa.int64()),
                "next_mark": pa.array([s.next_mark for _, s in rows], pa.int64()),
                "computed_at": pa.array([now] * len(rows), pa.timestamp("ns", "UTC")),
                "answer": pa.array([orjson.dumps(s.partial).decode() for _, s in rows]),
            }
        )
        try:
            await self.store.insert_derived("facet_days", table)
        except StorageError as exc:  # kept in memory still; tried again after a restart
            log.warning("storing facet answers of %s failed: %s", project, exc)

    def _keep(self, project: str, day: int, stored: StoredDay) -> None:
        key = (project, day)
        self._memo[key] = stored
        self._memo.move_to_end(key)
        while len(self._memo) > MEMO_DAYS:
            self._memo.popitem(last=False)

    def _count(self, name: str, n: int) -> None:
        if self.counters is not None and n:
            self.counters.add(name, n)


def _date(day: int) -> str:
    return (EPOCH + dt.timedelta(days=day)).isoformat()
