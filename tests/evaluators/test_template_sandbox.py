"""Judge templates are data: what they may do is checked, and rendering is sandboxed."""

from __future__ import annotations

import pytest
from jinja2.exceptions import SecurityError

from gls_engine.evaluators.template_sandbox import (
    ENVIRONMENT,
    TemplateRefused,
    check_template,
    render,
)

VARIABLES = ("input", "output", "expected", "metadata")


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("{{ ''.__class__.__mro__ }}", "attribute '__"),
        ("{{ output.__class__ }}", "attribute '__class__'"),
        ("{{ output['__class__'] }}", "constant key"),
        ("{{ metadata[output] }}", "constant key"),
        ("{{ output.upper() }}", "call is not allowed"),
        ("{% for c in output %}{{ c }}{% endfor %}", "for is not allowed"),
        ("{% set x = 1 %}", "assign is not allowed"),
        ("{% include 'x' %}", "include is not allowed"),
        ("{% macro m() %}{% endmacro %}", "macro is not allowed"),
        ("{{ output|attr('__class__') }}", "filter 'attr'"),
        ("{{ range(10) }}", "call is not allowed"),
        ("{{ lipsum }}", "unknown variable 'lipsum'"),
        ("{{ os }}", "unknown variable 'os'"),
        ("{{ output", "line 1"),
    ],
)
def test_hostile_or_unsupported_templates_are_refused(source: str, why: str) -> None:
    with pytest.raises(TemplateRefused, match="messages\\[0\\]") as refused:
        check_template(source, "messages[0].content", VARIABLES)
    assert why in str(refused.value)


def test_what_a_prompt_needs_is_allowed() -> None:
    source = (
        "Q: {{ input }}\n{% if metadata.context %}C: {{ metadata.context|trim }}{% endif %}"
        "{% if expected is defined and expected != '' %}R: {{ expected }}{% endif %}"
        "{{ metadata['tags']|json }} {{ output|truncate(8) }}"
    )
    used = check_template(source, "t", VARIABLES)
    assert used == {"input", "metadata", "expected", "output"}
    text = render(
        source,
        {
            "input": "why?",
            "output": "because of everything",
            "expected": "",
            "metadata": {"context": " ctx ", "tags": ["a"]},
        },
    )
    assert text == 'Q: why?\nC: ctx[\n  "a"\n] becau...'


def test_the_sandbox_refuses_what_the_check_would_have() -> None:
    """The second wall alone: the sandbox's own environment, no check before."""
    with pytest.raises(SecurityError):
        ENVIRONMENT.from_string("{{ ''.__class__.__mro__[1].__subclasses__() }}").render()
    with pytest.raises(TemplateRefused, match="sandbox"):
        render("{{ output.__class__.__mro__[1].__subclasses__() }}", {"output": ""})
