"""A debug session's event stream, for its controller and its watchers alike:
`paused`, `resumed`, `session_log`, `breakpoints_changed`, `state_edited`,
`frame_selected`, `controller_changed`, the run's own events as they happen
(`run_started`, `step_started`, `token`, `step_finished`, `log`,
`run_finished`, each with the run's `run_seq`), and last `ended`.

Bounded as a run's stream is (the oldest dropped past `max_events`; a
subscriber that fell behind is told how many it missed, `lagged`). A subscriber
starts from a sequence number: a client that has just read the session whole
follows it from there, so a reload is one GET and one socket.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

MAX_EVENTS = 5_000
ENDED = "ended"


class DebugSessionEvents:
    def __init__(self, session_id: str, max_events: int = MAX_EVENTS) -> None:
        self.session_id = session_id
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
            "session_id": self.session_id,
            "seq": self.published,
            "time_ms": round(time.time() * 1000, 3),
        }
        event.update(fields)
        self._events.append(event)
        while len(self._events) > self._max:
            self._events.popleft()
            self._first += 1
        if event_type == ENDED:
            self.finished = True
        self._wake.set()
        self._wake = asyncio.Event()

    async def subscribe(self, start: int = 0) -> AsyncIterator[dict[str, Any]]:
        """Events from sequence number `start` (what is still kept of them), then
        live ones, until `ended`."""
        position = max(start, 0)
        while True:
            if position < self._first:
                dropped, position = self._first - position, self._first
                yield {"type": "lagged", "session_id": self.session_id, "dropped": dropped}
                continue
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
