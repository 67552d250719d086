import { describe, expect, it } from "vitest";
import type { TokenAnalysis } from "./analyticsApi";
import { cacheEfficiency, distribution, relativeChange, wasteRows } from "./tokenFigures";

const waste = (extra: object) => ({ definition: "d", ...extra });
const analysis = (totals: Partial<TokenAnalysis["totals"]>) =>
  ({
    totals: { llm_calls: 2, input_tokens: 1000, output_tokens: 200, cached_tokens: 250, reasoning_tokens: 50, system_tokens: 300, total_tokens: 1200, ...totals },
    waste: {
      uncached_system_prompt: waste({ calls: 1, system_tokens: 300, share_of_input_tokens: 0.3, estimated_input_cost_usd: 0.001 }),
      near_context_limit: waste({ threshold: 0.9, calls: 0, input_tokens: 0, calls_with_known_context_window: 2, models_without_context_window: [] }),
      output_ratio_outliers: waste({ factor: 3, min_calls: 10, calls: 0, output_tokens: 0, models_judged: 0 }),
      repeated_calls: waste({ calls: 1, input_tokens: 500, cost_usd: 0.002 }),
    },
  }) as unknown as TokenAnalysis;

describe("token figures", () => {
  it("compares with the period before only when it had something", () => {
    expect(relativeChange(150, 100)).toBeCloseTo(0.5);
    expect(relativeChange(150, 0)).toBeNull();
    expect(relativeChange(null, 100)).toBeNull();
  });
  it("defines efficiency as the cached share of input tokens", () => {
    expect(cacheEfficiency(analysis({}))).toBe(0.25);
    expect(cacheEfficiency(analysis({ input_tokens: 0, cached_tokens: 0 }))).toBeNull();
  });
  it("lists the distribution with the parts of input and output", () => {
    expect(distribution(analysis({})).map((d) => d.tokens)).toEqual([1000, 200, 300, 250, 50]);
  });
  it("gives each waste indicator its saving", () => {
    const rows = wasteRows(analysis({}));
    expect(rows.map((r) => [r.key, r.calls, r.savingTokens])).toEqual([
      ["uncached_system_prompt", 1, 300],
      ["repeated_calls", 1, 500],
      ["output_ratio_outliers", 0, 0],
      ["near_context_limit", 0, 0],
    ]);
  });
});
