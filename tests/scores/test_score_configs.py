"""Score configs on a real Studio (metadata on SQLite), checked against api/openapi.yaml:
stored, listed and deleted; scores of a configured name checked against it (type,
labels, bounds) on POST, PATCH and evaluate, with 400s naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from scores_api import checked, send_trace

from conftest import Studio
from openapi_check import checked_get

PROJECT = "scores-configs"
BASE = f"/api/v1/projects/{PROJECT}"
T = "ab" * 16


def put(studio: Studio, document: Any, expect: int = 200) -> Any:
    return checked("PUT", studio.api, f"{BASE}/score-configs", document, expect)


def post(studio: Studio, document: Any, expect: int = 201) -> Any:
    return checked("POST", studio.api, f"{BASE}/scores", document, expect)


def message(answer: Any) -> str:
    return answer["error"]["message"]


def test_configs_are_stored_listed_and_deleted(studio: Studio) -> None:
    tone = put(
        studio,
        {"name": "tone", "data_type": "categorical", "categories": ["polite", "rude"]},
    )
    assert (tone["categories"], tone["min_value"]) == (["polite", "rude"], None)
    rating = put(
        studio,
        {
            "name": "rating",
            "data_type": "numeric",
            "min_value": 1,
            "max_value": 5,
            "description": "<b>stars</b>",
        },
    )
    assert (rating["min_value"], rating["max_value"], rating["description"]) == (
        1.0,
        5.0,
        "<b>stars</b>",
    )
    again = put(studio, {"name": "rating", "data_type": "numeric", "min_value": 0})
    assert (again["min_value"], again["max_value"]) == (0.0, None)
    listed = checked_get(studio.api, f"{BASE}/score-configs")["configs"]
    assert [c["name"] for c in listed] == ["rating", "tone"]
    checked("DELETE", studio.api, f"{BASE}/score-configs?name=rating", expect=204)
    assert [c["name"] for c in checked_get(studio.api, f"{BASE}/score-configs")["configs"]] == [
        "tone"
    ]
    assert "has no config" in message(
        checked("DELETE", studio.api, f"{BASE}/score-configs?name=rating", expect=404)
    )


def test_scores_follow_their_config(studio: Studio) -> None:
    put(studio, {"name": "mood", "data_type": "categorical", "categories": ["calm", "angry"]})
    put(studio, {"name": "stars", "data_type": "numeric", "min_value": 1, "max_value": 5})
    post(studio, {"trace_id": T, "name": "mood", "value": "calm"})
    post(studio, {"trace_id": T, "name": "stars", "value": 5})
    assert message(post(studio, {"trace_id": T, "name": "mood", "value": "sad"}, 400)) == (
        "value: score 'mood' takes one of calm, angry"
    )
    assert "value: score 'stars' takes values from 1.0 to 5.0" in message(
        post(studio, {"scores": [{"trace_id": T, "name": "stars", "value": 6}]}, 400)
    ).replace("scores[0].", "")
    assert "is configured numeric, not categorical" in message(
        post(studio, {"trace_id": T, "name": "stars", "value": "high"}, 400)
    )
    stored = post(studio, {"trace_id": T, "name": "stars", "value": 2})["scores"][0]
    patched = checked("PATCH", studio.api, f"{BASE}/scores/{stored['id']}", {"value": 0}, 400)
    assert "takes values from 1.0 to 5.0" in message(patched)


def test_an_evaluator_follows_the_config(studio: Studio) -> None:
    trace_id = send_trace(studio, PROJECT, "evaluated", "answer", child=False)[0]
    put(studio, {"name": "has-answer", "data_type": "categorical", "categories": ["yes"]})
    answer = checked(
        "POST",
        studio.api,
        f"{BASE}/traces/{trace_id}/evaluate",
        {"evaluator": "contains", "parameters": {"values": ["answer"]}, "name": "has-answer"},
        400,
    )
    assert "is configured categorical, not boolean" in message(answer)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"data_type": "numeric"}, "name must be a non-empty string"),
        ({"name": "x", "data_type": "percent"}, "data_type must be one of"),
        ({"name": "x", "data_type": "categorical"}, "categories: a categorical config lists"),
        (
            {"name": "x", "data_type": "categorical", "categories": ["a", "a"]},
            "categories[1] repeats",
        ),
        (
            {"name": "x", "data_type": "categorical", "categories": [""]},
            "categories[0]: value must",
        ),
        ({"name": "x", "data_type": "numeric", "categories": ["a"]}, "only a categorical config"),
        ({"name": "x", "data_type": "boolean", "min_value": 0}, "only a numeric config has bounds"),
        (
            {"name": "x", "data_type": "numeric", "min_value": 2, "max_value": 1},
            "min_value is above",
        ),
        ({"name": "x", "data_type": "numeric", "max_value": "5"}, "max_value must be a finite"),
        ({"name": "x", "data_type": "numeric", "colour": 1}, "colour is not a score config field"),
    ],
)
def test_bad_configs_are_400s(studio: Studio, document: Any, expected: str) -> None:
    assert expected in message(put(studio, document, 400))


def test_a_config_cannot_retype_stored_scores(studio: Studio) -> None:
    post(studio, {"trace_id": T, "name": "typed-before", "value": 0.5})
    answer = put(studio, {"name": "typed-before", "data_type": "boolean"}, 400)
    assert "data_type: the project's scores 'typed-before' are numeric" in message(answer)
    assert "name must be" in message(
        checked("DELETE", studio.api, f"{BASE}/score-configs?name=", expect=400)
    )
