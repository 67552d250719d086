"""Judge templates as data: built-ins, a client's template checked field by field."""

from __future__ import annotations

import copy

import pytest

from gls_engine.errors import InvalidParameterError
from gls_engine.evaluators import BUILTIN_JUDGE_TEMPLATES, EvalCase, JudgeTemplate

TEMPLATE = {
    "name": "politeness",
    "description": "Is the answer polite?",
    "messages": [
        {"role": "system", "content": "You judge politeness."},
        {"role": "user", "content": "Question: {{ input }}\nAnswer: {{ output }}"},
    ],
    "choices": [{"label": "polite", "score": 1}, {"label": "rude", "score": 0}],
    "explanation": False,
    "parse": "json",
}


def test_builtins_are_whole_and_round_trip() -> None:
    assert set(BUILTIN_JUDGE_TEMPLATES) == {"correctness", "hallucination", "relevance", "toxicity"}
    for template in BUILTIN_JUDGE_TEMPLATES.values():
        document = template.to_json()
        assert JudgeTemplate.from_json(document) == template
        assert all(c["score"] in (0.0, 1.0) for c in document["choices"])
    assert BUILTIN_JUDGE_TEMPLATES["correctness"].variables == ("input", "output", "expected")
    assert BUILTIN_JUDGE_TEMPLATES["toxicity"].variables == ("output",)


def test_render_appends_the_output_instructions() -> None:
    template = JudgeTemplate.from_json(TEMPLATE)
    messages = template.render(EvalCase("Go away.", input="Can you help?"))
    assert messages[0] == {"role": "system", "content": "You judge politeness."}
    assert messages[1]["content"].startswith("Question: Can you help?\nAnswer: Go away.\n\n")
    assert messages[1]["content"].endswith(
        'Answer with a JSON object and nothing else: {"label": "<one of "polite", "rude">"}'
    )
    edited = JudgeTemplate.from_json({**TEMPLATE, "output_instructions": "Say polite or rude."})
    assert edited.render(EvalCase("x"))[1]["content"].endswith("\n\nSay polite or rude.")


def test_hallucination_shows_the_context_only_when_there_is_one() -> None:
    template = BUILTIN_JUDGE_TEMPLATES["hallucination"]
    without = template.render(EvalCase("Paris", input="Capital of France?"))[-1]["content"]
    assert "<reference_context>" not in without
    with_context = template.render(
        EvalCase("Paris", input="Capital?", metadata={"context": "France's capital is Paris."})
    )[-1]["content"]
    assert "<reference_context>\nFrance's capital is Paris.\n</reference_context>" in with_context


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda t: t.update(name="Bad Name"), "template.name"),
        (lambda t: t.update(messages=[]), "template.messages"),
        (lambda t: t["messages"][1].update(role="tool"), "template.messages[1].role"),
        (
            lambda t: t["messages"][1].update(content="{{ ''.__class__.__mro__ }}"),
            "template.messages[1].content",
        ),
        (lambda t: t["messages"][0].update(content="{{ secret }}"), "template.messages[0].content"),
        (lambda t: t.update(choices=[{"label": "only"}]), "template.choices"),
        (lambda t: t["choices"][1].update(label="POLITE"), "template.choices"),
        (lambda t: t["choices"][0].update(score="high"), "template.choices[0].score"),
        (lambda t: t.update(parse="regex"), "template.parse"),
        (lambda t: t.update(explanation="yes"), "template.explanation"),
    ],
)
def test_a_bad_template_is_refused_naming_the_field(change, field: str) -> None:
    document = copy.deepcopy(TEMPLATE)
    change(document)
    with pytest.raises(InvalidParameterError) as refused:
        JudgeTemplate.from_json(document)
    assert str(refused.value).startswith(field)
