"""A production LLM span opened in the playground: spans sent as an application's
instrumentation sends them (the OpenTelemetry SDK's own exporter, and OTLP spans
made by hand for each convention: GenAI, OpenLLMetry's flattened GenAI,
OpenInference), opened through the API as an LLM step, run through the chain
runs API against the local OpenAI-protocol server, and the request that server
received compared with the request the span recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from experiments.experiment_requests import call
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

from gls_engine.chains.definition import parse_chain
from gls_engine.chains.span_to_step import literal_template, step_from_span
from gls_engine.errors import InvalidParameterError
from gls_engine.evaluators.template_sandbox import render

from inprocess_studio import InProcessStudio
from otlp_helpers import make_request, make_span, new_trace_id, post_protobuf, wait_for_trace
from support.openai_compatible_server import TEST_API_KEY, OpenAICompatibleServer

PROJECT = "playground-spans"
BASE = f"/api/v1/projects/{PROJECT}"

HOSTILE = "Fill {{ name }} and {% if x %}y{% endif %} {# note #} {{{ } }} {%- raw %}\r\nend\r"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
# The request the application made (OpenAI's chat shape)
REQUEST: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You are terse. Braces {{ stay }} as they are."},
        {"role": "user", "content": HOSTILE},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Lyon"}'},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "call_1",
            "content": '{"celsius": 21, "sky": "{%clear%}"}',
        },
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "And this picture {{ x }}?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            ],
        },
    ],
    "temperature": 0.3,
    "top_p": 0.9,
    "max_tokens": 120,
    "stop": ["END", "\n\n"],
    "seed": 7,
    "presence_penalty": 0.1,
    "frequency_penalty": 0.2,
    "tools": [WEATHER_TOOL],
}
ANSWER = "Sunny, 21 degrees."
PARAMETERS = (
    "temperature",
    "top_p",
    "max_tokens",
    "stop",
    "seed",
    "presence_penalty",
    "frequency_penalty",
)


def gen_ai_attributes(request: dict[str, Any]) -> dict[str, Any]:
    """What an instrumentation following the current GenAI conventions records."""
    messages = []
    system = []
    for m in request["messages"]:
        if m["role"] == "system":
            system.append({"type": "text", "content": m["content"]})
            continue
        if m["role"] == "tool":
            parts = [
                {"type": "tool_call_response", "id": m["tool_call_id"], "response": m["content"]}
            ]
        elif isinstance(m["content"], list):
            parts = [
                {"type": "text", "content": p["text"]}
                if p["type"] == "text"
                else {"type": "uri", "modality": "image", "uri": p["image_url"]["url"]}
                for p in m["content"]
            ]
        else:
            parts = [{"type": "text", "content": m["content"]}] if m["content"] else []
        for c in m.get("tool_calls", []):
            parts.append(
                {
                    "type": "tool_call",
                    "id": c["id"],
                    "name": c["function"]["name"],
                    "arguments": json.loads(c["function"]["arguments"]),
                }
            )
        messages.append({"role": m["role"], "parts": parts})
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": request["model"],
        "gen_ai.request.temperature": request["temperature"],
        "gen_ai.request.top_p": request["top_p"],
        "gen_ai.request.max_tokens": request["max_tokens"],
        "gen_ai.request.stop_sequences": request["stop"],
        "gen_ai.request.seed": request["seed"],
        "gen_ai.request.presence_penalty": request["presence_penalty"],
        "gen_ai.request.frequency_penalty": request["frequency_penalty"],
        "gen_ai.system_instructions": json.dumps(system),
        "gen_ai.input.messages": json.dumps(messages),
        "gen_ai.tool.definitions": json.dumps(request["tools"]),
        "gen_ai.output.messages": json.dumps(
            [{"role": "assistant", "parts": [{"type": "text", "content": ANSWER}]}]
        ),
        "gen_ai.usage.input_tokens": 50,
        "gen_ai.usage.output_tokens": 5,
    }


def openllmetry_attributes(request: dict[str, Any]) -> dict[str, Any]:
    """OpenLLMetry's flattened prompts (a list content as its JSON text)."""
    attributes: dict[str, Any] = {
        "llm.request.type": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": request["model"],
        "gen_ai.request.temperature": request["temperature"],
        "gen_ai.request.top_p": request["top_p"],
        "gen_ai.request.max_tokens": request["max_tokens"],
        "gen_ai.request.seed": request["seed"],
        "llm.presence_penalty": request["presence_penalty"],
        "llm.frequency_penalty": request["frequency_penalty"],
        "llm.chat.stop_sequences": request["stop"],
        "llm.is_streaming": False,
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": ANSWER,
        "gen_ai.completion.0.finish_reason": "stop",
    }
    for i, m in enumerate(request["messages"]):
        prefix = f"gen_ai.prompt.{i}"
        attributes[f"{prefix}.role"] = m["role"]
        if m["content"] is not None:
            content = m["content"]
            attributes[f"{prefix}.content"] = (
                content if isinstance(content, str) else json.dumps(content)
            )
        if "tool_call_id" in m:
            attributes[f"{prefix}.tool_call_id"] = m["tool_call_id"]
        for j, c in enumerate(m.get("tool_calls", [])):
            attributes[f"{prefix}.tool_calls.{j}.id"] = c["id"]
            attributes[f"{prefix}.tool_calls.{j}.name"] = c["function"]["name"]
            attributes[f"{prefix}.tool_calls.{j}.arguments"] = c["function"]["arguments"]
    for i, tool in enumerate(request["tools"]):
        function = tool["function"]
        attributes[f"llm.request.functions.{i}.name"] = function["name"]
        attributes[f"llm.request.functions.{i}.description"] = function["description"]
        attributes[f"llm.request.functions.{i}.parameters"] = json.dumps(function["parameters"])
    return attributes


def openinference_attributes(request: dict[str, Any]) -> dict[str, Any]:
    invocation = {k: request[k] for k in PARAMETERS}
    attributes: dict[str, Any] = {
        "openinference.span.kind": "LLM",
        "llm.model_name": request["model"],
        "llm.provider": "openai",
        "llm.invocation_parameters": json.dumps(invocation),
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.content": ANSWER,
        "input.value": json.dumps(request),
        "input.mime_type": "application/json",
    }
    for i, m in enumerate(request["messages"]):
        prefix = f"llm.input_messages.{i}.message"
        attributes[f"{prefix}.role"] = m["role"]
        if isinstance(m["content"], str):
            attributes[f"{prefix}.content"] = m["content"]
        elif isinstance(m["content"], list):
            for j, part in enumerate(m["content"]):
                at = f"{prefix}.contents.{j}.message_content"
                if part["type"] == "text":
                    attributes[f"{at}.type"] = "text"
                    attributes[f"{at}.text"] = part["text"]
                else:
                    attributes[f"{at}.type"] = "image"
                    attributes[f"{at}.image.image.url"] = part["image_url"]["url"]
        if "tool_call_id" in m:
            attributes[f"{prefix}.tool_call_id"] = m["tool_call_id"]
        for j, c in enumerate(m.get("tool_calls", [])):
            attributes[f"{prefix}.tool_calls.{j}.tool_call.id"] = c["id"]
            attributes[f"{prefix}.tool_calls.{j}.tool_call.function.name"] = c["function"]["name"]
            attributes[f"{prefix}.tool_calls.{j}.tool_call.function.arguments"] = c["function"][
                "arguments"
            ]
    for i, tool in enumerate(request["tools"]):
        attributes[f"llm.tools.{i}.tool.json_schema"] = json.dumps(tool)
    return attributes


CONVENTIONS = {
    "gen_ai": gen_ai_attributes,
    "gen_ai.prompt": openllmetry_attributes,
    "openinference": openinference_attributes,
}


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer(api_key=TEST_API_KEY) as s:
        yield s


@pytest.fixture(scope="module")
def studio(
    tmp_path_factory: pytest.TempPathFactory, server: OpenAICompatibleServer
) -> Iterator[InProcessStudio]:
    s = InProcessStudio(tmp_path_factory.mktemp("playground") / "data").start()
    for name in ("local", "other"):
        call(
            "POST",
            s.api,
            f"{BASE}/llm-providers",
            201,
            json_body={"name": name, "base_url": server.base_url, "api_key": TEST_API_KEY},
        )
    yield s
    s.stop()


def send_span(studio: InProcessStudio, attributes: dict[str, Any], name: str) -> tuple[str, str]:
    trace_id, span_id = new_trace_id(), bytes.fromhex("00aa00bb00cc00dd")
    span = make_span(trace_id, span_id, name=name, attributes=attributes, kind=3)
    response = post_protobuf(
        f"{studio.api}/v1/traces", make_request([span]), headers={"X-GLS-Project": PROJECT}
    )
    assert response.status_code == 200, response.text
    wait_for_trace(studio.api, PROJECT, trace_id)
    return trace_id.hex(), span_id.hex()


def open_span(studio: InProcessStudio, trace_id: str, span_id: str, **params: str) -> Any:
    return call(
        "GET",
        studio.api,
        f"{BASE}/playground/from-span",
        200,
        params={"trace_id": trace_id, "span_id": span_id, **params},
    )


def run_step(studio: InProcessStudio, step: dict[str, Any]) -> dict[str, Any]:
    [run] = call(
        "POST",
        studio.api,
        f"{BASE}/chain-runs",
        200,
        json_body={"definition": {"steps": [step]}, "wait": True, "source": "playground"},
    )["runs"]
    assert run["status"] == "succeeded", run["error"]
    return run


def assert_same_request(received: dict[str, Any], original: dict[str, Any]) -> None:
    assert received["model"] == original["model"]
    assert received["messages"] == original["messages"]
    for name in PARAMETERS:
        assert received[name] == original[name], name
    assert received["tools"] == original["tools"]


@pytest.mark.parametrize("convention", sorted(CONVENTIONS))
def test_a_span_of_each_convention_opens_and_runs_the_same_request(
    studio: InProcessStudio, server: OpenAICompatibleServer, convention: str
) -> None:
    trace_id, span_id = send_span(studio, CONVENTIONS[convention](REQUEST), "chat gpt-4o-mini")
    opened = open_span(studio, trace_id, span_id)
    assert opened["source_convention"] == convention
    assert opened["recorded_output"] == ANSWER
    assert opened["unparsed"] == []
    step = opened["step"]
    assert step["provider"] == "local"  # the project's first provider, by name
    assert step["model"] == "gpt-4o-mini"
    server.reset()
    server.on(content="Again sunny.")
    run = run_step(studio, step)
    assert run["output"] == "Again sunny."
    [received] = server.requests
    assert_same_request(received.body, REQUEST)


def test_a_span_sent_by_the_opentelemetry_sdk_opens_and_runs(
    studio: InProcessStudio, server: OpenAICompatibleServer
) -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": "weather-app"}))
    exporter = OTLPSpanExporter(
        endpoint=f"{studio.api}/v1/traces", headers={"X-GLS-Project": PROJECT}
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("weather-app")
    with tracer.start_as_current_span(
        "chat gpt-4o-mini", kind=SpanKind.CLIENT, attributes=gen_ai_attributes(REQUEST)
    ) as span:
        context = span.get_span_context()
    provider.shutdown()
    trace_id, span_id = format(context.trace_id, "032x"), format(context.span_id, "016x")
    wait_for_trace(studio.api, PROJECT, trace_id)
    opened = open_span(studio, trace_id, span_id, provider="other")
    assert opened["step"]["provider"] == "other"
    server.reset()
    run_step(studio, opened["step"])
    assert_same_request(server.requests[0].body, REQUEST)


def test_what_cannot_be_carried_over_is_listed() -> None:
    attributes = gen_ai_attributes(REQUEST)
    attributes["gen_ai.request.top_k"] = 40
    attributes["gen_ai.input.messages"] = json.dumps(
        [
            {"role": "user", "parts": [{"type": "text", "content": "hi"}, {"type": "reasoning"}]},
            {"role": "critic", "parts": [{"type": "text", "content": "no"}]},
        ]
    )
    attributes["gen_ai.tool.definitions"] = "not json"
    opened = step_from_span({"span_id": "ab", "span_type": "llm", "attributes": attributes})
    reasons = {u["attribute"]: u["reason"] for u in opened.unparsed}
    assert "not a parameter" in reasons["gen_ai.request.top_k"]
    assert "no equivalent" in reasons["gen_ai.input.messages[0].parts[1]"]
    assert "critic" in reasons["messages[2].role"]  # after the system message
    assert reasons["gen_ai.tool.definitions"] == "not JSON"
    assert [m["role"] for m in opened.step["messages"]] == ["system", "user"]
    assert opened.step["provider"] is None


@pytest.mark.parametrize(
    "text",
    [
        HOSTILE,
        "{{",
        "{",
        "{{{{",
        "{%%}",
        "{#",
        "}}{{",
        "{{ ''.__class__ }}",
        "a\r\nb\rc\n",
        "é {{ ü }} ✓",
        "{% raw %}{{ x }}{% endraw %}",
        "line statement # x\n## y",
        "",
    ],
)
def test_a_literal_template_renders_back_to_its_text(text: str) -> None:
    template = literal_template(text)
    # accepted as a chain's message (checked by the sandbox), and rendered back exactly
    definition = parse_chain(
        {
            "steps": [
                {
                    "id": "a",
                    "type": "llm",
                    "provider": "p",
                    "model": "m",
                    "messages": [{"role": "user", "content": template}],
                }
            ]
        }
    )
    assert render(definition.steps[0].messages[0].content, {}) == text


def test_spans_that_are_not_llm_calls_are_refused_naming_the_span(
    studio: InProcessStudio,
) -> None:
    trace_id, span_id = send_span(studio, {"gls.span.type": "chain", "gls.chain": "x"}, "chain x")
    refused = call(
        "GET",
        studio.api,
        f"{BASE}/playground/from-span",
        400,
        params={"trace_id": trace_id, "span_id": span_id},
    )
    assert refused["error"]["message"].startswith("span_id: span 00aa00bb00cc00dd is a chain span")
    missing = call(
        "GET",
        studio.api,
        f"{BASE}/playground/from-span",
        404,
        params={"trace_id": trace_id, "span_id": "1111111111111111"},
    )
    assert missing["error"]["message"].startswith("span_id:")
    bad = call("GET", studio.api, f"{BASE}/playground/from-span", 400, params={"span_id": span_id})
    assert "trace_id" in bad["error"]["message"]
    unknown = call(
        "GET",
        studio.api,
        f"{BASE}/playground/from-span",
        404,
        params={"trace_id": trace_id, "span_id": span_id, "provider": "nope"},
    )
    assert unknown["error"]["message"].startswith("provider:")


def test_the_recorded_answer_keeps_its_tool_calls() -> None:
    attributes = gen_ai_attributes(REQUEST)
    attributes["gen_ai.output.messages"] = orjson.dumps(
        [
            {
                "role": "assistant",
                "parts": [
                    {
                        "type": "tool_call",
                        "id": "c9",
                        "name": "get_weather",
                        "arguments": {"city": "Nice"},
                    }
                ],
            }
        ]
    ).decode()
    opened = step_from_span({"span_id": "ab", "span_type": "llm", "attributes": attributes})
    assert opened.recorded_output == {
        "content": "",
        "tool_calls": [{"id": "c9", "name": "get_weather", "arguments": {"city": "Nice"}}],
    }


@pytest.mark.parametrize(
    ("message", "refusal"),
    [
        (
            {"role": "user", "content": None, "tool_calls": []},
            "steps[0] (a).messages[0].tool_calls: only an assistant message makes tool calls",
        ),
        (
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c", "function": {}}]},
            "steps[0] (a).messages[0].tool_calls[0] must be {id, type: function",
        ),
        (
            {"role": "user", "content": [{"type": "text", "text": "{{ nope }}"}]},
            "steps[0] (a).messages[0].content[0].text",
        ),
        ({"role": "user", "content": []}, "steps[0] (a).messages[0].content must be"),
        (
            {"role": "tool", "content": "x", "tool_call_id": 3},
            "steps[0] (a).messages[0].tool_call_id",
        ),
        ({"role": "user", "content": "x", "extra": 1}, "steps[0] (a).messages[0] must be"),
    ],
)
def test_message_fields_are_checked_naming_the_field(message: dict[str, Any], refusal: str) -> None:
    with pytest.raises(InvalidParameterError) as refused:
        parse_chain(
            {
                "steps": [
                    {"id": "a", "type": "llm", "provider": "p", "model": "m", "messages": [message]}
                ]
            }
        )
    assert str(refused.value).startswith(refusal)


def test_a_message_with_parts_and_tool_calls_round_trips_as_canonical_json() -> None:
    messages = [
        {"role": "system", "content": "s"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "{{ inputs.q }}"},
                {"type": "image_url", "image_url": {"url": "u"}},
            ],
        },
        {"role": "assistant", "content": None, "tool_calls": REQUEST["messages"][2]["tool_calls"]},
        {"role": "tool", "content": "r", "tool_call_id": "call_1", "name": "get_weather"},
    ]
    step = {"id": "a", "type": "llm", "provider": "p", "model": "m", "messages": messages}
    canonical = parse_chain({"steps": [step]}).to_json()
    assert canonical["steps"][0]["messages"] == messages
    assert parse_chain(canonical).to_json() == canonical


def test_a_studio_llm_span_reopens_as_the_same_request(
    studio: InProcessStudio, server: OpenAICompatibleServer
) -> None:
    """A chain's own LLM step, run, opened from its span and run again: the provider
    receives the same request body both times."""
    messages = [
        {**m, "content": literal_template(m["content"])} if isinstance(m["content"], str) else m
        for m in REQUEST["messages"]
    ]
    messages[4] = {
        "role": "user",
        "content": [
            {"type": "text", "text": literal_template("And this picture {{ x }}?")},
            REQUEST["messages"][4]["content"][1],
        ],
    }
    step = {
        "id": "ask",
        "type": "llm",
        "provider": "local",
        "model": "gpt-4o-mini",
        "messages": messages,
        "parameters": {
            **{k: REQUEST[k] for k in PARAMETERS},
            "n": 1,
            "tool_choice": "auto",  # no GenAI attribute for these: the Studio records them
            "parallel_tool_calls": False,
        },
        "tools": REQUEST["tools"],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "w", "schema": {"type": "object"}},
        },
    }
    server.reset()
    first = run_step(studio, step)
    opened = open_span(studio, first["trace_id"], first["steps"][0]["span_id"])
    assert opened["unparsed"] == [] and opened["source_convention"] == "gen_ai"
    run_step(studio, opened["step"])
    original, again = (r.body for r in server.requests)
    assert again == original
    assert original["tool_choice"] == "auto" and original["parallel_tool_calls"] is False
    assert_same_request(original, REQUEST)
