"""Numeric tolerance: the output is a number close enough to the expected one."""

from __future__ import annotations

import math
from typing import Any

from gls_engine.evaluators.eval_case import EvalCase
from gls_engine.evaluators.evaluator import Evaluator
from gls_engine.evaluators.parameters import object_schema
from gls_engine.evaluators.score import Score
from gls_engine.evaluators.text_normalisation import shortened


def as_number(value: Any) -> float | None:
    """A JSON number, or text that is one ("3.5", " 1e3 "); None otherwise (true is not 1)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


class NumericTolerance(Evaluator):
    name = "numeric_tolerance"
    score_kind = "boolean"
    needs_expected = True
    description = (
        "Passes when the output is a number within the tolerance of the expected "
        "number: |output - expected| <= max(absolute, relative x |expected|). With "
        "both 0 the numbers must be equal."
    )
    parameter_schema = object_schema(
        {
            "absolute": {
                "type": "number",
                "minimum": 0,
                "default": 0,
                "description": "Largest difference allowed, in the numbers' unit.",
            },
            "relative": {
                "type": "number",
                "minimum": 0,
                "default": 0,
                "description": "Largest difference allowed as a fraction of the expected number (0.01 is 1 %).",
            },
        }
    )

    def score(self, case: EvalCase) -> Score:
        if case.expected is None:
            return self.missing_expected()
        expected = as_number(case.expected)
        if expected is None:
            return Score.failed(self.name, "boolean", "the expected output is not a number")
        output = as_number(case.output)
        if output is None:
            return Score.boolean(
                self.name, False, f"the output is not a number: {shortened(repr(case.output))}"
            )
        allowed = max(self.parameters["absolute"], self.parameters["relative"] * abs(expected))
        difference = abs(output - expected)
        return Score.boolean(
            self.name, difference <= allowed, f"difference {difference:g}, allowed {allowed:g}"
        )
