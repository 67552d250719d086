"""JSON validity: the output is a JSON document (optionally of a given type)."""

from __future__ import annotations

import orjson

from gls_engine.evaluators.eval_case import EvalCase
from gls_engine.evaluators.evaluator import Evaluator
from gls_engine.evaluators.parameters import object_schema
from gls_engine.evaluators.score import Score

TYPE_NAMES = {"object": dict, "array": list}


class JsonValidity(Evaluator):
    name = "json_valid"
    score_kind = "boolean"
    description = (
        "Passes when the output parses as JSON (an output already stored as a JSON "
        "value passes); `require` can ask for an object or an array at the top."
    )
    parameter_schema = object_schema(
        {
            "require": {
                "enum": ["any", "object", "array"],
                "default": "any",
                "description": "What the JSON must be at its top: any value, an object or an array.",
            }
        }
    )

    def score(self, case: EvalCase) -> Score:
        value = case.output
        if isinstance(value, str):
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError as exc:
                return Score.boolean(self.name, False, f"not JSON: {exc}")
        wanted = TYPE_NAMES.get(self.parameters["require"])
        if wanted is not None and not isinstance(value, wanted):
            return Score.boolean(self.name, False, f"JSON, but not an {self.parameters['require']}")
        return Score.boolean(self.name, True)
