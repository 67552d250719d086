"""JSON Schema: validation, bad schemas as 400s naming the problem, RE2 patterns."""

from __future__ import annotations

import pytest

from gls_engine.errors import InvalidParameterError
from gls_engine.evaluators import EvalCase, build_evaluator

PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "pattern": "^[A-Z]"},
        "age": {"type": "integer", "minimum": 0},
    },
    "required": ["name", "age"],
    "additionalProperties": False,
}


def test_accepts_and_rejects_with_paths() -> None:
    evaluator = build_evaluator("json_schema", {"schema": PERSON})
    assert evaluator.score(EvalCase('{"name": "Ada", "age": 36}')).passed is True
    bad = evaluator.score(EvalCase('{"name": "ada", "age": -1, "x": 1}'))
    assert bad.passed is False
    assert "$.age" in (bad.explanation or "") and "$.name" in (bad.explanation or "")
    assert "additional properties" in (bad.explanation or "")
    assert evaluator.score(EvalCase("not json")).passed is False


def test_a_bad_schema_is_a_400_naming_where() -> None:
    with pytest.raises(InvalidParameterError, match=r"parameters\.schema\.properties\.age\.type"):
        build_evaluator("json_schema", {"schema": {"properties": {"age": {"type": "integr"}}}})
    with pytest.raises(InvalidParameterError, match=r"parameters: 'schema' is a required"):
        build_evaluator("json_schema", {})


def test_patterns_go_through_re2() -> None:
    with pytest.raises(
        InvalidParameterError, match=r"parameters\.schema\.pattern is not a pattern RE2"
    ):
        build_evaluator("json_schema", {"schema": {"type": "string", "pattern": r"(a)\1"}})
    with pytest.raises(InvalidParameterError, match="patternProperties"):
        build_evaluator(
            "json_schema",
            {"schema": {"patternProperties": {"^x": {}}, "unevaluatedProperties": False}},
        )


@pytest.mark.timeout(60)
def test_pathological_schema_patterns_do_not_hang() -> None:
    """Python's re would backtrack for ages on each of these: pattern, a patternProperties
    key (with additionalProperties deciding which keys are extra)."""
    evil = r"^(a+)+$"
    schema = {
        "type": "object",
        "properties": {"s": {"type": "string", "pattern": evil}},
        "patternProperties": {evil: {"type": "integer"}},
        "additionalProperties": False,
    }
    evaluator = build_evaluator("json_schema", {"schema": schema})
    long_key = "a" * 5_000 + "b"
    score = evaluator.score(EvalCase({"s": long_key, long_key: 1, "a": 2}))
    assert score.passed is False
    assert "does not match" in (score.explanation or "")
    assert evaluator.score(EvalCase({"aaa": 1})).passed is True


def test_a_schema_without_end_is_an_error_score() -> None:
    evaluator = build_evaluator("json_schema", {"schema": {"$ref": "#"}})
    score = evaluator.score(EvalCase("{}"))
    assert score.error == "the schema refers to itself without end"
