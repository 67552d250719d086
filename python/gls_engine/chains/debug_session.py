"""One debug session: a chain run (source `debugger`) whose step gate is the
session, so the run pauses where a client asked it to and waits for the next
command (docs/chains.md, "Debugger").

The gate is awaited before and after every step with the frame stack. The
session pauses there when a breakpoint on that point of that step path fires
(its condition, if any, truthy over the step's chain's state), when it is
stepping (`step`: the next gate point, into sub-chains; `step_over`: the next
one no deeper than where it paused) or at the first point with `pause_at_start`.
While paused the state can be read (any frame of the stack), queried with
JMESPath and edited (the paused frame's); resuming answers the gate with the
edited state, if it changed, which the runner applies and records on the trace
(`gls.debug.state_edit`), or with a stop.

Everything happens on the Studio's event loop: the run's task waits in the gate
on a future that a command (or the idle timer, or a stop) resolves. A session
that stays paused `idle_s` without a command is stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from gls_engine.chains.debug_breakpoints import Breakpoint, hit
from gls_engine.chains.debug_lease import ControllerLease, Lease
from gls_engine.chains.debug_session_events import ENDED, DebugSessionEvents
from gls_engine.chains.definition import Step
from gls_engine.chains.run_events import RunEvents
from gls_engine.chains.step_gate import Frame, GateAction, GatePoint

log = logging.getLogger(__name__)

RUNNING, PAUSED, SESSION_ENDED = "running", "paused", "ended"
MAX_LOGS = 1_000
Mode = Literal["continue", "step", "step_over"]
# Why a session ended (`ended.reason`).
END_FINISHED, END_STOPPED, END_IDLE, END_DELETED, END_SHUTDOWN = (
    "finished",
    "stopped",
    "idle_timeout",
    "deleted",
    "studio_stopping",
)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def json_copy(value: Any) -> Any:
    """A copy the run cannot change under the client, and the client under the run."""
    return orjson.loads(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS))


def step_path(frames: tuple[Frame, ...]) -> str:
    return "/".join(frame.step_id or "" for frame in frames)


@dataclass
class Pause:
    point: GatePoint
    path: str
    step: Step
    reason: Literal["breakpoint", "step", "start"]
    breakpoint: Breakpoint | None
    condition_error: str | None
    frames: list[dict[str, Any]]  # snapshots, outermost first
    original_state: dict[str, Any]  # the paused frame's, as the run left it
    state: dict[str, Any]  # the paused frame's, with the client's edits
    since: datetime
    resume: asyncio.Future[GateAction] = field(repr=False)
    selected_frame: int = 0

    @property
    def depth(self) -> int:
        return len(self.frames)

    def frame_json(self, index: int) -> dict[str, Any]:
        frame = dict(self.frames[index])
        if index == self.depth - 1:
            frame["state"] = self.state
        return frame

    def to_json(self) -> dict[str, Any]:
        return {
            "point": self.point,
            "path": self.path,
            "step": self.step.id,
            "step_type": self.step.type,
            "frame": self.depth - 1,
            "reason": self.reason,
            "breakpoint": None if self.breakpoint is None else self.breakpoint.to_json(),
            "condition_error": self.condition_error,
            "since": _iso(self.since),
            "edited": self.state != self.original_state,
        }


class DebugSession:
    def __init__(
        self,
        *,
        session_id: str,
        project: str,
        chain_name: str,
        chain_version: int | None,
        breakpoints: tuple[Breakpoint, ...],
        pause_at_start: bool,
        idle_s: float,
        lease_grace_s: float,
    ) -> None:
        self.id = session_id
        self.project = project
        self.chain_name = chain_name
        self.chain_version = chain_version
        self.breakpoints = breakpoints
        self.pause_at_start = pause_at_start
        self.idle_s = idle_s
        self.run_id: str | None = None
        self.status = RUNNING
        self.created_at = datetime.now(UTC)
        self.last_activity = self.created_at
        self.events = DebugSessionEvents(session_id)
        self.lease = ControllerLease(idle_s, lease_grace_s, self._lease_changed)
        self.logs: deque[dict[str, Any]] = deque(maxlen=MAX_LOGS)
        self.pause: Pause | None = None
        self.ended: dict[str, Any] | None = None
        # Commands of one session take turns (some await: a stop waits for the run).
        self.lock = asyncio.Lock()
        self._mode: Mode = "step" if pause_at_start else "continue"
        self._mode_depth = 0
        self._gates_seen = 0
        self._end_reason: str | None = None  # set when a stop is asked for
        self._stop_message: str | None = None
        self._changed = asyncio.Event()  # set at each pause and at the end
        self._ended_event = asyncio.Event()
        self._idle_timer: asyncio.TimerHandle | None = None
        self._follower: asyncio.Task[None] | None = None
        self._cancel_run: Callable[[], None] | None = None

    # -- what a client reads -------------------------------------------------

    def log(self, kind: str, message: str, client: str | None = None) -> None:
        entry = {
            "time_ms": round(time.time() * 1000, 3),
            "kind": kind,
            "client": client,
            "message": message,
        }
        self.logs.append(entry)
        self.events.publish("session_log", **{k: v for k, v in entry.items() if k != "time_ms"})

    def touch(self) -> None:
        self.last_activity = datetime.now(UTC)
        if self.pause is not None:
            self._arm_idle_timer()

    def to_json(self, *, whole: bool = True) -> dict[str, Any]:
        holder = self.lease.holder if self.ended is None else None
        answer: dict[str, Any] = {
            "id": self.id,
            "project": self.project,
            "run_id": self.run_id,
            "chain": self.chain_name,
            "version": self.chain_version,
            "status": self.status,
            "created_at": _iso(self.created_at),
            "last_activity_at": _iso(self.last_activity),
            "idle_timeout_s": self.idle_s,
            "pause_at_start": self.pause_at_start,
            "mode": self._mode,
            "paused": None if self.pause is None else self.pause.to_json(),
            "breakpoints": [b.to_json() for b in self.breakpoints],
            "controller": None if holder is None else holder.to_json(),
            "ended": self.ended,
        }
        if whole:
            pause = self.pause
            answer["frames"] = (
                [] if pause is None else [pause.frame_json(i) for i in range(pause.depth)]
            )
            answer["selected_frame"] = None if pause is None else pause.selected_frame
            answer["logs"] = list(self.logs)
            answer["next_seq"] = self.events.published
        return answer

    def _lease_changed(self, lease: Lease | None, why: str) -> None:
        self.log("lease", why, None if lease is None else lease.client)
        self.events.publish(
            "controller_changed", controller=None if lease is None else lease.to_json()
        )

    # -- the run -------------------------------------------------------------

    def follow(self, run_id: str, stream: RunEvents | None, cancel_run: Callable[[], None]) -> None:
        """The run started: its events forwarded to the session's stream until it
        ends, which ends the session."""
        self.run_id = run_id
        self._cancel_run = cancel_run
        self._follower = asyncio.create_task(self._forward(stream), name=f"debug session {self.id}")

    async def _forward(self, stream: RunEvents | None) -> None:
        finished: dict[str, Any] = {"status": "cancelled", "error": "the run's events were lost"}
        if stream is not None:
            async for event in stream.subscribe():
                forwarded = {k: v for k, v in event.items() if k not in ("seq", "time_ms")}
                forwarded["run_seq"] = event.get("seq")
                self.events.publish(forwarded.pop("type"), **forwarded)
                if event["type"] == "run_finished":
                    finished = event
        self._end(finished)

    def _end(self, finished: dict[str, Any]) -> None:
        if self.ended is not None:
            return
        self._disarm_idle_timer()
        self.status = SESSION_ENDED
        self.pause = None
        self.ended = {
            "reason": self._end_reason or END_FINISHED,
            "at": _iso(datetime.now(UTC)),
            "run_status": finished.get("status"),
            "error": finished.get("error"),
            "error_step": finished.get("error_step"),
            "output": finished.get("output"),
        }
        self.log("end", f"the session ended ({self.ended['reason']}): run {finished.get('status')}")
        self.lease.end()
        self.events.publish(ENDED, ended=self.ended)
        self._ended_event.set()
        self._changed.set()

    async def until_ended(self) -> None:
        await asyncio.shield(self._ended_event.wait())

    async def until_changed(self, timeout_s: float) -> None:
        """Until the session next pauses or ends (or `timeout_s` passes)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._changed.wait()), timeout_s)

    # -- the gate ------------------------------------------------------------

    async def __call__(
        self,
        point: GatePoint,
        run_id: str,
        frames: tuple[Frame, ...],
        step: Step,
        state: dict[str, Any],
    ) -> GateAction | None:
        self._gates_seen += 1
        if self._stop_message is not None:
            return GateAction.stop(self._stop_message)
        path, depth = step_path(frames), len(frames)
        reason: Literal["breakpoint", "step", "start"] | None = None
        fired: Breakpoint | None = None
        error: str | None = None
        for breakpoint in self.breakpoints:
            if breakpoint.step == path and breakpoint.point == point:
                found = hit(breakpoint, state)
                if found.fires:
                    reason, fired, error = "breakpoint", breakpoint, found.error
                    break
        if reason is None:
            if self._mode == "step" or (self._mode == "step_over" and depth <= self._mode_depth):
                reason = "start" if self._gates_seen == 1 and self.pause_at_start else "step"
        if reason is None:
            return None
        return await self._paused(point, path, step, frames, state, reason, fired, error)

    async def _paused(
        self,
        point: GatePoint,
        path: str,
        step: Step,
        frames: tuple[Frame, ...],
        state: dict[str, Any],
        reason: Literal["breakpoint", "step", "start"],
        fired: Breakpoint | None,
        error: str | None,
    ) -> GateAction:
        snapshots = [
            {
                "index": index,
                "chain": frame.chain_name,
                "version": frame.chain_version,
                "step": frame.step_id,
                "path": step_path(frames[: index + 1]),
                "state": json_copy(frame.state),
            }
            for index, frame in enumerate(frames)
        ]
        pause = Pause(
            point=point,
            path=path,
            step=step,
            reason=reason,
            breakpoint=fired,
            condition_error=error,
            frames=snapshots,
            original_state=json_copy(state),
            state=json_copy(state),
            since=datetime.now(UTC),
            resume=asyncio.get_running_loop().create_future(),
            selected_frame=len(frames) - 1,
        )
        self.pause, self.status = pause, PAUSED
        why = {"breakpoint": "at a breakpoint", "step": "stepping", "start": "at the start"}[reason]
        message = f"paused {point} {path} ({why})"
        if error:
            message += f"; its condition failed: {error}"
        self.log("pause", message)
        self.events.publish(
            "paused",
            paused=pause.to_json(),
            frames=[pause.frame_json(i) for i in range(pause.depth)],
        )
        self.touch()
        self._changed.set()
        try:
            action = await pause.resume
        finally:
            self._disarm_idle_timer()
            if self.pause is pause:
                self.pause = None
                if self.status == PAUSED:
                    self.status = RUNNING
        self.events.publish("resumed", action=action.kind, mode=self._mode)
        return action

    def resume(self, mode: Mode) -> None:
        """Go on from the pause (continue, step, step over), with the edited state
        if the client changed it."""
        pause = self.pause
        assert pause is not None
        self._mode, self._mode_depth = mode, pause.depth
        action = (
            GateAction.edit(pause.state)
            if pause.state != pause.original_state
            else GateAction.go_on()
        )
        self._resolve(pause, action)

    def _resolve(self, pause: Pause, action: GateAction) -> None:
        if not pause.resume.done():
            pause.resume.set_result(action)
        self.pause, self.status = None, RUNNING
        self._changed = asyncio.Event()  # a client waiting now waits for the next pause

    # -- ending --------------------------------------------------------------

    async def stop(self, reason: str, message: str) -> None:
        """Stops the run (at the pause, or by cancelling the step it is in) and
        waits until the session has ended."""
        if self.ended is not None:
            return
        if self._end_reason is None:
            self._end_reason = reason
            self._stop_message = message
        pause = self.pause
        if pause is not None:
            if pause.state != pause.original_state:
                self.log("stop", "the unapplied edit is dropped")
            self._resolve(pause, GateAction.stop(message))
        elif self._cancel_run is not None:
            self._cancel_run()
        await self.until_ended()

    def _arm_idle_timer(self) -> None:
        self._disarm_idle_timer()
        self._idle_timer = asyncio.get_running_loop().call_later(self.idle_s, self._idle)

    def _disarm_idle_timer(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None

    def _idle(self) -> None:
        self._idle_timer = None
        if self.pause is None or self.ended is not None:
            return
        message = f"the debug session was idle for {self.idle_s:g} s"
        self.log("idle", message)
        task = asyncio.get_running_loop().create_task(self.stop(END_IDLE, message))
        task.add_done_callback(_log_failure)

    async def close(self) -> None:
        """The Studio is stopping: the run stopped, the session ended."""
        await self.stop(END_SHUTDOWN, "the Studio is stopping")
        if self._follower is not None:
            await asyncio.gather(self._follower, return_exceptions=True)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("a debug session's idle stop failed", exc_info=task.exception())
