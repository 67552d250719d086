import { describe, expect, it } from "vitest";
import type { CostAnalysis } from "./analyticsApi";
import { costLayers, relativeChange, stacked, totalSaving } from "./costFigures";

const point = (t: string, llm: number, infra: number, data: number) =>
  ({ t, cost_usd: llm + infra + data, llm_cost_usd: llm, infrastructure_cost_usd: infra, data_cost_usd: data }) as CostAnalysis["series"][number];

describe("cost figures", () => {
  it("stacks the LLM, infrastructure and data parts without a grouping", () => {
    const analysis = { group_by: null, series: [point("2026-01-01T00:00:00Z", 1, 2, 3), point("2026-01-01T01:00:00Z", 4, 0, 1)] } as unknown as CostAnalysis;
    const { times, layers } = costLayers(analysis);
    expect(times).toEqual([1767225600, 1767229200]);
    expect(layers.map((l) => l.label)).toEqual(["LLM", "infrastructure", "data"]);
    expect(stacked(layers)).toEqual([
      { label: "data", values: [6, 5] },
      { label: "infrastructure", values: [3, 4] },
      { label: "LLM", values: [1, 4] },
    ]);
  });
  it("stacks the groups' costs when grouped, naming the empty group", () => {
    const analysis = {
      group_by: "chain",
      series: [],
      groups: [
        { group: "a", cost_usd: 3, series: [point("2026-01-01T00:00:00Z", 3, 0, 0)] },
        { group: "", cost_usd: 1, series: [point("2026-01-01T00:00:00Z", 1, 0, 0)] },
      ],
    } as unknown as CostAnalysis;
    const { layers } = costLayers(analysis);
    expect(layers.map((l) => l.label)).toEqual(["a", "(no chain)"]);
    expect(stacked(layers).map((l) => l.values)).toEqual([[4], [3]]);
  });
  it("adds the suggestions' savings", () => {
    expect(totalSaving([{ monthly_saving_usd: 1.5, monthly_saving_co2e_g: 10 }, { monthly_saving_usd: 2, monthly_saving_co2e_g: 5 }])).toEqual({ usd: 3.5, co2eG: 15 });
    expect(totalSaving([])).toEqual({ usd: 0, co2eG: 0 });
  });
  it("gives a change relative to the period before, none when that was 0", () => {
    expect(relativeChange(3, 2)).toBeCloseTo(0.5);
    expect(relativeChange(1, 4)).toBeCloseTo(-0.75);
    expect(relativeChange(5, 0)).toBeNull();
  });
});
