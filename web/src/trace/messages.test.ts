import { describe, expect, it } from "vitest";
import { conversation, indexed, isMessageAttribute } from "./messages";

// Attribute shapes as each instrumentation sets them (keys and value types as
// the API serves them: one key per flattened name, JSON values).

describe("GenAI semantic conventions (gen_ai.input.messages / output.messages)", () => {
  // opentelemetry-instrumentation-openai-v2 with content capture, 1.37+ conventions
  const attributes = {
    "gen_ai.operation.name": "chat",
    "gen_ai.system_instructions": JSON.stringify([{ type: "text", content: "You are a travel agent." }]),
    "gen_ai.input.messages": JSON.stringify([
      { role: "user", parts: [{ type: "text", content: "Weather in Paris?" }] },
      {
        role: "assistant",
        parts: [{ type: "tool_call", id: "call_1", name: "get_weather", arguments: { city: "Paris" } }],
      },
      { role: "tool", parts: [{ type: "tool_call_response", id: "call_1", response: "rainy, 57°F" }] },
    ]),
    "gen_ai.output.messages": JSON.stringify([
      { role: "assistant", parts: [{ type: "text", content: "It is rainy." }], finish_reason: "stop" },
    ]),
  };

  it("reads system instructions, messages, tool calls and tool results with their roles", () => {
    const chat = conversation(attributes)!;
    expect(chat.convention).toBe("gen_ai");
    expect(chat.input.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool"]);
    expect(chat.input[0].content).toBe("You are a travel agent.");
    expect(chat.input[1].content).toBe("Weather in Paris?");
    expect(chat.input[2].toolCalls).toEqual([{ id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' }]);
    expect(chat.input[3]).toMatchObject({ content: "rainy, 57°F", toolCallId: "call_1" });
    expect(chat.output).toHaveLength(1);
    expect(chat.output[0]).toMatchObject({ role: "assistant", content: "It is rainy.", finishReason: "stop" });
  });

  it("a value that is not JSON gives no messages rather than an error", () => {
    const chat = conversation({ "gen_ai.input.messages": "{not json", "gen_ai.output.messages": "[1, null]" })!;
    expect(chat.input).toEqual([]);
    expect(chat.output).toEqual([]);
  });
});

describe("GenAI flattened as OpenLLMetry sends it (gen_ai.prompt.N / gen_ai.completion.N)", () => {
  // opentelemetry-instrumentation-openai (Traceloop) 0.4x
  const attributes = {
    "llm.request.type": "chat",
    "gen_ai.prompt.0.role": "system",
    "gen_ai.prompt.0.content": "Be brief.",
    "gen_ai.prompt.1.role": "user",
    "gen_ai.prompt.1.content": "Weather in Paris?",
    "gen_ai.prompt.2.role": "assistant",
    "gen_ai.prompt.2.tool_calls.0.id": "call_1",
    "gen_ai.prompt.2.tool_calls.0.name": "get_weather",
    "gen_ai.prompt.2.tool_calls.0.arguments": '{"city": "Paris"}',
    "gen_ai.prompt.3.role": "tool",
    "gen_ai.prompt.3.content": "rainy",
    "gen_ai.prompt.3.tool_call_id": "call_1",
    "gen_ai.prompt.10.role": "user",
    "gen_ai.prompt.10.content": "and tomorrow?",
    "gen_ai.completion.0.role": "assistant",
    "gen_ai.completion.0.finish_reason": "tool_calls",
    "gen_ai.completion.0.tool_calls.0.id": "call_2",
    "gen_ai.completion.0.tool_calls.0.name": "get_forecast",
    "gen_ai.completion.0.tool_calls.0.arguments": '{"city": "Paris", "days": 1}',
    "llm.request.functions.0.name": "get_weather",
    "llm.request.functions.0.description": "Current weather",
    "llm.request.functions.0.parameters": '{"type": "object"}',
  };

  it("reads the messages in index order (10 after 3), tool calls, results and functions", () => {
    const chat = conversation(attributes)!;
    expect(chat.convention).toBe("gen_ai.prompt");
    expect(chat.input.map((m) => [m.role, m.content])).toEqual([
      ["system", "Be brief."],
      ["user", "Weather in Paris?"],
      ["assistant", ""],
      ["tool", "rainy"],
      ["user", "and tomorrow?"],
    ]);
    expect(chat.input[2].toolCalls).toEqual([{ id: "call_1", name: "get_weather", arguments: '{"city": "Paris"}' }]);
    expect(chat.input[3].toolCallId).toBe("call_1");
    expect(chat.output[0]).toMatchObject({ role: "assistant", finishReason: "tool_calls" });
    expect(chat.output[0].toolCalls[0].name).toBe("get_forecast");
    expect(chat.tools).toEqual([{ name: "get_weather", description: "Current weather", parameters: '{"type": "object"}' }]);
  });
});

describe("OpenInference (llm.input_messages / llm.output_messages)", () => {
  // openinference-instrumentation-openai
  const attributes = {
    "openinference.span.kind": "LLM",
    "llm.input_messages.0.message.role": "system",
    "llm.input_messages.0.message.content": "Be brief.",
    "llm.input_messages.1.message.role": "user",
    "llm.input_messages.1.message.contents.0.message_content.type": "text",
    "llm.input_messages.1.message.contents.0.message_content.text": "Weather in Paris?",
    "llm.input_messages.2.message.role": "tool",
    "llm.input_messages.2.message.tool_call_id": "call_1",
    "llm.input_messages.2.message.content": "rainy",
    "llm.output_messages.0.message.role": "assistant",
    "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_2",
    "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "get_forecast",
    "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"days": 1}',
    "llm.tools.0.tool.json_schema": JSON.stringify({
      type: "function",
      function: { name: "get_forecast", description: "Forecast", parameters: { type: "object" } },
    }),
  };

  it("reads roles, content parts, tool calls, tool results and tools", () => {
    const chat = conversation(attributes)!;
    expect(chat.convention).toBe("openinference");
    expect(chat.input.map((m) => [m.role, m.content])).toEqual([
      ["system", "Be brief."],
      ["user", "Weather in Paris?"],
      ["tool", "rainy"],
    ]);
    expect(chat.input[2].toolCallId).toBe("call_1");
    expect(chat.output[0].toolCalls).toEqual([{ id: "call_2", name: "get_forecast", arguments: '{"days": 1}' }]);
    expect(chat.tools).toEqual([{ name: "get_forecast", description: "Forecast", parameters: '{"type":"object"}' }]);
  });
});

describe("no conversation", () => {
  it("is null when no convention's attributes are set", () => {
    expect(conversation({ "gen_ai.request.model": "gpt-4o", "input.value": "hi" })).toBeNull();
  });

  it("indexed ignores keys that are not numbered", () => {
    expect(indexed({ "gen_ai.prompt.x.role": "user", "gen_ai.prompt.0.role": "user" }, "gen_ai.prompt")).toEqual([
      { role: "user" },
    ]);
  });

  it("names the attributes the messages came from", () => {
    expect(isMessageAttribute("gen_ai.prompt.0.content")).toBe(true);
    expect(isMessageAttribute("llm.output_messages.3.message.role")).toBe(true);
    expect(isMessageAttribute("gen_ai.input.messages")).toBe(true);
    expect(isMessageAttribute("gen_ai.request.model")).toBe(false);
  });
});
