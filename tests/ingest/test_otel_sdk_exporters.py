"""The official OpenTelemetry Python SDK, with its OTLP HTTP and gRPC exporters, as clients."""

from __future__ import annotations

import concurrent.futures
import functools
import time
from collections.abc import Callable

import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from conftest import make_studio
from otlp_helpers import api_get, get_trace, make_request, make_span, new_trace_id, post_protobuf


def _emit_agent_trace(provider: TracerProvider) -> tuple[str, dict[str, str]]:
    """An agent run: a chain with an LLM call (GenAI semconv) and a failing tool call."""
    tracer = provider.get_tracer("greenlang.agent", "0.3.1")
    ids: dict[str, str] = {}
    with tracer.start_as_current_span(
        "plan_trip",
        kind=SpanKind.SERVER,
        attributes={
            "gls.span.type": "chain",
            "gls.chain": "trip-planner",
            "user.id": "u-42",
            "session.id": "s-7",
            "tag.tags": ["beta", "eu"],
        },
    ) as root:
        ids["root"] = format(root.get_span_context().span_id, "016x")
        with tracer.start_as_current_span(
            "chat gpt-4o-mini",
            kind=SpanKind.CLIENT,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.usage.input_tokens": 120,
                "gen_ai.usage.output_tokens": 30,
                "gen_ai.request.temperature": 0.2,
            },
        ) as llm:
            ids["llm"] = format(llm.get_span_context().span_id, "016x")
            llm.add_event("gen_ai.user.message", {"content": "Plan 2 days in Lyon"})
        with tracer.start_as_current_span(
            "search_hotels",
            attributes={"openinference.span.kind": "TOOL"},
            links=[Link(root.get_span_context(), {"link.reason": "caused-by"})],
        ) as tool:
            ids["tool"] = format(tool.get_span_context().span_id, "016x")
            try:
                raise TimeoutError("hotel API timed out")
            except TimeoutError as exc:
                tool.record_exception(exc)
                tool.set_status(Status(StatusCode.ERROR, "hotel API timed out"))
        trace_id = format(root.get_span_context().trace_id, "032x")
    return trace_id, ids


def _check_agent_trace(trace: dict, ids: dict[str, str]) -> None:
    spans = {s["span_id"]: s for s in trace["spans"]}
    assert set(spans) == set(ids.values())
    root, llm, tool = spans[ids["root"]], spans[ids["llm"]], spans[ids["tool"]]
    assert trace["root_span_ids"] == [ids["root"]]
    assert root["parent_span_id"] is None
    assert llm["parent_span_id"] == ids["root"] and tool["parent_span_id"] == ids["root"]
    assert root["span_type"] == "chain" and root["chain"] == "trip-planner"
    assert root["user_id"] == "u-42" and root["session_id"] == "s-7"
    assert root["tags"] == ["beta", "eu"]
    assert root["kind"] == 2  # SERVER
    assert llm["span_type"] == "llm" and llm["model"] == "gpt-4o-mini"
    assert llm["provider"] == "openai"
    assert llm["usage"]["input_tokens"] == 120 and llm["usage"]["output_tokens"] == 30
    assert llm["usage"]["total_tokens"] == 150
    assert llm["attributes"]["gen_ai.request.temperature"] == 0.2
    assert llm["attributes"]["gen_ai.usage.input_tokens"] == 120
    assert llm["events"][0]["name"] == "gen_ai.user.message"
    assert llm["events"][0]["attributes"] == {"content": "Plan 2 days in Lyon"}
    assert tool["span_type"] == "tool"
    assert tool["status"] == {"code": 2, "message": "hotel API timed out"}
    assert tool["events"][0]["name"] == "exception"
    assert tool["events"][0]["attributes"]["exception.type"] == "TimeoutError"
    assert tool["links"][0]["spanId"] == ids["root"]
    assert tool["links"][0]["attributes"] == {"link.reason": "caused-by"}
    assert root["resource"]["attributes"]["service.name"] == "trip-agent"
    assert root["resource"]["attributes"]["deployment.environment.name"] == "staging"
    assert root["environment"] == "staging"
    assert root["scope"]["name"] == "greenlang.agent" and root["scope"]["version"] == "0.3.1"
    assert trace["error_count"] == 1


def _provider(
    exporter, project: str, processor: Callable[..., SpanProcessor] | None = None
) -> TracerProvider:
    resource = Resource.create(
        {
            "service.name": "trip-agent",
            "gls.project": project,
            "deployment.environment.name": "staging",
        }
    )
    provider = TracerProvider(resource=resource)
    # By default SimpleSpanProcessor, which exports each span synchronously: when it
    # returns, the Studio has answered, so the span must already be readable.
    provider.add_span_processor((processor or SimpleSpanProcessor)(exporter))
    return provider


@pytest.mark.parametrize("compression", [Compression.NoCompression, Compression.Gzip])
def test_http_exporter_roundtrip(studio, compression) -> None:
    project = f"sdk-http-{compression.value}"
    exporter = HttpExporter(endpoint=studio.otlp_http, compression=compression, timeout=30)
    provider = _provider(exporter, project)
    trace_id, ids = _emit_agent_trace(provider)
    provider.shutdown()
    _check_agent_trace(get_trace(studio.api, project, trace_id), ids)


@pytest.mark.parametrize("compression", [None, "gzip"])
def test_grpc_exporter_roundtrip(studio, compression) -> None:
    import grpc

    project = f"sdk-grpc-{compression or 'none'}"
    exporter = GrpcExporter(
        endpoint=studio.otlp_grpc,
        insecure=True,
        timeout=30,
        compression=grpc.Compression.Gzip if compression else None,
    )
    provider = _provider(exporter, project)
    trace_id, ids = _emit_agent_trace(provider)
    provider.shutdown()
    _check_agent_trace(get_trace(studio.api, project, trace_id), ids)


def test_http_exporter_on_api_port(studio) -> None:
    """/v1/traces also answers on the UI/API port, like Phoenix's and Langfuse's."""
    project = "sdk-api-port"
    exporter = HttpExporter(endpoint=studio.api + "/v1/traces", timeout=30)
    provider = _provider(exporter, project)
    trace_id, ids = _emit_agent_trace(provider)
    provider.shutdown()
    _check_agent_trace(get_trace(studio.api, project, trace_id), ids)


# --- BatchSpanProcessor: what users run ----------------------------------------------


def _exporter(protocol: str, endpoint: str):
    if protocol == "http":
        return HttpExporter(endpoint=endpoint, timeout=30)
    return GrpcExporter(endpoint=endpoint, insecure=True, timeout=30)


def _emit_flat_spans(provider: TracerProvider, count: int) -> tuple[str, set[str]]:
    """One trace of `count` spans under a root; returns its id and every span id."""
    tracer = provider.get_tracer("batch-test")
    ids = set()
    with tracer.start_as_current_span("run") as root:
        ids.add(format(root.get_span_context().span_id, "016x"))
        for i in range(count - 1):
            with tracer.start_as_current_span(f"step {i}", attributes={"step": i}) as step:
                ids.add(format(step.get_span_context().span_id, "016x"))
        trace_id = format(root.get_span_context().trace_id, "032x")
    return trace_id, ids


def _stored_span_ids(api: str, project: str, trace_id: str) -> list[str]:
    return [s["span_id"] for s in get_trace(api, project, trace_id)["spans"]]


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_batch_processor_delivers_every_span_once(studio, protocol) -> None:
    project = f"sdk-batch-{protocol}"
    endpoint = studio.otlp_http if protocol == "http" else studio.otlp_grpc
    # The SDK's default schedule (5 s, batches of 512): shutdown flushes what is queued.
    provider = _provider(_exporter(protocol, endpoint), project, BatchSpanProcessor)
    trace_id, ids = _emit_agent_trace(provider)
    flat_trace_id, flat_ids = _emit_flat_spans(provider, 1200)  # > 2 export batches
    provider.shutdown()
    _check_agent_trace(get_trace(studio.api, project, trace_id), ids)
    stored = _stored_span_ids(studio.api, project, flat_trace_id)
    assert sorted(stored) == sorted(flat_ids)


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_batch_processor_retries_after_the_memory_limiter_refuses(tmp_path, protocol) -> None:
    """A batch refused with 429 / RESOURCE_EXHAUSTED is sent again by the SDK's
    exporter and stored once: nothing lost, nothing doubled."""
    # A 1 MiB limit keeps the Studio over it: it refuses while admitted spans wait
    # for storage. A first request (admitted: nothing pending) waits 2 s for its
    # batch; the SDK's batch, sent meanwhile, is refused, then admitted on retry.
    studio = make_studio(
        tmp_path,
        "--memory-limit-mib",
        "1",
        "--memory-check-interval-ms",
        "20",
        "--batch-max-wait-ms",
        "2000",
        "--no-batch-commit-when-idle",
        "--retry-after-s",
        "1",
    ).start()
    try:
        project = f"sdk-refused-{protocol}"
        blocker = make_request([make_span(new_trace_id()) for _ in range(50)])
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            admitted = pool.submit(
                post_protobuf, studio.otlp_http, blocker, {"X-GLS-Project": project}
            )
            _wait_until_refusing(studio.api)
            endpoint = studio.otlp_http if protocol == "http" else studio.otlp_grpc
            provider = _provider(
                _exporter(protocol, endpoint),
                project,
                functools.partial(BatchSpanProcessor, max_export_batch_size=200),
            )
            trace_id, ids = _emit_flat_spans(provider, 150)
            assert provider.force_flush(60_000)
            assert admitted.result().status_code == 200
        provider.shutdown()
        counters = api_get(studio.api, "/api/v1/status")["counters"]
        assert counters["requests_refused{reason=memory}"] >= 1  # the batch was refused
        assert sorted(_stored_span_ids(studio.api, project, trace_id)) == sorted(ids)
        # Rows inserted: the first request's 50 and the batch's 150, once each.
        assert counters["spans_stored"] == 50 + 150
    finally:
        studio.stop()


def _wait_until_refusing(api: str, timeout_s: float = 30) -> None:
    """Until the first request is admitted and waiting (the limiter now refuses)."""
    deadline = time.monotonic() + timeout_s
    while True:
        status = api_get(api, "/api/v1/status")
        if status["pending_spans"] > 0 and status["memory"]["refusing"]:
            return
        assert time.monotonic() < deadline, status
        time.sleep(0.02)
