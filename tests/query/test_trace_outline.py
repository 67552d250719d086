"""A trace in outline (spans=outline) and one span whole (.../spans/{span_id}).

The outline is the full answer less exactly the heavy span fields, with the same
totals, roots, counts and parent marks; the span endpoint gives the span the full
trace answer has, parent_missing and parent_loop included. Traces are sent by the
OpenTelemetry SDK (attributes, events, links, an exception, a parent never sent)
and as OTLP protobuf (two spans naming each other as parent).
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
import requests
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import (
    Link,
    NonRecordingSpan,
    SpanContext,
    Status,
    StatusCode,
    TraceFlags,
)

from openapi_check import checked_get
from otlp_helpers import make_request, make_span, new_span_id, new_trace_id, post_protobuf

PROJECT = "trace-outline"
SECOND = 10**9

# What an outline leaves out of each span (the spec's spans parameter lists them).
HEAVY_FIELDS = {
    "input",
    "output",
    "attributes",
    "attribute_types",
    "events",
    "links",
    "trace_state",
    "flags",
    "scope",
    "resource",
    "dropped_attributes_count",
    "dropped_events_count",
    "dropped_links_count",
    "ingested_at_unix_nano",
    # summed into the totals, then left out: only the inspector shows them per span
    "carbon",
    "tokens_estimated",
    "system_tokens",
    "data_quality",
}


def _sdk_trace(studio: Any) -> str:
    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": "outline", "gls.project": PROJECT, "deployment.region": "eu"}
        )
    )
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=studio.otlp_http)))
    tracer = provider.get_tracer("outline-test")
    start = time.time_ns() - 60 * SECOND
    root = tracer.start_span("agent run", start_time=start)
    with trace.use_span(root, end_on_exit=False):
        llm = tracer.start_span(
            "chat gpt-4o",
            start_time=start + SECOND,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 120,
                "gen_ai.usage.output_tokens": 30,
                "input.value": "what is the weather?" * 50,
                "output.value": "sunny",
                "temperature": 0.25,
            },
            links=[Link(root.get_span_context(), {"link.why": "retry"})],
        )
        llm.add_event("token", {"index": 3}, timestamp=start + 2 * SECOND)
        llm.end(end_time=start + 3 * SECOND)
        tool = tracer.start_span("lookup", start_time=start + 4 * SECOND)
        tool.record_exception(ValueError("no city"), timestamp=start + 5 * SECOND)
        tool.set_status(Status(StatusCode.ERROR, "no city"))
        tool.end(end_time=start + 6 * SECOND)
    root.end(end_time=start + 7 * SECOND)
    trace_id = root.get_span_context().trace_id
    # a span whose parent was never sent: parent_missing
    unsent_parent = SpanContext(
        trace_id,
        int.from_bytes(os.urandom(8)),
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),  # else the SDK's sampler drops its child
    )
    orphan = tracer.start_span(
        "late callback",
        context=trace.set_span_in_context(NonRecordingSpan(unsent_parent)),
        start_time=start + 8 * SECOND,
    )
    orphan.end(end_time=start + 9 * SECOND)
    provider.shutdown()
    return format(trace_id, "032x")


def _loop_trace(studio: Any) -> str:
    """A root, and two spans naming each other as parent: one is marked parent_loop."""
    trace_id, a, b = new_trace_id(), new_span_id(), new_span_id()
    start = time.time_ns() - 50 * SECOND
    spans = [
        make_span(trace_id, name="root", start_ns=start, attributes={"k": "v"}),
        make_span(trace_id, a, parent=b, name="a", start_ns=start + SECOND),
        make_span(trace_id, b, parent=a, name="b", start_ns=start + 2 * SECOND),
    ]
    request = make_request(spans, resource={"service.name": "loops", "gls.project": PROJECT})
    assert post_protobuf(studio.otlp_http, request).status_code == 200
    return trace_id.hex()


@pytest.fixture(scope="module")
def sent(studio) -> dict[str, str]:
    return {"sdk": _sdk_trace(studio), "loop": _loop_trace(studio)}


def _trace(studio: Any, trace_id: str, **params: Any) -> Any:
    return checked_get(studio.api, f"/api/v1/projects/{PROJECT}/traces/{trace_id}", **params)


def _without_heavy(span: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in span.items() if k not in HEAVY_FIELDS}


@pytest.mark.parametrize("which", ["sdk", "loop"])
def test_outline_is_the_full_answer_less_the_heavy_fields(studio, sent, which):
    full = _trace(studio, sent[which])
    outline = _trace(studio, sent[which], spans="outline")
    assert full["spans_detail"] == "full"
    assert outline["spans_detail"] == "outline"
    # every heavy field is in a full span, and none in an outline span
    assert all(HEAVY_FIELDS <= set(s) for s in full["spans"])
    assert all(not HEAVY_FIELDS & set(s) for s in outline["spans"])
    assert outline["spans"] == [_without_heavy(s) for s in full["spans"]]
    # the rest of the answer, totals included, is the same
    rest = {k: v for k, v in full.items() if k not in ("spans", "spans_detail")}
    assert {k: v for k, v in outline.items() if k not in ("spans", "spans_detail")} == rest


def test_outline_keeps_the_totals_and_the_parent_marks(studio, sent):
    full, outline = _trace(studio, sent["sdk"]), _trace(studio, sent["sdk"], spans="outline")
    assert outline["totals"] == full["totals"]
    assert outline["totals"]["tokens"]["input"] == 120
    assert outline["totals"]["llm_calls"] == 1
    assert outline["error_count"] == 1
    missing = [s["name"] for s in outline["spans"] if s["parent_missing"]]
    assert missing == ["late callback"]
    loop = _trace(studio, sent["loop"], spans="outline")
    assert [s["name"] for s in loop["spans"] if s["parent_loop"]] == ["a"]
    assert len(loop["root_span_ids"]) == 2


@pytest.mark.parametrize("which", ["sdk", "loop"])
def test_the_span_endpoint_gives_the_full_traces_span(studio, sent, which):
    full = _trace(studio, sent[which])
    for span in full["spans"]:
        path = f"/api/v1/projects/{PROJECT}/traces/{sent[which]}/spans/{span['span_id']}"
        assert checked_get(studio.api, path) == span


def test_the_span_endpoint_takes_the_traces_window(studio, sent):
    full = _trace(studio, sent["sdk"])
    span = full["spans"][1]
    path = f"/api/v1/projects/{PROJECT}/traces/{sent['sdk']}/spans/{span['span_id']}"
    ms = span["start_time_unix_nano"] // 10**6
    assert checked_get(studio.api, path, start=str(ms), end=str(ms)) == {
        **span,
        # the window holds this span alone: its parent is not among the spans read
        "parent_missing": True,
    }
    error = checked_get(studio.api, path, expect=404, start=str(ms + 10), end=str(ms + 20))
    assert "between start and end" in error["error"]["message"]


def test_an_unknown_span_is_a_404_naming_it(studio, sent):
    unknown = "0123456789abcdef"
    path = f"/api/v1/projects/{PROJECT}/traces/{sent['sdk']}/spans/{unknown}"
    error = checked_get(studio.api, path, expect=404)
    assert unknown in error["error"]["message"]
    # a span of another trace is not this trace's
    other = _trace(studio, sent["loop"])["spans"][0]["span_id"]
    checked_get(
        studio.api, f"/api/v1/projects/{PROJECT}/traces/{sent['sdk']}/spans/{other}", expect=404
    )


@pytest.mark.parametrize("bad", ["0123", "0123456789abcdeg", "0000000000000000"])
def test_a_malformed_span_id_is_a_400_naming_it(studio, sent, bad):
    path = f"/api/v1/projects/{PROJECT}/traces/{sent['sdk']}/spans/{bad}"
    resp = requests.get(studio.api + path, timeout=30)
    assert resp.status_code == 400, resp.text
    assert "span_id" in resp.json()["error"]["message"]


def test_a_bad_spans_value_is_a_400_naming_it(studio, sent):
    path = f"/api/v1/projects/{PROJECT}/traces/{sent['sdk']}"
    resp = requests.get(studio.api + path, params={"spans": "some"}, timeout=30)
    assert resp.status_code == 400, resp.text
    assert "spans" in resp.json()["error"]["message"]
