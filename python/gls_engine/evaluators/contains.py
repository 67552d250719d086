"""Contains: the output contains any (or all) of the given strings."""

from __future__ import annotations

from gls_engine.evaluators.eval_case import EvalCase, text_of
from gls_engine.evaluators.evaluator import Evaluator
from gls_engine.evaluators.parameters import object_schema
from gls_engine.evaluators.score import Score
from gls_engine.evaluators.text_normalisation import normalised, shortened


class Contains(Evaluator):
    name = "contains"
    score_kind = "boolean"
    description = (
        "Passes when the output contains any (or all) of `values`; without `values`, "
        "the expected output (a string, or a list of strings) is what it looks for."
    )
    parameter_schema = object_schema(
        {
            "values": {
                "type": "array",
                "items": {"type": "string", "minLength": 1, "maxLength": 10_000},
                "minItems": 1,
                "maxItems": 1_000,
                "description": "Strings to look for; the expected output when left out.",
            },
            "mode": {
                "enum": ["any", "all"],
                "default": "any",
                "description": "Pass when any of them is found, or only when all are.",
            },
            "case_sensitive": {
                "type": "boolean",
                "default": True,
                "description": "Whether letter case matters.",
            },
        }
    )

    def score(self, case: EvalCase) -> Score:
        values = self.parameters.get("values") or self._expected_values(case)
        if not values:
            return Score.failed(
                self.name, "boolean", "no `values` given and the case has no expected output"
            )
        case_sensitive = self.parameters["case_sensitive"]
        haystack = normalised(text_of(case.output), case_sensitive)
        missing = [v for v in values if normalised(v, case_sensitive) not in haystack]
        if self.parameters["mode"] == "all":
            passed = not missing
            explanation = None if passed else "missing: " + ", ".join(map(repr, missing))
        else:
            passed = len(missing) < len(values)
            found = [v for v in values if v not in missing]
            explanation = "found: " + shortened(repr(found[0])) if passed else "none found"
        return Score.boolean(self.name, passed, explanation)

    @staticmethod
    def _expected_values(case: EvalCase) -> list[str]:
        expected = case.expected
        if isinstance(expected, list):
            return [text_of(v) for v in expected if text_of(v)]
        return [text_of(expected)] if text_of(expected) else []
