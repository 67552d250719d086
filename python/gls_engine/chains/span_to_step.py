"""A stored LLM span opened as a chain's LLM step (the playground's "open in
playground", and trace replay's steps): model, messages (tool calls, tool
results and content parts included), parameters, tools and response format,
read from whichever convention the application's instrumentation used, as the
web UI's span inspector reads them (web/src/trace/messages.ts):

- `gen_ai`: the OpenTelemetry GenAI conventions, `gen_ai.system_instructions`,
  `gen_ai.input.messages` / `gen_ai.output.messages` (JSON messages of parts),
  `gen_ai.request.*`, `gen_ai.tool.definitions`, `gen_ai.output.type`;
- `gen_ai.prompt`: the flattened form (OpenLLMetry and the earlier GenAI
  conventions), `gen_ai.prompt.N.*` / `gen_ai.completion.N.*`,
  `llm.request.functions.N.*`, `gen_ai.request.*` and OpenLLMetry's `llm.*`
  parameters;
- `openinference`: `llm.input_messages.N.message.*` / `llm.output_messages.N.*`,
  `llm.invocation_parameters` (JSON), `llm.tools.N.tool.json_schema`,
  `llm.model_name`.

The messages' text becomes templates that render back to exactly that text
(`literal_template`). The span's answer is `recorded_output`, in the shape the
LLM step outputs (the text, or `{content, tool_calls}`), so a replay map can
answer the step with it. Whatever request attribute is present but cannot be
carried over is listed in `unparsed` with the reason, never dropped unsaid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from gls_engine.chains.definition import LLM_PARAMETERS, RESPONSE_FORMATS, ROLES
from gls_engine.chains.step_llm import PARAMETERS_ATTRIBUTE, RESPONSE_FORMAT_ATTRIBUTE
from gls_engine.errors import InvalidParameterError

GEN_AI, GEN_AI_PROMPT, OPENINFERENCE = "gen_ai", "gen_ai.prompt", "openinference"

# Attributes that describe the request or its answer: each one present is either
# carried into the step / recorded output or listed in `unparsed`.
_REQUEST_KEYS = (
    "gen_ai.system_instructions",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.tool.definitions",
    "gen_ai.output.type",
    "llm.invocation_parameters",
    "llm.top_k",
    "llm.frequency_penalty",
    "llm.presence_penalty",
    "llm.chat.stop_sequences",
    "llm.user",
    "llm.headers",
    "llm.prompts",
)
_REQUEST_PREFIXES = (
    "gen_ai.prompt.",
    "gen_ai.completion.",
    "gen_ai.request.",
    "llm.input_messages.",
    "llm.output_messages.",
    "llm.tools.",
    "llm.request.",
    "llm.prompt_template.",
)
# gen_ai.request.* / OpenLLMetry llm.* -> the step's parameter
_GEN_AI_PARAMETERS = {
    "gen_ai.request.temperature": "temperature",
    "gen_ai.request.top_p": "top_p",
    "gen_ai.request.max_tokens": "max_tokens",
    "gen_ai.request.seed": "seed",
    "gen_ai.request.presence_penalty": "presence_penalty",
    "gen_ai.request.frequency_penalty": "frequency_penalty",
    "gen_ai.request.stop_sequences": "stop",
    "gen_ai.request.choice.count": "n",
    "gen_ai.request.top_k": "top_k",  # not an OpenAI parameter: listed as unparsed
    "llm.top_k": "top_k",
    "llm.frequency_penalty": "frequency_penalty",
    "llm.presence_penalty": "presence_penalty",
    "llm.chat.stop_sequences": "stop",
}
# what says nothing the step needs: how the call was made, not what it asked
_CONSUMED_QUIETLY = {
    "gen_ai.request.model",
    "llm.model_name",
    "llm.request.model",
    "llm.request.type",
    "llm.is_streaming",
}
# invocation parameters the runner decides itself (it always streams)
_RUNNER_OWNED = {"model", "stream", "stream_options"}
# a `{` opening a Jinja2 tag, or a carriage return
_LITERAL_ESCAPES = re.compile(r"\{(?=[{%#])|\r")
_OPENAI_PART_TYPES = ("image_url", "input_audio", "file")


def literal_template(text: str) -> str:
    """A template that renders to exactly `text`: every `{` that would open a Jinja2
    tag (`{{`, `{%`, `{#`) is written as the expression `{{ '{' }}`, and carriage
    returns (which Jinja2's lexer turns into newlines) as `{{ '\\r' }}`."""
    return _LITERAL_ESCAPES.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    return "{{ '{' }}" if match.group() == "{" else "{{ '\\r' }}"


@dataclass
class OpenedSpan:
    step: dict[str, Any]
    recorded_output: Any
    unparsed: list[dict[str, str]]
    source_convention: str

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "recorded_output": self.recorded_output,
            "unparsed": self.unparsed,
            "source_convention": self.source_convention,
        }


def _group(attributes: dict[str, Any], where: str, prefix: str) -> list[tuple[str, dict[str, Any]]]:
    """The keys under `prefix.N.` grouped by N in N's order, each group
    `(where.prefix.N, {rest of key: value})`."""
    groups: dict[int, dict[str, Any]] = {}
    start = prefix + "."
    for key, value in attributes.items():
        if not key.startswith(start):
            continue
        head, _, tail = key[len(start) :].partition(".")
        if head.isdigit():
            groups.setdefault(int(head), {})[tail] = value
    at = f"{where}.{prefix}" if where else prefix
    return [(f"{at}.{n}", groups[n]) for n in sorted(groups)]


@dataclass
class _Reader:
    attributes: dict[str, Any]
    used: set[str] = field(default_factory=set)
    unparsed: list[dict[str, str]] = field(default_factory=list)

    def take(self, key: str) -> Any:
        if key in self.attributes:
            self.used.add(key)
        return self.attributes.get(key)

    def refuse(self, key: str, reason: str) -> None:
        self.used.add(key)
        self.unparsed.append({"attribute": key, "reason": reason})

    def indexed(self, prefix: str) -> list[tuple[str, dict[str, Any]]]:
        return _group(self.attributes, "", prefix)

    def json(self, key: str) -> Any:
        """The attribute parsed as JSON (values that are not text as they are);
        None, listed as unparsed, when it is text that is not JSON."""
        value = self.take(key)
        if not isinstance(value, str):
            return value
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            self.refuse(key, "not JSON")
            return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _arguments(value: Any) -> str:
    """Tool-call arguments as the OpenAI protocol sends them: JSON text."""
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _tool_call(call_id: Any, name: Any, arguments: Any) -> dict[str, Any]:
    return {
        "id": _text(call_id),
        "type": "function",
        "function": {"name": _text(name), "arguments": _arguments(arguments)},
    }


def _message(
    role: str, texts: list[dict[str, Any]], tool_calls: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    """An OpenAI chat message from literal parts: one text part is the content as a
    string (as nearly every client sends it), several a list of parts."""
    message: dict[str, Any] = {"role": role}
    if len(texts) == 1 and texts[0]["type"] == "text":
        message["content"] = texts[0]["text"]
    elif texts:
        message["content"] = texts
    else:
        message["content"] = None if tool_calls else ""
    if tool_calls:
        message["tool_calls"] = tool_calls
    message.update({k: v for k, v in extra.items() if v})
    return message


# --- gen_ai: JSON messages of parts -------------------------------------------------


def _gen_ai_part(part: Any, where: str, reader: _Reader) -> dict[str, Any] | None:
    if not isinstance(part, dict):
        reader.refuse(where, "a part that is not an object")
        return None
    kind = part.get("type")
    if kind == "text":
        return {"type": "text", "text": _text(part.get("content"))}
    if kind == "uri" and part.get("modality") == "image":
        return {"type": "image_url", "image_url": {"url": _text(part.get("uri"))}}
    if kind == "blob" and part.get("modality") == "image" and part.get("mime_type"):
        url = f"data:{part['mime_type']};base64,{_text(part.get('content'))}"
        return {"type": "image_url", "image_url": {"url": url}}
    if kind in _OPENAI_PART_TYPES and kind in part:  # an OpenAI part kept as sent (the Studio's)
        return dict(part)
    reader.refuse(where, f"a {kind!r} part has no equivalent in an OpenAI chat request")
    return None


def _gen_ai_messages(value: Any, key: str, reader: _Reader) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        reader.refuse(key, "not an array of messages")
        return []
    messages: list[dict[str, Any]] = []
    for i, item in enumerate(value):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            reader.refuse(where, "a message that is not an object")
            continue
        role = _text(item.get("role"))
        parts = item.get("parts")
        texts: list[dict[str, Any]] = []
        calls: list[dict[str, Any]] = []
        results: list[dict[str, Any]] = []
        if parts is None and "content" in item:  # an older shape: content on the message
            texts.append({"type": "text", "text": _text(item["content"])})
        for j, part in enumerate(parts if isinstance(parts, list) else ()):
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "tool_call":
                calls.append(_tool_call(part.get("id"), part.get("name"), part.get("arguments")))
            elif kind == "tool_call_response":
                response = part.get("response", part.get("result"))
                results.append(
                    {
                        "role": "tool",
                        "tool_call_id": _text(part.get("id")),
                        "content": _text(response),
                    }
                )
            else:
                converted = _gen_ai_part(part, f"{where}.parts[{j}]", reader)
                if converted is not None:
                    texts.append(converted)
        if texts or calls or not results:
            messages.append(_message(role, texts, calls, name=item.get("name")))
        messages.extend(results)
    return messages


def _gen_ai_system(reader: _Reader) -> list[dict[str, Any]]:
    key = "gen_ai.system_instructions"
    raw = reader.take(key)
    if raw is None:
        return []
    try:
        parsed = orjson.loads(raw) if isinstance(raw, str) else raw
    except orjson.JSONDecodeError:
        parsed = raw  # plain text instructions
    if isinstance(parsed, str):
        return [{"role": "system", "content": parsed}]
    texts = []
    for i, part in enumerate(parsed if isinstance(parsed, list) else [parsed]):
        converted = _gen_ai_part(part, f"{key}[{i}]", reader)
        if converted is not None:
            texts.append(converted)
    return [_message("system", texts, [])] if texts else []


# --- gen_ai.prompt (OpenLLMetry) ------------------------------------------------------


def _flat_content(value: Any) -> list[dict[str, Any]]:
    """OpenLLMetry writes a list content as its JSON text: parts when it is one."""
    if isinstance(value, str) and value.startswith("["):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            parsed = None
        if (
            isinstance(parsed, list)
            and parsed
            and all(isinstance(p, dict) and p.get("type") in ("text", "image_url") for p in parsed)
        ):
            return [dict(p) for p in parsed]
    return [{"type": "text", "text": _text(value)}] if value is not None else []


def _flat_messages(prefix: str, reader: _Reader) -> list[dict[str, Any]]:
    messages = []
    for where, entry in reader.indexed(prefix):
        known = {"role", "content", "tool_call_id", "name", "finish_reason"}
        calls = []
        for call_where, call in _group(entry, where, "tool_calls"):
            calls.append(
                _tool_call(
                    call.get("id"),
                    call.get("name", call.get("function.name")),
                    call.get("arguments", call.get("function.arguments", "")),
                )
            )
            for rest in set(call) - {
                "id",
                "name",
                "arguments",
                "function.name",
                "function.arguments",
                "type",
            }:
                reader.refuse(f"{call_where}.{rest}", "not a tool-call field")
        for rest, _ in entry.items():
            key = f"{where}.{rest}"
            if rest in known or rest.startswith("tool_calls."):
                reader.used.add(key)
            else:
                reader.refuse(key, "not a message field the playground carries")
        messages.append(
            _message(
                _text(entry.get("role")),
                _flat_content(entry.get("content")),
                calls,
                tool_call_id=entry.get("tool_call_id"),
                name=entry.get("name"),
            )
        )
    return messages


# --- OpenInference --------------------------------------------------------------------


def _oi_messages(prefix: str, reader: _Reader) -> list[dict[str, Any]]:
    messages = []
    for where, entry in reader.indexed(prefix):
        texts: list[dict[str, Any]] = []
        if entry.get("message.content") is not None:
            texts.append({"type": "text", "text": _text(entry["message.content"])})
        for part_where, part in _group(entry, where, "message.contents"):
            kind = part.get("message_content.type", "text")
            if kind == "text":
                texts.append({"type": "text", "text": _text(part.get("message_content.text"))})
            elif kind == "image" and part.get("message_content.image.image.url"):
                url = _text(part["message_content.image.image.url"])
                texts.append({"type": "image_url", "image_url": {"url": url}})
            else:
                reader.refuse(part_where, f"a {kind!r} content part is not carried")
        calls = [
            _tool_call(
                call.get("tool_call.id"),
                call.get("tool_call.function.name"),
                call.get("tool_call.function.arguments", ""),
            )
            for _, call in _group(entry, where, "message.tool_calls")
        ]
        known = {"message.role", "message.content", "message.tool_call_id", "message.name"}
        for rest in entry:
            key = f"{where}.{rest}"
            if rest in known or rest.startswith(("message.contents.", "message.tool_calls.")):
                reader.used.add(key)
            else:
                reader.refuse(key, "not a message field the playground carries")
        messages.append(
            _message(
                _text(entry.get("message.role")),
                texts,
                calls,
                tool_call_id=entry.get("message.tool_call_id"),
                name=entry.get("message.name"),
            )
        )
    return messages


# --- parameters, tools, response format ---------------------------------------------


def _parameter(
    name: str, value: Any, key: str, reader: _Reader, parameters: dict[str, Any]
) -> None:
    if name == "stop" and isinstance(value, tuple):
        value = list(value)
    if name in ("max_tokens", "seed", "n") and isinstance(value, float) and value.is_integer():
        value = int(value)
    kinds = LLM_PARAMETERS.get(name)
    if kinds is None:
        reader.refuse(key, f"{name!r} is not a parameter an LLM step passes")
    elif isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        reader.refuse(key, f"{name} has the wrong type ({type(value).__name__})")
    else:
        parameters[name] = value


def _function_tool(function: Any, key: str, reader: _Reader) -> dict[str, Any] | None:
    """A tool as an OpenAI request gives it: {type: function, function: {...}}."""
    if isinstance(function, dict) and function.get("type") == "function":
        function = function.get("function")
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        reader.refuse(key, "not a function tool with a name")
        return None
    out: dict[str, Any] = {"name": function["name"]}
    for name in ("description", "parameters", "strict"):
        if function.get(name) is not None:
            value = function[name]
            if name == "parameters" and isinstance(value, str):
                try:
                    value = orjson.loads(value)
                except orjson.JSONDecodeError:
                    reader.refuse(key, "its parameters are not JSON")
                    return None
            out[name] = value
    return {"type": "function", "function": out}


def _request_options(reader: _Reader, step: dict[str, Any]) -> None:
    parameters: dict[str, Any] = {}
    tools: list[dict[str, Any]] = []
    response_format: dict[str, Any] | None = None
    for key, name in _GEN_AI_PARAMETERS.items():
        if key in reader.attributes:
            _parameter(name, reader.take(key), key, reader, parameters)
    # OpenInference: the request's own parameters as JSON
    invocation = reader.json("llm.invocation_parameters")
    if invocation is not None and not isinstance(invocation, dict):
        reader.refuse("llm.invocation_parameters", "not a JSON object")
    for name, value in (invocation if isinstance(invocation, dict) else {}).items():
        key = f"llm.invocation_parameters.{name}"
        if name in _RUNNER_OWNED:
            continue
        if name == "tools" and isinstance(value, list):
            tools += [
                t for i, v in enumerate(value) if (t := _function_tool(v, f"{key}[{i}]", reader))
            ]
        elif name == "response_format":
            response_format = value
        else:
            _parameter(name, value, key, reader, parameters)
    studio_parameters = reader.json(PARAMETERS_ATTRIBUTE)  # the Studio's own LLM steps
    if studio_parameters is not None and not isinstance(studio_parameters, dict):
        reader.refuse(PARAMETERS_ATTRIBUTE, "not a JSON object")
    for name, value in (studio_parameters if isinstance(studio_parameters, dict) else {}).items():
        _parameter(name, value, f"{PARAMETERS_ATTRIBUTE}.{name}", reader, parameters)
    for where, entry in reader.indexed("llm.tools"):
        for rest in entry:
            reader.used.add(f"{where}.{rest}")
        schema = entry.get("tool.json_schema")
        try:
            parsed = orjson.loads(schema) if isinstance(schema, str) else schema
        except orjson.JSONDecodeError:
            reader.refuse(f"{where}.tool.json_schema", "not JSON")
            continue
        if (tool := _function_tool(parsed, f"{where}.tool.json_schema", reader)) is not None:
            tools.append(tool)
    for where, entry in reader.indexed("llm.request.functions"):
        for rest in entry:
            reader.used.add(f"{where}.{rest}")
        if (tool := _function_tool(entry, where, reader)) is not None:
            tools.append(tool)
    definitions = reader.json("gen_ai.tool.definitions")
    if definitions is not None:
        if not isinstance(definitions, list):
            reader.refuse("gen_ai.tool.definitions", "not an array of tools")
        else:
            key = "gen_ai.tool.definitions"
            tools += [
                t
                for i, v in enumerate(definitions)
                if (t := _function_tool(v, f"{key}[{i}]", reader))
            ]
    output_type = reader.take("gen_ai.output.type")
    if output_type == "json":
        response_format = response_format or {"type": "json_object"}
    elif output_type not in (None, "text"):
        reader.refuse("gen_ai.output.type", f"{output_type!r} has no OpenAI response format")
    schema = reader.json("gen_ai.request.structured_output_schema")
    if isinstance(schema, dict):
        response_format = {"type": "json_schema", "json_schema": schema}
    own = reader.json(RESPONSE_FORMAT_ATTRIBUTE)  # the Studio's own LLM steps record it whole
    if own is not None:
        response_format = own
    if response_format is not None and (
        not isinstance(response_format, dict) or response_format.get("type") not in RESPONSE_FORMATS
    ):
        reader.refuse("response_format", f"not one of {', '.join(RESPONSE_FORMATS)}")
        response_format = None
    step["parameters"] = parameters
    step["tools"] = tools
    step["response_format"] = response_format


# --- the answer -----------------------------------------------------------------------


def _step_output(message: dict[str, Any]) -> Any:
    """An answer message as the LLM step outputs it."""
    content = message.get("content")
    if isinstance(content, list):
        content = "".join(p.get("text", "") for p in content if p.get("type") == "text")
    content = content or ""
    calls = message.get("tool_calls")
    if not calls:
        return content
    out = []
    for call in calls:
        arguments = call["function"]["arguments"]
        try:
            parsed = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            parsed = arguments
        out.append({"id": call["id"], "name": call["function"]["name"], "arguments": parsed})
    return {"content": content, "tool_calls": out}


def _recorded_output(convention: str, reader: _Reader) -> Any:
    if convention == GEN_AI:
        key = "gen_ai.output.messages"
        answers = _gen_ai_messages(reader.json(key), key, reader)
    elif convention == GEN_AI_PROMPT:
        answers = _flat_messages("gen_ai.completion", reader)
    else:
        answers = _oi_messages("llm.output_messages", reader)
    if len(answers) > 1:
        reader.unparsed.append(
            {"attribute": "output", "reason": f"{len(answers)} answers recorded; the first kept"}
        )
    if answers:
        return _step_output(answers[0])
    value = reader.attributes.get("output.value")
    return value if value is not None else None


# --- the span -------------------------------------------------------------------------


def convention_of(attributes: dict[str, Any]) -> str | None:
    if any(
        k in attributes
        for k in ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions")
    ):
        return GEN_AI
    if any(k.startswith("gen_ai.prompt.") for k in attributes):
        return GEN_AI_PROMPT
    if any(k.startswith("llm.input_messages.") for k in attributes):
        return OPENINFERENCE
    return None


def is_llm_span(span: dict[str, Any]) -> bool:
    """What trace replay opens: an LLM span with its messages recorded."""
    return (
        span.get("span_type") == "llm" and convention_of(span.get("attributes") or {}) is not None
    )


def step_from_span(
    span: dict[str, Any], *, step_id: str = "llm", provider: str | None = None
) -> OpenedSpan:
    """The span (as the span API answers it) as an LLM step; a 400 naming span_id
    when it is no LLM span or has no messages recorded."""
    attributes = dict(span.get("attributes") or {})
    convention = convention_of(attributes)
    if convention is None:
        kind = span.get("span_type") or "span"
        what = "an LLM span without recorded messages" if kind == "llm" else f"a {kind} span"
        raise InvalidParameterError(
            f"span_id: span {span.get('span_id')} is {what}, not an LLM call to open "
            "(none of gen_ai.input.messages, gen_ai.prompt.N.*, llm.input_messages.N.*)"
        )
    reader = _Reader(attributes)
    if convention == GEN_AI:
        key = "gen_ai.input.messages"
        literal = _gen_ai_system(reader) + _gen_ai_messages(reader.json(key), key, reader)
    elif convention == GEN_AI_PROMPT:
        literal = _flat_messages("gen_ai.prompt", reader)
    else:
        literal = _oi_messages("llm.input_messages", reader)
    messages = []
    for i, message in enumerate(literal):
        if message["role"] == "developer":  # OpenAI's newer name for the system role
            reader.unparsed.append(
                {"attribute": f"messages[{i}].role", "reason": "developer sent as system"}
            )
            message["role"] = "system"
        if message["role"] not in ROLES:
            reader.unparsed.append(
                {
                    "attribute": f"messages[{i}].role",
                    "reason": f"role {message['role']!r} is not one of {', '.join(ROLES)}; left out",
                }
            )
            continue
        messages.append(_templated(message))
    if not messages:
        reader.unparsed.append(
            {"attribute": "messages", "reason": "the span recorded no request message to send"}
        )
    model = (
        next(
            (
                reader.take(k)
                for k in ("gen_ai.request.model", "llm.model_name", "llm.request.model")
                if isinstance(attributes.get(k), str) and attributes[k]
            ),
            None,
        )
        or span.get("model")
        or None
    )
    if model is None:
        reader.unparsed.append({"attribute": "model", "reason": "the span names no model"})
    step: dict[str, Any] = {
        "id": step_id,
        "type": "llm",
        "provider": provider,
        "model": model,
        "messages": messages,
    }
    _request_options(reader, step)
    step["output"] = "text"
    recorded = _recorded_output(convention, reader)
    for key in _CONSUMED_QUIETLY:
        reader.take(key)
    for key in sorted(attributes):
        if key in reader.used:
            continue
        if key in _REQUEST_KEYS or key.startswith(_REQUEST_PREFIXES):
            reader.unparsed.append(
                {"attribute": key, "reason": "not a request field the playground carries"}
            )
    return OpenedSpan(step, recorded, reader.unparsed, convention)


def _templated(message: dict[str, Any]) -> dict[str, Any]:
    out = dict(message)
    content = message.get("content")
    if isinstance(content, str):
        out["content"] = literal_template(content)
    elif isinstance(content, list):
        out["content"] = [
            {**part, "text": literal_template(part.get("text", ""))}
            if part.get("type") == "text"
            else part
            for part in content
        ]
    return out
