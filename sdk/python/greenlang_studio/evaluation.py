"""Evaluators as run_experiment takes them: built-in names the Studio runs (a name,
(name, parameters), or {"evaluator", "parameters", "name"}), or Python callables
run here on each run's output. A callable asks for what it needs by parameter
name (output, expected, input, metadata), as Phoenix's evaluators do, and answers
a bool, a number, a label (str), a dict (score / label / explanation) or an
EvaluationResult."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

ARGUMENTS = ("output", "expected", "input", "metadata")


@dataclass(frozen=True)
class EvaluationResult:
    score: float | bool | None = None
    label: str | None = None
    explanation: str | None = None


def split_evaluators(
    evaluators: Iterable[Any] | None,
) -> tuple[list[dict[str, Any]], list[tuple[str, Callable[..., Any]]]]:
    """(built-ins for the Studio, (score name, callable) to run here)."""
    builtins: list[dict[str, Any]] = []
    local: list[tuple[str, Callable[..., Any]]] = []
    for entry in evaluators or []:
        if isinstance(entry, str):
            builtins.append({"evaluator": entry})
        elif isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str):
            builtins.append({"evaluator": entry[0], "parameters": dict(entry[1])})
        elif isinstance(entry, dict):
            builtins.append(dict(entry))
        elif callable(entry):
            name = getattr(entry, "name", None) or getattr(entry, "__name__", None) or "evaluator"
            local.append((str(name), entry))
        else:
            raise TypeError(f"an evaluator is a built-in's name or a callable, not {entry!r}")
    return builtins, local


def call_evaluator(function: Callable[..., Any], case: dict[str, Any]) -> Any:
    parameters = inspect.signature(function).parameters
    if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return function(**case)
    wanted = {name: case[name] for name in parameters if name in case}
    if not wanted and parameters:
        return function(case["output"])  # one parameter of another name: the output
    return function(**wanted)


def score_document(run_id: str, name: str, result: Any) -> dict[str, Any] | None:
    """The score to send for a callable's answer (None: nothing to send)."""
    if isinstance(result, EvaluationResult):
        result = {"score": result.score, "label": result.label, "explanation": result.explanation}
    document: dict[str, Any] = {"run_id": run_id, "name": name, "evaluator": name}
    if isinstance(result, dict):
        explanation = result.get("explanation")
        if explanation:
            document["comment"] = str(explanation)
        value = result.get("score", result.get("value"))
        if value is None:
            value = result.get("label")
        result = value
    if result is None:
        return None
    if isinstance(result, bool):
        document.update(value=result, data_type="boolean")
    elif isinstance(result, (int, float)):
        document.update(value=float(result), data_type="numeric")
    else:
        document.update(value=str(result), data_type="categorical")
    return document
