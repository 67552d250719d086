"""Regex: the output matches a user's pattern (RE2: linear time, see linear_regex.py)."""

from __future__ import annotations

from gls_engine.evaluators.eval_case import EvalCase, text_of
from gls_engine.evaluators.evaluator import Evaluator
from gls_engine.evaluators.linear_regex import compile_linear
from gls_engine.evaluators.parameters import object_schema
from gls_engine.evaluators.score import Score
from gls_engine.evaluators.text_normalisation import shortened


class RegexMatch(Evaluator):
    name = "regex"
    score_kind = "boolean"
    description = (
        "Passes when the output matches `pattern` (RE2 syntax: no backreferences or "
        "lookaround, matching in linear time). `search` finds it anywhere, `full` "
        "needs the whole output to match; `invert` passes when it does not match."
    )
    parameter_schema = object_schema(
        {
            "pattern": {
                "type": "string",
                "minLength": 1,
                "maxLength": 4_000,
                "description": "An RE2 pattern (no backreferences or lookaround).",
            },
            "match": {
                "enum": ["search", "full"],
                "default": "search",
                "description": "search: anywhere in the output; full: the whole output.",
            },
            "case_sensitive": {
                "type": "boolean",
                "default": True,
                "description": "Whether letter case matters.",
            },
            "invert": {
                "type": "boolean",
                "default": False,
                "description": "Pass when the pattern is not found (e.g. a leaked secret).",
            },
        },
        required=("pattern",),
    )

    def configure(self) -> None:
        self.regex = compile_linear(
            self.parameters["pattern"], "parameters.pattern", self.parameters["case_sensitive"]
        )

    def score(self, case: EvalCase) -> Score:
        text = text_of(case.output)
        if self.parameters["match"] == "full":
            found = self.regex.fullmatch(text)
        else:
            found = self.regex.search(text)
        explanation = None if found is None else "matched " + repr(shortened(found.group(0)))
        return Score.boolean(self.name, (found is None) == self.parameters["invert"], explanation)
