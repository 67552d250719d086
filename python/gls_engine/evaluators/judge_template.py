"""An LLM judge's template, as data: its messages (Jinja2, checked by
template_sandbox.py), the labels the judge chooses from and the score each maps
to (Phoenix's rails, autoevals' choice_scores), whether the judge explains
itself first, and how its answer is parsed (a label found in the text, or a
JSON object). Built-in templates (judge_templates.py) and a user's edited copy
have the same shape, so every part of a prompt and its parsing can be seen and
changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from gls_engine.errors import InvalidParameterError
from gls_engine.evaluators.eval_case import EvalCase, text_of
from gls_engine.evaluators.template_sandbox import check_template, render

ParseMode = Literal["label", "json"]
PARSE_MODES: tuple[ParseMode, ...] = ("label", "json")
ROLES = ("system", "user", "assistant")
# What a template can refer to: the case's parts (input, output and expected as
# text; metadata as the object it is, so `metadata.context` works).
VARIABLES = ("input", "output", "expected", "metadata")
MAX_MESSAGES = 20
MAX_CHOICES = 20
NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")


@dataclass(frozen=True)
class Choice:
    label: str
    score: float | None
    description: str = ""


@dataclass(frozen=True)
class Message:
    role: str
    content: str


@dataclass(frozen=True)
class JudgeTemplate:
    name: str
    description: str
    messages: tuple[Message, ...]
    choices: tuple[Choice, ...]
    explanation: bool = True
    parse: ParseMode = "label"
    # Which way is better for the scores (the choices' scores of the built-ins
    # give 1 to the good label, so all of them maximise).
    direction: Literal["maximize", "minimize"] = "maximize"
    # None: the instructions written from parse, explanation and the labels.
    output_instructions: str | None = None

    def __post_init__(self) -> None:
        for index, message in enumerate(self.messages):
            check_template(message.content, f"messages[{index}].content", VARIABLES)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.choices)

    @cached_property
    def variables(self) -> tuple[str, ...]:
        used: set[str] = set()
        for index, message in enumerate(self.messages):
            used |= check_template(message.content, f"messages[{index}].content", VARIABLES)
        return tuple(v for v in VARIABLES if v in used)

    def instructions(self) -> str:
        if self.output_instructions is not None:
            return self.output_instructions
        labels = ", ".join(f'"{label}"' for label in self.labels)
        if self.parse == "json":
            fields = '"explanation": "<your reasoning, step by step>", ' if self.explanation else ""
            return (
                "Answer with a JSON object and nothing else: "
                f'{{{fields}"label": "<one of {labels}>"}}'
            )
        if self.explanation:
            return (
                'First write "EXPLANATION:" and your reasoning, step by step, so that your '
                'conclusion is sound. Then, on the last line, write "LABEL:" followed by '
                f"exactly one of {labels}."
            )
        return f"Answer with exactly one of {labels} and nothing else."

    def render(self, case: EvalCase) -> list[dict[str, str]]:
        """The chat messages for one case, the output instructions closing the last
        user message (or sent as one when the template ends otherwise)."""
        values = {
            "input": text_of(case.input),
            "output": text_of(case.output),
            "expected": text_of(case.expected),
            "metadata": case.metadata,
        }
        rendered = [{"role": m.role, "content": render(m.content, values)} for m in self.messages]
        instructions = self.instructions()
        if rendered and rendered[-1]["role"] == "user":
            rendered[-1]["content"] = rendered[-1]["content"].rstrip() + "\n\n" + instructions
        else:
            rendered.append({"role": "user", "content": instructions})
        return rendered

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "messages": [{"role": m.role, "content": m.content} for m in self.messages],
            "variables": list(self.variables),
            "choices": [
                {"label": c.label, "score": c.score, "description": c.description}
                for c in self.choices
            ],
            "explanation": self.explanation,
            "parse": self.parse,
            "direction": self.direction,
            "output_instructions": self.output_instructions,
            "effective_output_instructions": self.instructions(),
        }

    @classmethod
    def from_json(cls, document: Any, field: str = "template") -> JudgeTemplate:
        """A template a client sent, every rule broken named by its field."""
        doc = _object(document, field)
        name = _string(doc, "name", field, max_chars=64)
        if not set(name) <= NAME_CHARS:
            raise InvalidParameterError(f"{field}.name must be lower-case letters, digits, _ or -")
        messages_doc = doc.get("messages")
        if not isinstance(messages_doc, list) or not 1 <= len(messages_doc) <= MAX_MESSAGES:
            raise InvalidParameterError(f"{field}.messages must be a list of 1 to {MAX_MESSAGES}")
        messages = []
        for index, item in enumerate(messages_doc):
            where = f"{field}.messages[{index}]"
            message = _object(item, where)
            role = _string(message, "role", where, max_chars=16)
            if role not in ROLES:
                raise InvalidParameterError(f"{where}.role must be one of {', '.join(ROLES)}")
            content = _string(message, "content", where, max_chars=None)
            check_template(content, f"{where}.content", VARIABLES)
            messages.append(Message(role, content))
        choices_doc = doc.get("choices")
        if not isinstance(choices_doc, list) or not 2 <= len(choices_doc) <= MAX_CHOICES:
            raise InvalidParameterError(f"{field}.choices must be a list of 2 to {MAX_CHOICES}")
        choices = [_choice(item, f"{field}.choices[{i}]") for i, item in enumerate(choices_doc)]
        folded = [c.label.casefold() for c in choices]
        if len(set(folded)) != len(folded):
            raise InvalidParameterError(f"{field}.choices: labels must differ (case ignored)")
        parse = doc.get("parse", "label")
        if parse not in PARSE_MODES:
            raise InvalidParameterError(f"{field}.parse must be one of {', '.join(PARSE_MODES)}")
        direction = doc.get("direction", "maximize")
        if direction not in ("maximize", "minimize"):
            raise InvalidParameterError(f"{field}.direction must be maximize or minimize")
        explanation = doc.get("explanation", True)
        if not isinstance(explanation, bool):
            raise InvalidParameterError(f"{field}.explanation must be true or false")
        instructions = doc.get("output_instructions")
        if instructions is not None and not isinstance(instructions, str):
            raise InvalidParameterError(f"{field}.output_instructions must be a string or null")
        return cls(
            name=name,
            description=_string(doc, "description", field, max_chars=2_000, default=""),
            messages=tuple(messages),
            choices=tuple(choices),
            explanation=explanation,
            parse=parse,
            direction=direction,
            output_instructions=instructions,
        )


def _object(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidParameterError(f"{field} must be an object")
    return value


def _string(
    doc: Mapping[str, Any],
    key: str,
    field: str,
    max_chars: int | None,
    default: str | None = None,
) -> str:
    value = doc.get(key, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise InvalidParameterError(f"{field}.{key} must be a non-empty string")
    if max_chars is not None and len(value) > max_chars:
        raise InvalidParameterError(f"{field}.{key} must be at most {max_chars} characters")
    return value


def _choice(value: Any, field: str) -> Choice:
    doc = _object(value, field)
    label = _string(doc, "label", field, max_chars=64).strip()
    score = doc.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
        raise InvalidParameterError(f"{field}.score must be a number or null")
    return Choice(
        label,
        None if score is None else float(score),
        _string(doc, "description", field, max_chars=1_000, default=""),
    )
