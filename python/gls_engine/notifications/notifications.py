"""The notification centre's answer for one project and period."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gls_engine.metrics import Counters
from gls_engine.notifications.ingest_items import ingest_items
from gls_engine.notifications.spikes import spike_items
from gls_engine.storage import SpanStore

SEVERITY_ORDER = {"critical": 0, "error": 1, "warning": 2, "info": 3}


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).isoformat().replace("+00:00", "Z")


class Notifications:
    def __init__(self, store: SpanStore, counters: Counters) -> None:
        self.store = store
        self.counters = counters

    async def for_period(self, project: str, start_ns: int, end_ns: int) -> dict[str, Any]:
        items = [
            *await spike_items(self.store, project, start_ns, end_ns),
            *ingest_items(self.counters, start_ns, end_ns, project),
        ]
        items.sort(key=lambda item: SEVERITY_ORDER[item["severity"]])
        for number, item in enumerate(items):
            item["id"] = f"{item['kind']}-{start_ns // 10**6}-{end_ns // 10**6}-{number}"
        return {
            "project": project,
            "start": _iso(start_ns),
            "end": _iso(end_ns),
            "previous_start": _iso(start_ns - (end_ns - start_ns)),
            "counters_since": _iso(self.counters.started_ns),
            "items": items,
        }
