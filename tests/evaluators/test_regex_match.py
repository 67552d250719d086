"""Regex on RE2: matching, refusals with a 400's message, and no pattern hangs."""

from __future__ import annotations

import pytest

from gls_engine.errors import InvalidParameterError
from gls_engine.evaluators import EvalCase, build_evaluator


def passed(parameters: dict, output: str) -> bool | None:
    return build_evaluator("regex", parameters).score(EvalCase(output)).passed


def test_search_full_case_invert() -> None:
    assert passed({"pattern": r"\d{3}-\d{4}"}, "call 555-1234 now") is True
    assert passed({"pattern": r"\d{3}-\d{4}", "match": "full"}, "call 555-1234 now") is False
    assert passed({"pattern": r"\d{3}-\d{4}", "match": "full"}, "555-1234") is True
    assert passed({"pattern": "paris"}, "PARIS") is False
    assert passed({"pattern": "paris", "case_sensitive": False}, "PARIS") is True
    assert passed({"pattern": r"sk-[A-Za-z0-9]{20}", "invert": True}, "no secret here") is True


def test_explanation_quotes_the_match() -> None:
    score = build_evaluator("regex", {"pattern": r"\d+"}).score(EvalCase("order 42"))
    assert score.explanation == "matched '42'"


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)b", "[", "a{1000}{1000}"])
def test_patterns_re2_refuses_are_400s_naming_the_parameter(pattern: str) -> None:
    with pytest.raises(InvalidParameterError, match=r"^parameters\.pattern is not a pattern RE2"):
        build_evaluator("regex", {"pattern": pattern})


@pytest.mark.timeout(60)
def test_a_pathological_pattern_does_not_hang() -> None:
    """(a+)+$ against a's ending in b backtracks exponentially in Python's re (2^5000
    steps here); RE2 answers in linear time. A hang fails through the timeout."""
    text = "a" * 5_000 + "b"
    assert passed({"pattern": r"(a+)+$"}, text) is False
    assert passed({"pattern": r"^(\w+\s?)*$"}, "word " * 2_000 + "!") is False
