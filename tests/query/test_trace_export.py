"""Exporting a trace (JSON, OTLP JSON) and the trace list (CSV).

The OTLP export is posted to /v1/traces of a second Studio, and the trace it
stores there is compared with the original span by span, field by field.
Traces are sent by the OTel SDK (typed attributes, events, links, status) and
as an OTLP request built with opentelemetry-proto (what the SDK cannot set:
bytes, kvlist and empty values, NaN, flags, trace state, dropped counts).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import pytest
import requests
from google.protobuf import json_format
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.deserializing.media_types.util import plain_loads
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from conftest import Studio, make_studio
from openapi_check import SPEC, checked_get
from otlp_helpers import (
    any_value,
    key_values,
    make_request,
    make_span,
    new_span_id,
    new_trace_id,
    post_protobuf,
)

PROJECT = "export"
SECOND = 10**9
HOSTILE_NAME = '=HYPERLINK("http://evil.example","x"), "quoted"\nline'


def _sdk_trace(studio: Studio) -> str:
    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": "exporter", "gls.project": PROJECT, "host.cores": 8, "ok": True}
        )
    )
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=studio.otlp_http)))
    tracer = provider.get_tracer("export-test", "2.1")
    start = time.time_ns() - 120 * SECOND
    root = tracer.start_span("agent run", start_time=start, kind=SpanKind.SERVER)
    with trace.use_span(root, end_on_exit=False):
        llm = tracer.start_span(
            "chat gpt-4o",
            start_time=start + SECOND,
            kind=SpanKind.CLIENT,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 120,
                "gen_ai.usage.output_tokens": 30,
                "input.value": "what is the weather?",
                "temperature": 0.25,
                "stream": False,
                "stop": ["\n", "END"],
                "weights": [1.5, 2.0],
            },
            links=[Link(root.get_span_context(), {"link.why": "retry", "attempt": 2})],
        )
        llm.add_event("token", {"index": 3, "text": "hé 🌍"}, timestamp=start + 2 * SECOND)
        llm.end(end_time=start + 3 * SECOND)
        tool = tracer.start_span("lookup", start_time=start + 4 * SECOND)
        tool.record_exception(ValueError("no city"), timestamp=start + 5 * SECOND)
        tool.set_status(Status(StatusCode.ERROR, "no city"))
        tool.end(end_time=start + 6 * SECOND)
    root.set_status(Status(StatusCode.OK))
    root.end(end_time=start + 7 * SECOND)
    provider.shutdown()
    return format(root.get_span_context().trace_id, "032x")


def _proto_trace(studio: Studio) -> str:
    trace_id, root_id = new_trace_id(), new_span_id()
    start = time.time_ns() - 100 * SECOND
    root = make_span(
        trace_id,
        root_id,
        name=HOSTILE_NAME,
        start_ns=start,
        duration_ns=2 * SECOND,
        attributes={
            "blob": b"\x00\xffbytes",
            "nested": {"a": 1, "b": [True, "x"]},
            "nothing": None,
            "nan": float("nan"),
            "inf": float("-inf"),
            "big": 2**62,
        },
        trace_state="vendor=abc",
        flags=1,
        dropped_attributes_count=2,
        dropped_events_count=1,
        dropped_links_count=3,
        kind=Span.SPAN_KIND_INTERNAL,
        events=[Span.Event(time_unix_nano=start + 5, name="e", attributes=key_values({"k": 1}))],
    )
    child = make_span(
        trace_id,
        parent=root_id,
        name="child",
        start_ns=start + SECOND,
        attributes={"output.value": "done", "user.id": "u1"},
    )
    request = make_request(
        [root, child], resource={"service.name": "proto", "gls.project": PROJECT}
    )
    request.resource_spans[0].scope_spans[0].scope.attributes.append(
        key_values({"scope.attr": "s"})[0]
    )
    request.resource_spans[0].resource.attributes.append(
        key_values({"typed": any_value([1, 2.5])})[0]
    )
    assert post_protobuf(studio.otlp_http, request).status_code == 200
    return trace_id.hex()


@pytest.fixture(scope="module")
def sent(studio) -> dict[str, str]:
    return {"sdk": _sdk_trace(studio), "proto": _proto_trace(studio)}


@pytest.fixture(scope="module")
def other_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    other = make_studio(tmp_path_factory.mktemp("other")).start()
    yield other
    other.stop()


def _export(studio: Studio, trace_id: str, form: str) -> requests.Response:
    path = f"/api/v1/projects/{PROJECT}/traces/{trace_id}/export"
    resp = requests.get(studio.api + path, params={"format": form}, timeout=60)
    assert resp.status_code == 200, resp.text
    checked_get(studio.api, path, format=form)  # the answer as the spec says
    return resp


def _comparable(span: dict[str, Any]) -> dict[str, Any]:
    """A span as served, less when it reached this Studio."""
    return {k: v for k, v in span.items() if k != "ingested_at_unix_nano"}


@pytest.mark.parametrize("which", ["sdk", "proto"])
def test_otlp_export_posted_to_another_studio_gives_the_same_trace(
    studio, other_studio, sent, which
):
    trace_id = sent[which]
    resp = _export(studio, trace_id, "otlp")
    assert resp.headers["Content-Disposition"].endswith(f'{trace_id}.otlp.json"')
    posted = requests.post(
        other_studio.otlp_http,
        data=resp.content,
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert posted.status_code == 200, posted.text
    assert posted.json().get("partialSuccess", {}).get("rejectedSpans", "0") in ("0", 0)
    path = f"/api/v1/projects/{PROJECT}/traces/{trace_id}"
    original = checked_get(studio.api, path)
    copied = checked_get(other_studio.api, path)
    assert len(copied["spans"]) == len(original["spans"]) >= 2
    for before, after in zip(original["spans"], copied["spans"], strict=True):
        before, after = _comparable(before), _comparable(after)
        for field in before:
            assert after[field] == before[field], (before["name"], field)
        assert after.keys() == before.keys()
    for field in original:
        if field != "spans":
            assert copied[field] == original[field], field


@pytest.mark.parametrize("which", ["sdk", "proto"])
def test_otlp_export_is_an_export_trace_service_request(studio, sent, which):
    """Every field name and value type is opentelemetry-proto's (protobuf's JSON
    parser refuses unknown fields); the ids are hex, as OTLP/JSON says."""
    text = _export(studio, sent[which], "otlp").text
    request = json_format.Parse(text, ExportTraceServiceRequest())
    spans = [s for r in request.resource_spans for ss in r.scope_spans for s in ss.spans]
    assert len(spans) == len(
        checked_get(studio.api, f"/api/v1/projects/{PROJECT}/traces/{sent[which]}")["spans"]
    )


def test_otlp_export_keeps_types_events_links_and_status(studio, sent):
    document = _export(studio, sent["proto"], "otlp").json()
    [resource] = document["resourceSpans"]
    [scope] = resource["scopeSpans"]
    assert scope["scope"] == {
        "name": "tests",
        "version": "1.0",
        "attributes": [{"key": "scope.attr", "value": {"stringValue": "s"}}],
    }
    root = next(s for s in scope["spans"] if "parentSpanId" not in s)
    values = {kv["key"]: kv["value"] for kv in root["attributes"]}
    assert values["blob"] == {"bytesValue": "AP9ieXRlcw=="}
    assert values["nothing"] == {}
    assert values["nan"] == {"doubleValue": "NaN"}
    assert values["inf"] == {"doubleValue": "-Infinity"}
    assert values["big"] == {"intValue": str(2**62)}
    assert values["nested"]["kvlistValue"]["values"][1]["value"] == {
        "arrayValue": {"values": [{"boolValue": True}, {"stringValue": "x"}]}
    }
    assert root["traceState"] == "vendor=abc" and root["flags"] == 1
    assert (root["droppedAttributesCount"], root["droppedEventsCount"]) == (2, 1)
    assert root["droppedLinksCount"] == 3
    assert root["events"][0]["name"] == "e"
    assert root["name"] == HOSTILE_NAME
    child = next(s for s in scope["spans"] if "parentSpanId" in s)
    assert {kv["key"]: kv["value"] for kv in child["attributes"]}["output.value"] == {
        "stringValue": "done"
    }


def test_json_export_is_what_the_trace_endpoint_gives(studio, sent):
    for trace_id in sent.values():
        resp = _export(studio, trace_id, "json")
        assert resp.headers["Content-Disposition"] == (
            f'attachment; filename="trace-{PROJECT}-{trace_id}.json"'
        )
        assert resp.json() == checked_get(
            studio.api, f"/api/v1/projects/{PROJECT}/traces/{trace_id}"
        )


def test_export_refuses_a_bad_format_and_an_unknown_trace(studio, sent):
    path = f"/api/v1/projects/{PROJECT}/traces/{sent['sdk']}/export"
    assert "format" in _refused(studio, path, 400, format="xml")["message"]
    missing = f"/api/v1/projects/{PROJECT}/traces/{'ab' * 16}/export"
    checked_get(studio.api, missing, expect=404, format="otlp")


@lru_cache(maxsize=1)
def csv_openapi() -> OpenAPI:
    """The spec, reading text/csv bodies as text (openapi-core knows text/plain only)."""
    config = Config(extra_media_type_deserializers={"text/csv": plain_loads})
    return OpenAPI.from_file_path(str(SPEC), config=config)


def _refused(studio: Studio, path: str, expect: int, **params: Any) -> dict[str, Any]:
    """A request the spec forbids: only the error answer is checked against it."""
    resp = requests.get(studio.api + path, params=params, timeout=60)
    assert resp.status_code == expect, resp.text
    prepared = requests.Request("GET", "http://127.0.0.1:6006" + path, params=params).prepare()
    csv_openapi().validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(resp))
    return resp.json()["error"]


def _csv(studio: Studio, **params: Any) -> requests.Response:
    path = f"/api/v1/projects/{PROJECT}/traces/export.csv"
    resp = requests.get(studio.api + path, params=params, timeout=60)
    assert resp.status_code == 200, resp.text
    prepared = requests.Request("GET", "http://127.0.0.1:6006" + path, params=params).prepare()
    csv_openapi().validate_request(RequestsOpenAPIRequest(prepared))
    csv_openapi().validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(resp))
    return resp


def test_trace_list_csv_has_the_lists_rows_in_its_order(studio, sent):
    listed = checked_get(studio.api, f"/api/v1/projects/{PROJECT}/traces", sort="duration")
    resp = _csv(studio, sort="duration")
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert resp.content.endswith(b"\r\n")
    rows = list(csv.DictReader(io.StringIO(resp.content.decode())))
    assert [r["trace_id"] for r in rows] == [t["trace_id"] for t in listed["traces"]]
    by_id = {r["trace_id"]: r for r in rows}
    for summary in listed["traces"]:
        row = by_id[summary["trace_id"]]
        assert float(row["duration_ms"]) == summary["duration_ms"]
        assert int(row["total_tokens"]) == summary["total_tokens"]
        assert float(row["cost_usd"]) == summary["cost"]["total_usd"]
        assert row["status"] == summary["status"]
    # A formula is defused, quotes and line breaks survive the quoting.
    assert by_id[sent["proto"]]["name"] == "'" + HOSTILE_NAME


def test_trace_list_csv_takes_the_lists_filters(studio, sent):
    rows = list(csv.DictReader(io.StringIO(_csv(studio, status="error").text)))
    assert [r["trace_id"] for r in rows] == [sent["sdk"]]
    rows = list(csv.DictReader(io.StringIO(_csv(studio, service="proto").text)))
    assert [r["trace_id"] for r in rows] == [sent["proto"]]


def test_trace_list_csv_over_its_limit_is_refused_not_cut(studio, sent):
    path = f"/api/v1/projects/{PROJECT}/traces/export.csv"
    error = _refused(studio, path, 400, limit="1")
    assert "limit" in error["message"] and "2 traces" in error["message"]
    assert len(list(csv.DictReader(io.StringIO(_csv(studio, limit="2").text)))) == 2
    assert "limit" in _refused(studio, path, 400, limit="100001")["message"]
    # Checked before the file starts, not a broken stream (schemathesis found it).
    assert "sort" in _refused(studio, path, 400, sort="AAA")["message"]


def test_trace_list_csv_streams_every_page(studio):
    """More traces than a page of the list (1,000): every one once, in the list's order."""
    start = time.time_ns() - 3600 * SECOND
    spans = [
        make_span(new_trace_id(), name=f"t{i}", start_ns=start + i * 10**6) for i in range(1500)
    ]
    request = make_request(spans, resource={"service.name": "many", "gls.project": "export-pages"})
    assert post_protobuf(studio.otlp_http, request).status_code == 200
    path = "/api/v1/projects/export-pages/traces/export.csv"
    resp = requests.get(
        studio.api + path, params={"sort": "start_time", "order": "asc"}, timeout=60
    )
    assert resp.status_code == 200, resp.text
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert [r["name"] for r in rows] == [f"t{i}" for i in range(1500)]
    assert _refused(studio, path, 400, limit="1499")["message"].startswith("limit: 1500 traces")
