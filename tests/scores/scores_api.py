"""Requests to the scores API checked against api/openapi.yaml, and traces sent for
them by the OpenTelemetry SDK."""

from __future__ import annotations

import json
import time
from typing import Any

import requests
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator

from openapi_check import openapi
from otlp_helpers import wait_for_trace

SPEC_BASE = "http://127.0.0.1:6006"


def checked(
    method: str, base: str, path: str, document: Any = None, expect: int = 200, **kwargs: Any
) -> Any:
    """A request validated against the spec: the response always, the request when it
    is meant to succeed (error tests send what the spec forbids). The JSON body back."""
    data = kwargs.pop("body", None)
    if data is None and document is not None:
        data = json.dumps(document).encode()
    headers = {"Content-Type": kwargs.pop("content_type", "application/json")} if data else {}
    resp = requests.request(method, base + path, data=data, headers=headers, timeout=60)
    assert resp.status_code == expect, resp.text
    prepared = requests.Request(method, SPEC_BASE + path, data=data, headers=headers).prepare()
    if 200 <= expect < 300:
        openapi().validate_request(RequestsOpenAPIRequest(prepared))
    openapi().validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(resp))
    return resp.json() if resp.content else None


class ZeroEndedIds(RandomIdGenerator):
    """Trace ids whose last bytes are zero (as 1 in 256 random ids ends)."""

    def generate_trace_id(self) -> int:
        return super().generate_trace_id() & ~0xFFFF | 0x10000


def send_trace(
    studio: Any,
    project: str,
    name: str,
    output: str,
    question: str = "q",
    child: bool = True,
    ids: IdGenerator | None = None,
) -> tuple[str, str, str | None]:
    """(trace id, root span id, child span id) of a trace sent by the OTel SDK:
    a root span with input / output, and an LLM call below it."""
    provider = TracerProvider(
        resource=Resource.create({"service.name": "scores-test", "gls.project": project}),
        id_generator=ids,
    )
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=studio.otlp_http)))
    tracer = provider.get_tracer("scores-test")
    start = time.time_ns() - 60 * 10**9
    root = tracer.start_span(
        name, start_time=start, attributes={"input.value": question, "output.value": output}
    )
    child_id = None
    if child:
        with trace.use_span(root, end_on_exit=False):
            llm = tracer.start_span(
                "chat",
                start_time=start + 1000,
                attributes={"input.value": "inner question", "output.value": "inner answer"},
            )
            llm.end(end_time=start + 10**6)
            child_id = format(llm.get_span_context().span_id, "016x")
    root.end(end_time=start + 2 * 10**6)
    provider.shutdown()
    trace_id = format(root.get_span_context().trace_id, "032x")
    wait_for_trace(studio.api, project, trace_id, spans=2 if child else 1)
    return trace_id, format(root.get_span_context().span_id, "016x"), child_id
