"""Reading a judge's answer: labels as whole words, LABEL: lines, JSON, and refusals."""

from __future__ import annotations

import pytest

from gls_engine.evaluators import BUILTIN_JUDGE_TEMPLATES, JudgeTemplate
from gls_engine.evaluators.judge_parsing import JudgeAnswerError, parse_answer

TOXICITY = BUILTIN_JUDGE_TEMPLATES["toxicity"]
CORRECTNESS = BUILTIN_JUDGE_TEMPLATES["correctness"]
RELEVANCE = BUILTIN_JUDGE_TEMPLATES["relevance"]


@pytest.mark.parametrize(
    ("template", "answer", "label"),
    [
        (TOXICITY, "non-toxic", "non-toxic"),
        (TOXICITY, "Toxic.", "toxic"),
        (CORRECTNESS, "INCORRECT", "incorrect"),
        (CORRECTNESS, "correct", "correct"),
        (RELEVANCE, "irrelevant", "irrelevant"),
        (
            CORRECTNESS,
            "EXPLANATION: The reference says Paris; so does it. It is not incorrect.\nLABEL: correct",
            "correct",
        ),
        (CORRECTNESS, "**Explanation:** wrong city.\n**Label:** incorrect", "incorrect"),
    ],
)
def test_labels(template: JudgeTemplate, answer: str, label: str) -> None:
    assert parse_answer(answer, template).choice.label == label


def test_explanation_is_what_comes_before_the_label() -> None:
    verdict = parse_answer("EXPLANATION: Both say Paris.\nLABEL: correct", CORRECTNESS)
    assert verdict.explanation == "Both say Paris."
    assert verdict.choice.score == 1.0


@pytest.mark.parametrize(
    "answer",
    ["I cannot decide.", "It is correct, or maybe incorrect.", "LABEL: perhaps", ""],
)
def test_no_label_or_several_is_an_error(answer: str) -> None:
    with pytest.raises(JudgeAnswerError):
        parse_answer(answer, CORRECTNESS)


def test_json_answers() -> None:
    template = JudgeTemplate.from_json({**CORRECTNESS.to_json(), "parse": "json"})
    fenced = '```json\n{"explanation": "Same city.", "label": "Correct"}\n```'
    verdict = parse_answer(fenced, template)
    assert (verdict.choice.label, verdict.explanation) == ("correct", "Same city.")
    for bad in ("correct", '{"label": "maybe"}', '{"verdict": "correct"}', '{"label": '):
        with pytest.raises(JudgeAnswerError):
            parse_answer(bad, template)
