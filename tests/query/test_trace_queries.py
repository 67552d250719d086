"""Trace list, filters, sort, pagination, facets, open trace and span search.

A fixed data set is sent over OTLP (protobuf and JSON), then every answer is
checked against what was sent and against api/openapi.yaml.
"""

from __future__ import annotations

import json
import time

import pytest
import requests

from openapi_check import checked_get
from otlp_helpers import make_request, make_span, new_span_id, new_trace_id, post_protobuf

PROJECT = "queries"
NOW = time.time_ns()
MINUTE = 60 * 10**9

# (name, span_type attrs, model, user, env, tags, error, tokens, duration_ms, minutes ago)
TRACES = [
    (
        "summarise",
        {"openinference.span.kind": "CHAIN"},
        "gpt-4o",
        "alice",
        "prod",
        ["a"],
        False,
        100,
        50,
        1,
    ),
    (
        "summarise",
        {"openinference.span.kind": "CHAIN"},
        "gpt-4o-mini",
        "bob",
        "prod",
        ["b"],
        True,
        300,
        900,
        2,
    ),
    (
        "classify",
        {"traceloop.span.kind": "workflow"},
        "claude-3-5-haiku",
        "alice",
        "dev",
        ["a", "b"],
        False,
        40,
        20,
        3,
    ),
    (
        "rag_answer",
        {"gen_ai.operation.name": "chat"},
        "gpt-4o",
        "carol",
        "prod",
        [],
        False,
        1000,
        2500,
        4,
    ),
    (
        "classify",
        {"traceloop.span.kind": "workflow"},
        "gpt-4o-mini",
        "bob",
        "staging",
        ["c"],
        True,
        10,
        5,
        5,
    ),
    (
        "agent_run",
        {"gen_ai.operation.name": "invoke_agent"},
        "o3-mini",
        "dave",
        "prod",
        ["a"],
        False,
        5000,
        12000,
        6,
    ),
]


@pytest.fixture(scope="module")
def dataset(studio):
    trace_ids = []
    for i, (name, kind, model, user, env, tags, error, tokens, dur_ms, ago) in enumerate(TRACES):
        tid = new_trace_id()
        trace_ids.append(tid.hex())
        root_id = new_span_id()
        start = NOW - ago * MINUTE
        root = make_span(
            tid,
            root_id,
            name=name,
            start_ns=start,
            duration_ns=dur_ms * 10**6,
            attributes={
                **kind,
                "user.id": user,
                "session.id": f"sess-{user}",
                "tag.tags": tags,
                "metadata": json.dumps({"customer": f"c{i % 2}"}),
            },
            status_code=2 if error else 1,
        )
        llm = make_span(
            tid,
            parent=root_id,
            name=f"llm {model}",
            start_ns=start + 10**6,
            duration_ns=max(dur_ms - 2, 1) * 10**6,
            attributes={
                "llm.model_name": model,
                "openinference.span.kind": "LLM",
                "llm.token_count.prompt": tokens - tokens // 4,
                "llm.token_count.completion": tokens // 4,
                "llm.token_count.total": tokens,
                "input.value": f"question {i}",
                "output.value": f"answer {i}",
                "metadata.team": f"team{i % 3}",
            },
        )
        resource = {"service.name": f"svc-{env}", "deployment.environment.name": env}
        if i % 2:
            resp = post_protobuf(
                studio.otlp_http,
                make_request([root, llm], resource=resource),
                {"X-GLS-Project": PROJECT},
            )
        else:
            from google.protobuf.json_format import MessageToDict

            body = MessageToDict(
                make_request([root, llm], resource=resource), use_integers_for_enums=True
            )
            for rs in body["resourceSpans"]:  # OTLP/JSON ids are hex, not base64
                for ss in rs["scopeSpans"]:
                    for span in ss["spans"]:
                        for key in ("traceId", "spanId", "parentSpanId"):
                            if key in span:
                                import base64

                                span[key] = base64.b64decode(span[key]).hex()
            resp = requests.post(
                studio.otlp_http,
                data=json.dumps(body),
                headers={"Content-Type": "application/json", "X-GLS-Project": PROJECT},
            )
        assert resp.status_code == 200, resp.text
    return trace_ids


def _list(studio, **params):
    return checked_get(studio.api, f"/api/v1/projects/{PROJECT}/traces", **params)


def test_list_newest_first_with_summaries(studio, dataset) -> None:
    traces = _list(studio)["traces"]
    assert [t["trace_id"] for t in traces] == dataset  # ordered by minutes ago
    first = traces[0]
    assert first["name"] == "summarise" and first["span_count"] == 2
    assert first["total_tokens"] == 100 and first["models"] == ["gpt-4o"]
    assert first["user_id"] == "alice" and first["environment"] == "prod"
    assert first["status"] == "ok" and traces[1]["status"] == "error"
    assert abs(first["duration_ms"] - 50) < 1e-6


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"status": "error"}, [1, 4]),
        ({"status": "ok"}, [0, 2, 3, 5]),
        ({"name": "CLASS"}, [2, 4]),
        ({"span_type": "agent"}, [5]),
        ({"span_type": "chain"}, [0, 1, 2, 4]),
        ({"model": "gpt-4o-mini"}, [1, 4]),
        ({"user_id": "alice"}, [0, 2]),
        ({"session_id": "sess-bob"}, [1, 4]),
        ({"environment": "prod"}, [0, 1, 3, 5]),
        ({"tag": "b"}, [1, 2]),
        ({"metadata": "customer=c1"}, [1, 3, 5]),
        ({"metadata": "team=team0"}, [0, 3]),
        # input.value / output.value are stored once, in input / output (input_key)
        ({"attribute": "input.value=question 2"}, [2]),
        ({"attribute": "output.value=answer 4"}, [4]),
        ({"attribute": "output.value=question 4"}, []),
        ({"attribute": ["input.value=question 2", "output.value=answer 2"]}, [2]),
        ({"attribute_key": "output.value", "user_id": "alice"}, [0, 2]),
        ({"attribute_key": "input.value", "attribute": "llm.model_name=o3-mini"}, [5]),
        ({"min_duration_ms": "900"}, [1, 3, 5]),
        ({"max_duration_ms": "50"}, [0, 2, 4]),
        ({"min_tokens": "300", "max_tokens": "1000"}, [1, 3]),
        ({"service": "svc-dev"}, [2]),
        ({"status": "ok", "environment": "prod", "min_tokens": "500"}, [3, 5]),
    ],
)
def test_filters(studio, dataset, params, expected) -> None:
    got = [t["trace_id"] for t in _list(studio, **params)["traces"]]
    assert got == [dataset[i] for i in expected]


def test_time_range(studio, dataset) -> None:
    start = (NOW - 4 * MINUTE - MINUTE // 2) // 10**6
    end = (NOW - 1 * MINUTE - MINUTE // 2) // 10**6
    got = [t["trace_id"] for t in _list(studio, start=str(start), end=str(end))["traces"]]
    assert got == [dataset[i] for i in (1, 2, 3)]


@pytest.mark.parametrize(
    "sort, order, expected",
    [
        ("duration", "desc", [5, 3, 1, 0, 2, 4]),
        ("tokens", "asc", [4, 2, 0, 1, 3, 5]),
        ("start_time", "asc", [5, 4, 3, 2, 1, 0]),
    ],
)
def test_sort(studio, dataset, sort, order, expected) -> None:
    got = [t["trace_id"] for t in _list(studio, sort=sort, order=order)["traces"]]
    assert got == [dataset[i] for i in expected]


def test_sort_by_cost_and_carbon(studio, dataset) -> None:
    for sort, figure in (("cost", ("cost", "total_usd")), ("carbon", ("carbon", "carbon_g"))):
        traces = _list(studio, sort=sort, order="desc")["traces"]
        values = [t[figure[0]][figure[1]] for t in traces]
        assert len(traces) == len(dataset)
        assert values == sorted(values, reverse=True)
    priced = [t for t in _list(studio, sort="cost")["traces"] if t["cost"]["total_usd"] > 0]
    assert priced, "the data set has priced LLM calls"
    assert all(0 <= t["data_quality"] <= 1 for t in priced)


def test_cursor_pagination_visits_every_trace_once(studio, dataset) -> None:
    for sort in ("start_time", "duration", "cost"):
        seen, cursor = [], None
        while True:
            params = {"limit": "4", "sort": sort}
            if cursor:
                params["cursor"] = cursor
            page = _list(studio, **params)
            seen += [t["trace_id"] for t in page["traces"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(dataset) and len(seen) == len(dataset)


def test_facets(studio, dataset) -> None:
    facets = checked_get(studio.api, f"/api/v1/projects/{PROJECT}/traces/facets")
    assert facets["total"] == 6
    assert {f["value"]: f["count"] for f in facets["status"]} == {"ok": 4, "error": 2}
    assert {f["value"]: f["count"] for f in facets["model"]} == {
        "gpt-4o": 2,
        "gpt-4o-mini": 2,
        "claude-3-5-haiku": 1,
        "o3-mini": 1,
    }
    assert {f["value"]: f["count"] for f in facets["environment"]} == {
        "prod": 4,
        "dev": 1,
        "staging": 1,
    }
    assert {f["value"]: f["count"] for f in facets["span_type"]}["llm"] == 6
    assert {f["value"]: f["count"] for f in facets["tag"]} == {"a": 3, "b": 2, "c": 1}
    assert sorted(facets["user_id"]) == ["alice", "bob", "carol", "dave"]
    filtered = checked_get(studio.api, f"/api/v1/projects/{PROJECT}/traces/facets", status="error")
    assert filtered["total"] == 2


def test_open_trace(studio, dataset) -> None:
    trace = checked_get(studio.api, f"/api/v1/projects/{PROJECT}/traces/{dataset[3]}")
    assert trace["span_count"] == 2
    root, llm = trace["spans"]
    assert root["parent_span_id"] is None and llm["parent_span_id"] == root["span_id"]
    assert llm["span_type"] == "llm" and llm["model"] == "gpt-4o"
    assert llm["usage"] == {
        "input_tokens": 750,
        "output_tokens": 250,
        "cached_tokens": None,
        "reasoning_tokens": None,
        "total_tokens": 1000,
    }
    assert llm["input"] == "question 3" and llm["output"] == "answer 3"
    # every attribute the sender put in, input.value / output.value included
    assert llm["attributes"]["input.value"] == "question 3"
    assert llm["attributes"]["output.value"] == "answer 3"
    assert list(llm["attributes"]) == sorted(llm["attributes"])
    assert len(llm["attributes"]) == 8 and "input.value" not in llm["attribute_types"]
    assert "input.value" not in root["attributes"]
    assert root["environment"] == "prod" and root["service_name"] == "svc-prod"
    # Unknown trace: 404; another project's trace is invisible.
    checked_get(studio.api, f"/api/v1/projects/{PROJECT}/traces/{'ab' * 16}", expect=404)
    checked_get(studio.api, f"/api/v1/projects/other/traces/{dataset[3]}", expect=404)


@pytest.mark.parametrize("bound", ["99999999999999999999", "9999-12-31T00:00:00Z", "1800-01-01"])
def test_a_time_outside_what_the_store_holds_is_400(studio, dataset, bound) -> None:
    resp = requests.get(
        f"{studio.api}/api/v1/projects/{PROJECT}/traces",
        params={"start": bound, "end": "99999999999999999999"},
        timeout=30,
    )
    assert resp.status_code == 400, resp.text
    assert "is out of range" in resp.json()["error"]["message"]


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        # found by schemathesis: 1.8e308 ms overflowed to inf nanoseconds (a 500)
        ({"min_duration_ms": "1.7976931348623155e+308"}, "min_duration_ms must be between 0"),
        ({"max_duration_ms": "-1"}, "max_duration_ms must be between 0"),
        ({"min_duration_ms": "nan"}, "min_duration_ms must be a finite number"),
        ({"max_tokens": "1e3"}, "max_tokens must be an integer"),
    ],
)
def test_bad_list_bounds_are_400(studio, dataset, params, needle) -> None:
    resp = requests.get(f"{studio.api}/api/v1/projects/{PROJECT}/traces", params=params, timeout=30)
    assert resp.status_code == 400, resp.text
    assert needle in resp.json()["error"]["message"]


def test_open_trace_within_the_window_the_list_gives(studio, dataset) -> None:
    [listed] = [t for t in _list(studio, limit=100)["traces"] if t["trace_id"] == dataset[3]]
    path = f"/api/v1/projects/{PROJECT}/traces/{dataset[3]}"
    # The list's nanosecond times, in whole milliseconds: end covers its last millisecond.
    start_ms = listed["start_time_unix_nano"] // 10**6
    end_ms = listed["end_time_unix_nano"] // 10**6
    whole = checked_get(studio.api, path)
    assert checked_get(studio.api, path, start=start_ms, end=end_ms) == whole
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start_ms // 1000))
    assert checked_get(studio.api, path, start=iso, end=end_ms)["span_count"] == 2
    # A window that misses the trace: not found, and says where it looked.
    before = checked_get(studio.api, path, expect=404, start=start_ms - 60_000, end=start_ms - 1)
    assert "between start and end" in before["error"]["message"]


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"start": "1700000000000"}, "start needs end"),
        ({"end": "1700000000000"}, "end needs start"),
        ({"start": "1700000000001", "end": "1700000000000"}, "start must not be after end"),
        ({"start": "yesterday", "end": "1700000000000"}, "start must be RFC 3339"),
        ({"start": "0", "end": "99999999999999999999"}, "end is out of range"),
        ({"start": "0", "end": "9999-12-31T23:59:59Z"}, "end is out of range"),
    ],
)
def test_open_trace_bad_window_is_400(studio, dataset, params, needle) -> None:
    path = f"/api/v1/projects/{PROJECT}/traces/{dataset[3]}"
    resp = requests.get(studio.api + path, params=params, timeout=30)
    assert resp.status_code == 400, resp.text
    assert needle in resp.json()["error"]["message"]


def test_span_search(studio, dataset) -> None:
    base = f"/api/v1/projects/{PROJECT}/spans"
    llm = checked_get(studio.api, base, span_type="llm")["spans"]
    assert len(llm) == 7 and all(s["span_type"] == "llm" for s in llm)  # 6 LLM calls + a chat root
    hit = checked_get(studio.api, base, attribute="llm.model_name=o3-mini")["spans"]
    assert [s["trace_id"] for s in hit] == [dataset[5]]
    hit = checked_get(studio.api, base, attribute="output.value=answer 1")["spans"]
    assert [s["trace_id"] for s in hit] == [dataset[1]]
    assert hit[0]["attributes"]["output.value"] == "answer 1"
    hit = checked_get(studio.api, base, attribute_key="input.value")["spans"]
    assert len(hit) == 6 and all(s["span_type"] == "llm" for s in hit)
    hit = checked_get(studio.api, base, q="ANSWER 4")["spans"]
    assert [s["trace_id"] for s in hit] == [dataset[4]]
    hit = checked_get(studio.api, base, status="error")["spans"]
    assert sorted(s["trace_id"] for s in hit) == sorted([dataset[1], dataset[4]])
    hit = checked_get(studio.api, base, trace_id=dataset[0])["spans"]
    assert len(hit) == 2
    seen, cursor = [], None
    while True:
        page = checked_get(studio.api, base, limit="5", **({"cursor": cursor} if cursor else {}))
        seen += [(s["trace_id"], s["span_id"]) for s in page["spans"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 12


def test_projects_list(studio, dataset) -> None:
    projects = checked_get(studio.api, "/api/v1/projects")["projects"]
    mine = [p for p in projects if p["name"] == PROJECT][0]
    assert mine["trace_count"] == 6 and mine["span_count"] == 12


def test_status_and_health(studio, dataset) -> None:
    assert checked_get(studio.api, "/health") == {"status": "ok"}
    status = checked_get(studio.api, "/api/v1/status")
    assert status["storage"] == "chdb"
    assert status["counters"]["spans_stored"] >= 12
    # chDB runs inside the Studio process: what it tracks is part of the RSS.
    memory = status["memory"]
    assert 0 < memory["storage_tracked_bytes"] <= memory["rss_bytes"]
    metrics = requests.get(studio.api + "/metrics", timeout=10).text
    assert "gls_spans_stored" in metrics


@pytest.mark.parametrize("when", ["now", "past midnight"])
def test_newest_first_across_windows_and_split_traces(studio, when: str) -> None:
    """Traces spread over days, one of them sent in two requests (two summary rows).
    Past midnight, the split trace's late child is in today's rows and its root in
    yesterday's: the list's first window sees only the child."""
    project = f"windows-{when.replace(' ', '-')}"
    hour = 3600 * 10**9
    now = time.time_ns()
    if when == "past midnight":
        day = 24 * hour
        now = (now - hour) // day * day + 40 * MINUTE  # 00:40, the recent trace past midnight too
    split = new_trace_id()
    root = new_span_id()
    tids = {}
    sends = [
        ("split", [make_span(split, root, name="split-root", start_ns=now - 2 * hour)]),
        ("recent", [make_span(tid := new_trace_id(), name="recent", start_ns=now - hour // 2)]),
        ("day-old", [make_span(new_trace_id(), name="day-old", start_ns=now - 30 * hour)]),
        ("week-old", [make_span(new_trace_id(), name="week-old", start_ns=now - 6 * 24 * hour)]),
        # The split trace's late child lands in a second summary row, inside the 1 h window.
        (
            "split-child",
            [make_span(split, parent=root, name="split-child", start_ns=now - 10 * MINUTE)],
        ),
    ]
    for label, spans in sends:
        tids[label] = spans[0].trace_id.hex()
        resp = post_protobuf(studio.otlp_http, make_request(spans), {"X-GLS-Project": project})
        assert resp.status_code == 200
    assert tid.hex() == tids["recent"]
    expected = [tids["recent"], tids["split"], tids["day-old"], tids["week-old"]]
    window = {"start": str((now - 7 * 24 * hour) // 10**6), "end": str(now // 10**6 + 1)}
    for limit in ("1", "2", "3", "10"):
        seen, cursor = [], None
        while True:
            params = {**window, "limit": limit, **({"cursor": cursor} if cursor else {})}
            page = _list_project(studio, project, **params)
            seen += [t["trace_id"] for t in page["traces"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == expected, (limit, seen)
    first = _list_project(studio, project, **window, limit="2")["traces"]
    assert first[1]["trace_id"] == tids["split"] and first[1]["span_count"] == 2
    assert first[1]["start_time_unix_nano"] == now - 2 * hour


def test_span_search_newest_first_across_windows(studio) -> None:
    """Spans an hour, a day and six days old, a common tool and a rare one: every
    page is the true newest-first page whichever window answers it, paging
    included, and a filter matching one old span finds it past the narrow windows."""
    project = "span-windows"
    hour = 3600 * 10**9
    now = time.time_ns()
    ages = [hour // 4, hour // 2, 2 * hour, 5 * hour, 20 * hour, 30 * hour, 6 * 24 * hour]
    spans = [
        make_span(
            new_trace_id(),
            name=f"tool-{i}",
            start_ns=now - age,
            attributes={"tool.name": "search" if age != 30 * hour else "rare"},
        )
        for i, age in enumerate(ages)
    ]
    resp = post_protobuf(studio.otlp_http, make_request(spans), {"X-GLS-Project": project})
    assert resp.status_code == 200
    window = {"start": str((now - 7 * 24 * hour) // 10**6), "end": str(now // 10**6 + 1)}
    base = f"/api/v1/projects/{project}/spans"
    expected = [f"tool-{i}" for i, age in enumerate(ages) if age != 30 * hour]
    for limit in ("1", "2", "3", "10"):
        seen, cursor = [], None
        while True:
            params = {**window, "attribute": "tool.name=search", "limit": limit}
            page = checked_get(studio.api, base, **params, **({"cursor": cursor} if cursor else {}))
            seen += [s["name"] for s in page["spans"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == expected, (limit, seen)
    rare = checked_get(studio.api, base, **window, attribute="tool.name=rare", limit="1")
    assert [s["name"] for s in rare["spans"]] == ["tool-5"] and rare["next_cursor"] is None
    everything = checked_get(studio.api, base, **window, limit="4")["spans"]
    assert [s["name"] for s in everything] == ["tool-0", "tool-1", "tool-2", "tool-3"]


def _list_project(studio, project, **params):
    return checked_get(studio.api, f"/api/v1/projects/{project}/traces", **params)


def test_served_openapi_is_the_checked_one(studio) -> None:
    from pathlib import Path

    resp = requests.get(studio.api + "/api/openapi.yaml", timeout=10)
    assert resp.status_code == 200
    spec = Path(__file__).resolve().parents[2] / "api" / "openapi.yaml"
    assert resp.content == spec.read_bytes()
    index = requests.get(studio.api + "/", timeout=10).json()
    assert index["openapi"] == "/api/openapi.yaml" and index["otlp_http"] == "/v1/traces"
