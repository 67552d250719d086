"""The JSON body of an experiments request: bounded in size and depth, an object."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from gls_engine.errors import (
    InvalidParameterError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)

MAX_BODY_BYTES = 32 << 20  # a batch of runs with their outputs
MAX_JSON_DEPTH = 64


def _depth(value: Any, depth: int = 0) -> int:
    if depth > MAX_JSON_DEPTH:
        return depth
    if isinstance(value, dict):
        return max((_depth(v, depth + 1) for v in value.values()), default=depth)
    if isinstance(value, list):
        return max((_depth(v, depth + 1) for v in value), default=depth)
    return depth


async def json_object(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise UnsupportedMediaTypeError("send the body as application/json")
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(f"the body is over {MAX_BODY_BYTES} bytes")
    body = bytearray()
    async for chunk in request.content.iter_chunked(1 << 20):
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise PayloadTooLargeError(f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        document = orjson.loads(bytes(body))
    except orjson.JSONDecodeError as exc:
        raise InvalidParameterError(f"the body is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidParameterError("the body must be a JSON object")
    if _depth(document) > MAX_JSON_DEPTH:
        raise InvalidParameterError(f"the body nests deeper than {MAX_JSON_DEPTH} levels")
    return document
