"""In-process pub/sub of trace updates per project.

The ingest pipeline calls `publish_stored(table)` after each stored batch. The
hub turns the batch into per-trace updates (only for projects somebody
watches) and puts them on each subscriber's bounded queue; a subscriber too
slow to keep up loses updates, is told how many, and the loss is counted.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from gls_engine.metrics import Counters

log = logging.getLogger(__name__)

ZERO_SPAN_ID = b"\0" * 8


class Subscription:
    def __init__(self, project: str, max_queued: int) -> None:
        self.project = project
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(max_queued)
        self.dropped = 0


class LiveHub:
    def __init__(self, counters: Counters, max_queued: int = 256) -> None:
        self.counters = counters
        self.max_queued = max_queued
        self._subscribers: dict[str, set[Subscription]] = defaultdict(set)
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def subscribe(self, project: str) -> Subscription:
        sub = Subscription(project, self.max_queued)
        self._subscribers[project].add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subscribers.get(sub.project)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subscribers[sub.project]

    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subscribers.values())

    def publish_stored(self, table: pa.Table) -> None:
        """Called on the event loop right after a batch is stored."""
        if not self._subscribers:
            return
        watched = [p for p in self._subscribers if self._subscribers[p]]
        projects = table.column("project")
        for project in watched:
            rows = table.filter(pc.equal(projects, project))
            if rows.num_rows:
                self._deliver(
                    project, {"type": "traces", "project": project, "traces": summarize(rows)}
                )

    def _deliver(self, project: str, message: dict[str, Any]) -> None:
        for sub in list(self._subscribers.get(project, ())):
            try:
                sub.queue.put_nowait(message)
            except asyncio.QueueFull:
                sub.dropped += 1
                self.counters.add("live_messages_dropped", 1)


def summarize(rows: pa.Table) -> list[dict[str, Any]]:
    """Per-trace summary of the spans of one stored batch (a trace may span batches)."""
    root = pc.equal(rows.column("parent_span_id"), pa.scalar(ZERO_SPAN_ID, pa.binary(8)))
    work = pa.table(
        {
            "trace_id": rows.column("trace_id"),
            "start_ns": rows.column("start_time").cast(pa.int64()),
            "end_ns": rows.column("end_time").cast(pa.int64()),
            "is_root": root,
            "is_error": pc.equal(rows.column("status_code"), 2),
            "total_tokens": rows.column("total_tokens"),
        }
    )
    grouped = work.group_by("trace_id").aggregate(
        [
            ("start_ns", "min"),
            ("end_ns", "max"),
            ("start_ns", "count"),
            ("is_error", "sum"),
            ("total_tokens", "sum"),
            ("is_root", "any"),
        ]
    )
    roots = rows.filter(root).select(["trace_id", "name", "service_name", "span_type"])
    root_by_trace = {r["trace_id"]: r for r in roots.to_pylist()}
    out = []
    for r in grouped.to_pylist():
        root_row = root_by_trace.get(r["trace_id"], {})
        out.append(
            {
                "trace_id": r["trace_id"].hex(),
                "name": root_row.get("name", ""),
                "service_name": root_row.get("service_name", ""),
                "root_span_type": root_row.get("span_type", ""),
                "has_root": bool(r["is_root_any"]),
                "start_time_unix_nano": r["start_ns_min"],
                "end_time_unix_nano": r["end_ns_max"],
                "span_count": r["start_ns_count"],
                "error_count": r["is_error_sum"] or 0,
                "total_tokens": r["total_tokens_sum"] or 0,
            }
        )
    return out
