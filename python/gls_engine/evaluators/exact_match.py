"""Exact match: the output equals the expected output, as text or as JSON."""

from __future__ import annotations

from typing import Any

import orjson

from gls_engine.evaluators.eval_case import EvalCase, text_of
from gls_engine.evaluators.evaluator import Evaluator
from gls_engine.evaluators.parameters import object_schema
from gls_engine.evaluators.score import Score
from gls_engine.evaluators.text_normalisation import WHITESPACE_RULES, normalised

_ABSENT = object()


def json_value(value: Any) -> Any:
    """A JSON text parsed, a value that is not text as it is; _ABSENT if text does not parse."""
    if not isinstance(value, str):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return _ABSENT


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: Python's, except that true is not 1 and false is not 0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class ExactMatch(Evaluator):
    name = "exact_match"
    score_kind = "boolean"
    needs_expected = True
    description = (
        "Passes when the output equals the expected output. Text can be compared "
        "ignoring case and whitespace; with `json`, both sides are parsed and compared "
        "as JSON values (key order and formatting do not matter, 1 equals 1.0)."
    )
    parameter_schema = object_schema(
        {
            "case_sensitive": {
                "type": "boolean",
                "default": True,
                "description": "Whether letter case matters (text comparison).",
            },
            "whitespace": {
                "enum": list(WHITESPACE_RULES),
                "default": "exact",
                "description": "exact; trim the ends; collapse runs to one space; ignore all whitespace.",
            },
            "json": {
                "type": "boolean",
                "default": False,
                "description": "Compare as parsed JSON values instead of text.",
            },
        }
    )

    def score(self, case: EvalCase) -> Score:
        if case.expected is None:
            return self.missing_expected()
        if self.parameters["json"]:
            return self._json_score(case)
        rules = {
            "case_sensitive": self.parameters["case_sensitive"],
            "whitespace": self.parameters["whitespace"],
        }
        equal = normalised(text_of(case.output), **rules) == normalised(
            text_of(case.expected), **rules
        )
        return Score.boolean(self.name, equal)

    def _json_score(self, case: EvalCase) -> Score:
        expected = json_value(case.expected)
        if expected is _ABSENT:
            return Score.failed(self.name, "boolean", "the expected output is not valid JSON")
        output = json_value(case.output)
        if output is _ABSENT:
            return Score.boolean(self.name, False, "the output is not valid JSON")
        return Score.boolean(self.name, json_equal(output, expected))
