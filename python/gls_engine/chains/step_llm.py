"""An LLM step: its messages rendered from the run's state in the template
sandbox, the provider's answer streamed (each piece a `token` event) and
recorded as a GenAI client span, as TracedChatClient records a whole answer;
or, when the replay map holds the step's path, the recorded output answered
with no call at all (the span marked `gls.replayed`, no model named, so
nothing is priced or given energy)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from gls_engine.chains.contracts import ProviderClients
from gls_engine.chains.definition import ROOT_NAMES, ChainDefinition, LlmStep, Message
from gls_engine.chains.run_context import RunContext
from gls_engine.errors import InvalidParameterError, NotFoundError
from gls_engine.evaluators.openai_client import ChatCompletion, ContentDelta
from gls_engine.evaluators.provider_errors import ProviderError
from gls_engine.evaluators.template_sandbox import check_template, render
from gls_engine.self_traces.genai_attributes import (
    chat_request_attributes,
    chat_response_attributes,
    input_messages,
)
from gls_engine.self_traces.self_span import SelfSpan
from gls_engine.self_traces.traced_chat_client import ATTEMPTS_ATTRIBUTE

# Step parameters the GenAI convention names (besides temperature and max_tokens).
_REQUEST_ATTRIBUTES = {
    "top_p": "gen_ai.request.top_p",
    "presence_penalty": "gen_ai.request.presence_penalty",
    "frequency_penalty": "gen_ai.request.frequency_penalty",
    "seed": "gen_ai.request.seed",
    "n": "gen_ai.request.choice.count",
}
# The request's response format as JSON (the GenAI conventions' gen_ai.output.type
# cannot say which JSON schema).
RESPONSE_FORMAT_ATTRIBUTE = "gls.llm.response_format"
PARAMETERS_ATTRIBUTE = "gls.llm.parameters"


class StepError(Exception):
    """The step cannot give an output; the message says why (no secret in it)."""


def template_values(definition: ChainDefinition, state: dict[str, Any]) -> dict[str, Any]:
    """What a template sees: the inputs' top-level names bare, `inputs`, `steps`."""
    inputs = state.get("inputs") or {}
    values = {name: inputs[name] for name in definition.input_names if name in inputs}
    values["inputs"] = inputs
    values["steps"] = state.get("steps") or {}
    return values


def missing_variables(
    definition: ChainDefinition, step: LlmStep, where: str, values: dict[str, Any]
) -> None:
    """InvalidParameterError naming step and field for a variable a template uses
    that the state does not hold (an input the schema has but the inputs lack)."""
    for index, message in enumerate(step.messages):
        for suffix, template in message.templates():
            field = f"{where}.messages[{index}].{suffix}"
            used = check_template(
                template, field, (*ROOT_NAMES, *definition.input_names), allow_loops=True
            )
            missing = sorted(name for name in used if name not in values)
            if missing:
                raise InvalidParameterError(f"{field}: the inputs have no {missing[0]!r}")


def _rendered(message: Message, values: dict[str, Any]) -> dict[str, Any]:
    """The message as the provider takes it (OpenAI's chat shape)."""
    rendered = message.to_json()
    if message.parts is not None:
        rendered["content"] = [
            {"type": "text", "text": render(part["text"], values)}
            if part.get("type") == "text"
            else dict(part)
            for part in message.parts
        ]
    elif not message.content_null:
        rendered["content"] = render(message.content, values)
    return rendered


def rendered_messages(
    definition: ChainDefinition, step: LlmStep, where: str, state: dict[str, Any]
) -> list[dict[str, Any]]:
    values = template_values(definition, state)
    missing_variables(definition, step, where, values)
    return [_rendered(message, values) for message in step.messages]


def _output(step: LlmStep, completion: ChatCompletion) -> Any:
    if completion.tool_calls:
        return {
            "content": completion.content,
            "tool_calls": [
                {"id": call.id, "name": call.name, "arguments": _json_or_text(call.arguments)}
                for call in completion.tool_calls
            ],
        }
    if step.output == "json":
        try:
            return orjson.loads(completion.content)
        except orjson.JSONDecodeError as exc:
            raise StepError(
                f"the answer is not JSON (output: json): {exc}; it begins "
                f"{completion.content[:120]!r}"
            ) from None
    return completion.content


def _json_or_text(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text  # as the model wrote it


async def run_llm_step(
    ctx: RunContext,
    providers: ProviderClients | None,
    definition: ChainDefinition,
    step: LlmStep,
    where: str,
    path: str,
    state: dict[str, Any],
    span: SelfSpan,
) -> Any:
    messages = rendered_messages(definition, step, where, state)
    if path in ctx.replay:
        output = ctx.replay[path]
        span.set_all(
            {
                "gls.span.type": "llm",
                "gls.replayed": True,
                "gls.llm.request.model": step.model,
                "input.value": input_messages(messages),
                "output.value": output
                if isinstance(output, str)
                else orjson.dumps(output).decode(),
            }
        )
        ctx.log("answered from the replay map, the provider not called", step=path)
        return output
    if providers is None:
        raise StepError("chains are not configured: no LLM providers")
    try:
        client = await providers.client(ctx.project, step.provider)
    except NotFoundError as exc:
        raise StepError(str(exc)) from None
    parameters = dict(step.parameters)
    temperature = parameters.pop("temperature", None)
    max_tokens = parameters.pop("max_tokens", None)
    extra: dict[str, Any] = dict(parameters)
    if step.tools:
        extra["tools"] = list(step.tools)
    if step.response_format is not None:
        extra["response_format"] = step.response_format
    span.set_all(
        chat_request_attributes(
            step.model,
            messages,
            base_url=client.endpoint,
            temperature=temperature,
            max_tokens=max_tokens,
        )
    )
    span.set_all({key: step.parameters.get(name) for name, key in _REQUEST_ATTRIBUTES.items()})
    stop = step.parameters.get("stop")
    span.set("gen_ai.request.stop_sequences", [stop] if isinstance(stop, str) else stop)
    # what the playground needs to open this span as the same step (span_to_step.py)
    if step.tools:
        span.set("gen_ai.tool.definitions", orjson.dumps(list(step.tools)).decode())
    if step.response_format is not None:
        span.set(RESPONSE_FORMAT_ATTRIBUTE, orjson.dumps(step.response_format).decode())
    if step.parameters:  # all of them, those the conventions have no name for too
        span.set(PARAMETERS_ATTRIBUTE, orjson.dumps(step.parameters).decode())
    completion: ChatCompletion | None = None
    try:
        async for piece in client.stream(
            messages, step.model, temperature=temperature, max_tokens=max_tokens, extra=extra
        ):
            if isinstance(piece, ContentDelta):
                ctx.publish("token", step=step.id, path=path, text=piece.text)
            else:
                completion = piece
    except ProviderError as exc:
        span.set(ATTEMPTS_ATTRIBUTE, exc.attempts)
        span.set("http.response.status_code", exc.status)
        span.set("error.type", str(exc.status) if exc.status else type(exc).__name__)
        raise StepError(f"the provider {step.provider!r} failed: {exc}") from None
    except asyncio.CancelledError:
        span.set("error.type", "cancelled")
        raise
    if completion is None:  # the stream ended without its whole answer
        raise StepError(f"the provider {step.provider!r} ended the stream without an answer")
    span.set_all(chat_response_attributes(completion))
    span.set(ATTEMPTS_ATTRIBUTE, completion.attempts)
    if completion.attempts > 1:
        ctx.log(f"the provider answered after {completion.attempts} attempts", step=path)
    return _output(step, completion)
