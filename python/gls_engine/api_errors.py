"""JSON errors for the HTTP API: `{"error": {"code", "message"}}`, always."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

from gls_engine.errors import PermanentError, RefusedError, RetryableError
from gls_engine.storage import StorageError

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def bad_request(message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", message)


def not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


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
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message)
    except PermanentError as exc:
        return error_response(400, exc.code, str(exc))
    except (RefusedError, RetryableError) as exc:
        status = 429 if isinstance(exc, RefusedError) else 503
        return error_response(status, exc.code, str(exc), {"Retry-After": str(exc.retry_after_s)})
    except StorageError as exc:
        log.warning("storage error on %s: %s", request.path, exc)
        return error_response(503 if exc.retryable else 500, "storage_error", str(exc))
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
