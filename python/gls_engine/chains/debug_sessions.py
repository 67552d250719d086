"""The Studio's debug sessions: created (a run started on the pool with the
session as its gate, source `debugger`), found by project and id, listed,
deleted (stopped and forgotten), all closed when the Studio stops.

They live in the server's memory, so a browser's reload finds its session as it
was; the run's record (chain_runs) is what outlives them. At most
`max_sessions` are not ended at once (past it a 429, nothing started). An ended
session is kept `keep_ended_s` (at most `MAX_ENDED` of them) for a client that
comes back to read how it ended.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from gls_engine.chains.contracts import ChainResolver
from gls_engine.chains.debug_breakpoints import Breakpoint, parse_breakpoints
from gls_engine.chains.debug_lease import Lease
from gls_engine.chains.debug_session import END_DELETED, DebugSession
from gls_engine.chains.run_service import ChainRuns, RunRequest
from gls_engine.errors import NotFoundError, RefusedError

MAX_ENDED = 100


@dataclass(frozen=True)
class DebugSettings:
    max_sessions: int = 4
    idle_s: float = 900.0
    lease_grace_s: float = 30.0
    run_timeout_s: float = 4 * 3600.0
    keep_ended_s: float = 3600.0


@dataclass
class _Entry:
    session: DebugSession
    request: RunRequest  # the definition, for breakpoints set later


class DebugSessions:
    def __init__(
        self, runs: ChainRuns, resolver: ChainResolver | None, settings: DebugSettings
    ) -> None:
        self.runs = runs
        self.resolver = resolver
        self.settings = settings
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._starting = 0  # sessions being created (counted against the bound)
        self._forgetting: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def open_count(self) -> int:
        live = sum(1 for e in self._entries.values() if e.session.ended is None)
        return live + self._starting

    def _reserve(self) -> None:
        if self._closed or self.open_count >= self.settings.max_sessions:
            raise RefusedError(
                f"too many debug sessions: {self.open_count} open (at most "
                f"{self.settings.max_sessions}); stop one or retry later",
                retry_after_s=30,
            )

    async def check_breakpoints(
        self, request: RunRequest, value: Any, field: str = "breakpoints"
    ) -> tuple[Breakpoint, ...]:
        return await parse_breakpoints(
            value, request.definition, project=request.project, resolver=self.resolver, field=field
        )

    async def create(
        self,
        request: RunRequest,
        breakpoints: Any,
        *,
        pause_at_start: bool,
        client: str,
    ) -> tuple[DebugSession, Lease]:
        """The new session, its run started, and its creator's controller lease.
        400 for bad breakpoints or inputs, 429 past the bounds, before anything starts."""
        self._reserve()
        self._starting += 1
        try:
            checked = await self.check_breakpoints(request, breakpoints)
            session = DebugSession(
                session_id=uuid.uuid4().hex,
                project=request.project,
                chain_name=request.chain_name,
                chain_version=request.chain_version,
                breakpoints=checked,
                pause_at_start=pause_at_start,
                idle_s=self.settings.idle_s,
                lease_grace_s=self.settings.lease_grace_s,
            )
            request = replace(
                request,
                source="debugger",
                repeat=1,
                gate=session,
                timeout_s=self.settings.run_timeout_s,
            )
            [run_id] = await self.runs.start(request)
        finally:
            self._starting -= 1
        self._entries[session.id] = _Entry(session, request)
        lease = session.lease.attach(client, take_over=False)
        session.log("start", f"run {run_id} started by {client}", client)

        def cancel_run() -> None:
            # The pool's cancel, not ChainRuns.cancel: that one reads the record
            # first, and a run ending meanwhile would have its record overwritten
            # as never started. A run no longer in the pool ends by itself.
            self.runs.pool.cancel(run_id)

        session.follow(run_id, self.runs.streams.get(run_id), cancel_run)
        task = asyncio.create_task(self._forget_later(session))
        self._forgetting.add(task)
        task.add_done_callback(self._forgetting.discard)
        return session, lease

    async def _forget_later(self, session: DebugSession) -> None:
        await session.until_ended()
        ended = [i for i, e in self._entries.items() if e.session.ended is not None]
        for session_id in ended[: max(0, len(ended) - MAX_ENDED)]:
            self._entries.pop(session_id, None)
        await asyncio.sleep(self.settings.keep_ended_s)
        self._entries.pop(session.id, None)

    def entry(self, project: str, session_id: str) -> _Entry:
        entry = self._entries.get(session_id)
        if entry is None or entry.session.project != project:
            raise NotFoundError(f"no debug session {session_id} in project {project}")
        return entry

    def get(self, project: str, session_id: str) -> DebugSession:
        return self.entry(project, session_id).session

    def list(self, project: str) -> list[DebugSession]:
        sessions = [e.session for e in self._entries.values() if e.session.project == project]
        return sorted(sessions, key=lambda s: s.created_at, reverse=True)

    async def delete(self, project: str, session_id: str, token: str | None) -> None:
        """Stops the session's run (if it still runs) and forgets it; a session
        someone controls is deleted by them alone."""
        session = self.get(project, session_id)
        async with session.lock:
            if session.ended is None:
                if session.lease.holder is not None:
                    who = session.lease.check(token).client
                else:
                    who = "a client"
                session.log("command", "delete", who)
                await session.stop(END_DELETED, f"the debug session was deleted by {who}")
        self._entries.pop(session_id, None)

    async def close(self) -> None:
        self._closed = True
        sessions = [e.session for e in self._entries.values()]
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
        for task in list(self._forgetting):
            task.cancel()
        await asyncio.gather(*self._forgetting, return_exceptions=True)
        self._entries.clear()
