"""Analytics metrics filtered and grouped by scores (metrics measured exactly per
trace), on a real Studio with traces sent by the OTel SDK, answers checked against
api/openapi.yaml; expected figures worked out from what was sent."""

from __future__ import annotations

import time

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode
from scores_api import checked

from conftest import Studio
from openapi_check import checked_get
from otlp_helpers import wait_for_trace

PROJECT = "scores-analytics"
BASE = f"/api/v1/projects/{PROJECT}"
# (failed, quality label or None, helpful value or None)
TRACES = [
    (True, "good", 0.9),
    (False, "good", 0.8),
    (False, "bad", 0.2),
    (True, "bad", None),
    (True, "bad", None),
    (False, None, 0.1),
]


@pytest.fixture(scope="module")
def sent(studio: Studio) -> list[str]:
    provider = TracerProvider(resource=Resource.create({"service.name": "scored"}))
    exporter = OTLPSpanExporter(endpoint=studio.otlp_http, headers={"X-GLS-Project": PROJECT})
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("score-analytics")
    ids, scores = [], []
    start = time.time_ns() - 600 * 10**9
    for i, (failed, quality, helpful) in enumerate(TRACES):
        span = tracer.start_span(f"trace {i}", start_time=start + i * 10**9)
        if failed:
            span.set_status(Status(StatusCode.ERROR, "failed"))
        span.end(end_time=start + i * 10**9 + 10**6)
        trace_id = format(span.get_span_context().trace_id, "032x")
        ids.append(trace_id)
        if quality:
            scores.append({"trace_id": trace_id, "name": "quality", "value": quality})
        if helpful is not None:
            scores.append({"trace_id": trace_id, "name": "helpful", "value": helpful})
    provider.shutdown()
    for trace_id in ids:
        wait_for_trace(studio.api, PROJECT, trace_id)
    # a trace scored twice keeps its most given label
    scores.append({"trace_id": ids[2], "name": "quality", "value": "bad"})
    scores.append({"trace_id": ids[2], "name": "quality", "value": "good"})
    checked("POST", studio.api, f"{BASE}/scores", {"scores": scores}, expect=201)
    return ids


def metric(studio: Studio, **params: object) -> dict:
    return checked_get(studio.api, f"{BASE}/analytics/metrics", metric="error_rate", **params)


def test_error_rate_grouped_by_a_score(studio: Studio, sent: list[str]) -> None:
    answer = metric(studio, group_by_score="quality")
    assert answer["group_by"] == "score"
    groups = {g["group"]: (g["count"], g["errors"]) for g in answer["groups"]}
    assert groups == {"good": (2, 1), "bad": (3, 2)}  # the unscored trace is in no group
    assert (answer["summary"]["count"], answer["summary"]["errors"]) == (6, 3)


def test_metrics_filtered_by_scores(studio: Studio, sent: list[str]) -> None:
    # `is`: some score has the label, so trace 2 (bad, bad, good) counts here too
    good = metric(studio, score="quality:is:good")["summary"]
    assert (good["count"], good["errors"]) == (3, 1)
    helpful = metric(studio, score=["helpful:gt:0.5", "quality:exists"])["summary"]
    assert (helpful["count"], helpful["errors"]) == (2, 1)
    unrated = metric(studio, score="quality:missing")["summary"]
    assert (unrated["count"], unrated["errors"]) == (1, 0)
    carbon = checked_get(
        studio.api, f"{BASE}/analytics/metrics", metric="carbon", score="helpful:lt:0.5"
    )
    assert carbon["summary"]["count"] == 2


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"metric": "latency", "score": "quality:exists"}, "measured exactly per trace"),
        ({"metric": "cost", "group_by_score": "quality"}, "measured exactly per trace"),
        ({"metric": "error_rate", "scope": "llm", "score": "quality:exists"}, "exactly per trace"),
        ({"metric": "error_rate", "group_by": "chain", "group_by_score": "quality"}, "not both"),
        ({"metric": "error_rate", "group_by_score": "a:b"}, "group_by_score: name may not"),
        ({"metric": "error_rate", "score": "quality:gt:x"}, "score: gt compares with a number"),
    ],
)
def test_refusals(studio: Studio, params: dict, expected: str) -> None:
    answer = checked_get(studio.api, f"{BASE}/analytics/metrics", expect=400, **params)
    assert expected in answer["error"]["message"]
