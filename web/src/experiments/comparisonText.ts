// A paired test's outcome in plain words: "B is 0.12 better (95% CI 0.05 to 0.19, p = 0.002)".
import { duration, grams, kwh, usd } from "../format";
import type { ExperimentPairedTest } from "./experimentsApi";

/** A metric's value as people read it, by the metric's name; scores as plain numbers. */
export function metricValue(name: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  if (name === "latency_ms") return duration(Math.abs(value));
  if (name === "cost_usd") return usd(Math.abs(value));
  if (name === "carbon_g") return grams(Math.abs(value));
  if (name === "energy_kwh") return kwh(Math.abs(value));
  return plainNumber(Math.abs(value));
}

/** Up to three significant digits, never in exponent form. */
export function plainNumber(value: number): string {
  if (value === 0) return "0";
  return value.toLocaleString("en-US", { maximumSignificantDigits: 3 });
}

/** p as it is usually written: three decimals, or "< 0.001". */
export function pValue(p: number | null): string {
  if (p === null) return "—";
  return p < 0.001 ? "< 0.001" : `= ${p.toFixed(3)}`;
}

const METRIC_NAMES: Record<string, string> = {
  latency_ms: "latency",
  total_tokens: "tokens",
  cost_usd: "cost",
  energy_kwh: "energy",
  carbon_g: "carbon",
};

export const metricLabel = (name: string) => METRIC_NAMES[name] ?? name;

/** The direction a difference goes for the candidate, by the metric's better side. */
function direction(test: ExperimentPairedTest): "better" | "worse" | "the same" {
  const d = test.mean_difference ?? 0;
  if (d === 0) return "the same";
  return d > 0 === test.higher_is_better ? "better" : "worse";
}

/** The candidate against the baseline in one sentence; the CI is of candidate - baseline,
 * so it is turned around when "better" means lower. */
export function comparisonSentence(candidate: string, test: ExperimentPairedTest): string {
  if (test.verdict === "not_testable" || test.mean_difference === null)
    return `${candidate}: not testable (${test.n} ${test.n === 1 ? "pair" : "pairs"} of items)`;
  const way = direction(test);
  if (way === "the same") return `${candidate} is the same on every item`;
  const sign = test.mean_difference > 0 ? 1 : -1; // the interval of the amount named
  const ci =
    test.ci_low !== null && test.ci_high !== null
      ? [test.ci_low * sign, test.ci_high * sign].sort((a, b) => a - b)
      : null;
  const ciText = ci ? `${Math.round(test.confidence * 100)}% CI ${signed(test.name, ci[0])} to ${signed(test.name, ci[1])}, ` : "";
  const significance = test.significant ? "" : "; not significant";
  return `${candidate} is ${metricValue(test.name, test.mean_difference)} ${way} (${ciText}p ${pValue(test.t_test_p)}${significance})`;
}

/** A bound of the interval with its sign kept (an interval may cross zero). */
function signed(name: string, value: number): string {
  return `${value < 0 ? "-" : ""}${metricValue(name, value)}`;
}

/** The badge tone of a verdict. */
export function verdictTone(verdict: ExperimentPairedTest["verdict"]): "green" | "red" | "neutral" {
  return verdict === "better" ? "green" : verdict === "worse" ? "red" : "neutral";
}
