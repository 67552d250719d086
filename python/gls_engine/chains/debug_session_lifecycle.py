"""Debug sessions as an application resource: made once chain runs exist (a
session is a run on their pool), closed before them (every session's run
stopped and recorded, then the pool closes)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from gls_engine.chains.debug_session_handlers import DEBUG_SESSIONS_KEY
from gls_engine.chains.debug_sessions import DebugSessions, DebugSettings
from gls_engine.chains.run_handlers import CHAIN_RESOLVER_KEY, CHAIN_RUNS_KEY
from gls_engine.config import Settings


def debug_sessions_context(
    settings_of: Callable[[web.Application], Settings],
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context; `settings_of(app)` gives the Studio's settings."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        settings = settings_of(app)
        sessions = DebugSessions(
            app[CHAIN_RUNS_KEY],
            app.get(CHAIN_RESOLVER_KEY),
            DebugSettings(
                max_sessions=settings.debug_sessions_max,
                idle_s=settings.debug_session_idle_s,
                lease_grace_s=settings.debug_lease_grace_s,
                run_timeout_s=settings.debug_run_timeout_s,
            ),
        )
        app[DEBUG_SESSIONS_KEY] = sessions
        yield
        await sessions.close()

    return context
