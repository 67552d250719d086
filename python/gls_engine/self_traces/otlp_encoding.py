"""A SelfTrace as the OTLP ExportTraceServiceRequest protobuf any SDK would send,
so the Studio's own spans take exactly the path external spans take."""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    InstrumentationScope,
    KeyValue,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from gls_engine import __version__
from gls_engine.self_traces.self_span import SelfSpan
from gls_engine.self_traces.self_trace import SelfTrace


def any_value(value: Any) -> AnyValue:
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, list | tuple):
        return AnyValue(array_value=ArrayValue(values=[any_value(v) for v in value]))
    return AnyValue(string_value=str(value))


def key_values(attributes: dict[str, Any]) -> list[KeyValue]:
    return [KeyValue(key=key, value=any_value(value)) for key, value in attributes.items()]


def _span(span: SelfSpan) -> Span:
    end_ns = span.end_ns if span.end_ns is not None else span.start_ns
    return Span(
        trace_id=span.trace_id,
        span_id=span.span_id,
        parent_span_id=span.parent_span_id,
        name=span.name,
        kind=span.kind,  # type: ignore[arg-type]
        start_time_unix_nano=span.start_ns,
        end_time_unix_nano=end_ns,
        attributes=key_values(span.attributes),
        events=[
            Span.Event(
                time_unix_nano=event.time_ns,
                name=event.name,
                attributes=key_values(event.attributes),
            )
            for event in span.events
        ],
        status=Status(code=span.status_code, message=span.status_message),  # type: ignore[arg-type]
    )


def export_request(trace: SelfTrace) -> bytes:
    """The trace's spans (open ones ended now) as one serialised request."""
    trace.end_all()
    request = ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=Resource(attributes=key_values(trace.resource_attributes)),
                scope_spans=[
                    ScopeSpans(
                        scope=InstrumentationScope(name=trace.scope, version=__version__),
                        spans=[_span(span) for span in trace.spans],
                    )
                ],
            )
        ]
    )
    return request.SerializeToString()
