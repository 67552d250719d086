"""LLM-as-judge: a template rendered for a case, sent to an OpenAI-compatible
model, its answer parsed into a categorical score.

Nothing that goes wrong fails the run the score belongs to: a template that
cannot render, a provider that refuses or times out (after the client's
retries), an answer that names no label: each gives an error score saying why,
with the judge's call when there was one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from gls_engine.errors import InvalidParameterError
from gls_engine.evaluators.eval_case import EvalCase
from gls_engine.evaluators.judge_parsing import JudgeAnswerError, parse_answer
from gls_engine.evaluators.judge_template import JudgeTemplate
from gls_engine.evaluators.openai_client import ChatCompletion
from gls_engine.evaluators.provider_errors import ProviderError
from gls_engine.evaluators.score import JudgeCall, Score


class ChatClient(Protocol):
    async def complete(
        self,
        messages: Sequence[Mapping[str, Any]],
        model: str,
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> ChatCompletion: ...


class LLMJudge:
    kind = "llm_judge"
    score_kind = "categorical"

    def __init__(
        self,
        template: JudgeTemplate,
        client: ChatClient,
        model: str,
        *,
        temperature: float | None = 0.0,
        max_tokens: int | None = None,
    ) -> None:
        self.template = template
        self.client = client
        self.model = model
        self.temperature = temperature
        self.max_tokens = max_tokens

    @property
    def name(self) -> str:
        return self.template.name

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "score_kind": self.score_kind, **self.template.to_json()}

    def _failed(self, error: str, judge: JudgeCall | None = None) -> Score:
        return Score.failed(self.name, "categorical", error, judge)

    async def evaluate(self, case: EvalCase) -> Score:
        if "expected" in self.template.variables and case.expected is None:
            return self._failed("the case has no expected output, which this judge compares with")
        try:
            messages = self.template.render(case)
        except InvalidParameterError as exc:
            return self._failed(str(exc))
        try:
            completion = await self.client.complete(
                messages, self.model, temperature=self.temperature, max_tokens=self.max_tokens
            )
        except ProviderError as exc:
            return self._failed(f"the judge's call failed: {exc}")
        judge = JudgeCall(
            model=completion.model,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            latency_ms=completion.latency_ms,
            attempts=completion.attempts,
            response=completion.content,
        )
        try:
            verdict = parse_answer(completion.content, self.template)
        except JudgeAnswerError as exc:
            return self._failed(f"the judge's answer did not parse: {exc}", judge)
        return Score(
            self.name,
            "categorical",
            value=verdict.choice.score,
            label=verdict.choice.label,
            explanation=verdict.explanation,
            judge=judge,
        )
