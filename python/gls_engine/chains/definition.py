"""A chain as a client defines it, checked field by field before anything is saved
or run (a 400 naming the step and the field: `steps[1].messages[0].content:
line 1: unknown variable 'city'`).

A chain is an input schema (JSON Schema), steps run in order, and an optional
output expression. Steps read the run's state, `{"inputs": {...}, "steps":
{"<id>": <output>, ...}}`:

- llm: a chat completion; messages are sandboxed Jinja2 templates over the
  inputs' top-level names, `inputs` and `steps`;
- greenlang: a GreenLang agent the operator enabled, its input mapped from the
  state by JMESPath expressions (GreenLang workflows' `input_mapping`);
- transform: a JMESPath expression over the state;
- chain: another chain, by name and version or label, its inputs mapped.

Every step may have a `condition` (JMESPath; the step is skipped when it is
false, null or empty). Nothing here is ever executed as Python: templates run
in Jinja2's sandbox, expressions are JMESPath, agents are looked up by name in
the operator's list, never imported from a path a request gives.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from jinja2 import nodes
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from gls_engine.chains.expressions import compile_expression, referenced_steps
from gls_engine.errors import InvalidParameterError
from gls_engine.evaluators.template_sandbox import check_template, parse_checked

MAX_STEPS = 100
MAX_MESSAGES = 200
MAX_TOOLS = 128
MAX_MAPPING_KEYS = 100
MAX_DEFINITION_BYTES = 1 << 20
MAX_DESCRIPTION_CHARS = 10_000
STEP_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
CHAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
LABEL = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
ROLES = ("system", "user", "assistant", "tool")
MESSAGE_FIELDS = {"role", "content", "tool_calls", "tool_call_id", "name"}
# The parameters an LLM step passes to the provider as they are (OpenAI's names).
LLM_PARAMETERS: dict[str, tuple[type, ...]] = {
    "temperature": (int, float),
    "top_p": (int, float),
    "max_tokens": (int,),
    "max_completion_tokens": (int,),
    "presence_penalty": (int, float),
    "frequency_penalty": (int, float),
    "seed": (int,),
    "stop": (str, list),
    "n": (int,),
    "reasoning_effort": (str,),
    "tool_choice": (str, dict),
    "parallel_tool_calls": (bool,),
}
RESPONSE_FORMATS = ("text", "json_object", "json_schema")
STEP_TYPES = ("llm", "greenlang", "transform", "chain")
ROOT_NAMES = ("inputs", "steps")  # what every template and expression may read
CHAIN_FIELDS = {"input_schema", "steps", "output", "description"}
COMMON_STEP_FIELDS = {"id", "type", "condition", "description"}
STEP_FIELDS = {
    "llm": {"provider", "model", "messages", "parameters", "tools", "response_format", "output"},
    "greenlang": {"agent", "input_mapping", "output_mapping"},
    "transform": {"expression"},
    "chain": {"chain", "version", "label", "input_mapping"},
}


@dataclass(frozen=True)
class Message:
    """A chat message. `content` is a template; a message of several parts (text and
    images, ...) has them in `parts` instead, each text part's `text` a template and
    the others sent as given. An assistant message may carry the tool calls it made
    and a tool message the call it answers: literal JSON, never templates (a
    conversation opened from a recorded span replays them as they were)."""

    role: str
    content: str  # a template ("" when `parts` is given)
    parts: tuple[dict[str, Any], ...] | None = None
    tool_calls: tuple[dict[str, Any], ...] | None = None
    tool_call_id: str | None = None
    name: str | None = None
    content_null: bool = False  # sent as `content: null` (an assistant's tool calls alone)

    def templates(self) -> list[tuple[str, str]]:
        """(field suffix, template) of every template in the message."""
        if self.parts is None:
            return [] if self.content_null else [("content", self.content)]
        return [
            (f"content[{i}].text", part["text"])
            for i, part in enumerate(self.parts)
            if part.get("type") == "text"
        ]

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"role": self.role}
        if self.parts is not None:
            document["content"] = [dict(part) for part in self.parts]
        else:
            document["content"] = None if self.content_null else self.content
        if self.tool_calls is not None:
            document["tool_calls"] = [dict(call) for call in self.tool_calls]
        if self.tool_call_id is not None:
            document["tool_call_id"] = self.tool_call_id
        if self.name is not None:
            document["name"] = self.name
        return document


@dataclass(frozen=True)
class LlmStep:
    id: str
    provider: str  # the name of one of the project's LLM providers
    model: str
    messages: tuple[Message, ...]
    parameters: dict[str, Any] = field(default_factory=dict)
    tools: tuple[dict[str, Any], ...] = ()
    response_format: dict[str, Any] | None = None
    # "text": the step's output is the answer's text; "json": the text parsed as JSON.
    output: str = "text"
    condition: str | None = None
    description: str = ""
    type: str = "llm"


@dataclass(frozen=True)
class GreenLangStep:
    id: str
    agent: str  # a name in the operator's list of enabled agents
    input_mapping: dict[str, str]  # agent input field -> expression over the state
    output_mapping: dict[str, str] | None = None  # output field -> expression over the result
    condition: str | None = None
    description: str = ""
    type: str = "greenlang"


@dataclass(frozen=True)
class TransformStep:
    id: str
    expression: str
    condition: str | None = None
    description: str = ""
    type: str = "transform"


@dataclass(frozen=True)
class ChainStep:
    id: str
    chain: str
    version: int | None  # None: the label's version, or the latest without a label
    label: str | None
    input_mapping: dict[str, str]
    condition: str | None = None
    description: str = ""
    type: str = "chain"


Step = LlmStep | GreenLangStep | TransformStep | ChainStep


@dataclass(frozen=True)
class ChainDefinition:
    input_schema: dict[str, Any]
    steps: tuple[Step, ...]
    output: str | None = None  # an expression over the state; None: the last step's output
    description: str = ""

    @property
    def input_names(self) -> tuple[str, ...]:
        """The inputs' top-level names (templates may use them bare: `{{ question }}`)."""
        properties = self.input_schema.get("properties")
        return tuple(properties) if isinstance(properties, dict) else ()

    def sub_chains(self) -> list[ChainStep]:
        return [s for s in self.steps if isinstance(s, ChainStep)]

    def agents(self) -> set[str]:
        return {s.agent for s in self.steps if isinstance(s, GreenLangStep)}

    def providers(self) -> set[str]:
        return {s.provider for s in self.steps if isinstance(s, LlmStep)}

    def to_json(self) -> dict[str, Any]:
        """The canonical document (what a version stores and the API returns)."""
        return {
            "description": self.description,
            "input_schema": self.input_schema,
            "steps": [_step_json(s) for s in self.steps],
            "output": self.output,
        }


def _step_json(step: Step) -> dict[str, Any]:
    common: dict[str, Any] = {"id": step.id, "type": step.type}
    if step.description:
        common["description"] = step.description
    if step.condition is not None:
        common["condition"] = step.condition
    if isinstance(step, LlmStep):
        return {
            **common,
            "provider": step.provider,
            "model": step.model,
            "messages": [m.to_json() for m in step.messages],
            "parameters": step.parameters,
            "tools": list(step.tools),
            "response_format": step.response_format,
            "output": step.output,
        }
    if isinstance(step, GreenLangStep):
        return {
            **common,
            "agent": step.agent,
            "input_mapping": step.input_mapping,
            "output_mapping": step.output_mapping,
        }
    if isinstance(step, TransformStep):
        return {**common, "expression": step.expression}
    return {
        **common,
        "chain": step.chain,
        "version": step.version,
        "label": step.label,
        "input_mapping": step.input_mapping,
    }


def _refuse(message: str) -> InvalidParameterError:
    return InvalidParameterError(message)


def _optional_text(document: Mapping[str, Any], key: str, where: str, limit: int) -> str:
    value = document.get(key)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise _refuse(f"{where}{key} must be a string of at most {limit} characters")
    return value


def _name(value: Any, where: str, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _refuse(f"{where} must be {what} (pattern {pattern.pattern})")
    return value


class _StepScope:
    """What a step may read: the inputs and the steps before it."""

    def __init__(self, input_names: tuple[str, ...]) -> None:
        self.input_names = input_names
        self.earlier: list[str] = []

    def check_reads(self, reads: Collection[str], where: str) -> None:
        for step_id in sorted(reads):
            if step_id not in self.earlier:
                known = ", ".join(self.earlier) or "none"
                raise _refuse(
                    f"{where} reads steps.{step_id}, which is not an earlier step (earlier: {known})"
                )

    def expression(self, source: Any, where: str) -> str:
        compile_expression(source, where)
        self.check_reads(referenced_steps(source), where)
        return str(source)

    def template(self, source: Any, where: str) -> str:
        if not isinstance(source, str):
            raise _refuse(f"{where} must be a string (a template)")
        check_template(source, where, (*ROOT_NAMES, *self.input_names), allow_loops=True)
        self.check_reads(
            _template_step_reads(parse_checked(source, where, allow_loops=True)), where
        )
        return source

    def mapping(self, value: Any, where: str, *, required: bool) -> dict[str, str]:
        if value is None and not required:
            return {}
        if not isinstance(value, dict) or len(value) > MAX_MAPPING_KEYS:
            raise _refuse(
                f"{where} must be an object of at most {MAX_MAPPING_KEYS} names -> expressions"
            )
        return {str(k): self.expression(v, f"{where}.{k}") for k, v in value.items()}


def _template_step_reads(tree: nodes.Template) -> set[str]:
    found: set[str] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if not isinstance(node, nodes.Getattr | nodes.Getitem):
            continue
        target = node.node
        if not (isinstance(target, nodes.Name) and target.name == "steps"):
            continue
        if isinstance(node, nodes.Getattr):
            found.add(node.attr)
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            found.add(node.arg.value)
    return found


def _input_schema(value: Any) -> dict[str, Any]:
    if value is None:
        return {"type": "object"}
    if not isinstance(value, dict):
        raise _refuse("input_schema must be a JSON Schema object")
    try:
        Draft202012Validator.check_schema(value)
    except SchemaError as exc:
        path = "".join(f"[{p!r}]" for p in exc.path)
        raise _refuse(f"input_schema{path}: {exc.message}") from None
    if value.get("type", "object") != "object":
        raise _refuse("input_schema must describe an object (type: object)")
    properties = value.get("properties", {})
    for name in properties:
        if name in ROOT_NAMES or name.startswith("_"):
            raise _refuse(f"input_schema.properties.{name}: the name is reserved")
    return value


def _llm_step(step_id: str, doc: Mapping[str, Any], where: str, scope: _StepScope) -> LlmStep:
    provider = doc.get("provider")
    if not isinstance(provider, str) or not provider.strip() or len(provider) > 128:
        raise _refuse(f"{where}.provider must name one of the project's LLM providers")
    model = doc.get("model")
    if not isinstance(model, str) or not model.strip() or len(model) > 256:
        raise _refuse(f"{where}.model must be a model name")
    messages = doc.get("messages")
    if not isinstance(messages, list) or not messages or len(messages) > MAX_MESSAGES:
        raise _refuse(f"{where}.messages must be an array of 1 to {MAX_MESSAGES} messages")
    parsed = [
        _message(message, f"{where}.messages[{i}]", scope) for i, message in enumerate(messages)
    ]
    parameters = doc.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise _refuse(f"{where}.parameters must be an object")
    for key, value in parameters.items():
        kinds = LLM_PARAMETERS.get(key)
        if kinds is None:
            raise _refuse(
                f"{where}.parameters.{key} is not a parameter (known: {', '.join(LLM_PARAMETERS)})"
            )
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            raise _refuse(f"{where}.parameters.{key} has the wrong type")
    tools = doc.get("tools") or []
    if not isinstance(tools, list) or len(tools) > MAX_TOOLS:
        raise _refuse(f"{where}.tools must be an array of at most {MAX_TOOLS} tools")
    for i, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, dict) else None
        if (
            not isinstance(tool, dict)
            or tool.get("type") != "function"
            or not isinstance(function, dict)
            or not isinstance(function.get("name"), str)
        ):
            raise _refuse(
                f"{where}.tools[{i}] must be {{type: function, function: {{name, parameters}}}}"
            )
    response_format = doc.get("response_format")
    if response_format is not None:
        if not isinstance(response_format, dict) or response_format.get("type") not in (
            RESPONSE_FORMATS
        ):
            raise _refuse(
                f"{where}.response_format.type must be one of {', '.join(RESPONSE_FORMATS)}"
            )
    output = doc.get("output", "text")
    if output not in ("text", "json"):
        raise _refuse(f"{where}.output must be text or json")
    return LlmStep(
        id=step_id,
        provider=provider,
        model=model,
        messages=tuple(parsed),
        parameters=dict(parameters),
        tools=tuple(tools),
        response_format=response_format,
        output=output,
    )


def _tool_calls(value: Any, at: str) -> tuple[dict[str, Any], ...]:
    if not isinstance(value, list) or len(value) > MAX_TOOLS:
        raise _refuse(f"{at} must be an array of at most {MAX_TOOLS} tool calls")
    for i, call in enumerate(value):
        function = call.get("function") if isinstance(call, dict) else None
        if (
            not isinstance(call, dict)
            or set(call) - {"id", "type", "function"}
            or not isinstance(call.get("id"), str)
            or call.get("type", "function") != "function"
            or not isinstance(function, dict)
            or set(function) - {"name", "arguments"}
            or not isinstance(function.get("name"), str)
            or not isinstance(function.get("arguments", ""), str)
        ):
            raise _refuse(
                f"{at}[{i}] must be {{id, type: function, function: {{name, arguments (text)}}}}"
            )
    return tuple(dict(call) for call in value)


def _content_parts(value: list[Any], at: str, scope: _StepScope) -> tuple[dict[str, Any], ...]:
    if not value or len(value) > MAX_MESSAGES:
        raise _refuse(f"{at} must be a template or an array of 1 to {MAX_MESSAGES} parts")
    parts: list[dict[str, Any]] = []
    for i, part in enumerate(value):
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            raise _refuse(f"{at}[{i}] must be a content part with a type")
        if part["type"] == "text":
            if set(part) - {"type", "text"}:
                raise _refuse(f"{at}[{i}] must be {{type: text, text}}")
            parts.append(
                {"type": "text", "text": scope.template(part.get("text"), f"{at}[{i}].text")}
            )
        else:  # an image, audio, a file: sent to the provider as given
            parts.append(dict(part))
    return tuple(parts)


def _message(message: Any, at: str, scope: _StepScope) -> Message:
    if not isinstance(message, dict) or set(message) - MESSAGE_FIELDS:
        raise _refuse(f"{at} must be an object with role and content")
    role = message.get("role")
    if role not in ROLES:
        raise _refuse(f"{at}.role must be one of {', '.join(ROLES)}")
    tool_calls = None
    if message.get("tool_calls") is not None:
        if role != "assistant":
            raise _refuse(f"{at}.tool_calls: only an assistant message makes tool calls")
        tool_calls = _tool_calls(message["tool_calls"], f"{at}.tool_calls")
    for key in ("tool_call_id", "name"):
        value = message.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > 256):
            raise _refuse(f"{at}.{key} must be a string of at most 256 characters")
    built = Message(role, "", None, tool_calls, message.get("tool_call_id"), message.get("name"))
    content = message.get("content")
    if content is None and tool_calls is not None:
        return replace(built, content_null=True)
    if isinstance(content, list):
        return replace(built, parts=_content_parts(content, f"{at}.content", scope))
    return replace(built, content=scope.template(content, f"{at}.content"))


def _step(index: int, doc: Any, scope: _StepScope, enabled_agents: Collection[str] | None) -> Step:
    where = f"steps[{index}]"
    if not isinstance(doc, dict):
        raise _refuse(f"{where} must be an object")
    step_type = doc.get("type")
    if step_type not in STEP_FIELDS:
        raise _refuse(
            f"{where}.type: unknown step type {step_type!r} (known: {', '.join(STEP_TYPES)})"
        )
    unknown = sorted(set(doc) - COMMON_STEP_FIELDS - STEP_FIELDS[step_type])
    if unknown:
        raise _refuse(f"{where}.{unknown[0]} is not a field of a {step_type} step")
    step_id = _name(doc.get("id"), f"{where}.id", STEP_ID, "a step id")
    if step_id in scope.earlier:
        raise _refuse(f"{where}.id {step_id!r} is used by an earlier step")
    where = f"steps[{index}] ({step_id})"
    condition = doc.get("condition")
    if condition is not None:
        condition = scope.expression(condition, f"{where}.condition")
    description = _optional_text(doc, "description", f"{where}.", MAX_DESCRIPTION_CHARS)
    step: Step
    if step_type == "llm":
        step = _llm_step(step_id, doc, where, scope)
    elif step_type == "greenlang":
        agent = doc.get("agent")
        if not isinstance(agent, str) or not agent:
            raise _refuse(f"{where}.agent must name a GreenLang agent")
        if enabled_agents is not None and agent not in enabled_agents:
            raise _refuse(
                f"{where}.agent: {agent!r} is not an agent the operator enabled "
                f"(enabled: {', '.join(sorted(enabled_agents)) or 'none'})"
            )
        output_mapping = doc.get("output_mapping")
        if output_mapping is not None:
            if not isinstance(output_mapping, dict):
                raise _refuse(f"{where}.output_mapping must be an object of names -> expressions")
            for key, value in output_mapping.items():  # over the agent's result, not the state
                compile_expression(value, f"{where}.output_mapping.{key}")
        step = GreenLangStep(
            id=step_id,
            agent=agent,
            input_mapping=scope.mapping(
                doc.get("input_mapping"), f"{where}.input_mapping", required=False
            ),
            output_mapping=output_mapping,
        )
    elif step_type == "transform":
        step = TransformStep(
            step_id, scope.expression(doc.get("expression"), f"{where}.expression")
        )
    else:
        version = doc.get("version")
        label = doc.get("label")
        if version is not None and (
            not isinstance(version, int) or isinstance(version, bool) or version < 1
        ):
            raise _refuse(f"{where}.version must be a version number (1, 2, ...)")
        if label is not None:
            label = _name(label, f"{where}.label", LABEL, "a label")
        if version is not None and label is not None:
            raise _refuse(f"{where}: give version or label, not both")
        step = ChainStep(
            id=step_id,
            chain=_name(doc.get("chain"), f"{where}.chain", CHAIN_NAME, "a chain name"),
            version=version,
            label=label,
            input_mapping=scope.mapping(
                doc.get("input_mapping"), f"{where}.input_mapping", required=False
            ),
        )
    scope.earlier.append(step_id)
    return _with_common(step, condition, description)


def _with_common(step: Step, condition: str | None, description: str) -> Step:
    return replace(step, condition=condition, description=description)


def parse_chain(document: Any, *, enabled_agents: Collection[str] | None = None) -> ChainDefinition:
    """The checked definition. `enabled_agents`: the agents the operator enabled
    (None skips that check, e.g. for a stored version read back)."""
    if not isinstance(document, dict):
        raise _refuse("the chain definition must be a JSON object")
    if len(orjson.dumps(document)) > MAX_DEFINITION_BYTES:
        raise _refuse(f"the chain definition is over {MAX_DEFINITION_BYTES} bytes as JSON")
    unknown = sorted(set(document) - CHAIN_FIELDS)
    if unknown:
        raise _refuse(f"{unknown[0]} is not a field of a chain definition")
    input_schema = _input_schema(document.get("input_schema"))
    steps = document.get("steps")
    if not isinstance(steps, list) or not steps or len(steps) > MAX_STEPS:
        raise _refuse(f"steps must be an array of 1 to {MAX_STEPS} steps")
    properties = input_schema.get("properties")
    scope = _StepScope(tuple(properties) if isinstance(properties, dict) else ())
    parsed = tuple(_step(i, doc, scope, enabled_agents) for i, doc in enumerate(steps))
    output = document.get("output")
    if output is not None:
        output = scope.expression(output, "output")
    return ChainDefinition(
        input_schema=input_schema,
        steps=parsed,
        output=output,
        description=_optional_text(document, "description", "", MAX_DESCRIPTION_CHARS),
    )
