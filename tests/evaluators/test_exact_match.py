"""Exact match: text rules and JSON comparison."""

from __future__ import annotations

import pytest

from gls_engine.errors import InvalidParameterError
from gls_engine.evaluators import EvalCase, build_evaluator


def passed(parameters: dict, output: object, expected: object) -> bool | None:
    return (
        build_evaluator("exact_match", parameters).score(EvalCase(output, expected=expected)).passed
    )


def test_strict_by_default() -> None:
    assert passed({}, "Paris", "Paris") is True
    assert passed({}, "paris", "Paris") is False
    assert passed({}, "Paris ", "Paris") is False


def test_case_and_whitespace_rules() -> None:
    assert passed({"case_sensitive": False}, "PARIS", "paris") is True
    assert passed({"whitespace": "trim"}, "  Paris\n", "Paris") is True
    assert passed({"whitespace": "trim"}, "New  York", "New York") is False
    assert passed({"whitespace": "collapse"}, " New \t York ", "New York") is True
    assert passed({"whitespace": "ignore"}, "N e w York", "NewYork") is True


def test_json_compares_values_not_text() -> None:
    params = {"json": True}
    assert passed(params, '{"b": [1, 2.0], "a": null}', {"a": None, "b": [1, 2]}) is True
    assert passed(params, '{"a": 1}', '{"a": 2}') is False
    # true is not 1 in JSON, though it is in Python
    assert passed(params, "[true]", "[1]") is False
    assert passed(params, '{"a": 1', '{"a": 1}') is False


def test_json_bad_expected_is_an_error_not_a_fail() -> None:
    score = build_evaluator("exact_match", {"json": True}).score(EvalCase("{}", expected="{x"))
    assert score.value is None and score.error == "the expected output is not valid JSON"


def test_missing_expected_is_an_error_score() -> None:
    score = build_evaluator("exact_match").score(EvalCase("Paris"))
    assert score.error is not None and score.passed is None


def test_bad_parameter_names_it() -> None:
    with pytest.raises(InvalidParameterError, match=r"parameters\.whitespace"):
        build_evaluator("exact_match", {"whitespace": "squash"})
    with pytest.raises(InvalidParameterError, match="'colour' was unexpected"):
        build_evaluator("exact_match", {"colour": "red"})
