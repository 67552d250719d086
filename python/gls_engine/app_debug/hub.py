"""The applications being debugged, per project: each connected SDK, the project's
breakpoints (versioned, so an SDK long-polling for them hears of a change at
once), and the pauses waiting for a person's decision.

In one Studio process (shared through Redis across nodes in the cluster form,
issue 15). An application not heard from for APP_TTL_S is forgotten and its
waiting pauses are answered `continue`: a debugger that went away never keeps
an application stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gls_engine.app_debug.breakpoints import Breakpoint
from gls_engine.errors import ConflictError, NotFoundError, RefusedError

APP_TTL_S = 60.0  # the SDK polls at least every MAX_WAIT_S; three missed polls and more
MAX_WAIT_S = 25.0
MAX_APPS_PER_PROJECT = 100
MAX_PAUSES_PER_APP = 64  # threads of one application paused at once
ACTIONS = ("continue", "step", "stop")


def _new_id() -> str:
    return os.urandom(16).hex()


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class ConnectedApp:
    id: str
    project: str
    service: str
    host: str
    pid: int
    sdk_version: str
    connected_at: str
    last_seen: float = field(default_factory=time.monotonic)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "service": self.service,
            "host": self.host,
            "pid": self.pid,
            "sdk_version": self.sdk_version,
            "connected_at": self.connected_at,
            "seen_s_ago": round(time.monotonic() - self.last_seen, 1),
        }


@dataclass
class Pause:
    id: str
    app_id: str
    point: str  # start, end, or checkpoint (the application's own debug point)
    span: dict[str, Any]  # name, type, trace_id, span_id, attributes
    stack: list[dict[str, Any]]  # the open parent spans, outermost first
    breakpoint_id: str | None
    value: Any  # a checkpoint's value, which the decision may replace
    has_value: bool
    since: str
    decision: asyncio.Future[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "app_id": self.app_id,
            "point": self.point,
            "span": self.span,
            "stack": self.stack,
            "breakpoint_id": self.breakpoint_id,
            "value": self.value if self.has_value else None,
            "editable": self.has_value,
            "since": self.since,
        }


@dataclass
class _Project:
    version: int = 0
    breakpoints: tuple[Breakpoint, ...] = ()
    apps: dict[str, ConnectedApp] = field(default_factory=dict)
    pauses: dict[str, Pause] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class AppDebugHub:
    def __init__(self) -> None:
        self._projects: dict[str, _Project] = {}

    def _project(self, project: str) -> _Project:
        found = self._projects.get(project)
        if found is None:
            found = self._projects[project] = _Project()
        self._forget_silent(found)
        return found

    def _forget_silent(self, state: _Project) -> None:
        now = time.monotonic()
        for app in [a for a in state.apps.values() if now - a.last_seen > APP_TTL_S]:
            self._drop_app(state, app.id)

    def _drop_app(self, state: _Project, app_id: str) -> None:
        state.apps.pop(app_id, None)
        for pause in [p for p in state.pauses.values() if p.app_id == app_id]:
            state.pauses.pop(pause.id, None)
            if not pause.decision.done():
                pause.decision.set_result({"action": "continue"})

    def _app(self, state: _Project, app_id: str) -> ConnectedApp:
        app = state.apps.get(app_id)
        if app is None:
            raise NotFoundError(f"no application {app_id} is connected (register it again)")
        app.last_seen = time.monotonic()
        return app

    # --- the SDK's side ------------------------------------------------------------
    def register(self, project: str, service: str, host: str, pid: int, sdk: str) -> ConnectedApp:
        state = self._project(project)
        if len(state.apps) >= MAX_APPS_PER_PROJECT:
            raise RefusedError(
                f"{MAX_APPS_PER_PROJECT} applications are being debugged in project {project}",
                retry_after_s=10,
            )
        app = ConnectedApp(_new_id(), project, service, host, pid, sdk, _now_iso())
        state.apps[app.id] = app
        return app

    def unregister(self, project: str, app_id: str) -> None:
        state = self._project(project)
        self._app(state, app_id)
        self._drop_app(state, app_id)

    async def breakpoints_after(
        self, project: str, app_id: str, version: int | None, wait_s: float
    ) -> tuple[int, tuple[Breakpoint, ...]]:
        """The breakpoints once their version differs from `version` (or after wait_s)."""
        state = self._project(project)
        self._app(state, app_id)
        if version == state.version:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(state.changed.wait(), min(wait_s, MAX_WAIT_S))
            state = self._project(project)
            if app_id in state.apps:
                state.apps[app_id].last_seen = time.monotonic()
        return state.version, state.breakpoints

    def pause(
        self,
        project: str,
        app_id: str,
        *,
        point: str,
        span: dict[str, Any],
        stack: list[dict[str, Any]],
        breakpoint_id: str | None,
        value: Any = None,
        has_value: bool = False,
    ) -> Pause:
        state = self._project(project)
        self._app(state, app_id)
        if sum(1 for p in state.pauses.values() if p.app_id == app_id) >= MAX_PAUSES_PER_APP:
            raise RefusedError(f"{MAX_PAUSES_PER_APP} pauses of this application are waiting")
        pause = Pause(
            _new_id(),
            app_id,
            point,
            span,
            stack,
            breakpoint_id,
            value,
            has_value,
            _now_iso(),
            asyncio.get_running_loop().create_future(),
        )
        state.pauses[pause.id] = pause
        return pause

    async def decision(self, project: str, app_id: str, pause_id: str, wait_s: float) -> Any:
        """The person's decision, or None if there is none within wait_s (poll again)."""
        state = self._project(project)
        self._app(state, app_id)
        pause = state.pauses.get(pause_id)
        if pause is None or pause.app_id != app_id:
            raise NotFoundError(f"no pause {pause_id} of this application")
        try:
            decided = await asyncio.wait_for(
                asyncio.shield(pause.decision), min(wait_s, MAX_WAIT_S)
            )
        except TimeoutError:
            if app_id in state.apps:
                state.apps[app_id].last_seen = time.monotonic()
            return None
        state.pauses.pop(pause_id, None)
        return decided

    # --- the person's side -----------------------------------------------------------
    def set_breakpoints(self, project: str, breakpoints: tuple[Breakpoint, ...]) -> int:
        state = self._project(project)
        state.breakpoints = breakpoints
        state.version += 1
        changed, state.changed = state.changed, asyncio.Event()
        changed.set()  # every long poll of the old version answers now
        return state.version

    def breakpoints(self, project: str) -> tuple[int, tuple[Breakpoint, ...]]:
        state = self._project(project)
        return state.version, state.breakpoints

    def apps(self, project: str) -> list[dict[str, Any]]:
        state = self._project(project)
        return [
            {
                **app.to_json(),
                "pauses": [p.to_json() for p in state.pauses.values() if p.app_id == app.id],
            }
            for app in sorted(state.apps.values(), key=lambda a: a.connected_at)
        ]

    def resume(self, project: str, pause_id: str, action: str, value: Any, has_value: bool) -> None:
        state = self._project(project)
        pause = state.pauses.get(pause_id)
        if pause is None:
            raise NotFoundError(f"no pause {pause_id} is waiting in project {project}")
        if pause.decision.done():
            raise ConflictError(f"pause {pause_id} was already resumed")
        decided: dict[str, Any] = {"action": action}
        if has_value:
            decided["value"] = value
        pause.decision.set_result(decided)

    def close(self) -> None:
        """Every waiting pause answered `continue` and every long poll woken: a Studio
        shutting down releases the applications at once, not after their polls."""
        for state in self._projects.values():
            for app_id in list(state.apps):
                self._drop_app(state, app_id)
            changed, state.changed = state.changed, asyncio.Event()
            changed.set()
