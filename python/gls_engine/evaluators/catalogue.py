"""The catalogue: every built-in evaluator by name, and the built-in judge templates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gls_engine.errors import InvalidParameterError
from gls_engine.evaluators.contains import Contains
from gls_engine.evaluators.evaluator import Evaluator
from gls_engine.evaluators.exact_match import ExactMatch
from gls_engine.evaluators.json_schema import JsonSchemaMatch
from gls_engine.evaluators.json_validity import JsonValidity
from gls_engine.evaluators.judge_templates import BUILTIN_JUDGE_TEMPLATES
from gls_engine.evaluators.numeric_tolerance import NumericTolerance
from gls_engine.evaluators.regex_match import RegexMatch
from gls_engine.evaluators.string_similarity import StringSimilarity

HEURISTIC_EVALUATORS: dict[str, type[Evaluator]] = {
    e.name: e
    for e in (
        ExactMatch,
        Contains,
        RegexMatch,
        JsonValidity,
        JsonSchemaMatch,
        NumericTolerance,
        StringSimilarity,
    )
}


def build_evaluator(
    name: str, parameters: Mapping[str, Any] | None = None, field: str = "evaluator"
) -> Evaluator:
    """A heuristic evaluator by name, its parameters checked (400 naming what is wrong)."""
    evaluator_class = HEURISTIC_EVALUATORS.get(name)
    if evaluator_class is None:
        if name in BUILTIN_JUDGE_TEMPLATES:
            raise InvalidParameterError(
                f"{field} {name!r} is an LLM judge: it runs with a project's judge provider, "
                "not here"
            )
        raise InvalidParameterError(
            f"{field} must be one of {', '.join(HEURISTIC_EVALUATORS)} (got {name!r})"
        )
    return evaluator_class(parameters)


def catalogue() -> dict[str, Any]:
    return {
        "evaluators": [
            *(e.describe() for e in HEURISTIC_EVALUATORS.values()),
            *(
                {
                    "name": t.name,
                    "kind": "llm_judge",
                    "score_kind": "categorical",
                    "description": t.description,
                    "needs_expected": "expected" in t.variables,
                    "parameters": None,
                }
                for t in BUILTIN_JUDGE_TEMPLATES.values()
            ),
        ],
        "judge_templates": [t.to_json() for t in BUILTIN_JUDGE_TEMPLATES.values()],
    }
