"""Reading a judge's answer: the label it chose and its explanation.

By label (Phoenix's rails): the text after the last "LABEL:" (or the whole
answer when there is none) must name exactly one of the labels as a whole word;
"non-toxic" does not name "toxic", "incorrect" does not name "correct". By JSON:
the first JSON object in the answer (code fences allowed), whose "label" is one
of the labels, case aside. An answer that names none or several is not guessed
at: JudgeAnswerError, which the judge turns into an error score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import orjson

from gls_engine.evaluators.judge_template import Choice, JudgeTemplate
from gls_engine.evaluators.text_normalisation import shortened

_LABEL_MARK = re.compile(r"^[\s*#>_`-]*label[\s*_`]*:", re.IGNORECASE | re.MULTILINE)
_EXPLANATION_MARK = re.compile(r"^[\s*#>_`-]*explanation[\s*_`]*:\s*", re.IGNORECASE)


class JudgeAnswerError(ValueError):
    """The judge's answer names no label, or several."""


@dataclass(frozen=True)
class Verdict:
    choice: Choice
    explanation: str | None


def _named(text: str, label: str) -> bool:
    # A label as a whole word: letters, digits, '_' and '-' around it break the match.
    pattern = r"(?<![\w-])" + re.escape(label) + r"(?![\w-])"
    return re.search(pattern, text, re.IGNORECASE) is not None


def _snap(text: str, choices: tuple[Choice, ...]) -> Choice:
    named = [c for c in choices if _named(text, c.label)]
    if len(named) == 1:
        return named[0]
    labels = ", ".join(c.label for c in choices)
    if not named:
        raise JudgeAnswerError(f"the answer names none of the labels ({labels})")
    raise JudgeAnswerError("the answer names several labels: " + ", ".join(c.label for c in named))


def parse_by_label(answer: str, template: JudgeTemplate) -> Verdict:
    marks = list(_LABEL_MARK.finditer(answer))
    if not marks:
        return Verdict(_snap(answer, template.choices), None)
    last = marks[-1]
    explanation = _EXPLANATION_MARK.sub("", answer[: last.start()].strip()).strip()
    return Verdict(_snap(answer[last.end() :], template.choices), explanation or None)


def _first_object(answer: str) -> object:
    start = answer.find("{")
    end = answer.rfind("}")
    if start < 0 or end < start:
        raise JudgeAnswerError("the answer holds no JSON object")
    try:
        return orjson.loads(answer[start : end + 1])
    except orjson.JSONDecodeError as exc:
        raise JudgeAnswerError(f"the answer's JSON does not parse: {exc}") from None


def parse_by_json(answer: str, template: JudgeTemplate) -> Verdict:
    document = _first_object(answer)
    if not isinstance(document, dict) or not isinstance(document.get("label"), str):
        raise JudgeAnswerError('the answer\'s JSON has no "label" string')
    label = document["label"].strip().casefold()
    for choice in template.choices:
        if choice.label.casefold() == label:
            explanation = document.get("explanation")
            return Verdict(choice, explanation if isinstance(explanation, str) else None)
    raise JudgeAnswerError(
        f"the label {shortened(document['label'], 60)!r} is not one of "
        + ", ".join(c.label for c in template.choices)
    )


def parse_answer(answer: str, template: JudgeTemplate) -> Verdict:
    if template.parse == "json":
        return parse_by_json(answer, template)
    return parse_by_label(answer, template)
