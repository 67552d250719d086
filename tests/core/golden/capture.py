"""Captures the golden OTLP bodies: the official OpenTelemetry Python SDK exporters,
pointed at a local HTTP server that saves what they send.

Run once, by hand, when a case is added (the bodies are checked in; the tests
never run this):

    .venv/bin/python tests/core/golden/capture.py proto
    <venv with opentelemetry-exporter-otlp-json-http>/bin/python tests/core/golden/capture.py json

`proto` uses opentelemetry-exporter-otlp-proto-http (the project's own), `json`
the SDK's OTLP/JSON exporter (opentelemetry-exporter-otlp-json-http, 0.66b1 with
opentelemetry-sdk 1.45.2), which the project does not install. Ids and times are
fixed so that a new capture gives the same bodies. The expected columns beside
each body (<case>.expected.json) are written by hand from docs/span-schema.md,
not produced by the decoder.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags

HERE = Path(__file__).parent
# 2026-01-15T10:00:00Z: every span starts at T0 + a few ms.
T0 = 1_768_471_200_000_000_000
MS = 1_000_000


class FixedIds(IdGenerator):
    """Trace ids 0x0a.. and span ids 0x0b.. numbered in order of creation."""

    def __init__(self, case_number: int) -> None:
        self.case_number = case_number
        self.spans = 0

    def generate_trace_id(self) -> int:
        return int.from_bytes(bytes([0x0A, self.case_number]) + bytes(13) + b"\x01", "big")

    def generate_span_id(self) -> int:
        self.spans += 1
        return int.from_bytes(
            bytes([0x0B, self.case_number]) + bytes(5) + bytes([self.spans]), "big"
        )


class SavingHandler(BaseHTTPRequestHandler):
    bodies: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        SavingHandler.bodies.append((self.headers["Content-Type"], body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def exporter_class(encoding: str) -> type[SpanExporter]:
    if encoding == "proto":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    else:
        from opentelemetry.exporter.otlp.json.http.trace_exporter import (  # type: ignore[no-redef]
            OTLPSpanExporter,
        )
    return OTLPSpanExporter


# --- the cases: each builds its spans on a tracer provider -------------------------


def genai_semconv_chat(provider: TracerProvider) -> None:
    """An agent step calling an LLM, with the GenAI semantic conventions."""
    tracer = provider.get_tracer("travel-agent", "2.1.0")
    with tracer.start_as_current_span(
        "invoke_agent planner",
        start_time=T0,
        end_on_exit=False,
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"},
    ) as agent:
        with tracer.start_as_current_span(
            "chat gpt-4o",
            kind=SpanKind.CLIENT,
            start_time=T0 + 5 * MS,
            end_on_exit=False,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.response.model": "gpt-4o-2024-08-06",
                "gen_ai.usage.input_tokens": 812,
                "gen_ai.usage.output_tokens": 64,
                "gen_ai.usage.cache_read.input_tokens": 512,
                "gen_ai.request.temperature": 0.2,
                "gen_ai.conversation.id": "conv-7",
                "gen_ai.input.messages": '[{"role":"user","parts":[{"type":"text",'
                '"content":"Two days in Lyon?"}]}]',
                "gen_ai.output.messages": '[{"role":"assistant","parts":[{"type":"text",'
                '"content":"Day 1: Vieux Lyon."}]}]',
                "gen_ai.response.finish_reasons": ["stop"],
            },
        ) as chat:
            chat.set_status(Status(StatusCode.OK))
            chat.end(end_time=T0 + 1_205 * MS)
        agent.end(end_time=T0 + 1_250 * MS)


def openinference_llm(provider: TracerProvider) -> None:
    """An LLM span as OpenInference instrumentations record it."""
    tracer = provider.get_tracer("openinference.instrumentation.openai", "0.1.30")
    span = tracer.start_span(
        "ChatCompletion",
        start_time=T0 + 7 * MS,
        attributes={
            "openinference.span.kind": "LLM",
            "llm.provider": "openai",
            "llm.system": "openai",
            "llm.model_name": "gpt-4o-mini",
            "llm.token_count.prompt": 120,
            "llm.token_count.completion": 30,
            "llm.token_count.total": 150,
            "llm.token_count.prompt_details.cache_read": 0,
            "input.value": '{"messages":[{"role":"user","content":"hi"}]}',
            "input.mime_type": "application/json",
            "output.value": "Hello!",
            "session.id": "s-42",
            "user.id": "u-9",
            "tag.tags": ["beta", "fr"],
            "llm.invocation_parameters": '{"temperature":0}',
            "metadata.retry": False,
        },
    )
    span.end(end_time=T0 + 407 * MS)


def openllmetry_workflow(provider: TracerProvider) -> None:
    """A workflow and its LLM call as OpenLLMetry (Traceloop) records them."""
    tracer = provider.get_tracer("opentelemetry.instrumentation.openai.v1", "0.40.2")
    with tracer.start_as_current_span(
        "trip.workflow",
        start_time=T0,
        end_on_exit=False,
        attributes={
            "traceloop.span.kind": "workflow",
            "traceloop.workflow.name": "trip",
            "traceloop.entity.name": "trip",
            "traceloop.entity.input": '{"city":"Lyon"}',
            "traceloop.entity.output": '{"days":2}',
            "traceloop.association.properties.user_id": "u-1",
        },
    ) as workflow:
        with tracer.start_as_current_span(
            "openai.chat",
            kind=SpanKind.CLIENT,
            start_time=T0 + 2 * MS,
            end_on_exit=False,
            attributes={
                "llm.request.type": "chat",
                "gen_ai.system": "OpenAI",
                "gen_ai.request.model": "gpt-3.5-turbo",
                "gen_ai.response.model": "gpt-3.5-turbo-0125",
                "gen_ai.usage.prompt_tokens": 40,
                "gen_ai.usage.completion_tokens": 12,
                "llm.usage.total_tokens": 52,
                "gen_ai.prompt.0.role": "system",
                "gen_ai.prompt.0.content": "Be brief.",
                "gen_ai.prompt.1.role": "user",
                "gen_ai.prompt.1.content": "Lyon?",
                "gen_ai.completion.0.role": "assistant",
                "gen_ai.completion.0.content": "Go.",
                "traceloop.workflow.name": "trip",
            },
        ) as chat:
            chat.end(end_time=T0 + 302 * MS)
        workflow.end(end_time=T0 + 310 * MS)


def error_with_events(provider: TracerProvider) -> None:
    """A failed tool call: error status, an exception event and another event."""
    tracer = provider.get_tracer("tools")
    span = tracer.start_span(
        "search_hotels",
        kind=SpanKind.INTERNAL,
        start_time=T0 + 10 * MS,
        attributes={"openinference.span.kind": "TOOL", "tool.name": "search_hotels"},
    )
    span.add_event("retry", {"attempt": 2, "backoff_s": 0.5}, timestamp=T0 + 20 * MS)
    span.add_event(
        "exception",
        {
            "exception.type": "TimeoutError",
            "exception.message": "hotel API timed out",
            "exception.escaped": True,
        },
        timestamp=T0 + 30 * MS,
    )
    span.set_status(Status(StatusCode.ERROR, "hotel API timed out"))
    span.end(end_time=T0 + 31 * MS)


def links(provider: TracerProvider) -> None:
    """A batch consumer linked to the two requests it handles (other traces)."""
    tracer = provider.get_tracer("worker")
    linked = [
        Link(
            SpanContext(
                trace_id=0x0C000000000000000000000000000001,
                span_id=0x0D00000000000001,
                is_remote=True,
                trace_flags=TraceFlags(TraceFlags.SAMPLED),
            ),
            {"messaging.message.id": "m-1"},
        ),
        Link(
            SpanContext(
                trace_id=0x0C000000000000000000000000000002,
                span_id=0x0D00000000000002,
                is_remote=True,
                trace_flags=TraceFlags(TraceFlags.DEFAULT),
            ),
        ),
    ]
    span = tracer.start_span(
        "process batch",
        kind=SpanKind.CONSUMER,
        links=linked,
        start_time=T0 + 1 * MS,
        attributes={"messaging.batch.message_count": 2},
    )
    span.end(end_time=T0 + 9 * MS)


def json_body(provider: TracerProvider) -> None:
    """OTLP/JSON: an LLM call with an event, and its parent with a link."""
    tracer = provider.get_tracer("json-app", "1.0")
    link = Link(
        SpanContext(
            trace_id=0x0C000000000000000000000000000003,
            span_id=0x0D00000000000003,
            is_remote=True,
            trace_flags=TraceFlags(TraceFlags.SAMPLED),
        ),
        {"why": "follows"},
    )
    with tracer.start_as_current_span(
        "handle request",
        kind=SpanKind.SERVER,
        start_time=T0,
        end_on_exit=False,
        links=[link],
        attributes={"http.route": "/ask", "gls.environment": "staging"},
    ) as root:
        with tracer.start_as_current_span(
            "chat claude",
            kind=SpanKind.CLIENT,
            start_time=T0 + 3 * MS,
            end_on_exit=False,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "anthropic",
                "gen_ai.request.model": "claude-haiku-4-5",
                "gen_ai.usage.input_tokens": 33,
                "gen_ai.usage.output_tokens": 7,
                "gen_ai.usage.reasoning.output_tokens": 2,
                "gen_ai.request.max_tokens": 256,
                "gen_ai.request.top_p": 1.0,
            },
        ) as chat:
            chat.add_event("gen_ai.choice", {"index": 0}, timestamp=T0 + 90 * MS)
            chat.end(end_time=T0 + 95 * MS)
        root.end(end_time=T0 + 100 * MS)


# name -> (builder, encoding, resource attributes)
CASES: dict[str, tuple[Callable[[TracerProvider], None], str, dict[str, object]]] = {
    "genai_semconv_chat": (
        genai_semconv_chat,
        "proto",
        {
            "service.name": "travel-agent",
            "gls.project": "golden-genai",
            "deployment.environment.name": "prod",
        },
    ),
    "openinference_llm": (
        openinference_llm,
        "proto",
        {"service.name": "chatbot", "openinference.project.name": "phoenix-proj"},
    ),
    "openllmetry_workflow": (openllmetry_workflow, "proto", {"service.name": "trip-planner"}),
    "error_with_events": (error_with_events, "proto", {"service.name": "tools"}),
    "links": (
        links,
        "proto",
        {
            "service.name": "worker",
            "host.name": "node-3",
            "cloud.provider": "aws",
            "cloud.region": "eu-west-3",
            "process.pid": 4242,
            "k8s.pod.ready": True,
            "gpu.util": 0.75,
            "labels": ["a", "b"],
        },
    ),
    "json_body": (json_body, "json", {"service.name": "json-app", "gls.project": "golden-json"}),
}


def capture(name: str) -> bytes:
    build, encoding, resource = CASES[name]
    SavingHandler.bodies = []
    server = HTTPServer(("127.0.0.1", 0), SavingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        exporter = exporter_class(encoding)(
            endpoint=f"http://127.0.0.1:{server.server_port}/v1/traces"
        )
        # Resource(...), not Resource.create: no telemetry.sdk.* defaults and no
        # OTEL_RESOURCE_ATTRIBUTES, so the bodies do not depend on the machine.
        provider = TracerProvider(
            resource=Resource(resource), id_generator=FixedIds(list(CASES).index(name) + 1)
        )
        # One body per case: the batch processor sends all of a case's spans on flush.
        provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=60_000))
        build(provider)
        provider.force_flush()
        provider.shutdown()
    finally:
        server.shutdown()
    assert len(SavingHandler.bodies) == 1, SavingHandler.bodies
    content_type, body = SavingHandler.bodies[0]
    expected_type = "application/x-protobuf" if encoding == "proto" else "application/json"
    assert content_type == expected_type, content_type
    return body


def cases_for(encoding: str) -> Iterator[str]:
    return (name for name, (_, enc, _) in CASES.items() if enc == encoding)


def main(encoding: str) -> None:
    for name in cases_for(encoding):
        suffix = ".pb" if encoding == "proto" else ".json"
        path = HERE / f"{name}{suffix}"
        path.write_bytes(capture(name))
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("proto", "json"):
        sys.exit(__doc__)
    main(sys.argv[1])
