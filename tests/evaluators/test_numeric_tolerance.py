"""Numeric tolerance: absolute, relative, and what is not a number."""

from __future__ import annotations

from gls_engine.evaluators import EvalCase, build_evaluator


def passed(parameters: dict, output: object, expected: object) -> bool | None:
    score = build_evaluator("numeric_tolerance", parameters).score(
        EvalCase(output, expected=expected)
    )
    return score.passed


def test_tolerances() -> None:
    assert passed({}, "42", 42) is True
    assert passed({}, "42.001", 42) is False
    assert passed({"absolute": 0.01}, "42.005", "42") is True
    assert passed({"relative": 0.01}, 101, 100) is True
    assert passed({"relative": 0.01}, 102, 100) is False
    assert passed({"absolute": 5, "relative": 0.01}, 104, 100) is True


def test_not_numbers() -> None:
    assert passed({}, "forty-two", 42) is False
    assert passed({}, True, 1) is False
    bad_expected = build_evaluator("numeric_tolerance").score(EvalCase("1", expected="x"))
    assert bad_expected.error == "the expected output is not a number"
