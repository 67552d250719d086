"""POST .../traces/{trace_id}/evaluate on a real Studio: a built-in evaluator and an LLM
judge (through the real local OpenAI-compatible server as the project's provider) over
a trace sent by the OTel SDK, the score stored with source evaluator; checked against
api/openapi.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from scores_api import checked, send_trace

from conftest import Studio
from openapi_check import checked_get, checked_put
from support.openai_compatible_server import (
    TEST_API_KEY,
    OpenAICompatibleServer,
    prompt_contains,
)

PROJECT = "scores-evaluate"
BASE = f"/api/v1/projects/{PROJECT}"


@pytest.fixture(scope="module")
def provider() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer(api_key=TEST_API_KEY) as server:
        yield server


@pytest.fixture(scope="module")
def sent(studio: Studio) -> tuple[str, str, str | None]:
    return send_trace(studio, PROJECT, "qa", "Paris is the capital.", "Capital of France?")


def evaluate(studio: Studio, trace_id: str, document: Any, expect: int = 200) -> Any:
    return checked("POST", studio.api, f"{BASE}/traces/{trace_id}/evaluate", document, expect)


def test_a_heuristic_evaluator_scores_the_root_span(studio: Studio, sent: tuple) -> None:
    trace_id, root, _ = sent
    answer = evaluate(
        studio, trace_id, {"evaluator": "contains", "parameters": {"values": ["Paris"]}}
    )
    stored = answer["stored"]
    assert answer["score"]["passed"] is True
    assert (stored["name"], stored["data_type"], stored["value"]) == ("contains", "boolean", True)
    assert (stored["source"], stored["evaluator"], stored["span_id"]) == (
        "evaluator",
        "contains",
        root,
    )
    assert stored in checked_get(studio.api, f"{BASE}/traces/{trace_id}/scores")["scores"]


def test_one_span_with_an_expected_output_and_a_name(studio: Studio, sent: tuple) -> None:
    trace_id, _, child = sent
    stored = evaluate(
        studio,
        trace_id,
        {
            "evaluator": "exact_match",
            "span_id": child,
            "expected": "inner answer",
            "name": "inner-exact",
        },
    )["stored"]
    assert (stored["name"], stored["span_id"], stored["value"]) == ("inner-exact", child, True)


def test_a_judge_through_the_projects_provider(
    studio: Studio, sent: tuple, provider: OpenAICompatibleServer
) -> None:
    trace_id = sent[0]
    checked_put(
        studio.api,
        f"{BASE}/judge-provider",
        {"base_url": provider.base_url, "model": "judge-model", "api_key": TEST_API_KEY},
    )
    provider.on(
        prompt_contains("Paris is the capital."),
        times=1,
        content="EXPLANATION: It says Paris.\nLABEL: correct",
    )
    answer = evaluate(studio, trace_id, {"judge": "correctness", "expected": "Paris"})
    stored = answer["stored"]
    assert (stored["data_type"], stored["value"], stored["numeric_value"]) == (
        "categorical",
        "correct",
        1.0,
    )
    assert (stored["comment"], stored["evaluator"]) == ("It says Paris.", "correctness")
    # A judge that fails gives an error score, and nothing is stored.
    provider.fail_next(500, times=5, message="down")
    failed = evaluate(studio, trace_id, {"judge": "correctness", "expected": "Paris"})
    assert failed["stored"] is None and failed["score"]["error"]
    names = [
        s["evaluator"]
        for s in checked_get(studio.api, f"{BASE}/traces/{trace_id}/scores")["scores"]
    ]
    assert names.count("correctness") == 1


def test_refusals(studio: Studio, sent: tuple) -> None:
    trace_id, _, _ = sent

    def refused(document: Any, trace: str = trace_id, expect: int = 400) -> str:
        return evaluate(studio, trace, document, expect)["error"]["message"]

    assert "evaluator, judge or template is required" in refused({})
    assert "evaluator must be one of" in refused({"evaluator": "nope"})
    assert "pattern" in refused({"evaluator": "regex"})
    assert "judge must be one of" in refused({"judge": "nope"})
    assert "name may not contain ':'" in refused({"evaluator": "json_valid", "name": "a:b"})
    assert "span_id must be 16 hex" in refused({"evaluator": "json_valid", "span_id": "x"})
    assert "not found" in refused({"evaluator": "json_valid"}, "ef" * 16, 404)
    assert "not found" in refused({"evaluator": "json_valid", "span_id": "12" * 8}, trace_id, 404)
    # a name keeps its type: contains (boolean) cannot write a numeric name
    checked(
        "POST",
        studio.api,
        f"{BASE}/scores",
        {"trace_id": trace_id, "name": "numeric-name", "value": 0.5},
        expect=201,
    )
    assert "is numeric in this project" in refused(
        {"evaluator": "json_valid", "name": "numeric-name"}
    )
