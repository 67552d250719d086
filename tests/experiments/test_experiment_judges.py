"""LLM judges as an experiment's built-in evaluators, through the project's judge
provider (the real local OpenAI-compatible server): each run with an output judged,
the label and the judge's explanation kept as the score, a judge failure answered
as a score error and not stored, each judge's call traced into the project and
linked from its score (or its error); an experiment naming a judge in a project without
a provider refused naming the evaluator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from experiment_requests import call

from conftest import Studio
from support.openai_compatible_server import (
    TEST_API_KEY,
    OpenAICompatibleServer,
    prompt_contains,
)

PROJECT = "exp-judges"
P = f"/api/v1/projects/{PROJECT}"


def judge_spans(api: str, trace_id: str) -> dict[str, Any]:
    """{"root", "llm"} spans of a judge's trace."""
    spans = call("GET", api, f"{P}/traces/{trace_id}", 200)["spans"]
    assert len(spans) == 2, spans
    root = next(s for s in spans if not s["parent_span_id"])
    llm = next(s for s in spans if s["parent_span_id"] == root["span_id"])
    return {"root": root, "llm": llm}


@pytest.fixture(scope="module")
def provider() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer(api_key=TEST_API_KEY) as server:
        yield server


def test_judges_score_runs_with_their_explanations(
    studio: Studio, provider: OpenAICompatibleServer
) -> None:
    api = studio.api
    refused = requests.post(
        api + f"{P}/experiments", json={"dataset": "x", "evaluators": ["correctness"]}, timeout=60
    )
    assert refused.status_code in (400, 404)
    call("POST", api, f"{P}/datasets", 201, json_body={"name": "geo"})
    items = [
        {"id": "fr", "input": "Capital of France?", "expected": "Paris"},
        {"id": "jp", "input": "Capital of Japan?", "expected": "Tokyo"},
        {"id": "pe", "input": "Capital of Peru?", "expected": "Lima"},
    ]
    call("POST", api, f"{P}/datasets/geo/items", 201, json_body={"items": items})
    no_provider = requests.post(
        api + f"{P}/experiments",
        json={"dataset": "geo", "evaluators": ["exact_match", "correctness"]},
        timeout=60,
    )
    assert no_provider.status_code == 400
    assert no_provider.json()["error"]["message"].startswith("evaluators[1]: ")

    call(
        "PUT",
        api,
        f"{P}/judge-provider",
        200,
        json_body={"base_url": provider.base_url, "model": "judge-model", "api_key": TEST_API_KEY},
    )
    experiment = call(
        "POST",
        api,
        f"{P}/experiments",
        201,
        json_body={"dataset": "geo", "evaluators": ["correctness", "exact_match"]},
    )
    assert [e["kind"] for e in experiment["evaluators"]] == ["llm_judge", "heuristic"]
    provider.on(prompt_contains("Paris"), content="EXPLANATION: It names Paris.\nLABEL: correct")
    provider.on(prompt_contains("Osaka"), content="EXPLANATION: Osaka is not it.\nLABEL: incorrect")
    provider.on(prompt_contains("Lima"), content="no verdict here")
    runs = [
        {"item_id": "fr", "output": "Paris"},
        {"item_id": "jp", "output": "Osaka"},
        {"item_id": "pe", "output": "Lima"},
    ]
    recorded = call(
        "POST", api, f"{P}/experiments/{experiment['id']}/runs", 201, json_body={"runs": runs}
    )
    assert [(e["name"], e["run_id"]) for e in recorded["score_errors"]] == [
        ("correctness", recorded["runs"][2]["id"])
    ]
    # the unparsable answer's call is traced, its trace named with the error
    unparsed = judge_spans(api, recorded["score_errors"][0]["judge_trace_id"])
    assert unparsed["root"]["status"]["code"] == 2
    assert unparsed["llm"]["status"]["code"] == 1  # the call itself went well
    page = call("GET", api, f"{P}/experiments/{experiment['id']}/results", 200)
    judged = {
        r["item_id"]: next((s for s in r["scores"] if s["name"] == "correctness"), None)
        for r in page["results"]
    }
    assert judged["fr"]["value"] == "correct" and judged["fr"]["numeric_value"] == 1.0
    assert judged["fr"]["explanation"] == "It names Paris."
    assert (
        judged["jp"]["value"] == "incorrect" and judged["jp"]["explanation"] == "Osaka is not it."
    )
    assert judged["pe"] is None  # unparsable: an error, not a score
    # each judge score links to its own call's trace
    for item, label in (("fr", "correct"), ("jp", "incorrect")):
        score = judged[item]
        run = next(r for r in page["results"] if r["item_id"] == item)
        assert score["trace_url"] == f"/#/{PROJECT}/trace/{score['judge_trace_id']}"
        assert score["trace_id"] == score["judge_trace_id"] != run["trace_id"]
        spans = judge_spans(api, score["judge_trace_id"])
        assert spans["root"]["name"] == "judge correctness"
        assert spans["root"]["environment"] == "gls-evaluator"
        assert spans["root"]["attributes"]["gls.judge.label"] == label
        assert spans["root"]["attributes"]["gls.experiment.run_id"] == run["id"]
        assert spans["llm"]["model"] == "judge-model" and spans["llm"]["usage"]["input_tokens"]
    heuristic = next(s for s in page["results"][0]["scores"] if s["name"] == "exact_match")
    assert heuristic["judge_trace_id"] is None and heuristic["trace_url"] is None
    aggregates = call("GET", api, f"{P}/experiments/{experiment['id']}/aggregates", 200)
    assert aggregates["scores"]["correctness"]["labels"] == {"correct": 1, "incorrect": 1}
