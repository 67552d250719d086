import { describe, expect, it } from "vitest";
import { formatHash, parseHash } from "../route";
import { splitOptions, splitRows } from "./splitCounts";
import { parseEditorText, previewText } from "./itemText";

describe("datasets and experiments in the URL", () => {
  it("round-trips a dataset's data tab with its version, search, split and item", () => {
    const hash = "#/p/datasets/qa%20set?tab=data&version=3&q=capital&split=test&item=i%2F1";
    const state = parseHash(hash);
    expect([state.page, state.dataset, state.tab, state.version, state.q, state.split, state.item]).toEqual([
      "dataset",
      "qa set",
      "data",
      "3",
      "capital",
      "test",
      "i/1",
    ]);
    expect(formatHash(state)).toBe(hash);
  });
  it("keeps the diffed versions and the picked experiments by tab", () => {
    expect(formatHash(parseHash("#/p/datasets/d?tab=versions&from=1&to=3"))).toBe("#/p/datasets/d?tab=versions&from=1&to=3");
    expect(formatHash(parseHash("#/p/datasets/d?tab=results&ids=a%2Cb"))).toBe("#/p/datasets/d?tab=results&ids=a%2Cb");
  });
  it("reads the experiment pages", () => {
    expect(parseHash("#/p/experiments").page).toBe("experiments");
    const one = parseHash("#/p/experiments/abc");
    expect([one.page, one.experiment]).toEqual(["experiment", "abc"]);
    const compare = parseHash("#/p/experiments/compare?ids=a,b,c");
    expect([compare.page, compare.compare]).toEqual(["compare", ["a", "b", "c"]]);
    expect(formatHash(compare)).toBe("#/p/experiments/compare?ids=a%2Cb%2Cc");
    expect(formatHash({ ...parseHash("#/p/datasets"), page: "dataset", dataset: null })).toBe("#/p/datasets");
  });
});

describe("items", () => {
  it("shows a version's split counts most first, items without a split as (none)", () => {
    const counts = [
      { split: "test", item_count: 1 },
      { split: "train", item_count: 250000 },
      { split: null, item_count: 1 },
    ];
    expect(splitRows(counts)).toEqual([
      { split: "train", items: 250000 },
      { split: "(none)", items: 1 },
      { split: "test", items: 1 },
    ]);
    expect(splitRows([])).toEqual([]);
  });
  it("offers each split of the version with its count, and keeps one the address names", () => {
    const counts = [
      { split: "train", item_count: 800000 },
      { split: "holdout", item_count: 1 },
      { split: null, item_count: 5 },
    ];
    expect(splitOptions(counts, "")).toEqual([
      { value: "", label: "Any split" },
      { value: "holdout", label: "holdout (1)" },
      { value: "train", label: "train (800,000)" },
    ]);
    expect(splitOptions(counts, "dev").map((o) => o.label)).toEqual(["Any split", "dev (0)", "holdout (1)", "train (800,000)"]);
  });
  it("reads the editor's JSON back, naming the field that is not", () => {
    expect(parseEditorText("input", '{"q": 1}')).toEqual({ value: { q: 1 } });
    expect(parseEditorText("input", "")).toEqual({ value: null });
    expect(parseEditorText("expected", "Paris")).toEqual({ error: expect.stringMatching(/^expected is not JSON/) });
    expect(previewText({ a: "x".repeat(300) }, 10)).toBe('{"a":"xxxx…');
  });
});
