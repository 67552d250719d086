import { describe, expect, it } from "vitest";
import { formFields, formValues, inputsFromForm, inputsFromJson } from "./inputForm";

const SCHEMA = JSON.stringify({
  type: "object",
  properties: {
    question: { type: "string", description: "Asked" },
    count: { type: "integer" },
    ratio: { type: "number" },
    strict: { type: "boolean" },
    unit: { type: "string", enum: ["kWh", "MWh"] },
    tags: { type: "array", items: { type: "string" } },
    anything: {},
  },
  required: ["question", "count"],
});

describe("the inputs form", () => {
  it("has a field per property, of the property's kind", () => {
    const fields = formFields(SCHEMA);
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ["question", "string", true],
      ["count", "integer", true],
      ["ratio", "number", false],
      ["strict", "boolean", false],
      ["unit", "enum", false],
      ["tags", "json", false],
      ["anything", "string", false],
    ]);
    expect(fields[4].options).toEqual(["kWh", "MWh"]);
    expect(formFields("{not json")).toEqual([]);
    expect(formFields('{"type": "object"}')).toEqual([]);
  });
  it("makes typed inputs, leaving empty optional fields out and naming bad values", () => {
    const fields = formFields(SCHEMA);
    expect(inputsFromForm(fields, { question: "Hi", count: "3", ratio: "", strict: "true", tags: '["a"]' })).toEqual({
      inputs: { question: "Hi", count: 3, strict: true, tags: ["a"] },
      problems: {},
    });
    expect(inputsFromForm(fields, { question: "", count: "2.5", tags: "[" }).problems).toEqual({ count: "a whole number", tags: "JSON" });
    expect(inputsFromForm(fields, { question: "", count: "1" }).inputs).toEqual({ question: "", count: 1 });
  });
  it("goes between the form and raw JSON", () => {
    const fields = formFields(SCHEMA);
    expect(formValues(fields, { question: "Hi", count: 3, tags: ["a"] })).toMatchObject({ question: "Hi", count: "3", tags: '["a"]', ratio: "" });
    expect(inputsFromJson('{"a": 1}')).toEqual({ inputs: { a: 1 } });
    expect(inputsFromJson("[1]")).toEqual({ problem: "the inputs must be a JSON object" });
    expect(inputsFromJson("{")).toMatchObject({ problem: expect.stringContaining("not JSON") });
  });
});
