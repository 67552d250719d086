"""Contains: any / all, case, and the expected output as what to look for."""

from __future__ import annotations

from gls_engine.evaluators import EvalCase, build_evaluator


def score(parameters: dict, output: str, expected: object = None):
    return build_evaluator("contains", parameters).score(EvalCase(output, expected=expected))


def test_any_and_all() -> None:
    text = "The capital of France is Paris."
    assert score({"values": ["Paris", "Lyon"]}, text).passed is True
    assert score({"values": ["Paris", "Lyon"], "mode": "all"}, text).passed is False
    assert "'Lyon'" in (score({"values": ["Paris", "Lyon"], "mode": "all"}, text).explanation or "")
    assert score({"values": ["Paris", "France"], "mode": "all"}, text).passed is True
    assert score({"values": ["Berlin"]}, text).passed is False


def test_case() -> None:
    assert score({"values": ["paris"]}, "PARIS").passed is False
    assert score({"values": ["paris"], "case_sensitive": False}, "PARIS").passed is True


def test_expected_output_when_no_values() -> None:
    assert score({}, "It is Paris.", expected="Paris").passed is True
    assert score({"mode": "all"}, "Paris, Lyon", expected=["Paris", "Nice"]).passed is False
    assert score({}, "anything").error is not None
