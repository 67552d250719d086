import { describe, expect, it } from "vitest";
import type { ChainDefinitionJson } from "../chains/chainsApi";
import { builderFromDefinition, definitionFromBuilder, emptyBuilder, freshStepId, moveStep, newStep, withVariant } from "./builder";

const ADVISOR: ChainDefinitionJson = {
  description: "Answer, then the grid",
  input_schema: { type: "object", properties: { question: { type: "string" }, country: { type: "string" } }, required: ["question"] },
  steps: [
    {
      id: "ask",
      type: "llm",
      provider: "local",
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "{{ question }}" },
      ],
      parameters: { temperature: 0.2 },
      response_format: { type: "json_object" },
      output: "json",
    },
    { id: "grid", type: "greenlang", agent: "GridFactorAgent", input_mapping: { country: "inputs.country", unit: "'kWh'" }, output_mapping: { f: "emission_factor" } },
    { id: "shape", type: "transform", condition: "steps.grid", expression: "{answer: steps.ask}" },
    { id: "more", type: "chain", chain: "other", label: "production", input_mapping: { question: "steps.ask" } },
  ],
  output: "steps.shape",
};

describe("the builder", () => {
  it("takes a definition in and gives it back unchanged, fields it has no control for included", () => {
    const state = builderFromDefinition(ADVISOR);
    expect(state.steps.map((s) => s.type)).toEqual(["llm", "greenlang", "transform", "chain"]);
    const { definition, problems } = definitionFromBuilder(state);
    expect(problems).toEqual([]);
    expect(definition).toEqual(ADVISOR);
  });
  it("edits JSON fields as text and names the one that does not parse", () => {
    const state = builderFromDefinition(ADVISOR);
    const ask = state.steps[0];
    if (ask.type !== "llm") throw new Error("llm first");
    state.steps[0] = { ...ask, parameters: '{"temperature": ', tools: '[{"type": "function"}]' };
    const { definition, problems } = definitionFromBuilder(state);
    expect(problems).toEqual([{ step: 0, field: "parameters", message: expect.stringContaining("not JSON") }]);
    expect(definition.steps[0].tools).toEqual([{ type: "function" }]);
    state.inputSchema = "{";
    expect(definitionFromBuilder(state).problems.map((p) => p.field)).toContain("input_schema");
  });
  it("leaves empty optional fields out and refuses a version that is no number", () => {
    const state = emptyBuilder({ provider: "openai" });
    state.steps.push(newStep("chain", state.steps));
    const sub = state.steps[1];
    if (sub.type !== "chain") throw new Error("chain");
    state.steps[1] = { ...sub, chain: "x", version: "two" };
    const { definition, problems } = definitionFromBuilder(state);
    expect(definition.steps[0]).toMatchObject({ id: "ask", type: "llm", provider: "openai", parameters: { temperature: 0.2 } });
    expect(definition.steps[0]).not.toHaveProperty("tools");
    expect(definition.steps[0]).not.toHaveProperty("response_format");
    expect(definition).not.toHaveProperty("output");
    expect(problems).toEqual([{ step: 1, field: "version", message: expect.any(String) }]);
  });
  it("gives new steps ids no step has and moves steps", () => {
    const state = emptyBuilder();
    expect(freshStepId(state.steps, "llm")).toBe("ask_2");
    expect(freshStepId(state.steps, "greenlang")).toBe("agent");
    expect(moveStep(["a", "b", "c"], 2, 0)).toEqual(["c", "a", "b"]);
    expect(moveStep(["a", "b"], 1, 2)).toEqual(["a", "b"]);
  });
  it("puts a variant's model and parameters on every LLM step only", () => {
    const state = withVariant(builderFromDefinition(ADVISOR), { model: "gpt-4o", parameters: '{"temperature": 1}' });
    const { definition } = definitionFromBuilder(state);
    expect(definition.steps[0]).toMatchObject({ model: "gpt-4o", parameters: { temperature: 1 } });
    expect(definition.steps[1]).toEqual(ADVISOR.steps[1]);
  });
});

describe("messages opened from a production span", () => {
  it("keep their tool calls, tool results and null content through the builder", () => {
    const definition = {
      input_schema: { type: "object" },
      steps: [
        {
          id: "llm_1",
          type: "llm",
          provider: "local",
          model: "gpt-4o-mini",
          messages: [
            { role: "user", content: "Weather in Paris?" },
            { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }] },
            { role: "tool", content: "18C", tool_call_id: "c1", name: "weather" },
          ],
        },
      ],
    };
    const again = definitionFromBuilder(builderFromDefinition(definition as never)).definition;
    expect((again.steps[0] as { messages: unknown }).messages).toEqual(definition.steps[0].messages);
  });
});
