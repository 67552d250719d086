import { describe, expect, it } from "vitest";
import { withQuery } from "./api";

describe("withQuery", () => {
  it("leaves unset and empty filters out (the API's any)", () => {
    expect(withQuery("/api/v1/projects/p/traces", { status: "", model: undefined })).toBe("/api/v1/projects/p/traces");
  });
  it("repeats a parameter for each value of a list", () => {
    expect(withQuery("/s", { attribute: ["tool.name=calc", "a=b c"], q: "x" })).toBe(
      "/s?attribute=tool.name%3Dcalc&attribute=a%3Db+c&q=x",
    );
  });
  it("escapes what a value holds", () => {
    expect(withQuery("/t", { name: "a&b=c" })).toBe("/t?name=a%26b%3Dc");
  });
});
