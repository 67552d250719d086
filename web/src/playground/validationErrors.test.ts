import { describe, expect, it } from "vitest";
import { fieldRoot, locateError, mappingField, messageIndex } from "./validationErrors";

describe("locating a refusal", () => {
  it("finds the step and field the server names", () => {
    const syntax = locateError("steps[0] (ask).messages[1].content: line 1: unexpected end of template");
    expect(syntax).toMatchObject({ step: 0, stepId: "ask", field: "messages[1].content" });
    expect(messageIndex(syntax.field)).toBe(1);
    const mapping = locateError("steps[1] (grid).input_mapping.country: JMESPath syntax error");
    expect(mapping).toMatchObject({ step: 1, field: "input_mapping.country" });
    expect(mappingField(mapping.field)).toBe("country");
    expect(locateError("steps[0] (ask).parameters.temprature is not a parameter").field).toBe("parameters.temprature");
    expect(fieldRoot("parameters.temprature")).toBe("parameters");
    expect(locateError("steps[2] (shape).expression reads steps.more, which is later")).toMatchObject({ step: 2, field: "expression" });
  });
  it("names a step without a field, and the chain's own fields", () => {
    expect(locateError("steps[3] (more): give version or label, not both")).toMatchObject({ step: 3, field: "" });
    expect(locateError("steps[0].type: unknown step type 'shell'")).toMatchObject({ step: 0, stepId: null, field: "type" });
    expect(locateError("output: JMESPath syntax error")).toMatchObject({ step: null, field: "output" });
    expect(locateError("input_schema must describe an object")).toMatchObject({ step: null, field: "input_schema" });
    expect(locateError("definition is required")).toMatchObject({ step: null, field: "" });
  });
});
