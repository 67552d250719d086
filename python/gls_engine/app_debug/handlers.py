"""Application debugging API (api/openapi.yaml, docs/app-debug.md), under
/api/v1/projects/{project}/app-debug:

The SDK's side: POST /apps (register), DELETE /apps/{app_id}, GET
/apps/{app_id}/breakpoints?version=&wait= (long poll: answers when the
breakpoints change), POST /apps/{app_id}/pauses (a span stopped at a
breakpoint), GET /apps/{app_id}/pauses/{pause_id}/decision?wait= (long poll:
200 with the decision, 204 none yet).

The person's side: GET /apps (each application with its waiting pauses), GET/PUT
/breakpoints, POST /pauses/{pause_id}/resume {action, value?}.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from gls_engine import request_params as p
from gls_engine.api_errors import json_response
from gls_engine.app_debug.breakpoints import parse_breakpoints
from gls_engine.app_debug.hub import ACTIONS, MAX_WAIT_S, AppDebugHub
from gls_engine.errors import InvalidParameterError
from gls_engine.json_body import json_object

APP_DEBUG_KEY = web.AppKey("app_debug", AppDebugHub)
BASE = "/api/v1/projects/{project}/app-debug"
ID = re.compile(r"[0-9a-f]{32}")
MAX_PAUSE_BYTES = 1 << 20  # a span's attributes and its stack
POINTS = ("start", "end", "checkpoint")
MAX_STACK = 256


def _project(request: web.Request) -> str:
    return p.project_name(request.match_info["project"])


def _id(request: web.Request, name: str) -> str:
    value = request.match_info[name]
    if not ID.fullmatch(value):
        raise InvalidParameterError(f"{name} must be 32 lower-case hex digits")
    return value


def _wait_s(request: web.Request) -> float:
    raw = request.query.get("wait", "0")
    try:
        wait = float(raw)
    except ValueError:
        raise InvalidParameterError("wait must be a number of seconds") from None
    if not 0 <= wait <= MAX_WAIT_S:
        raise InvalidParameterError(f"wait must be from 0 to {MAX_WAIT_S:g} seconds")
    return wait


def _text(document: dict[str, Any], key: str, limit: int, default: str = "") -> str:
    value = document.get(key, default)
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidParameterError(f"{key} must be a string of at most {limit} characters")
    return value


def _fields(document: dict[str, Any], allowed: set[str], what: str) -> None:
    unknown = sorted(set(document) - allowed)
    if unknown:
        raise InvalidParameterError(f"{unknown[0]} is not a field of {what}")


async def register(request: web.Request) -> web.Response:
    document = await json_object(request, 16 << 10)
    _fields(document, {"service", "host", "pid", "sdk_version"}, "an application")
    pid = document.get("pid", 0)
    if not isinstance(pid, int) or isinstance(pid, bool) or pid < 0:
        raise InvalidParameterError("pid must be a non-negative integer")
    app = request.app[APP_DEBUG_KEY].register(
        _project(request),
        _text(document, "service", 256, "unknown_service"),
        _text(document, "host", 256),
        pid,
        _text(document, "sdk_version", 64),
    )
    return json_response({**app.to_json(), "max_wait_s": MAX_WAIT_S}, status=201)


async def unregister(request: web.Request) -> web.Response:
    request.app[APP_DEBUG_KEY].unregister(_project(request), _id(request, "app_id"))
    return web.Response(status=204)


async def poll_breakpoints(request: web.Request) -> web.Response:
    raw = request.query.get("version")
    version = None if raw is None else p.integer("version", raw)
    current, breakpoints = await request.app[APP_DEBUG_KEY].breakpoints_after(
        _project(request), _id(request, "app_id"), version, _wait_s(request)
    )
    return json_response({"version": current, "breakpoints": [b.to_json() for b in breakpoints]})


def _span(document: dict[str, Any]) -> dict[str, Any]:
    span = document.get("span")
    if not isinstance(span, dict):
        raise InvalidParameterError("span must be an object (name, type, ids, attributes)")
    _fields(span, {"name", "type", "trace_id", "span_id", "attributes"}, "span")
    if not isinstance(span.get("name"), str):
        raise InvalidParameterError("span.name must be the span's name")
    if not isinstance(span.get("attributes", {}), dict):
        raise InvalidParameterError("span.attributes must be an object")
    return span


async def add_pause(request: web.Request) -> web.Response:
    document = await json_object(request, MAX_PAUSE_BYTES)
    _fields(document, {"point", "span", "stack", "breakpoint_id", "value"}, "a pause")
    point = document.get("point")
    if point not in POINTS:
        raise InvalidParameterError(f"point must be one of {', '.join(POINTS)}")
    stack = document.get("stack", [])
    if not isinstance(stack, list) or len(stack) > MAX_STACK:
        raise InvalidParameterError(f"stack must be an array of at most {MAX_STACK} spans")
    breakpoint_id = document.get("breakpoint_id")
    if breakpoint_id is not None and not isinstance(breakpoint_id, str):
        raise InvalidParameterError("breakpoint_id must be a string")
    pause = request.app[APP_DEBUG_KEY].pause(
        _project(request),
        _id(request, "app_id"),
        point=point,
        span=_span(document),
        stack=stack,
        breakpoint_id=breakpoint_id,
        value=document.get("value"),
        has_value="value" in document,
    )
    return json_response(pause.to_json(), status=201)


async def poll_decision(request: web.Request) -> web.Response:
    decided = await request.app[APP_DEBUG_KEY].decision(
        _project(request), _id(request, "app_id"), _id(request, "pause_id"), _wait_s(request)
    )
    if decided is None:
        return web.Response(status=204)
    return json_response(decided)


async def list_apps(request: web.Request) -> web.Response:
    project = _project(request)
    hub = request.app[APP_DEBUG_KEY]
    version, breakpoints = hub.breakpoints(project)
    return json_response(
        {
            "apps": hub.apps(project),
            "breakpoints_version": version,
            "breakpoints": [b.to_json() for b in breakpoints],
        }
    )


async def get_breakpoints(request: web.Request) -> web.Response:
    version, breakpoints = request.app[APP_DEBUG_KEY].breakpoints(_project(request))
    return json_response({"version": version, "breakpoints": [b.to_json() for b in breakpoints]})


async def put_breakpoints(request: web.Request) -> web.Response:
    document = await json_object(request, 256 << 10)
    _fields(document, {"breakpoints"}, "the breakpoints")
    parsed = parse_breakpoints(document.get("breakpoints"))
    version = request.app[APP_DEBUG_KEY].set_breakpoints(_project(request), parsed)
    return json_response({"version": version, "breakpoints": [b.to_json() for b in parsed]})


async def resume(request: web.Request) -> web.Response:
    document = await json_object(request, MAX_PAUSE_BYTES)
    _fields(document, {"action", "value"}, "a decision")
    action = document.get("action")
    if action not in ACTIONS:
        raise InvalidParameterError(f"action must be one of {', '.join(ACTIONS)}")
    project, pause_id = _project(request), _id(request, "pause_id")
    hub = request.app[APP_DEBUG_KEY]
    if "value" in document:
        waiting = {p["id"]: p for app in hub.apps(project) for p in app["pauses"]}
        if pause_id in waiting and not waiting[pause_id]["editable"]:
            raise InvalidParameterError(
                "value: this pause is at a span boundary, which has no value to edit"
                " (the application's debug checkpoints do)"
            )
    hub.resume(project, pause_id, action, document.get("value"), "value" in document)
    return web.Response(status=204)


async def app_debug_context(app: web.Application) -> AsyncIterator[None]:
    hub = AppDebugHub()
    app[APP_DEBUG_KEY] = hub

    async def release(app: web.Application) -> None:
        hub.close()  # before the server waits for requests in flight (the long polls)

    app.on_shutdown.append(release)
    yield
    hub.close()


def add_routes(app: web.Application) -> None:
    app.router.add_post(BASE + "/apps", register)
    app.router.add_get(BASE + "/apps", list_apps)
    app.router.add_delete(BASE + "/apps/{app_id}", unregister)
    app.router.add_get(BASE + "/apps/{app_id}/breakpoints", poll_breakpoints)
    app.router.add_post(BASE + "/apps/{app_id}/pauses", add_pause)
    app.router.add_get(BASE + "/apps/{app_id}/pauses/{pause_id}/decision", poll_decision)
    app.router.add_get(BASE + "/breakpoints", get_breakpoints)
    app.router.add_put(BASE + "/breakpoints", put_breakpoints)
    app.router.add_post(BASE + "/pauses/{pause_id}/resume", resume)
