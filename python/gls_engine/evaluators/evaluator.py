"""The shape every evaluator has: a name, a kind, parameters (validated, described by
a JSON Schema) and a way to score a case.

Heuristic evaluators (this module's subclasses) score synchronously in
microseconds to milliseconds; an LLM judge (llm_judge.py) has the same
`describe()` and `evaluate()` but calls a provider. Callers that run both use
`await evaluator.evaluate(case)`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from gls_engine.evaluators.eval_case import EvalCase
from gls_engine.evaluators.parameters import validated_parameters
from gls_engine.evaluators.score import Score, ScoreKind

EvaluatorKind = Literal["heuristic", "llm_judge"]


class Evaluator(ABC):
    name: ClassVar[str]
    kind: ClassVar[EvaluatorKind] = "heuristic"
    score_kind: ClassVar[ScoreKind]
    description: ClassVar[str]
    parameter_schema: ClassVar[dict[str, Any]]
    # Whether the evaluator reads the case's expected output.
    needs_expected: ClassVar[bool] = False

    def __init__(self, parameters: Mapping[str, Any] | None = None) -> None:
        self.parameters = validated_parameters(self.parameter_schema, parameters)
        self.configure()

    def configure(self) -> None:
        """Checks and preparations beyond the schema (compiling a pattern, a schema)."""
        return None

    @abstractmethod
    def score(self, case: EvalCase) -> Score: ...

    async def evaluate(self, case: EvalCase) -> Score:
        return self.score(case)

    def missing_expected(self) -> Score:
        return Score.failed(self.name, self.score_kind, "the case has no expected output")

    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {
            "name": cls.name,
            "kind": cls.kind,
            "score_kind": cls.score_kind,
            "description": cls.description,
            "needs_expected": cls.needs_expected,
            "parameters": cls.parameter_schema,
        }
