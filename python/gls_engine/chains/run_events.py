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

from collections import deque

from gls_engine.chains.event_stream import MAX_EVENTS, EventStream

EVENT_TYPES = ("run_started", "step_started", "token", "step_finished", "log", "run_finished")


class RunEvents(EventStream):
    def __init__(self, run_id: str, max_events: int = MAX_EVENTS) -> None:
        super().__init__("run_id", run_id, "run_finished", max_events)
        self.run_id = run_id


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
