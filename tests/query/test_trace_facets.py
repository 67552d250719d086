"""Facet counts for every filter of the trace list, the ranges of its range
filters, and the range filters themselves (min/max duration, tokens, cost).

Traces are sent by the OTel SDK; every expected count is worked out here from
what was sent, and the counts under a filter must equal the trace list's own
answer under that filter.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
import requests
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode

from openapi_check import checked_get, openapi

PROJECT = "facets"
SECOND = 10**9
BASE = f"/api/v1/projects/{PROJECT}/traces"


# (service, env, user, session, chain, agent, tags, model or None, input tokens, error, seconds)
TRACES = [
    ("web", "prod", "alice", "s1", "qa", "", ["gold"], "gpt-4o", 1000, False, 2),
    ("web", "prod", "alice", "s1", "qa", "", ["gold", "beta"], "gpt-4o-mini", 200, True, 1),
    ("web", "dev", "bob", "s2", "qa", "planner", [], "gpt-4o", 50, False, 5),
    ("batch", "prod", "carol", "s3", "summary", "planner", ["beta"], "gpt-4o-mini", 4000, False, 9),
    ("batch", "staging", "bob", "s4", "summary", "", [], None, 0, True, 3),
]


@pytest.fixture(scope="module")
def sent(studio) -> list[str]:
    ids = []
    start = time.time_ns() - 600 * SECOND
    for i, (
        service,
        env,
        user,
        session,
        chain,
        agent,
        tags,
        model,
        tokens,
        error,
        secs,
    ) in enumerate(TRACES):
        provider = TracerProvider(
            resource=Resource.create(
                {
                    "service.name": service,
                    "gls.project": PROJECT,
                    "deployment.environment.name": env,
                }
            )
        )
        provider.add_span_processor(
            SimpleSpanProcessor(OTLPSpanExporter(endpoint=studio.otlp_http))
        )
        tracer = provider.get_tracer("facets-test")
        root_attrs: dict[str, Any] = {"user.id": user, "session.id": session, "gls.chain": chain}
        if agent:
            root_attrs["gls.agent"] = agent
        if tags:
            root_attrs["tag.tags"] = tags
        t0 = start + i * 10 * SECOND
        root = tracer.start_span(f"trace {i}", start_time=t0, attributes=root_attrs)
        with trace.use_span(root, end_on_exit=False):
            if model:
                llm = tracer.start_span(
                    f"chat {model}",
                    start_time=t0,
                    attributes={
                        "gen_ai.operation.name": "chat",
                        "gen_ai.provider.name": "openai",
                        "gen_ai.request.model": model,
                        "gen_ai.usage.input_tokens": tokens,
                        "gen_ai.usage.output_tokens": 10,
                    },
                )
                llm.end(end_time=t0 + SECOND)
        if error:
            root.set_status(Status(StatusCode.ERROR, "failed"))
        root.end(end_time=t0 + secs * SECOND)
        provider.shutdown()
        ids.append(format(root.get_span_context().trace_id, "032x"))
    return ids


def _counts(items: list[dict[str, Any]]) -> dict[str, int]:
    return {f["value"]: f["count"] for f in items}


def _expected(column: int) -> dict[str, int]:
    values: Counter[str] = Counter()
    for t in TRACES:
        cell = t[column]
        for value in cell if isinstance(cell, list) else [cell]:
            if value:
                values[value] += 1
    return dict(values)


def test_every_facet_counts_what_was_sent(studio, sent):
    facets = checked_get(studio.api, f"{BASE}/facets")
    assert facets["total"] == len(TRACES)
    assert _counts(facets["status"]) == {"ok": 3, "error": 2}
    assert _counts(facets["service"]) == _expected(0)
    assert _counts(facets["environment"]) == _expected(1)
    assert _counts(facets["user"]) == _expected(2)
    assert _counts(facets["session"]) == _expected(3)
    assert _counts(facets["chain"]) == _expected(4)
    assert _counts(facets["agent"]) == _expected(5)
    assert _counts(facets["tag"]) == _expected(6)
    assert _counts(facets["model"]) == _expected(7)
    assert _counts(facets["span_type"]) == {"span": 5, "llm": 4}
    assert facets["user_id"] == ["alice", "bob", "carol"]  # by count, then name
    assert [f["value"] for f in facets["user"]] == ["alice", "bob", "carol"]


def test_ranges_bound_the_traces(studio, sent):
    facets = checked_get(studio.api, f"{BASE}/facets")
    listed = checked_get(studio.api, BASE)["traces"]
    ranges = facets["ranges"]
    assert ranges["duration_ms"] == {"min": 1000.0, "max": 9000.0}
    assert ranges["total_tokens"] == {"min": 0, "max": 4010}
    costs = [t["cost"]["total_usd"] for t in listed]
    assert ranges["cost_usd"] == {"min": min(costs), "max": max(costs)}
    assert max(costs) > 0
    empty = checked_get(studio.api, f"{BASE}/facets", user_id="nobody")
    assert empty["total"] == 0
    assert empty["ranges"]["cost_usd"] == {"min": None, "max": None}


@pytest.mark.parametrize(
    "filters",
    [
        {"status": "error"},
        {"service": "batch"},
        {"environment": "prod"},
        {"user_id": "alice"},
        {"session_id": "s2"},
        {"chain": "summary"},
        {"agent": "planner"},
        {"tag": "beta"},
        {"model": "gpt-4o"},
        {"span_type": "llm"},
        {"min_duration_ms": "2000", "max_duration_ms": "5000"},
        {"min_tokens": "100", "max_tokens": "1100"},
        {"min_cost_usd": "0.000001"},
        {"max_cost_usd": "0"},
    ],
)
def test_facets_under_a_filter_equal_the_lists_answer(studio, sent, filters):
    listed = checked_get(studio.api, BASE, **filters)["traces"]
    facets = checked_get(studio.api, f"{BASE}/facets", **filters)
    assert listed, filters  # each filter selects something, and...
    assert len(listed) < len(TRACES), filters  # ...not everything
    assert facets["total"] == len(listed)
    assert _counts(facets["user"]) == dict(Counter(t["user_id"] for t in listed))
    assert _counts(facets["service"]) == dict(Counter(t["service_name"] for t in listed))


def test_cost_range_filters_select_by_known_cost(studio, sent):
    listed = checked_get(studio.api, BASE)["traces"]
    costs = sorted(t["cost"]["total_usd"] for t in listed)
    middle = costs[len(costs) // 2]
    above = checked_get(studio.api, BASE, min_cost_usd=str(middle))["traces"]
    below = checked_get(studio.api, BASE, max_cost_usd=str(middle))["traces"]
    assert sorted(t["cost"]["total_usd"] for t in above) == [c for c in costs if c >= middle]
    assert sorted(t["cost"]["total_usd"] for t in below) == [c for c in costs if c <= middle]


@pytest.mark.parametrize("path", ["", "/facets", "/export.csv"])
@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("min_cost_usd", "cheap"),
        ("max_cost_usd", "-1"),
        ("min_cost_usd", "nan"),
        ("max_cost_usd", "1e13"),
        ("min_tokens", "1.5"),
        ("max_duration_ms", "-3"),
    ],
)
def test_range_filters_are_checked(studio, path, param, value):
    resp = requests.get(f"{studio.api}{BASE}{path}", params={param: value}, timeout=30)
    assert resp.status_code == 400, resp.text
    assert param in resp.json()["error"]["message"]
    prepared = requests.Request(
        "GET", f"http://127.0.0.1:6006{BASE}{path}", params={param: value}
    ).prepare()
    if path != "/export.csv":
        from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

        openapi().validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(resp))


def _traces_where(**tests: Any) -> list[tuple]:
    """The sent traces whose columns (by TRACES position) pass every test."""
    columns = {"service": 0, "env": 1, "user": 2, "session": 3, "tags": 6, "model": 7, "error": 9}
    return [t for t in TRACES if all(test(t[columns[c]]) for c, test in tests.items())]


@pytest.mark.parametrize(
    "filters",
    [
        {"model": "gpt-4o"},
        {"model": "gpt-4o", "environment": "prod"},
        {"user_id": "bob", "tag": "beta", "status": "error"},
        {"session_id": "s1", "service": "web"},
    ],
)
def test_disjunctive_facets_count_each_without_its_own_filter(studio, sent, filters):
    facets = checked_get(studio.api, f"{BASE}/facets", disjunctive="true", **filters)
    listed = checked_get(studio.api, BASE, **filters)["traces"]
    assert facets["total"] == len(listed)
    tests = {
        "model": lambda v: v == filters.get("model", v),
        "env": lambda v: v == filters.get("environment", v),
        "user": lambda v: v == filters.get("user_id", v),
        "session": lambda v: v == filters.get("session_id", v),
        "service": lambda v: v == filters.get("service", v),
        "tags": lambda v: "tag" not in filters or filters["tag"] in v,
        "error": lambda v: "status" not in filters or v == (filters["status"] == "error"),
    }

    def without(name: str) -> list[tuple]:
        return _traces_where(**{k: t for k, t in tests.items() if k != name})

    assert _counts(facets["model"]) == dict(Counter(t[7] for t in without("model") if t[7]))
    assert _counts(facets["environment"]) == dict(Counter(t[1] for t in without("env")))
    assert _counts(facets["user"]) == dict(Counter(t[2] for t in without("user")))
    assert _counts(facets["session"]) == dict(Counter(t[3] for t in without("session")))
    assert _counts(facets["service"]) == dict(Counter(t[0] for t in without("service")))
    assert _counts(facets["tag"]) == dict(Counter(g for t in without("tags") for g in t[6]))
    errors = sum(1 for t in without("error") if t[9])
    assert _counts(facets["status"]) == {"ok": len(without("error")) - errors, "error": errors}
    # The ranges are of the traces every filter selects, as the list's.
    longest = max((t["duration_ms"] for t in listed), default=None)
    assert facets["ranges"]["duration_ms"]["max"] == longest


def test_disjunctive_is_checked(studio):
    resp = requests.get(f"{studio.api}{BASE}/facets", params={"disjunctive": "yes"}, timeout=30)
    assert resp.status_code == 400 and "disjunctive" in resp.json()["error"]["message"]
