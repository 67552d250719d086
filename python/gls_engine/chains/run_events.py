"""A run's event stream: `run_started`, `step_started`, `token`, `step_finished`,
`log`, `run_finished`, as they happen, for the playground's WebSocket and the
debugger.

One list per run, bounded: past `max_events` the oldest are dropped (a long
answer streams thousands of tokens) and a subscriber that had not read them is
told how many it missed (`lagged`), never blocked and never blocking the run. A
subscriber that comes late reads what is kept from the start, then live events;
the stream ends after `run_finished`.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

MAX_EVENTS = 5_000

EVENT_TYPES = ("run_started", "step_started", "token", "step_finished", "log", "run_finished")


class RunEvents:
    def __init__(self, run_id: str, max_events: int = MAX_EVENTS) -> None:
        self.run_id = run_id
        self._max = max_events
        self._events: deque[dict[str, Any]] = deque()
        self._first = 0  # the sequence number of the oldest event kept
        self._wake = asyncio.Event()
        self.finished = False

    @property
    def published(self) -> int:
        return self._first + len(self._events)

    def publish(self, event_type: str, **fields: Any) -> None:
        if self.finished:
            return
        event = {"type": event_type, "run_id": self.run_id, "seq": self.published}
        event["time_ms"] = round(time.time() * 1000, 3)
        event.update(fields)
        self._events.append(event)
        while len(self._events) > self._max:
            self._events.popleft()
            self._first += 1
        if event_type == "run_finished":
            self.finished = True
        self._wake.set()
        self._wake = asyncio.Event()

    def snapshot(self) -> list[dict[str, Any]]:
        return list(self._events)

    async def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        """The events kept so far, then live ones, until `run_finished`."""
        position = self._first
        while True:
            if position < self._first:  # dropped before this subscriber read them
                dropped, position = self._first - position, self._first
                yield {"type": "lagged", "run_id": self.run_id, "dropped": dropped}
                continue  # more may have been dropped while the lag was read
            while position < self.published:
                event = self._events[position - self._first]
                position += 1
                yield event
                if position < self._first:
                    break
            else:
                if self.finished:
                    return
                await self._wake.wait()


class RunEventStreams:
    """The streams of runs in progress and of the last `keep_finished` runs that
    ended (a late subscriber still gets their whole story)."""

    def __init__(self, keep_finished: int = 200, max_events: int = MAX_EVENTS) -> None:
        self._streams: dict[str, RunEvents] = {}
        self._finished: deque[str] = deque()
        self._keep = keep_finished
        self._max_events = max_events

    def open(self, run_id: str) -> RunEvents:
        stream = RunEvents(run_id, self._max_events)
        self._streams[run_id] = stream
        return stream

    def get(self, run_id: str) -> RunEvents | None:
        return self._streams.get(run_id)

    def closed(self, run_id: str) -> None:
        """The run ended: its stream kept among the last finished ones."""
        self._finished.append(run_id)
        while len(self._finished) > self._keep:
            self._streams.pop(self._finished.popleft(), None)
