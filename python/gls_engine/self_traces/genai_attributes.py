"""OpenTelemetry GenAI semantic-convention attributes of a chat call the Studio
makes (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/): the
operation, model, provider, server, request options, the messages in the
convention's `parts` form, the answer, its finish reason and token usage. The
decoder reads these as any instrumented application's: span type llm, model,
provider, tokens, input and output, hence the call's cost and carbon.

The provider is named only when the endpoint's host says who it is: a named
provider the price data does not know prices nothing, whereas none lets the
model find its provider."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from yarl import URL

from gls_engine.evaluators.openai_client import ChatCompletion

# Hosts of OpenAI-compatible endpoints -> their gen_ai.provider.name.
_PROVIDER_HOSTS = {
    "api.openai.com": "openai",
    "api.anthropic.com": "anthropic",
    "api.mistral.ai": "mistral_ai",
    "api.groq.com": "groq",
    "api.deepseek.com": "deepseek",
    "api.x.ai": "x_ai",
    "openrouter.ai": "openrouter",
    "generativelanguage.googleapis.com": "gcp.gemini",
}
_PROVIDER_HOST_SUFFIXES = {".openai.azure.com": "azure.ai.openai"}


def provider_name(base_url: str) -> str | None:
    """gen_ai.provider.name of an endpoint, None when its host does not say."""
    host = (URL(base_url).host or "").lower()
    if host in _PROVIDER_HOSTS:
        return _PROVIDER_HOSTS[host]
    for suffix, name in _PROVIDER_HOST_SUFFIXES.items():
        if host.endswith(suffix):
            return name
    return None


def _parts(content: Any) -> list[dict[str, Any]]:
    """A chat message's content as the convention's parts."""
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    parts = []
    for part in content if isinstance(content, list) else ():
        if isinstance(part, Mapping) and part.get("type") == "text":
            parts.append({"type": "text", "content": part.get("text", "")})
        elif isinstance(part, Mapping):
            parts.append(dict(part))
    return parts


def _message_parts(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Its content's parts, then the tool calls it makes, or the call it answers."""
    if message.get("role") == "tool" and message.get("tool_call_id") is not None:
        response = message.get("content")
        if isinstance(response, list):
            response = "".join(p.get("text", "") for p in response if isinstance(p, Mapping))
        return [{"type": "tool_call_response", "id": message["tool_call_id"], "response": response}]
    parts = _parts(message.get("content")) if message.get("content") is not None else []
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        parts.append(
            {
                "type": "tool_call",
                "id": call.get("id"),
                "name": function.get("name"),
                "arguments": function.get("arguments"),
            }
        )
    return parts


def input_messages(messages: Sequence[Mapping[str, Any]]) -> str:
    return orjson.dumps(
        [
            {"role": message.get("role", "user"), "parts": _message_parts(message)}
            | ({"name": message["name"]} if message.get("name") else {})
            for message in messages
        ]
    ).decode()


def output_messages(completion: ChatCompletion) -> str:
    parts: list[dict[str, Any]] = _parts(completion.content) if completion.content else []
    parts += [
        {"type": "tool_call", "id": call.id, "name": call.name, "arguments": call.arguments}
        for call in completion.tool_calls
    ]
    return orjson.dumps(
        [{"role": "assistant", "parts": parts, "finish_reason": completion.finish_reason or ""}]
    ).decode()


def chat_request_attributes(
    model: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    base_url: str,
    temperature: float | None = None,
    max_tokens: int | None = None,
) -> dict[str, Any]:
    url = URL(base_url)
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": model,
        "gen_ai.provider.name": provider_name(base_url),
        "server.address": url.host,
        "server.port": url.port,
        "gen_ai.request.temperature": temperature,
        "gen_ai.request.max_tokens": max_tokens,
        "gen_ai.input.messages": input_messages(messages),
    }


def chat_response_attributes(completion: ChatCompletion) -> dict[str, Any]:
    return {
        "gen_ai.response.model": completion.model,
        "gen_ai.response.finish_reasons": [completion.finish_reason]
        if completion.finish_reason
        else None,
        "gen_ai.usage.input_tokens": completion.prompt_tokens,
        "gen_ai.usage.output_tokens": completion.completion_tokens,
        "gen_ai.output.messages": output_messages(completion),
    }
