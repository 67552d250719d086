"""JSON errors for the HTTP API: `{"error": {"code", "message"}}`, always.

The Studio's own errors take their status from error_status.py, as the OTLP
receivers' do; aiohttp's (no route, method not allowed, body over
client_max_size) keep the status aiohttp gave them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

from gls_engine.error_status import retry_after_s, status_for
from gls_engine.errors import StudioError
from gls_engine.storage import StorageError

log = logging.getLogger(__name__)


def error_response(
    status: int, code: str, message: str, headers: dict | None = None
) -> web.Response:
    return web.Response(
        status=status,
        body=orjson.dumps({"error": {"code": code, "message": message}}),
        content_type="application/json",
        headers=headers,
    )


def json_response(data: object, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        body=orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS),
        content_type="application/json",
    )


_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


_BODY_HEADERS = {"content-type", "content-length", "content-encoding"}


@web.middleware
async def json_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except (StudioError, StorageError) as exc:
        if isinstance(exc, StorageError):
            log.warning("storage error on %s: %s", request.path, exc)
        delay = retry_after_s(exc)
        headers = None if delay is None else {"Retry-After": str(delay)}
        return error_response(status_for(exc).http, exc.code, str(exc), headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        # Keep what the exception says beside its body: 405's Allow (RFC 9110), 413's limits.
        kept = {k: v for k, v in exc.headers.items() if k.lower() not in _BODY_HEADERS}
        return error_response(
            exc.status,
            code,
            exc.reason
            if exc.text is None
            else (exc.text.removeprefix(f"{exc.status}: ") or exc.reason),
            kept or None,
        )
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal", "internal server error")
