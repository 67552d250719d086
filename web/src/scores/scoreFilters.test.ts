import { describe, expect, it } from "vitest";
import { filterText, opsFor, parseScoreFilter, scoreFilter } from "./scoreFilters";
import { summarise, summaryText } from "./scoreText";
import type { StoredScore } from "./scoresApi";

describe("score filters", () => {
  it("are written and read as the API takes them", () => {
    expect(scoreFilter("helpful", "ge", "0.5")).toBe("helpful:ge:0.5");
    expect(scoreFilter("helpful", "exists", "ignored")).toBe("helpful:exists");
    expect(parseScoreFilter("tone:is:a:b")).toEqual({ name: "tone", op: "is", value: "a:b" });
    expect(filterText("helpful:ge:0.5")).toBe("helpful ≥ 0.5");
    expect(filterText("thumbs:missing")).toBe("thumbs missing");
  });

  it("offer comparisons for numbers only", () => {
    expect(opsFor("numeric")).toContain("gt");
    expect(opsFor("categorical")).toEqual(["is", "not", "exists", "missing"]);
    expect(opsFor("boolean")).not.toContain("gt");
  });
});

const score = (name: string, data_type: StoredScore["data_type"], value: number | string | boolean): StoredScore => ({
  id: `${name}${String(value)}`,
  trace_id: "0".repeat(31) + "1",
  span_id: null,
  name,
  data_type,
  value,
  numeric_value: typeof value === "number" ? value : typeof value === "boolean" ? Number(value) : null,
  string_value: typeof value === "string" ? value : typeof value === "boolean" ? String(value) : null,
  comment: null,
  source: "human",
  evaluator: null,
  author: null,
  experiment_id: null,
  run_id: null,
  judge_trace_id: null,
  created_at_unix_nano: 1,
  updated_at_unix_nano: 1,
});

describe("score summaries", () => {
  it("average numbers, count labels and booleans as the trace list does", () => {
    const summaries = summarise([
      score("tone", "categorical", "rude"),
      score("helpful", "numeric", 0.25),
      score("helpful", "numeric", 0.75),
      score("tone", "categorical", "polite"),
      score("tone", "categorical", "rude"),
      score("thumbs", "boolean", true),
      score("thumbs", "boolean", false),
    ]);
    expect(summaries.map((s) => s.name)).toEqual(["helpful", "thumbs", "tone"]);
    expect(summaries.map(summaryText)).toEqual(["0.5 (avg of 2)", "50% true", "rude (2/3)"]);
    expect(summaryText({ name: "x", data_type: "categorical", count: 1, average: null, labels: [{ label: "ok", count: 1 }] })).toBe("ok");
  });
});
