"""Stored answers about the traces of one whole UTC day (table day_answers,
migration 0017): facets without a filter (query/facets.py), cost by the trace's
chain or user (analytics/costs.py). Each `kind` of answer has a `key` naming its
parameters; an answer is any JSON value.

A day's answer is about the traces that start in it: their summary rows lie in
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
from gls_engine.storage.base import SpanStore, StorageError

log = logging.getLogger(__name__)

DAY_NS = 86_400 * 10**9
EPOCH = dt.date(1970, 1, 1)
# Answers kept in memory, by the size of their JSON (a facets day at 10M spans:
# 4.5 KB; up to ~80 KB with 1,000 users and sessions a day). Python's objects
# take a few times the JSON's bytes.
MEMO_JSON_BYTES = 16 << 20


@dataclass(frozen=True)
class Question:
    """Which answer: its kind, its parameters (key) and the project."""

    kind: str
    key: str
    project: str


@dataclass(frozen=True)
class StoredDay:
    source_mark: int
    next_mark: int
    answer: Any
    json_bytes: int = 0


@dataclass
class DayCheck:
    """What `usable` found: the answers that hold, and the marks it read."""

    known: dict[int, Any]
    marks: dict[int, int]


def whole_days(start_ns: int, end_ns: int) -> range:
    """The UTC days (days since the epoch) lying wholly in [start_ns, end_ns)."""
    return range(-(-start_ns // DAY_NS), end_ns // DAY_NS)


def uncovered(start_ns: int, end_ns: int, days: list[int]) -> list[tuple[int, int]]:
    """[start, end) without the whole days `days` (sorted, each inside it), as
    non-empty ranges."""
    out, at = [], start_ns
    for day in days:
        out.append((at, day * DAY_NS))
        at = (day + 1) * DAY_NS
    out.append((at, end_ns))
    return [(a, b) for a, b in out if a < b]


def rows_days(ranges: list[tuple[int, int]]) -> list[str]:
    """The days whose summary rows hold the traces starting in `ranges`: a
    trace's rows lie in its start day and, past midnight, the day after."""
    days = {d for a, b in ranges for d in range(a // DAY_NS, (b - 1) // DAY_NS + 2)}
    return [_date(d) for d in sorted(days)]


def before_days(start_ns: int) -> list[str]:
    """The range's first day and the day before: where a trace that started before
    `start_ns` and has later rows in the range has its first row (started_before)."""
    first = start_ns // DAY_NS
    return [_date(first - 1), _date(first)]


def rows_from(start: str, days: str) -> str:
    """SQL: the summary rows that can belong to a trace starting at `start` (SQL,
    Unix ns) or later: on `days` (SQL for rows_days of the range), starting then or
    after (a trace's rows all start at or after the trace). Aggregating only those
    rows, not the whole days, made a 24 h facet count read ~24 h of rows, not ~48."""
    return f"(day IN {days} AND start_time >= fromUnixTimestamp64Nano({start}))"


def started_before(project: str, start: str, days: str, trace_id: str = "trace_id") -> str:
    """SQL: the trace (`trace_id`, the id as the query groups it) has no summary
    row starting before `start` (SQL, Unix ns) on `days` (SQL for before_days): a
    trace of the day before running past midnight, or of the range's day before
    its start, has later rows that rows_from keeps, and would otherwise seem to
    start in the range. Per range, not for the whole window: a trace of an
    earlier range lasting past two midnights has rows on a later range's days.
    Only ids are read there (the day before's rows aggregated whole, as 5a35764
    first did, made a 24 h facet count read a third day)."""
    on_day = trace_id.replace("trace_id", "t.trace_id")  # the same expression, of those rows
    return (
        f"{trace_id} NOT IN (SELECT {on_day} FROM trace_summaries AS t"
        f" WHERE t.project = {project} AND t.day IN {days}"
        f" AND t.start_time < fromUnixTimestamp64Nano({start}))"
    )


class DayAnswers:
    def __init__(self, store: SpanStore, counters: Counters | None = None) -> None:
        self.store = store
        self.counters = counters
        self._memo: OrderedDict[tuple[Question, int], StoredDay] = OrderedDict()
        self._memo_bytes = 0
        self._writes: set[asyncio.Task[None]] = set()

    async def usable(self, question: Question, days: range) -> DayCheck:
        """The stored answers of `days` that still hold, with the marks now."""
        project = question.project
        remembered = {d: self._memo.get((question, d)) for d in days}
        missing = [d for d, s in remembered.items() if s is None]
        marks_read = self._marks(project, days.start, days.stop)  # the next day too
        if missing:
            marks, stored = await asyncio.gather(marks_read, self._stored(question, missing))
        else:
            marks, stored = await marks_read, {}
        candidates = {d: remembered[d] or stored.get(d) for d in days}
        known: dict[int, Any] = {}
        to_check: list[tuple[int, StoredDay]] = []
        for day, found in candidates.items():
            if found is None or found.source_mark != marks.get(day, 0):
                continue
            if found.next_mark == marks.get(day + 1, 0):
                known[day] = found.answer
            else:
                to_check.append((day, found))
        if to_check:
            latest = await asyncio.gather(*(self._continued(project, d) for d, _ in to_check))
            for (day, found), mark in zip(to_check, latest, strict=True):
                if mark <= found.next_mark:
                    known[day] = found.answer
        for day, found in candidates.items():
            if day in known and found is not None:
                self._keep(question, day, found)
            elif remembered[day] is not None:  # stale: next time, the table may know better
                self._drop((question, day))
        self._count("day_answers_reused", question.kind, len(known))
        return DayCheck(known, marks)

    def remember(self, question: Question, check: DayCheck, answers: dict[int, Any]) -> None:
        """Keep answers of whole days aggregated after `check` read its marks."""
        rows = []
        for day, answer in answers.items():
            text = orjson.dumps(answer).decode()
            marks = (check.marks.get(day, 0), check.marks.get(day + 1, 0))
            stored = StoredDay(*marks, answer, len(text))
            self._keep(question, day, stored)
            rows.append((day, stored, text))
        self._count("day_answers_stored", question.kind, len(rows))
        task = asyncio.get_running_loop().create_task(self._write(question, rows))
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

    async def _stored(self, question: Question, days: Sequence[int]) -> dict[int, StoredDay]:
        rows = await self.store.query_rows(
            "SELECT toUInt32(day) AS d, source_mark, next_mark, answer FROM day_answers FINAL"
            " WHERE project = {project:String} AND kind = {kind:String} AND key = {key:String}"
            " AND day >= {first:Date} AND day <= {last:Date}",
            {
                "project": question.project,
                "kind": question.kind,
                "key": question.key,
                "first": _date(min(days)),
                "last": _date(max(days)),
            },
        )
        out = {}
        for r in rows:
            try:
                answer = orjson.loads(r["answer"])
            except orjson.JSONDecodeError:
                continue  # unreadable: aggregated again and stored anew
            marks = (int(r["source_mark"]), int(r["next_mark"]))
            out[int(r["d"])] = StoredDay(*marks, answer, len(r["answer"]))
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
    async def _write(self, question: Question, rows: list[tuple[int, StoredDay, str]]) -> None:
        now, n = time.time_ns(), len(rows)
        table = pa.table(
            {
                "project": pa.array([question.project] * n, pa.string()),
                "kind": pa.array([question.kind] * n, pa.string()),
                "key": pa.array([question.key] * n, pa.string()),
                "day": pa.array([EPOCH + dt.timedelta(days=d) for d, _, _ in rows], pa.date32()),
                "source_mark": pa.array([s.source_mark for _, s, _ in rows], pa.int64()),
                "next_mark": pa.array([s.next_mark for _, s, _ in rows], pa.int64()),
                "computed_at": pa.array([now] * n, pa.timestamp("ns", "UTC")),
                "answer": pa.array([text for _, _, text in rows], pa.string()),
            }
        )
        try:
            await self.store.insert_derived("day_answers", table)
        except StorageError as exc:  # kept in memory still; aggregated again after a restart
            log.warning("storing %s answers of %s failed: %s", question.kind, question.project, exc)

    def _keep(self, question: Question, day: int, stored: StoredDay) -> None:
        key = (question, day)
        if key in self._memo:
            self._drop(key)
        self._memo[key] = stored
        self._memo_bytes += stored.json_bytes
        while self._memo_bytes > MEMO_JSON_BYTES and len(self._memo) > 1:
            self._drop(next(iter(self._memo)))

    def _drop(self, key: tuple[Question, int]) -> None:
        self._memo_bytes -= self._memo.pop(key).json_bytes

    def _count(self, name: str, kind: str, n: int) -> None:
        if self.counters is not None and n:
            self.counters.add(name, n, kind=kind)


def _date(day: int) -> str:
    return (EPOCH + dt.timedelta(days=day)).isoformat()
