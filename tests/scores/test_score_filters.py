"""The trace list filtered by scores (`score=<name>:<op>[:<value>]`) and carrying each
trace's scores, facets under a score filter, on a real Studio with traces sent by
the OTel SDK; every answer checked against api/openapi.yaml."""

from __future__ import annotations

from typing import Any

import pytest
from scores_api import ZeroEndedIds, checked, send_trace

from conftest import Studio
from openapi_check import checked_get

PROJECT = "scores-filters"
BASE = f"/api/v1/projects/{PROJECT}"


@pytest.fixture(scope="module")
def traces(studio: Studio) -> dict[str, tuple[str, str, str | None]]:
    sent = {key: send_trace(studio, PROJECT, f"trace {key}", f"answer {key}") for key in "abc"}
    (a, _, _), (b, _, b_span), _ = sent["a"], sent["b"], sent["c"]
    scores = [
        {"trace_id": a, "name": "helpful", "value": 0.75},
        {"trace_id": a, "name": "helpful", "value": 0.25},
        {"trace_id": a, "name": "tone", "value": "polite"},
        {"trace_id": b, "name": "helpful", "value": 0.125},
        {"trace_id": b, "name": "tone", "value": "rude"},
        {"trace_id": b, "name": "tone", "value": "rude"},
        {"trace_id": b, "span_id": b_span, "name": "thumbs", "value": True},
        {"id": "gone", "trace_id": a, "name": "thumbs", "value": True},
    ]
    checked("POST", studio.api, f"{BASE}/scores", {"scores": scores}, expect=201)
    checked("DELETE", studio.api, f"{BASE}/scores/gone", expect=204)
    return sent


def listed(studio: Studio, *filters: str) -> list[str]:
    page = checked_get(studio.api, f"{BASE}/traces", score=list(filters))
    return sorted(t["name"][-1] for t in page["traces"])


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["helpful:eq:0.5"], ["a"]),  # the trace's average
        (["helpful:gt:0.25"], ["a"]),
        (["helpful:le:0.5"], ["a", "b"]),
        (["helpful:lt:0.5"], ["b"]),
        (["helpful:ne:0.5"], ["b"]),
        (["helpful:ge:1"], []),
        (["tone:is:polite"], ["a"]),
        (["tone:not:polite"], ["b"]),
        (["thumbs:is:true"], ["b"]),  # a span's score counts for its trace; a ...
        (["thumbs:exists"], ["b"]),  # ... deleted score does not
        (["thumbs:missing"], ["a", "c"]),
        (["helpful:exists"], ["a", "b"]),
        (["helpful:missing"], ["c"]),
        (["helpful:exists", "tone:is:rude"], ["b"]),  # ANDed
        (["helpful:gt:0.4", "tone:is:rude"], []),
        (["nobody:exists"], []),
    ],
)
def test_score_filters(
    studio: Studio, traces: dict, filters: list[str], expected: list[str]
) -> None:
    assert listed(studio, *filters) == expected
    # facets under the filter count what the list selects
    facets = checked_get(studio.api, f"{BASE}/traces/facets", score=filters)
    assert facets["total"] == len(expected)


def test_the_list_carries_each_traces_scores(studio: Studio, traces: dict) -> None:
    page = checked_get(studio.api, f"{BASE}/traces")["traces"]
    by_name = {t["name"][-1]: t["scores"] for t in page}
    assert by_name["c"] == []
    assert by_name["a"] == [
        {"name": "helpful", "data_type": "numeric", "count": 2, "average": 0.5, "labels": []},
        {
            "name": "tone",
            "data_type": "categorical",
            "count": 1,
            "average": None,
            "labels": [{"label": "polite", "count": 1}],
        },
    ]
    a_trace = traces["a"][0]
    detail = checked_get(studio.api, f"{BASE}/traces/{a_trace}")
    assert detail["scores"] == by_name["a"]  # the trace detail carries them too
    assert by_name["b"][1:] == [
        {
            "name": "thumbs",
            "data_type": "boolean",
            "count": 1,
            "average": 1.0,
            "labels": [{"label": "true", "count": 1}],
        },
        {
            "name": "tone",
            "data_type": "categorical",
            "count": 2,
            "average": None,
            "labels": [{"label": "rude", "count": 2}],
        },
    ]


def test_an_edit_moves_a_trace_in_or_out(studio: Studio, traces: dict) -> None:
    c = traces["c"][0]
    stored = checked(
        "POST",
        studio.api,
        f"{BASE}/scores",
        {"trace_id": c, "name": "later", "value": 1},
        expect=201,
    )["scores"][0]
    assert listed(studio, "later:gt:0.5") == ["c"]
    checked("PATCH", studio.api, f"{BASE}/scores/{stored['id']}", {"value": 0})
    assert listed(studio, "later:gt:0.5") == []
    assert listed(studio, "later:exists") == ["c"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("helpful", "must be <name>:<op>[:<value>]"),
        ("helpful:about:1", "op one of"),
        ("helpful:gt:high", "gt compares with a number"),
        ("helpful:gt:nan", "gt compares with a number"),
        ("helpful:is:", "is needs a value"),
        ("helpful:exists:1", "exists takes no value"),
        (":exists", "name must be a non-empty string"),
    ],
)
def test_bad_score_filters_are_400s(studio: Studio, value: str, expected: str) -> None:
    for path in (f"{BASE}/traces", f"{BASE}/traces/facets"):
        answer: Any = checked_get(studio.api, path, expect=400, score=value)
        assert answer["error"]["message"].startswith("score: ")
        assert expected in answer["error"]["message"]


def test_trace_ids_ending_in_zero_bytes(studio: Studio) -> None:
    project = "scores-zero-ids"
    trace_id = send_trace(studio, project, "zero", "answer", ids=ZeroEndedIds())[0]
    assert trace_id.endswith("0000")
    scores = [{"trace_id": trace_id, "name": "zeroed", "value": 2}]
    checked("POST", studio.api, f"/api/v1/projects/{project}/scores", {"scores": scores}, 201)
    page = checked_get(studio.api, f"/api/v1/projects/{project}/traces", score="zeroed:gt:1")
    assert [(t["trace_id"], t["scores"][0]["average"]) for t in page["traces"]] == [(trace_id, 2.0)]
