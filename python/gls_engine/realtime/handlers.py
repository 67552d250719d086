"""WebSocket endpoint: /api/v1/projects/{project}/live."""

from __future__ import annotations

import asyncio
import contextlib

import orjson
from aiohttp import WSMsgType, web

from gls_engine import request_params as p
from gls_engine.realtime.hub import LiveHub

HUB_KEY = web.AppKey("live_hub", LiveHub)


async def live_traces(request: web.Request) -> web.StreamResponse:
    project = p.project_name(request.match_info["project"])
    hub = request.app[HUB_KEY]
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    sub = hub.subscribe(project)
    await ws.send_str(orjson.dumps({"type": "subscribed", "project": project}).decode())

    async def pump() -> None:
        while True:
            message = await sub.queue.get()
            if sub.dropped:
                await ws.send_str(orjson.dumps({"type": "lagged", "dropped": sub.dropped}).decode())
                sub.dropped = 0
            await ws.send_str(message)

    sender = asyncio.create_task(pump())
    try:
        async for msg in ws:  # the client only pings or closes; anything else is ignored
            if msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                break
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
        hub.unsubscribe(sub)
    return ws


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/projects/{project}/live", live_traces)
