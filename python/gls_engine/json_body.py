"""A request's JSON object body, read to its end (bounded in bytes and depth),
for every JSON API that takes one (scores, evaluators, experiments).

A StreamReader's read(n) gives what has arrived, up to n bytes, not n bytes: a
batch of 1,000 scores (~130 KB) came in cut at 128 KiB and failed to parse, so
the body is read until EOF here.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from gls_engine.errors import (
    InvalidParameterError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)

MAX_BODY_BYTES = 8 << 20  # the default bound; each API may choose its own
# Deeper JSON would reach Python's recursion limit in JSON writing.
MAX_NESTING = 64


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_NESTING:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return False


async def json_object(request: web.Request, max_bytes: int = MAX_BODY_BYTES) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise UnsupportedMediaTypeError("the body must be application/json")
    too_large = PayloadTooLargeError(f"the body is over {max_bytes} bytes")
    if (request.content_length or 0) > max_bytes:
        raise too_large
    body = bytearray()
    while chunk := await request.content.read(max_bytes + 1 - len(body)):
        body += chunk
        if len(body) > max_bytes:
            raise too_large
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidParameterError(f"the body is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidParameterError("the body must be a JSON object")
    if _too_deep(document):
        raise InvalidParameterError(f"the body nests deeper than {MAX_NESTING} levels")
    return document
