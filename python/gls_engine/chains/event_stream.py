"""A bounded stream of events for WebSocket followers: a run's, a debug session's.

Events are numbered (`seq`) and stamped (`time_ms`) as they are published; past
`max_events` the oldest are dropped (a long answer streams thousands of tokens)
and a subscriber that had not read them is told how many it missed (`lagged`),
never blocked and never blocking the publisher. A subscriber reads what is kept
from where it starts, then live events; the stream ends after its final event.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

MAX_EVENTS = 5_000


class EventStream:
    def __init__(self, id_field: str, id_value: str, final_event: str, max_events: int) -> None:
        self._id = {id_field: id_value}  # e.g. {"run_id": ...}, carried by every event
        self._final_event = final_event
        self._max = max_events
        self._events: deque[dict[str, Any]] = deque()
        self._first = 0  # the sequence number of the oldest event kept
        self._wake = asyncio.Event()
        self.finished = False

    @property
    def published(self) -> int:
        """The sequence number the next event will have."""
        return self._first + len(self._events)

    def publish(self, event_type: str, **fields: Any) -> None:
        if self.finished:
            return
        event: dict[str, Any] = {
            "type": event_type,
            **self._id,
            "seq": self.published,
            "time_ms": round(time.time() * 1000, 3),
        }
        event.update(fields)
        self._events.append(event)
        while len(self._events) > self._max:
            self._events.popleft()
            self._first += 1
        if event_type == self._final_event:
            self.finished = True
        self._wake.set()
        self._wake = asyncio.Event()

    def snapshot(self) -> list[dict[str, Any]]:
        return list(self._events)

    async def subscribe(self, start: int | None = None) -> AsyncIterator[dict[str, Any]]:
        """Events from sequence number `start` (None: the oldest kept; what is still
        kept of them, `lagged` for the rest), then live ones, until the final one."""
        position = self._first if start is None else max(start, 0)
        while True:
            if position < self._first:  # dropped before this subscriber read them
                dropped, position = self._first - position, self._first
                yield {"type": "lagged", **self._id, "dropped": dropped}
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
