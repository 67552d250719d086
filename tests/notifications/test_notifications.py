"""The notification centre against a real Studio: spikes from traces the OTel SDK
sent over two periods, ingest refusals and rejections provoked over OTLP/HTTP,
and each item's trace-list parameters giving the traces behind it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Status, StatusCode

from conftest import Studio, make_studio
from openapi_check import checked_get, openapi
from otlp_helpers import make_request, make_span, new_trace_id, post_protobuf

SECOND = 10**9
HOUR_MS = 3600 * 1000
END_MS = (time.time_ns() // 10**6 // 60_000) * 60_000  # a whole minute: periods are exact
START_MS = END_MS - HOUR_MS  # the period; the previous one is the hour before


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    # A small in-flight budget, so one large request is refused.
    s = make_studio(tmp_path_factory.mktemp("alerts"), "--max-inflight-bytes", "100000").start()
    yield s
    s.stop()


def _send(
    studio: Studio, project: str, traces: list[tuple[int, str, int, bool]], chain: str = ""
) -> list[str]:
    """(start ms, model, input tokens, failed) per trace, each a root and an LLM call."""
    provider = TracerProvider(
        resource=Resource.create({"service.name": "alerts", "gls.project": project})
    )
    # Batched, in two requests: every LLM call, then every root. Each trace still
    # arrives in two inserts (as when each span was its own request), in 2 inserts
    # in all rather than one (~150 ms) a span.
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=studio.otlp_http)))
    tracer = provider.get_tracer("alerts-test")
    roots = []
    for start_ms, model, tokens, failed in traces:
        t0 = start_ms * 10**6
        root = tracer.start_span("answer", start_time=t0, attributes={"gls.chain": chain})
        with trace.use_span(root, end_on_exit=False):
            llm = tracer.start_span(
                "chat",
                start_time=t0,
                attributes={
                    "gen_ai.operation.name": "chat",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.request.model": model,
                    "gen_ai.usage.input_tokens": tokens,
                    "gen_ai.usage.output_tokens": tokens // 10,
                },
            )
            llm.end(end_time=t0 + SECOND)
        if failed:
            root.set_status(Status(StatusCode.ERROR, "boom"))
        roots.append((root, t0))
    assert provider.force_flush()
    for root, t0 in roots:
        root.end(end_time=t0 + 2 * SECOND)
    ids = [format(root.get_span_context().trace_id, "032x") for root, _ in roots]
    provider.shutdown()
    return ids


@pytest.fixture(scope="module")
def sent(studio) -> dict[str, Any]:
    minute = 60_000
    previous = [(START_MS - HOUR_MS + i * 5 * minute, "gpt-4o-mini", 100, False) for i in range(10)]
    # The period: 5 of 10 traces fail, and the calls are on a dearer model, larger.
    current = [(START_MS + i * 5 * minute, "gpt-4o", 5000, i % 2 == 0) for i in range(10)]
    ids = _send(studio, "alerts", previous + current, chain="checkout")
    # A steady chain beside it: 4 cheap traces in each period, none failing.
    steady_chain = [(START_MS - HOUR_MS + i * minute, "gpt-4o-mini", 100, False) for i in range(4)]
    steady_chain += [(START_MS + i * minute, "gpt-4o-mini", 100, False) for i in range(4)]
    _send(studio, "alerts", steady_chain, chain="search")
    steady = [(START_MS - HOUR_MS + i * 10 * minute, "gpt-4o-mini", 100, i == 0) for i in range(6)]
    steady += [(START_MS + i * 10 * minute, "gpt-4o-mini", 100, i == 0) for i in range(6)]
    _send(studio, "calm", steady)
    # Ingest trouble: one request over the in-flight budget (refused, 429), one
    # unreadable body (400), one span naming an invalid project (rejected).
    big = make_request(
        [make_span(new_trace_id(), attributes={"input.value": "x" * 2000}) for _ in range(100)]
    )
    assert post_protobuf(studio.otlp_http, big).status_code == 429
    assert post_protobuf(studio.otlp_http, b"\xff\xff not protobuf").status_code == 400
    bad_project = make_request(
        [make_span(new_trace_id()), make_span(new_trace_id())],
        resource={"service.name": "x", "gls.project": "no spaces allowed"},
    )
    assert post_protobuf(studio.otlp_http, bad_project).status_code == 200
    # A request of the project "alerts" (its header) with 3 spans, 2 of them invalid:
    # rejected, and counted as that project's too.
    of_alerts = make_request(
        [make_span(new_trace_id()), make_span(b"\0" * 16), make_span(b"\0" * 16)]
    )
    partial = post_protobuf(studio.otlp_http, of_alerts, headers={"X-GLS-Project": "alerts"})
    assert partial.status_code == 200
    return {"failed_now": [t for t, (*_, f) in zip(ids[10:], current, strict=True) if f]}


def _notifications(studio: Studio, project: str, start_ms: int, end_ms: int) -> dict[str, Any]:
    return checked_get(
        studio.api, "/api/v1/notifications", project=project, start=str(start_ms), end=str(end_ms)
    )


def _by_kind(
    answer: dict[str, Any], chain: str | None = None, scope: str = "project"
) -> dict[str, dict[str, Any]]:
    """The items of the project (chain None) or of one chain, by kind; or the
    Studio's (scope "studio")."""
    items = [
        item for item in answer["items"] if item.get("chain") == chain and item["scope"] == scope
    ]
    kinds = [item["kind"] for item in items]
    assert len(kinds) == len(set(kinds)), kinds
    return {item["kind"]: item for item in items}


def test_error_rate_spike_links_to_the_failed_traces(studio, sent):
    items = _by_kind(_notifications(studio, "alerts", START_MS, END_MS))
    spike = items["error_rate_spike"]
    assert spike["severity"] == "critical"  # 5 of 14: 35.7 %
    assert spike["scope"] == "project"
    assert spike["value"] == 5 / 14 and spike["previous_value"] == 0.0
    assert "35.7 %" in spike["message"] and "5 of 14" in spike["message"]
    query = spike["traces_query"]
    assert query == {"start": str(START_MS), "end": str(END_MS), "status": "error"}
    listed = checked_get(studio.api, "/api/v1/projects/alerts/traces", **query)["traces"]
    assert sorted(t["trace_id"] for t in listed) == sorted(sent["failed_now"])


def test_spikes_of_a_chain_name_it_and_steady_chains_have_none(studio, sent):
    answer = _notifications(studio, "alerts", START_MS, END_MS)
    checkout = _by_kind(answer, "checkout")
    assert checkout.keys() == {"error_rate_spike", "cost_spike"}
    spike = checkout["error_rate_spike"]
    assert spike["value"] == 0.5 and "in chain checkout 50.0 %" in spike["message"]
    assert spike["traces_query"]["chain"] == "checkout"
    listed = checked_get(studio.api, "/api/v1/projects/alerts/traces", **spike["traces_query"])[
        "traces"
    ]
    assert sorted(t["trace_id"] for t in listed) == sorted(sent["failed_now"])
    assert _by_kind(answer, "search") == {}


def test_cost_spike_against_the_previous_period(studio, sent):
    items = _by_kind(_notifications(studio, "alerts", START_MS, END_MS))
    spike = items["cost_spike"]
    listed = checked_get(studio.api, "/api/v1/projects/alerts/traces", limit=100)["traces"]
    now = sum(
        t["cost"]["total_usd"] for t in listed if t["start_time_unix_nano"] >= START_MS * 10**6
    )
    before = sum(
        t["cost"]["total_usd"] for t in listed if t["start_time_unix_nano"] < START_MS * 10**6
    )
    assert spike["value"] == pytest.approx(now) and spike["previous_value"] == pytest.approx(before)
    assert spike["severity"] == "critical" and now > 3 * before > 0
    page = checked_get(studio.api, "/api/v1/projects/alerts/traces", **spike["traces_query"])
    costs = [t["cost"]["total_usd"] for t in page["traces"]]
    assert len(costs) == 14 and costs == sorted(costs, reverse=True)


def test_a_steady_project_has_no_spike(studio, sent):
    items = _by_kind(_notifications(studio, "calm", START_MS, END_MS))
    assert "error_rate_spike" not in items and "cost_spike" not in items


def test_ingest_refusals_and_rejections_of_the_period(studio, sent):
    end = time.time_ns() // 10**6 + 60_000
    for project in ("alerts", "calm"):  # the Studio's counters, shown to every project
        answer = _notifications(studio, project, end - 10 * 60_000, end)
        items = _by_kind(answer, scope="studio")
        assert items["ingest_refused"]["count"] == 1
        assert items["ingest_refused"]["severity"] == "warning"
        assert items["spans_rejected"]["count"] == 4
        assert items["requests_failed"]["count"] == 1
        for kind in ("ingest_refused", "spans_rejected", "requests_failed"):
            assert items[kind]["traces_query"] is None
            assert items[kind]["scope"] == "studio"
        severities = [item["severity"] for item in answer["items"]]
        order = ["critical", "error", "warning", "info"]
        assert severities == sorted(severities, key=order.index)
    # A period that ended before the Studio started has none of them.
    earlier = _by_kind(_notifications(studio, "calm", START_MS - HOUR_MS, START_MS), scope="studio")
    assert not {"ingest_refused", "spans_rejected", "requests_failed"} & earlier.keys()


def test_a_project_is_shown_its_own_rejected_spans(studio, sent):
    end = time.time_ns() // 10**6 + 60_000
    own = _by_kind(_notifications(studio, "alerts", end - 10 * 60_000, end))
    rejected = own["spans_rejected"]
    assert rejected["count"] == 2 and "of this project" in rejected["message"]
    assert rejected["traces_query"] is None and rejected["severity"] == "error"
    # the refused request was refused before its project could be read: Studio's only
    assert "ingest_refused" not in own
    # another project has none of its own
    calm = _by_kind(_notifications(studio, "calm", end - 10 * 60_000, end))
    assert "spans_rejected" not in calm


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({}, "project"),
        ({"project": "bad name"}, "project"),
        ({"project": "alerts", "start": "yesterday"}, "start"),
        ({"project": "alerts", "start": "2000", "end": "1000"}, "start"),
    ],
)
def test_bad_parameters_are_400_naming_them(studio, params, named):
    resp = requests.get(f"{studio.api}/api/v1/notifications", params=params, timeout=30)
    assert resp.status_code == 400, resp.text
    assert named in resp.json()["error"]["message"]
    from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

    prepared = requests.Request(
        "GET", "http://127.0.0.1:6006/api/v1/notifications", params=params
    ).prepare()
    openapi().validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(resp))
