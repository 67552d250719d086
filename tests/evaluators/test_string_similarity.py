"""String similarity: rapidfuzz's methods in [0, 1], the threshold's verdict."""

from __future__ import annotations

import pytest
from rapidfuzz.distance import Levenshtein

from gls_engine.evaluators import EvalCase, build_evaluator


def similarity(parameters: dict, output: str, expected: str) -> float | None:
    return (
        build_evaluator("string_similarity", parameters)
        .score(EvalCase(output, expected=expected))
        .value
    )


def test_methods() -> None:
    assert similarity({}, "kitten", "kitten") == 1.0
    # 3 edits over 7 characters
    assert similarity({"method": "normalized_levenshtein"}, "kitten", "sitting") == pytest.approx(
        1 - 3 / 7, abs=1e-6
    )
    assert Levenshtein.distance("kitten", "sitting") == 3
    assert similarity({"method": "token_set_ratio"}, "york new", "new york") == 1.0
    assert similarity({"method": "ratio"}, "york new", "new york") < 1.0
    jw = similarity({"method": "jaro_winkler"}, "MARTHA", "MARHTA")
    assert jw == pytest.approx(0.961111, abs=1e-5)
    assert similarity({"case_sensitive": False}, "ABC", "abc") == 1.0


def test_threshold() -> None:
    evaluator = build_evaluator("string_similarity", {"threshold": 0.8})
    close = evaluator.score(EvalCase("colour", expected="color"))
    assert close.kind == "numeric" and close.passed is True and close.label == "pass"
    far = evaluator.score(EvalCase("grey", expected="color"))
    assert far.passed is False
    assert build_evaluator("string_similarity").score(EvalCase("a", expected="a")).passed is None
