"""The JSON body of an experiments request: bounded in size and depth, an object."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gls_engine import json_body

MAX_BODY_BYTES = 32 << 20  # a batch of runs with their outputs


async def json_object(request: web.Request) -> dict[str, Any]:
    return await json_body.json_object(request, MAX_BODY_BYTES)
