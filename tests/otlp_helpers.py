"""Building OTLP requests with the official opentelemetry-proto messages, and reading back."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any

import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue, KeyValueList
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status


def any_value(value: Any) -> AnyValue:
    """A Python value as an OTLP AnyValue (None: an AnyValue with no value set)."""
    if isinstance(value, AnyValue):
        return value
    if value is None:
        return AnyValue()
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, bytes):
        return AnyValue(bytes_value=value)
    if isinstance(value, (list, tuple)):
        return AnyValue(array_value=ArrayValue(values=[any_value(v) for v in value]))
    if isinstance(value, dict):
        return AnyValue(kvlist_value=KeyValueList(values=key_values(value)))
    return AnyValue(string_value=value)


def key_values(attrs: dict[str, Any]) -> list[KeyValue]:
    return [KeyValue(key=k, value=any_value(v)) for k, v in attrs.items()]


def new_trace_id() -> bytes:
    return os.urandom(16)


def new_span_id() -> bytes:
    return os.urandom(8)


def make_span(
    trace_id: bytes,
    span_id: bytes | None = None,
    parent: bytes = b"",
    name: str = "span",
    start_ns: int | None = None,
    duration_ns: int = 1_000_000,
    attributes: dict[str, Any] | None = None,
    status_code: int = 0,
    status_message: str = "",
    **fields: Any,
) -> Span:
    start = start_ns if start_ns is not None else time.time_ns() - 10**9
    return Span(
        trace_id=trace_id,
        span_id=span_id or new_span_id(),
        parent_span_id=parent,
        name=name,
        start_time_unix_nano=start,
        end_time_unix_nano=start + duration_ns,
        attributes=key_values(attributes or {}),
        status=Status(code=status_code, message=status_message),
        **fields,
    )


def make_request(
    spans: Iterable[Span],
    resource: dict[str, Any] | None = None,
    scope_name: str = "tests",
) -> ExportTraceServiceRequest:
    return ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=Resource(attributes=key_values(resource or {"service.name": "tests"})),
                scope_spans=[
                    ScopeSpans(scope={"name": scope_name, "version": "1.0"}, spans=list(spans))
                ],
            )
        ]
    )


def post_protobuf(
    url: str, request: ExportTraceServiceRequest | bytes, headers: dict[str, str] | None = None
) -> requests.Response:
    body = request if isinstance(request, bytes) else request.SerializeToString()
    return requests.post(
        url,
        data=body,
        timeout=60,
        headers={"Content-Type": "application/x-protobuf", **(headers or {})},
    )


def parse_response(resp: requests.Response) -> ExportTraceServiceResponse:
    return ExportTraceServiceResponse.FromString(resp.content)


def api_get(base: str, path: str, **params: Any) -> Any:
    resp = requests.get(base + path, params=params, timeout=60)
    assert resp.status_code == 200, resp.text
    return resp.json()


def get_trace(base: str, project: str, trace_id: bytes | str) -> dict[str, Any]:
    tid = trace_id.hex() if isinstance(trace_id, bytes) else trace_id
    return api_get(base, f"/api/v1/projects/{project}/traces/{tid}")


def wait_for_trace(
    base: str, project: str, trace_id: bytes | str, spans: int = 1, timeout: float = 30
) -> dict[str, Any]:
    """For exporters that answer asynchronously (the SDK's batch processor)."""
    tid = trace_id.hex() if isinstance(trace_id, bytes) else trace_id
    deadline = time.monotonic() + timeout
    while True:
        resp = requests.get(f"{base}/api/v1/projects/{project}/traces/{tid}", timeout=30)
        if resp.status_code == 200 and resp.json()["span_count"] >= spans:
            return resp.json()
        if time.monotonic() > deadline:
            raise AssertionError(f"trace {tid} not stored: {resp.status_code} {resp.text[:300]}")
        time.sleep(0.1)
