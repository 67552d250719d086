"""Debug sessions API: /api/v1/projects/{project}/debug-sessions... (api/openapi.yaml,
docs/chains.md "Debugger"). Commands carry the controller lease's token in the
`X-GLS-Debug-Lease` header; the events WebSocket binds it by a message
`{"lease": "<token>"}` (a token in a URL would end up in access logs)."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from gls_engine import request_params as p
from gls_engine.api_errors import json_response
from gls_engine.chains.debug_lease import LEASE_HEADER, Lease, client_name
from gls_engine.chains.debug_session import DebugSession
from gls_engine.chains.debug_session_commands import WAIT_S, execute
from gls_engine.chains.debug_sessions import DebugSessions
from gls_engine.chains.run_handlers import _run_request
from gls_engine.errors import InvalidParameterError
from gls_engine.json_body import json_object

DEBUG_SESSIONS_KEY = web.AppKey("debug_sessions", DebugSessions)

BASE = "/api/v1/projects/{project}/debug-sessions"
RUN_FIELDS = ("definition", "chain", "version", "label", "inputs", "environment")
BODY_FIELDS = {*RUN_FIELDS, "breakpoints", "pause_at_start", "client"}
SESSION_ID = re.compile(r"[0-9a-f]{32}")
MAX_BODY_BYTES = 2 << 20  # a definition, or a whole edited state


def _project(request: web.Request) -> str:
    return p.project_name(request.match_info["project"])


def _session_id(request: web.Request) -> str:
    value = request.match_info["session_id"]
    if not SESSION_ID.fullmatch(value):
        raise InvalidParameterError("session id must be 32 lower-case hex digits")
    return value


def _events_path(session: DebugSession) -> str:
    return f"/api/v1/projects/{session.project}/debug-sessions/{session.id}/events"


def session_json(session: DebugSession, *, whole: bool = True) -> dict[str, Any]:
    return {**session.to_json(whole=whole), "events": _events_path(session)}


def _lease_json(lease: Lease) -> dict[str, Any]:
    return {"token": lease.token, **lease.to_json()}


async def create_session(request: web.Request) -> web.Response:
    project = _project(request)
    document = await json_object(request, MAX_BODY_BYTES)
    unknown = sorted(set(document) - BODY_FIELDS)
    if unknown:
        raise InvalidParameterError(f"{unknown[0]} is not a field of a debug session request")
    pause_at_start = document.get("pause_at_start", False)
    if not isinstance(pause_at_start, bool):
        raise InvalidParameterError("pause_at_start must be true or false")
    client = client_name(document.get("client"))
    sessions = request.app[DEBUG_SESSIONS_KEY]
    run_document = {k: document[k] for k in RUN_FIELDS if k in document}
    run_request = await _run_request(request, project, {**run_document, "source": "debugger"})
    session, lease = await sessions.create(
        run_request, document.get("breakpoints"), pause_at_start=pause_at_start, client=client
    )
    return json_response(
        {"session": session_json(session), "lease": _lease_json(lease)}, status=201
    )


async def list_sessions(request: web.Request) -> web.Response:
    sessions = request.app[DEBUG_SESSIONS_KEY].list(_project(request))
    return json_response({"sessions": [session_json(s, whole=False) for s in sessions]})


async def get_session(request: web.Request) -> web.Response:
    session = request.app[DEBUG_SESSIONS_KEY].get(_project(request), _session_id(request))
    return json_response(session_json(session))


async def command(request: web.Request) -> web.Response:
    project, session_id = _project(request), _session_id(request)
    sessions = request.app[DEBUG_SESSIONS_KEY]
    entry = sessions.entry(project, session_id)
    document = await json_object(request, MAX_BODY_BYTES)

    async def check_breakpoints(value: Any) -> Any:
        return await sessions.check_breakpoints(entry.request, value)

    outcome = await execute(
        entry.session, document, request.headers.get(LEASE_HEADER), check_breakpoints
    )
    if outcome.wait:
        await entry.session.until_changed(WAIT_S)
    return json_response({"session": session_json(entry.session), "result": outcome.result})


async def delete_session(request: web.Request) -> web.Response:
    await request.app[DEBUG_SESSIONS_KEY].delete(
        _project(request), _session_id(request), request.headers.get(LEASE_HEADER)
    )
    return web.Response(status=204)


async def session_events(request: web.Request) -> web.StreamResponse:
    """The session whole (`session`, with `seq` the next event's number), then its
    events live, until `ended`. The socket that sends the lease's token keeps
    the lease alive while it is open (and `debug_lease_grace_s` after)."""
    session = request.app[DEBUG_SESSIONS_KEY].get(_project(request), _session_id(request))
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    start = session.events.published

    async def send(message: dict[str, Any]) -> None:
        await ws.send_str(orjson.dumps(message, option=orjson.OPT_NON_STR_KEYS).decode())

    async def pump() -> None:
        await send({"type": "session", "seq": start, "session": session_json(session)})
        async for event in session.events.subscribe(start):
            await send(event)
        await ws.close()

    sender = asyncio.create_task(pump())
    bound: Lease | None = None
    try:
        async for msg in ws:
            if msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                break
            if msg.type != WSMsgType.TEXT or bound is not None:
                continue
            try:
                token = orjson.loads(msg.data).get("lease")
            except (orjson.JSONDecodeError, AttributeError):
                token = None
            if isinstance(token, str):
                bound = session.lease.bind_socket(token)
            if bound is None:
                await send({"type": "lease_refused", "message": "not the controller's lease"})
            else:
                await send({"type": "lease_bound", "controller": bound.to_json()})
    finally:
        if bound is not None:
            session.lease.socket_closed(bound)
        if not sender.done():
            sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
    return ws


def add_routes(app: web.Application) -> None:
    app.router.add_post(BASE, create_session)
    app.router.add_get(BASE, list_sessions)
    app.router.add_get(BASE + "/{session_id}", get_session)
    app.router.add_delete(BASE + "/{session_id}", delete_session)
    app.router.add_post(BASE + "/{session_id}/commands", command)
    app.router.add_get(BASE + "/{session_id}/events", session_events)
