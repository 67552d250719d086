"""LLM judges against a real OpenAI-compatible server: scores, call details, and
error scores (never exceptions) when the judge fails or says something unparsable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gls_engine.evaluators import (
    BUILTIN_JUDGE_TEMPLATES,
    EvalCase,
    JudgeTemplate,
    LLMJudge,
    OpenAICompatibleClient,
    RetryPolicy,
)

from support.openai_compatible_server import TEST_API_KEY, OpenAICompatibleServer, prompt_contains

CASE = EvalCase("Paris.", input="What is the capital of France?", expected="Paris")


@pytest.fixture
def provider() -> Iterator[OpenAICompatibleServer]:
    """A real OpenAI-compatible server on a loopback port, wanting TEST_API_KEY."""
    with OpenAICompatibleServer(api_key=TEST_API_KEY) as server:
        yield server


def judge(server: OpenAICompatibleServer, name: str = "correctness", **kwargs) -> LLMJudge:
    client = OpenAICompatibleClient(
        server.base_url, TEST_API_KEY, retry=RetryPolicy(max_attempts=2, base_delay_s=0.001)
    )
    return LLMJudge(BUILTIN_JUDGE_TEMPLATES[name], client, "judge-model", **kwargs)


async def test_a_correct_answer_scores_1_with_the_call(provider: OpenAICompatibleServer) -> None:
    provider.on(
        prompt_contains("<reference_answer>\nParis\n</reference_answer>"),
        content="EXPLANATION: Both name Paris.\nLABEL: correct",
    )
    correctness = judge(provider)
    score = await correctness.evaluate(CASE)
    await correctness.client.close()  # type: ignore[attr-defined]
    assert (score.kind, score.label, score.value, score.error) == (
        "categorical",
        "correct",
        1.0,
        None,
    )
    assert score.explanation == "Both name Paris."
    assert score.judge is not None
    assert score.judge.model == "judge-model" and score.judge.attempts == 1
    assert score.judge.completion_tokens == 6 and score.judge.prompt_tokens > 100
    assert score.judge.response.endswith("LABEL: correct")
    sent = provider.requests[-1]
    assert sent.body["temperature"] == 0.0
    assert [m["role"] for m in sent.messages] == ["system", "user"]
    assert "<submitted_answer>\nParis.\n</submitted_answer>" in sent.last_user_message


async def test_an_unparsable_answer_is_an_error_score(provider: OpenAICompatibleServer) -> None:
    provider.on(content="Hard to say; partly correct and partly incorrect.")
    correctness = judge(provider)
    score = await correctness.evaluate(CASE)
    await correctness.client.close()  # type: ignore[attr-defined]
    assert score.value is None and score.label is None
    assert score.error == (
        "the judge's answer did not parse: the answer names several labels: correct, incorrect"
    )
    assert score.judge is not None and score.judge.response.startswith("Hard to say")


async def test_a_failing_provider_is_an_error_score(provider: OpenAICompatibleServer) -> None:
    provider.fail_next(500, times=5, message="model overloaded")
    toxicity = judge(provider, "toxicity")
    score = await toxicity.evaluate(EvalCase("You are wonderful."))
    await toxicity.client.close()  # type: ignore[attr-defined]
    assert score.error == "the judge's call failed: the provider answered 500: model overloaded"
    assert score.judge is None and len(provider.requests) == 2


async def test_a_judge_needing_the_reference_says_so(provider: OpenAICompatibleServer) -> None:
    correctness = judge(provider)
    score = await correctness.evaluate(EvalCase("Paris", input="Capital of France?"))
    await correctness.client.close()  # type: ignore[attr-defined]
    assert score.error is not None and "no expected output" in score.error
    assert provider.requests == []


async def test_an_edited_template_parses_json(provider: OpenAICompatibleServer) -> None:
    edited = JudgeTemplate.from_json(
        {
            **BUILTIN_JUDGE_TEMPLATES["relevance"].to_json(),
            "name": "relevance-json",
            "parse": "json",
        }
    )
    provider.on(content='{"explanation": "It answers the question.", "label": "relevant"}')
    client = OpenAICompatibleClient(provider.base_url, TEST_API_KEY)
    score = await LLMJudge(edited, client, "judge-model").evaluate(CASE)
    await client.close()
    assert (score.name, score.label, score.value) == ("relevance-json", "relevant", 1.0)
    assert score.explanation == "It answers the question."
    assert "Answer with a JSON object" in provider.requests[-1].last_user_message
