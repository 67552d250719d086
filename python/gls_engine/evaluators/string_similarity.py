"""String similarity (rapidfuzz): a score from 0 to 1, pass / fail against a threshold."""

from __future__ import annotations

from collections.abc import Callable

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein

from gls_engine.evaluators.eval_case import EvalCase, text_of
from gls_engine.evaluators.evaluator import Evaluator
from gls_engine.evaluators.parameters import object_schema
from gls_engine.evaluators.score import Score
from gls_engine.evaluators.text_normalisation import normalised

# Each a similarity in [0, 1] (rapidfuzz's fuzz scores are in [0, 100]).
METHODS: dict[str, Callable[[str, str], float]] = {
    "ratio": lambda a, b: fuzz.ratio(a, b) / 100,
    "token_set_ratio": lambda a, b: fuzz.token_set_ratio(a, b) / 100,
    "normalized_levenshtein": Levenshtein.normalized_similarity,
    "jaro_winkler": JaroWinkler.similarity,
}


class StringSimilarity(Evaluator):
    name = "string_similarity"
    score_kind = "numeric"
    needs_expected = True
    description = (
        "How similar the output is to the expected output, from 0 to 1: `ratio` "
        "(Indel similarity), `token_set_ratio` (word sets, order ignored), "
        "`normalized_levenshtein` (1 - edits / longer length) or `jaro_winkler` "
        "(short strings, common prefix weighted). With a threshold, passes at or above it."
    )
    parameter_schema = object_schema(
        {
            "method": {
                "enum": list(METHODS),
                "default": "ratio",
                "description": "How similarity is measured (see the evaluator's description).",
            },
            "threshold": {
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "description": "Pass at or above this similarity; no verdict when left out.",
            },
            "case_sensitive": {
                "type": "boolean",
                "default": True,
                "description": "Whether letter case matters.",
            },
        }
    )

    def score(self, case: EvalCase) -> Score:
        if case.expected is None:
            return self.missing_expected()
        case_sensitive = self.parameters["case_sensitive"]
        output = normalised(text_of(case.output), case_sensitive)
        expected = normalised(text_of(case.expected), case_sensitive)
        similarity = round(float(METHODS[self.parameters["method"]](output, expected)), 6)
        threshold = self.parameters.get("threshold")
        if threshold is None:
            return Score(self.name, "numeric", value=similarity)
        passed = similarity >= threshold
        return Score(
            self.name,
            "numeric",
            value=similarity,
            label="pass" if passed else "fail",
            passed=passed,
        )
