"""A Score: what an evaluator says of one case.

Three kinds, as Langfuse and Phoenix store them: numeric (a value), categorical
(a label, with the value its rail maps to, if any) and boolean (pass / fail,
value 1.0 / 0.0); a numeric score with a threshold carries its verdict too. A score that could not be computed (a judge that did not
answer, an answer that did not parse) carries `error` and no value, rather than
failing the run it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ScoreKind = Literal["numeric", "categorical", "boolean"]
SCORE_KINDS: tuple[ScoreKind, ...] = ("numeric", "categorical", "boolean")


@dataclass(frozen=True)
class JudgeCall:
    """The call an LLM judge made for a score: enough to see what it cost and said."""

    model: str
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: float
    attempts: int
    response: str

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "latency_ms": round(self.latency_ms, 3),
            "attempts": self.attempts,
            "response": self.response,
        }


@dataclass(frozen=True)
class Score:
    name: str
    kind: ScoreKind
    value: float | None = None
    label: str | None = None
    # The verdict: a boolean score's own, or a numeric score's against its threshold.
    passed: bool | None = None
    explanation: str | None = None
    error: str | None = None
    judge: JudgeCall | None = None
    # The judge's own trace in the Studio (self_traces), once stored.
    judge_trace_id: str | None = None

    @classmethod
    def boolean(cls, name: str, passed: bool, explanation: str | None = None) -> Score:
        return cls(
            name,
            "boolean",
            value=1.0 if passed else 0.0,
            label="pass" if passed else "fail",
            passed=passed,
            explanation=explanation,
        )

    @classmethod
    def failed(
        cls, name: str, kind: ScoreKind, error: str, judge: JudgeCall | None = None
    ) -> Score:
        return cls(name, kind, error=error, judge=judge)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "value": self.value,
            "label": self.label,
            "passed": self.passed,
            "explanation": self.explanation,
            "error": self.error,
            "judge": None if self.judge is None else self.judge.to_json(),
            "judge_trace_id": self.judge_trace_id,
        }
