"""JSON validity."""

from __future__ import annotations

from gls_engine.evaluators import EvalCase, build_evaluator


def test_valid_invalid_and_required_type() -> None:
    evaluator = build_evaluator("json_valid")
    assert evaluator.score(EvalCase('{"a": [1, 2]}')).passed is True
    assert evaluator.score(EvalCase("3")).passed is True
    invalid = evaluator.score(EvalCase("{'a': 1}"))
    assert invalid.passed is False and (invalid.explanation or "").startswith("not JSON")
    assert evaluator.score(EvalCase({"already": "parsed"})).passed is True
    objects_only = build_evaluator("json_valid", {"require": "object"})
    assert objects_only.score(EvalCase("[1]")).passed is False
    assert objects_only.score(EvalCase("{}")).passed is True
