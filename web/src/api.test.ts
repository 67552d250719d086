import { describe, expect, it } from "vitest";
import { noteStoredGeneration, READ_MAX_AGE_S, readHeaders, withQuery } from "./api";

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

describe("readHeaders", () => {
  it("accepts recent answers, but none from before a generation a live update announced", () => {
    expect(readHeaders()["Cache-Control"]).toBe(`max-age=${READ_MAX_AGE_S}`);
    const before = Number(readHeaders()["X-GLS-Min-Generation"]);
    noteStoredGeneration(before + 41);
    expect(readHeaders()["X-GLS-Min-Generation"]).toBe(String(before + 41));
    noteStoredGeneration(before + 3); // an older update arriving late lowers nothing
    noteStoredGeneration(Number.NaN);
    expect(readHeaders()["X-GLS-Min-Generation"]).toBe(String(before + 41));
  });
});
