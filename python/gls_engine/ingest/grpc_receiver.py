"""OTLP/gRPC receiver: TraceService/Export with a raw-bytes handler.

No protobuf deserializer is registered, so grpc hands us the request bytes and
the Rust core decodes them; there are no per-span Python objects.
"""

from __future__ import annotations

import logging

import grpc
import grpc.aio

from gls_engine import _core
from gls_engine.error_status import retry_after_s, status_for
from gls_engine.errors import StudioError
from gls_engine.ingest.otlp_status import status_protobuf, varint
from gls_engine.ingest.pipeline import IngestPipeline

log = logging.getLogger(__name__)

SERVICE = "opentelemetry.proto.collector.trace.v1.TraceService"
PROJECT_METADATA = "x-gls-project"


# google.rpc.Code value -> grpc.StatusCode, for the codes error_status maps errors to.
_STATUS_BY_CODE = {code.value[0]: code for code in grpc.StatusCode}


def _retry_info(seconds: int) -> bytes:
    """google.rpc.RetryInfo{retry_delay: seconds}."""
    duration = b"\x08" + varint(seconds)  # google.protobuf.Duration{seconds}
    return b"\x0a" + varint(len(duration)) + duration


def _any_retry_info(retry_info: bytes) -> bytes:
    """RetryInfo packed in a google.protobuf.Any, as google.rpc.Status details hold it."""
    type_url = b"type.googleapis.com/google.rpc.RetryInfo"
    return (
        b"\x0a" + varint(len(type_url)) + type_url + b"\x12" + varint(len(retry_info)) + retry_info
    )


class TraceServiceHandler:
    def __init__(self, pipeline: IngestPipeline) -> None:
        self.pipeline = pipeline

    @staticmethod
    async def _abort(context: grpc.aio.ServicerContext, error: StudioError) -> None:
        """The gRPC form of a pipeline error; retryable ones carry RetryInfo."""
        code = status_for(error).grpc
        delay = retry_after_s(error)
        trailing: tuple[tuple[str, bytes], ...] = ()
        if delay is not None:
            retry_info = _retry_info(delay)
            detail = _any_retry_info(retry_info)
            status = status_protobuf(code, str(error)) + b"\x1a" + varint(len(detail)) + detail
            # The Collector's exporters read the status details; the OTel Python
            # (and Java) exporters read RetryInfo from its own trailer.
            trailing = (
                ("grpc-status-details-bin", status),
                ("google.rpc.retryinfo-bin", retry_info),
            )
        await context.abort(_STATUS_BY_CODE[code], str(error), trailing_metadata=trailing)

    async def export(self, request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        metadata = dict(context.invocation_metadata() or ())
        project = metadata.get(PROJECT_METADATA) or None
        try:
            self.pipeline.reserve_body(len(request))
        except StudioError as exc:
            await self._abort(context, exc)
        try:
            result = await self.pipeline.consume(request, project_override=project)
        except StudioError as exc:
            await self._abort(context, exc)
        finally:
            self.pipeline.release_body(len(request))
        return _core.encode_export_response(result.rejected_spans, result.rejection_message)


async def start_grpc_server(
    pipeline: IngestPipeline, host: str, port: int
) -> tuple[grpc.aio.Server, int]:
    """Start the receiver; return the server and the port it bound (for port 0)."""
    handler = TraceServiceHandler(pipeline)
    method = grpc.unary_unary_rpc_method_handler(handler.export)  # bytes in, bytes out
    generic = grpc.method_handlers_generic_handler(SERVICE, {"Export": method})
    limit = pipeline.settings.max_body_bytes
    server = grpc.aio.server(
        # Beyond this many exports in progress grpc answers RESOURCE_EXHAUSTED itself,
        # which bounds the request bytes held in memory.
        maximum_concurrent_rpcs=pipeline.settings.max_concurrent_grpc,
        options=[
            ("grpc.max_receive_message_length", limit),
            ("grpc.so_reuseport", 0),
        ],
    )
    server.add_generic_rpc_handlers((generic,))
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise OSError(f"cannot bind OTLP/gRPC to {host}:{port}")
    await server.start()
    log.info("OTLP/gRPC listening on %s:%d", host, bound)
    return server, bound
