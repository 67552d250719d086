import { describe, expect, it } from "vitest";
import { comparisonSentence, metricValue, pValue } from "./comparisonText";
import type { ExperimentPairedTest } from "./experimentsApi";

const test = (fields: Partial<ExperimentPairedTest>): ExperimentPairedTest => ({
  name: "exact_match",
  kind: "score",
  higher_is_better: true,
  n: 30,
  baseline_mean: 0.5,
  candidate_mean: 0.62,
  mean_difference: 0.12,
  relative_difference: 0.24,
  ci_low: 0.05,
  ci_high: 0.19,
  confidence: 0.95,
  t_statistic: 3.4,
  t_test_p: 0.002,
  wilcoxon_p: 0.003,
  effect_size_dz: 0.6,
  primary_test: "paired_t",
  significant: true,
  tests_disagree: false,
  verdict: "better",
  improvements: 8,
  regressions: 2,
  unchanged: 20,
  ...fields,
});

describe("a paired test in words", () => {
  it("says a higher score is better with its interval and p", () => {
    expect(comparisonSentence("B", test({}))).toBe("B is 0.12 better (95% CI 0.05 to 0.19, p = 0.002)");
  });
  it("turns the interval round when lower is better (latency down is better)", () => {
    expect(
      comparisonSentence(
        "B",
        test({ name: "latency_ms", higher_is_better: false, mean_difference: -120, ci_low: -190, ci_high: -50, t_test_p: 0.0004 }),
      ),
    ).toBe("B is 120 ms better (95% CI 50 ms to 190 ms, p < 0.001)");
  });
  it("says worse, and not significant, with an interval across zero", () => {
    expect(
      comparisonSentence(
        "B",
        test({ mean_difference: -0.02, ci_low: -0.06, ci_high: 0.02, t_test_p: 0.31, significant: false, verdict: "no_significant_difference" }),
      ),
    ).toBe("B is 0.02 worse (95% CI -0.02 to 0.06, p = 0.310; not significant)");
  });
  it("says when there is nothing to test", () => {
    expect(comparisonSentence("B", test({ verdict: "not_testable", mean_difference: null, n: 1 }))).toBe(
      "B: not testable (1 pair of items)",
    );
    expect(comparisonSentence("B", test({ mean_difference: 0, verdict: "no_difference" }))).toBe("B is the same on every item");
  });
  it("writes values by their metric", () => {
    expect(metricValue("cost_usd", 0.0042)).toBe("$0.0042");
    expect(metricValue("carbon_g", 0.5)).toBe("500 mg");
    expect(metricValue("total_tokens", 1234.5)).toBe("1,230");
    expect(metricValue("x", null)).toBe("—");
    expect(metricValue("energy_kwh", 2.71e-11)).toBe("0.0000271 mWh");
    expect(metricValue("energy_kwh", 0.0000174)).toBe("17.4 mWh");
    expect(pValue(0.0001)).toBe("< 0.001");
  });
});
