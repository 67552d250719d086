"""A chain definition is checked field by field before anything is saved or run."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gls_engine.chains.definition import ChainStep, GreenLangStep, LlmStep, parse_chain
from gls_engine.chains.expressions import evaluate, referenced_steps
from gls_engine.errors import InvalidParameterError

AGENTS = {"GridFactorAgent", "FuelAgent"}


def two_step_chain() -> dict[str, Any]:
    return {
        "description": "answer, then the grid",
        "input_schema": {
            "type": "object",
            "properties": {"question": {"type": "string"}, "country": {"type": "string"}},
            "required": ["question"],
        },
        "steps": [
            {
                "id": "ask",
                "type": "llm",
                "provider": "local",
                "model": "gpt-4o-mini",
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {
                        "role": "user",
                        "content": "{{ question }}{% for d in inputs.docs %} {{ d }}{% endfor %}",
                    },
                ],
                "parameters": {"temperature": 0.2, "max_tokens": 100},
            },
            {
                "id": "grid",
                "type": "greenlang",
                "agent": "GridFactorAgent",
                "input_mapping": {"country": "inputs.country", "fuel_type": "'electricity'"},
            },
            {
                "id": "shape",
                "type": "transform",
                "condition": "steps.grid",
                "expression": "{answer: steps.ask, factor: steps.grid.emission_factor}",
            },
            {
                "id": "more",
                "type": "chain",
                "chain": "other",
                "label": "production",
                "input_mapping": {"question": "steps.ask"},
            },
        ],
        "output": "steps.shape",
    }


def test_a_good_chain_parses_and_round_trips() -> None:
    chain = parse_chain(two_step_chain(), enabled_agents=AGENTS)
    assert [s.type for s in chain.steps] == ["llm", "greenlang", "transform", "chain"]
    assert isinstance(chain.steps[0], LlmStep) and chain.steps[0].parameters["temperature"] == 0.2
    assert isinstance(chain.steps[1], GreenLangStep) and chain.agents() == {"GridFactorAgent"}
    assert chain.steps[2].condition == "steps.grid"
    assert isinstance(chain.steps[3], ChainStep) and chain.steps[3].label == "production"
    assert chain.input_names == ("question", "country")
    again = parse_chain(chain.to_json(), enabled_agents=AGENTS)
    assert again == chain


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    target: Any = doc
    keys = path.split("/")
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("steps/0/type", "python", "steps[0].type: unknown step type 'python'"),
        (
            "steps/1",
            {"id": "g", "type": "shell", "command": "ls"},
            "steps[1].type: unknown step type",
        ),
        ("steps/2/code", "import os", "steps[2].code is not a field of a transform step"),
        ("steps/1/id", "ask", "steps[1].id 'ask' is used by an earlier step"),
        (
            "steps/0/messages/1/content",
            "{{ city }}",
            "steps[0] (ask).messages[1].content: unknown variable 'city'",
        ),
        (
            "steps/0/messages/1/content",
            "{{ question",
            "steps[0] (ask).messages[1].content: line 1:",
        ),
        (
            "steps/0/messages/1/content",
            "{{ question.__class__ }}",
            "attribute '__class__' is not allowed",
        ),
        ("steps/0/messages/1/content", "{{ lipsum() }}", "call is not allowed"),
        ("steps/0/messages/1/content", "{% import 'x' as y %}", "is not allowed"),
        (
            "steps/0/messages/1/content",
            "{{ steps.shape }}",
            "reads steps.shape, which is not an earlier step",
        ),
        ("steps/0/messages/0/role", "root", "steps[0] (ask).messages[0].role must be one of"),
        (
            "steps/0/parameters",
            {"temprature": 1},
            "steps[0] (ask).parameters.temprature is not a parameter",
        ),
        ("steps/0/parameters", {"temperature": "hot"}, "parameters.temperature has the wrong type"),
        ("steps/0/tools", [{"type": "code_interpreter"}], "steps[0] (ask).tools[0] must be"),
        ("steps/0/response_format", {"type": "xml"}, "response_format.type must be one of"),
        (
            "steps/1/agent",
            "os:system",
            "steps[1] (grid).agent: 'os:system' is not an agent the operator enabled",
        ),
        (
            "steps/1/input_mapping",
            {"country": "inputs.["},
            "steps[1] (grid).input_mapping.country: JMESPath syntax error",
        ),
        ("steps/2/expression", "steps.more", "steps[2] (shape).expression reads steps.more"),
        ("steps/2/condition", "steps.nowhere", "steps[2] (shape).condition reads steps.nowhere"),
        ("steps/3/version", 0, "steps[3] (more).version must be a version number"),
        ("steps/3/version", 2, "steps[3] (more): give version or label, not both"),
        ("steps/3/chain", "../etc", "steps[3] (more).chain must be a chain name"),
        ("input_schema", {"type": "nonsense"}, "input_schema"),
        ("input_schema", {"type": "array"}, "input_schema must describe an object"),
        ("output", "steps.[", "output: JMESPath syntax error"),
        ("steps", [], "steps must be an array of 1 to 100 steps"),
        ("exec", "print(1)", "exec is not a field of a chain definition"),
    ],
)
def test_each_bad_field_is_refused_by_name(path: str, value: Any, message: str) -> None:
    doc = copy.deepcopy(two_step_chain())
    _set(doc, path, value)
    with pytest.raises(InvalidParameterError) as refused:
        parse_chain(doc, enabled_agents=AGENTS)
    assert message in str(refused.value)


def test_agents_are_checked_only_when_the_operators_list_is_given() -> None:
    doc = two_step_chain()
    doc["steps"][1]["agent"] = "NotEnabledAgent"
    assert parse_chain(doc).agents() == {"NotEnabledAgent"}  # a stored version read back


def test_expressions_evaluate_over_state_and_name_the_steps_they_read() -> None:
    state = {"inputs": {"q": "hi"}, "steps": {"a": [{"b": 1}, {"b": 2}]}}
    assert evaluate("steps.a[*].b", state) == [1, 2]
    assert evaluate("{q: inputs.q, n: length(steps.a)}", state) == {"q": "hi", "n": 2}
    assert referenced_steps("{x: steps.a[0].b, y: length(steps.c), z: inputs.steps}") == {"a", "c"}
    with pytest.raises(InvalidParameterError, match="expression: "):
        evaluate("abs(inputs.q)", state)  # a function given the wrong type
