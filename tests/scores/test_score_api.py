"""The scores API on a real Studio (traces sent by the OTel SDK, scores in chDB), every
answer checked against api/openapi.yaml: writing one or a batch, reading a trace's
and a span's, names, edits and deletes, and each kind of bad input refused whole
with a 400 naming the item and field."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from scores_api import checked, send_trace

from conftest import Studio
from openapi_check import checked_get

PROJECT = "scores-api"
BASE = f"/api/v1/projects/{PROJECT}"


@pytest.fixture(scope="module")
def traces(studio: Studio) -> list[tuple[str, str, str | None]]:
    return [send_trace(studio, PROJECT, f"trace {i}", f"answer {i}") for i in range(2)]


def post(studio: Studio, document: Any, expect: int = 201) -> Any:
    return checked("POST", studio.api, f"{BASE}/scores", document, expect)


def message(answer: Any) -> str:
    return answer["error"]["message"]


def test_one_score_and_a_batch_are_stored_and_read(studio: Studio, traces: list) -> None:
    (trace_a, _, span_a), (trace_b, _, _) = traces
    one = post(studio, {"trace_id": trace_a, "name": "helpful", "value": 0.75, "comment": "ok"})
    stored = one["scores"][0]
    assert (stored["data_type"], stored["value"], stored["source"]) == ("numeric", 0.75, "api")
    batch = post(
        studio,
        {
            "scores": [
                {"trace_id": trace_a, "name": "helpful", "value": 0.25},
                {"trace_id": trace_a, "span_id": span_a, "name": "tone", "value": "polite"},
                {
                    "trace_id": trace_a,
                    "name": "thumbs",
                    "value": True,
                    "source": "human",
                    "author": "ana",
                },
                {"trace_id": trace_b, "name": "thumbs", "data_type": "boolean", "value": 0},
            ]
        },
    )["scores"]
    assert [s["data_type"] for s in batch] == ["numeric", "categorical", "boolean", "boolean"]
    assert (batch[2]["value"], batch[2]["numeric_value"], batch[2]["string_value"]) == (
        True,
        1.0,
        "true",
    )
    got = checked_get(studio.api, f"{BASE}/traces/{trace_a}/scores")["scores"]
    assert sorted((s["name"], s["value"]) for s in got) == [
        ("helpful", 0.25),
        ("helpful", 0.75),
        ("thumbs", True),
        ("tone", "polite"),
    ]
    assert {s["id"] for s in got} == {stored["id"], *(s["id"] for s in batch[:3])}
    of_span = checked_get(studio.api, f"{BASE}/traces/{trace_a}/spans/{span_a}/scores")["scores"]
    assert [(s["name"], s["span_id"]) for s in of_span] == [("tone", span_a)]
    assert checked_get(studio.api, f"{BASE}/traces/{trace_a}/scores", span_id=span_a) == {
        "scores": of_span
    }
    assert checked_get(studio.api, f"{BASE}/scores", trace_id=trace_a) == {"scores": got}
    assert checked_get(studio.api, f"{BASE}/scores", trace_id=trace_a, span_id=span_a) == {
        "scores": of_span
    }
    names = {n["name"]: n for n in checked_get(studio.api, f"{BASE}/scores/names")["names"]}
    assert names["helpful"]["data_type"] == "numeric" and names["helpful"]["count"] == 2
    assert (names["helpful"]["min_value"], names["helpful"]["max_value"]) == (0.25, 0.75)
    assert names["thumbs"]["labels"] == [
        {"label": "false", "count": 1},
        {"label": "true", "count": 1},
    ] or names["thumbs"]["labels"] == [
        {"label": "true", "count": 1},
        {"label": "false", "count": 1},
    ]
    assert names["tone"]["labels"] == [{"label": "polite", "count": 1}]


def test_a_score_may_come_before_its_trace(studio: Studio) -> None:
    later = "ab" * 16
    stored = post(studio, {"trace_id": later, "name": "early", "value": 1})["scores"][0]
    assert checked_get(studio.api, f"{BASE}/traces/{later}/scores")["scores"] == [stored]


def test_edit_and_delete(studio: Studio, traces: list) -> None:
    trace_b = traces[1][0]
    stored = post(studio, {"trace_id": trace_b, "name": "edited", "value": "bad"})["scores"][0]
    path = f"{BASE}/scores/{stored['id']}"
    edited = checked("PATCH", studio.api, path, {"value": "good", "comment": "<b>fixed</b>"})
    assert (edited["value"], edited["comment"], edited["created_at_unix_nano"]) == (
        "good",
        "<b>fixed</b>",
        stored["created_at_unix_nano"],
    )
    assert edited["updated_at_unix_nano"] > stored["updated_at_unix_nano"]
    listed = checked_get(studio.api, f"{BASE}/traces/{trace_b}/scores")["scores"]
    assert [s for s in listed if s["id"] == stored["id"]] == [edited]
    checked("DELETE", studio.api, path, expect=204)
    listed = checked_get(studio.api, f"{BASE}/traces/{trace_b}/scores")["scores"]
    assert stored["id"] not in {s["id"] for s in listed}
    assert "not found" in message(checked("DELETE", studio.api, path, expect=404))
    assert "not found" in message(checked("PATCH", studio.api, path, {"value": "x"}, expect=404))


def test_resending_an_id_replaces_the_score(studio: Studio, traces: list) -> None:
    trace_b = traces[1][0]
    post(studio, {"id": "client-7", "trace_id": trace_b, "name": "resent", "value": 1})
    post(studio, {"id": "client-7", "trace_id": trace_b, "name": "resent", "value": 2})
    listed = checked_get(studio.api, f"{BASE}/traces/{trace_b}/scores")["scores"]
    assert [s["value"] for s in listed if s["id"] == "client-7"] == [2]
    moved = {"id": "client-7", "trace_id": traces[0][0], "name": "resent", "value": 3}
    assert "a resent id keeps its trace, span and name" in message(post(studio, moved, 400))
    renamed = {"id": "client-7", "trace_id": trace_b, "name": "other", "value": 3}
    assert message(post(studio, {"scores": [renamed]}, 400)).startswith("scores[0].id: score")


T = "cd" * 16
BAD_SCORES = [
    ({"name": "x", "value": 1}, "trace_id is required"),
    ({"trace_id": "xyz", "name": "x", "value": 1}, "trace_id must be 32 hex"),
    ({"trace_id": T, "span_id": "12", "name": "x", "value": 1}, "span_id must be 16 hex"),
    ({"trace_id": T, "value": 1}, "name must be a non-empty string"),
    ({"trace_id": T, "name": "a:b", "value": 1}, "name may not contain ':'"),
    ({"trace_id": T, "name": "x" * 201, "value": 1}, "name is over 200"),
    ({"trace_id": T, "name": "x"}, "value is required"),
    (
        {"trace_id": T, "name": "x", "data_type": "numeric", "value": "high"},
        "value must be a number",
    ),
    (
        {"trace_id": T, "name": "x", "data_type": "boolean", "value": 2},
        "value must be true or false",
    ),
    (
        {"trace_id": T, "name": "x", "data_type": "categorical", "value": 3},
        "value must be a non-empty string",
    ),
    ({"trace_id": T, "name": "x", "data_type": "percent", "value": 3}, "data_type must be one of"),
    ({"trace_id": T, "name": "x", "value": 1, "comment": "c" * 5001}, "comment is over 5000"),
    ({"trace_id": T, "name": "x", "value": 1, "source": "robot"}, "source must be one of"),
    ({"trace_id": T, "name": "x", "value": 1, "colour": "red"}, "colour is not a score field"),
    ({"trace_id": T, "name": "x", "value": 1, "id": "a b"}, "id must be 1-64"),
]


@pytest.mark.parametrize(("item", "expected"), BAD_SCORES)
def test_bad_scores_are_refused_naming_the_field(studio: Studio, item: Any, expected: str) -> None:
    assert expected in message(post(studio, item, expect=400))


def test_a_bad_item_refuses_the_whole_batch(studio: Studio) -> None:
    good = {"trace_id": T, "name": "batch-whole", "value": 1}
    answer = post(
        studio, {"scores": [good, good | {"value": "x", "data_type": "numeric"}]}, expect=400
    )
    assert message(answer).startswith("scores[1].value")
    repeated = [good | {"id": "same"}, good | {"id": "same"}]
    assert "scores[1].id repeats scores[0].id" in message(
        post(studio, {"scores": repeated}, expect=400)
    )
    assert "more than 1000" in message(post(studio, {"scores": [good] * 1001}, expect=400))
    assert "non-empty array" in message(post(studio, {"scores": []}, expect=400))
    assert checked_get(studio.api, f"{BASE}/traces/{T}/scores")["scores"] == []


def test_a_name_keeps_its_data_type(studio: Studio) -> None:
    post(studio, {"trace_id": T, "name": "typed", "value": 0.5})
    answer = post(studio, {"trace_id": T, "name": "typed", "value": "high"}, expect=400)
    assert "data_type: score 'typed' is numeric in this project, not categorical" in message(answer)
    mixed = [
        {"trace_id": T, "name": "fresh", "value": True},
        {"trace_id": T, "name": "fresh", "value": 3},
    ]
    assert message(post(studio, {"scores": mixed}, expect=400)).startswith("scores[1].data_type")


def test_bad_requests(studio: Studio, traces: list) -> None:
    assert "not valid JSON" in message(
        checked("POST", studio.api, f"{BASE}/scores", body=b"{", expect=400)
    )
    assert "application/json" in message(
        checked(
            "POST", studio.api, f"{BASE}/scores", body=b"{}", content_type="text/plain", expect=415
        )
    )
    assert "score_id" in message(
        checked("PATCH", studio.api, f"{BASE}/scores/a%20b", {"value": 1}, expect=400)
    )
    stored = post(studio, {"trace_id": T, "name": "patched", "value": 1})["scores"][0]
    path = f"{BASE}/scores/{stored['id']}"
    assert "name: only author, comment, data_type, value" in message(
        checked("PATCH", studio.api, path, {"name": "other"}, expect=400)
    )
    assert "value must be a number" in message(
        checked("PATCH", studio.api, path, {"value": "x"}, expect=400)
    )
    assert "a new data_type needs a value" in message(
        checked("PATCH", studio.api, path, {"data_type": "boolean"}, expect=400)
    )
    assert "trace_id must be 32 hex" in message(
        checked("GET", studio.api, f"{BASE}/traces/nothex/scores", expect=400)
    )
    assert "trace_id is required" in message(
        checked("GET", studio.api, f"{BASE}/scores", expect=400)
    )
    assert "span_id must be 16 hex" in message(
        checked("GET", studio.api, f"{BASE}/traces/{T}/spans/12/scores", expect=400)
    )
    resp = requests.get(f"{studio.api}/api/v1/projects/bad%20name/scores/names", timeout=30)
    assert resp.status_code == 400 and "project" in resp.json()["error"]["message"]


def test_a_patch_changes_the_type_of_a_names_only_score(studio: Studio) -> None:
    only = post(studio, {"trace_id": T, "name": "retyped", "value": 1})["scores"][0]
    path = f"{BASE}/scores/{only['id']}"
    retyped = checked("PATCH", studio.api, path, {"data_type": "categorical", "value": "one"})
    assert (retyped["data_type"], retyped["value"]) == ("categorical", "one")
    post(studio, {"trace_id": T, "name": "retyped", "value": "two"})
    answer = checked("PATCH", studio.api, path, {"data_type": "numeric", "value": 1}, expect=400)
    assert "is categorical in this project, not numeric" in message(answer)


def test_a_full_batch_is_read_whole(studio: Studio) -> None:
    # ~600 KB: more than the 128 KiB a single read of the body gave
    batch = [{"trace_id": T, "name": "bulk", "value": i, "comment": "é" * 250} for i in range(1000)]
    stored = post(studio, {"scores": batch})["scores"]
    assert [s["value"] for s in stored] == list(range(1000))
    names = {n["name"]: n for n in checked_get(studio.api, f"{BASE}/scores/names")["names"]}
    assert names["bulk"]["count"] == 1000


def test_bodies_too_large_or_too_deep(studio: Studio) -> None:
    big = b'{"scores": [' + b'{"comment": "' + b"x" * (8 << 20) + b'"}]}'
    answer = checked("POST", studio.api, f"{BASE}/scores", body=big, expect=413)
    assert "over 8388608 bytes" in message(answer)
    deep = '{"a":' * 70 + "1" + "}" * 70
    answer = checked("POST", studio.api, f"{BASE}/scores", body=deep.encode(), expect=400)
    assert "nests deeper than 64" in message(answer)
