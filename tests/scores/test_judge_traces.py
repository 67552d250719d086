"""The Studio's own LLM judge calls traced into the Studio: a judge's score on a
trace (POST .../evaluate) and a judge tried on values (judge-run) each give one
trace in the project, environment gls-evaluator, service greenlang-studio, that
GET .../traces/{judge_trace_id} opens: the judge span (case and verdict) and the
provider call as its LLM child (GenAI attributes, the provider's token usage, a
cost as the model is priced). A failing provider gives an error score and an
error-status trace; the provider's key is in no span, even when the provider
echoes it in its error; a trace the ingest refuses leaves the score without
one. The provider is the real local OpenAI-compatible server
in tests/support; everything is checked against api/openapi.yaml."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from scores_api import checked, send_trace

from conftest import Studio, make_studio
from openapi_check import checked_get, checked_put
from support.openai_compatible_server import (
    TEST_API_KEY,
    OpenAICompatibleServer,
    prompt_contains,
)

PROJECT = "judge-traces"
BASE = f"/api/v1/projects/{PROJECT}"
# A model the price data knows: the judge's call gets a cost.
PRICED_MODEL = "gpt-4o-mini"


@pytest.fixture(scope="module")
def provider(studio: Studio) -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer(api_key=TEST_API_KEY) as server:
        checked_put(
            studio.api,
            f"{BASE}/judge-provider",
            {"base_url": server.base_url, "model": PRICED_MODEL, "api_key": TEST_API_KEY},
        )
        yield server


@pytest.fixture(scope="module")
def sent(studio: Studio) -> tuple[str, str, str | None]:
    return send_trace(studio, PROJECT, "qa", "Paris is the capital.", "Capital of France?")


def evaluate(studio: Studio, trace_id: str, document: Any) -> Any:
    return checked("POST", studio.api, f"{BASE}/traces/{trace_id}/evaluate", document)


def judge_trace(studio: Studio, trace_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(root, LLM child) of a judge's trace, as the trace API answers them."""
    spans = checked_get(studio.api, f"{BASE}/traces/{trace_id}")["spans"]
    assert len(spans) == 2, spans
    (root,) = [s for s in spans if not s["parent_span_id"]]
    (llm,) = [s for s in spans if s["parent_span_id"] == root["span_id"]]
    return root, llm


def test_a_judge_score_opens_its_trace(
    studio: Studio, sent: tuple, provider: OpenAICompatibleServer
) -> None:
    trace_id, root_span, _ = sent
    provider.on(
        prompt_contains("Paris is the capital."),
        times=1,
        content="EXPLANATION: It says Paris.\nLABEL: correct",
    )
    answer = evaluate(studio, trace_id, {"judge": "correctness", "expected": "Paris"})
    judge_trace_id = answer["score"]["judge_trace_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", judge_trace_id) and judge_trace_id != trace_id
    assert answer["stored"]["judge_trace_id"] == judge_trace_id
    listed = checked_get(studio.api, f"{BASE}/traces/{trace_id}/scores")["scores"]
    assert [s["judge_trace_id"] for s in listed if s["evaluator"] == "correctness"] == [
        judge_trace_id
    ]

    root, llm = judge_trace(studio, judge_trace_id)
    for span in (root, llm):
        assert (span["environment"], span["service_name"]) == ("gls-evaluator", "greenlang-studio")
    assert (root["name"], root["span_type"], root["status"]["code"]) == (
        "judge correctness",
        "evaluator",
        1,
    )
    attributes = root["attributes"]
    assert attributes["gls.judge.label"] == "correct"
    assert attributes["gls.judge.score"] == 1.0
    assert attributes["gls.judge.explanation"] == "It says Paris."
    assert attributes["gls.eval.output"] == "Paris is the capital."
    assert attributes["gls.eval.input"] == "Capital of France?"
    assert attributes["gls.eval.expected"] == "Paris"
    assert attributes["gls.judge.subject.trace_id"] == trace_id
    assert attributes["gls.judge.subject.span_id"] == root_span
    assert json.loads(root["input"])["expected"] == "Paris"
    assert json.loads(root["output"])["label"] == "correct"

    judge = answer["score"]["judge"]
    assert (llm["name"], llm["span_type"], llm["kind"], llm["status"]["code"]) == (
        f"chat {PRICED_MODEL}",
        "llm",
        3,
        1,
    )
    assert llm["model"] == PRICED_MODEL
    assert llm["attributes"]["gen_ai.operation.name"] == "chat"
    assert llm["attributes"]["gen_ai.request.model"] == PRICED_MODEL
    assert llm["attributes"]["server.address"] == "127.0.0.1"
    assert llm["attributes"]["gls.llm.attempts"] == 1
    # tokens as the provider counted them
    assert llm["usage"]["input_tokens"] == judge["prompt_tokens"] > 0
    assert llm["usage"]["output_tokens"] == judge["completion_tokens"] > 0
    # the rendered messages (GenAI parts) and the completion
    messages = json.loads(llm["input"])
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "Paris is the capital." in messages[1]["parts"][0]["content"]
    assert provider.requests[-1].messages[1]["content"] == messages[1]["parts"][0]["content"]
    completion = json.loads(llm["output"])
    assert completion[0]["parts"][0]["content"] == "EXPLANATION: It says Paris.\nLABEL: correct"
    # priced by the normal enrichment, with its energy
    assert llm["cost"]["status"] == "priced" and llm["cost"]["llm_usd"] > 0
    assert llm["carbon"]["source"] == "llm"

    # kept out of a filter on the traced application's environment
    judged = checked_get(studio.api, f"{BASE}/traces", environment="gls-evaluator")["traces"]
    assert judge_trace_id in [t["trace_id"] for t in judged]
    assert trace_id not in [t["trace_id"] for t in judged]
    other = checked_get(studio.api, f"{BASE}/traces", service="scores-test")["traces"]
    assert judge_trace_id not in [t["trace_id"] for t in other]


def test_a_failing_provider_gives_an_error_score_and_an_error_trace(
    studio: Studio, sent: tuple, provider: OpenAICompatibleServer
) -> None:
    trace_id = sent[0]
    # A provider echoing the key in its error: the span holds it redacted.
    provider.fail_next(500, times=5, message=f"overloaded (key {TEST_API_KEY})")
    answer = evaluate(studio, trace_id, {"judge": "correctness", "expected": "Paris"})
    score = answer["score"]
    assert answer["stored"] is None and "500" in score["error"]
    root, llm = judge_trace(studio, score["judge_trace_id"])
    assert root["status"]["code"] == 2 and root["status"]["message"] == score["error"]
    assert llm["status"]["code"] == 2 and "overloaded" in llm["status"]["message"]
    assert llm["attributes"]["gls.llm.attempts"] == 4
    assert llm["attributes"]["http.response.status_code"] == 500
    (event,) = [e for e in llm["events"] if e["name"] == "exception"]
    assert event["attributes"]["exception.type"] == "RetryableProviderError"
    assert "[redacted]" in event["attributes"]["exception.message"]
    # no usage from the provider: the ingest estimates the prompt's, and says so
    assert llm["tokens_estimated"] == {"input": True, "output": False}
    provider.reset()


def test_judge_run_is_traced_too(studio: Studio, provider: OpenAICompatibleServer) -> None:
    provider.on(
        prompt_contains("Rome"), times=1, content="EXPLANATION: Off topic.\nLABEL: irrelevant"
    )
    score = checked(
        "POST",
        studio.api,
        f"{BASE}/evaluators/judge-run",
        {"judge": "relevance", "input": "Capital of France?", "output": "Rome has pasta."},
    )["score"]
    assert score["label"] == "irrelevant"
    root, llm = judge_trace(studio, score["judge_trace_id"])
    assert root["name"] == "judge relevance"
    assert root["attributes"]["gls.judge.label"] == "irrelevant"
    assert llm["model"] == PRICED_MODEL


def test_the_key_is_in_no_judge_span(studio: Studio, provider: OpenAICompatibleServer) -> None:
    traces = checked_get(studio.api, f"{BASE}/traces", environment="gls-evaluator")["traces"]
    assert len(traces) >= 3  # the tests above': a judge's, a failed one's, a judge-run's
    for summary in traces:
        spans = checked_get(studio.api, f"{BASE}/traces/{summary['trace_id']}")["spans"]
        for span in spans:
            text = json.dumps(span)
            assert TEST_API_KEY not in text, span["name"]
            assert TEST_API_KEY not in span["input"] + span["output"]
            assert "authorization" not in json.dumps(span["attributes"]).lower()


def test_a_trace_that_cannot_be_stored_leaves_the_score(tmp_path) -> None:
    # A Studio whose ingest takes no body this large: the judge's trace is refused
    # as a request would be (429), and the judge's score is answered without it.
    small = make_studio(tmp_path, "--max-inflight-bytes", "64").start()
    try:
        with OpenAICompatibleServer(api_key=TEST_API_KEY) as server:
            server.on(prompt_contains("Rome"), content="EXPLANATION: Off.\nLABEL: irrelevant")
            checked_put(
                small.api,
                f"{BASE}/judge-provider",
                {"base_url": server.base_url, "model": PRICED_MODEL, "api_key": TEST_API_KEY},
            )
            score = checked(
                "POST",
                small.api,
                f"{BASE}/evaluators/judge-run",
                {"judge": "relevance", "input": "Capital of France?", "output": "Rome."},
            )["score"]
        assert (score["label"], score["judge_trace_id"]) == ("irrelevant", None)
        assert any("was not stored" in line for line in small.output)
    finally:
        small.stop()
