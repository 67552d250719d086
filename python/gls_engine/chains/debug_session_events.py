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

from gls_engine.chains.event_stream import MAX_EVENTS, EventStream

ENDED = "ended"


class DebugSessionEvents(EventStream):
    def __init__(self, session_id: str, max_events: int = MAX_EVENTS) -> None:
        super().__init__("session_id", session_id, ENDED, max_events)
        self.session_id = session_id
