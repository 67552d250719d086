"""OTLP/HTTP receiver: POST /v1/traces, protobuf or JSON, optionally gzip."""

from __future__ import annotations

from aiohttp import web

from gls_engine import _core
from gls_engine.error_status import retry_after_s, status_for
from gls_engine.errors import (
    PayloadTooLargeError,
    PermanentError,
    StudioError,
    UnsupportedMediaTypeError,
)
from gls_engine.ingest.otlp_status import status_json, status_protobuf
from gls_engine.ingest.pipeline import IngestPipeline

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
PROJECT_HEADER = "X-GLS-Project"

PIPELINE_KEY = web.AppKey("ingest_pipeline", IngestPipeline)


def _error_response(error: StudioError, as_json: bool) -> web.Response:
    status = status_for(error)
    headers = {}
    delay = retry_after_s(error)
    if delay is not None:
        headers["Retry-After"] = str(delay)
    if as_json:
        body = status_json(status.grpc, str(error), error.code)
        return web.Response(status=status.http, body=body, content_type=JSON, headers=headers)
    return web.Response(
        status=status.http,
        body=status_protobuf(status.grpc, str(error)),
        content_type=PROTOBUF,
        headers=headers,
    )


async def export_traces(request: web.Request) -> web.Response:
    pipeline = request.app[PIPELINE_KEY]
    max_body = pipeline.settings.max_body_bytes
    content_type = request.content_type  # media type without parameters, lower case
    if content_type not in (PROTOBUF, JSON):
        # Answered in JSON: the client's encoding is not one OTLP knows.
        return _error_response(
            UnsupportedMediaTypeError(
                f"unsupported Content-Type {request.headers.get('Content-Type', '')!r};"
                f" send {PROTOBUF} or {JSON}"
            ),
            as_json=True,
        )
    as_json = content_type == JSON
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("gzip", "identity", ""):
        return _error_response(
            PermanentError(f"unsupported Content-Encoding {encoding!r}; use gzip or none"), as_json
        )
    if request.content_length is not None and request.content_length > max_body:
        return _error_response(
            PayloadTooLargeError(
                f"body of {request.content_length} bytes exceeds the limit of {max_body} bytes"
            ),
            as_json,
        )
    budget = BodyBudget(pipeline)
    try:
        # Reserve the declared size up front; a chunked body reserves as it arrives.
        budget.grow_to(request.content_length or 0)
        project = request.headers.get(PROJECT_HEADER) or None
        # The body goes straight into consume (no local keeps it), which drops
        # it once decoded and gives its bytes back to the in-flight budget.
        result = await pipeline.consume(
            await _read_body(request, max_body, budget),
            json=as_json,
            gzip=encoding == "gzip",
            project_override=project,
            on_decoded=budget.release,
        )
    except StudioError as exc:
        return _error_response(exc, as_json)
    finally:
        budget.release()
    response = _core.encode_export_response(
        result.rejected_spans, result.rejection_message, json=as_json
    )
    return web.Response(body=response, content_type=JSON if as_json else PROTOBUF)


class BodyBudget:
    """The share of the pipeline's max_inflight_bytes one request holds."""

    def __init__(self, pipeline: IngestPipeline) -> None:
        self.pipeline = pipeline
        self.reserved = 0

    def grow_to(self, size: int) -> None:
        if size > self.reserved:
            self.pipeline.reserve_body(size - self.reserved)
            self.reserved = size

    def release(self) -> None:
        self.pipeline.release_body(self.reserved)
        self.reserved = 0


async def _read_body(request: web.Request, limit: int, budget: BodyBudget) -> bytes:
    """Read at most `limit` bytes; refuse more without buffering it all."""
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(256 * 1024):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"body exceeds the limit of {limit} bytes")
        budget.grow_to(size)
        chunks.append(chunk)
    return b"".join(chunks)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1/traces", export_traces)
