import { describe, expect, it } from "vitest";
import type { ExperimentResult } from "./experimentsApi";
import { groupByItem, scoreValueText } from "./resultGroups";
import { itemShown, sideMarks } from "./sideMarks";

const run = (item_id: string, repetition: number) => ({ id: `${item_id}-${repetition}`, item_id, repetition, item: { id: item_id } }) as unknown as ExperimentResult;

describe("results by item", () => {
  it("keeps every repetition under its item, in order", () => {
    const groups = groupByItem([run("a", 1), run("a", 2), run("b", 1), run("b", 2), run("b", 3)]);
    expect(groups.map((g) => [g.itemId, g.runs.map((r) => r.repetition)])).toEqual([
      ["a", [1, 2]],
      ["b", [1, 2, 3]],
    ]);
  });
  it("writes scores by their type", () => {
    expect(scoreValueText({ value: 0.66666 })).toBe("0.667");
    expect(scoreValueText({ value: true })).toBe("true");
    expect(scoreValueText({ value: null, label: "good" })).toBe("good");
  });
  it("shows a side's regressions first, unchanged not at all", () => {
    expect(sideMarks({ latency_ms: "improvement", exact_match: "regression", cost_usd: "unchanged" })).toEqual([
      { name: "exact_match", mark: "regression" },
      { name: "latency_ms", mark: "improvement" },
    ]);
  });
});

describe("the comparison's item filter", () => {
  type Mark = "improvement" | "regression" | "unchanged";
  const sides: { marks: Record<string, Mark> }[] = [{ marks: {} }, { marks: { exact_match: "improvement", latency_ms: "unchanged" } }];
  it("shows an item a candidate improved on under that metric's improvements only", () => {
    expect(itemShown(sides, "")).toBe(true);
    expect(itemShown(sides, "improvement:exact_match")).toBe(true);
    expect(itemShown(sides, "regression:exact_match")).toBe(false);
    expect(itemShown(sides, "improvement:latency_ms")).toBe(false);
  });
});
