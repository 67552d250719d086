// Which figure of the API's MetricStats a metric and aggregation read, and how it
// is written. Throughput and error rate have one figure each (per minute, rate),
// so the aggregation does not apply to them.
import { count, duration, grams, UNKNOWN, usd } from "../format";
import type { MetricStats } from "./analyticsApi";

export const METRICS = [
  { value: "latency", label: "Latency" },
  { value: "throughput", label: "Throughput" },
  { value: "error_rate", label: "Error rate" },
  { value: "cost", label: "Cost" },
  { value: "tokens", label: "Tokens" },
  { value: "carbon", label: "Carbon" },
];
export const AGGREGATIONS = ["p50", "p90", "p99", "avg"];
export const GROUP_BYS = ["chain", "agent", "user", "environment", "model"];

export type Figure = keyof MetricStats;

export function figureOf(metric: string, aggregation: string): Figure {
  if (metric === "throughput") return "per_minute";
  if (metric === "error_rate") return "rate";
  return (AGGREGATIONS.includes(aggregation) ? aggregation : "p90") as Figure;
}

export const aggregationApplies = (metric: string) => metric !== "throughput" && metric !== "error_rate";

export function valueOf(stats: MetricStats | undefined, figure: Figure): number | null {
  const v = stats?.[figure];
  return typeof v === "number" ? v : null;
}

export const ratePercent = (rate: number) => `${(rate * 100).toFixed(1)}%`;

/** A metric's value as the pages write it. */
export function metricText(metric: string, value: number | null | undefined): string {
  if (value === null || value === undefined) return UNKNOWN;
  switch (metric) {
    case "latency":
      return duration(value);
    case "cost":
      return usd(value);
    case "carbon":
      return `${grams(value)} CO₂e`;
    case "throughput":
      return `${value.toLocaleString("en-US", { maximumFractionDigits: 2 })}/min`;
    case "error_rate":
      return ratePercent(value);
    default:
      return count(Math.round(value));
  }
}

/** A relative change as "▲ 12%" / "▼ 3%", or nothing when the API gives none. */
export function changeText(change: number | null | undefined): string {
  if (change === null || change === undefined) return "";
  return `${change > 0 ? "▲" : "▼"} ${Math.abs(change * 100).toFixed(0)}%`;
}

/** Success rate and its change in points from the error-rate figures of both periods. */
export function successRate(now: MetricStats | undefined, before: MetricStats | undefined) {
  const rate = valueOf(now, "rate");
  const previous = valueOf(before, "rate");
  return {
    value: rate === null ? null : 1 - rate,
    pointsChange: rate === null || previous === null ? null : (previous - rate) * 100,
  };
}

/** Metrics whose percentiles come from sketches kept per one grouping: the API takes
 * an environment with them only ungrouped or grouped by environment. */
const SKETCHED = new Set(["latency", "tokens", "cost", "throughput"]);

/** Tokens and cost grouped by what a trace has (chain, agent, user) are asked per
 * trace (scope=trace: each trace's sums, by the trace's values), since an LLM call
 * rarely names its chain itself; per LLM call otherwise (the API's default). */
export const scopeFor = (metric: string, groupBy: string): "trace" | undefined =>
  (metric === "tokens" || metric === "cost") && (["chain", "agent", "user"].includes(groupBy) || scoreGroup(groupBy) !== null)
    ? "trace"
    : undefined;

/** A grouping by a score's label is written `score:<name>` (the URL's group_by). */
const SCORE_PREFIX = "score:";
export const scoreGrouping = (name: string) => `${SCORE_PREFIX}${name}`;
export const scoreGroup = (groupBy: string): string | null =>
  groupBy.startsWith(SCORE_PREFIX) && groupBy.length > SCORE_PREFIX.length ? groupBy.slice(SCORE_PREFIX.length) : null;

/** Metrics measured exactly per trace, the only ones a score can group (the API's
 * rule: latency percentiles come from sketches that know nothing of scores). */
export const SCORE_GROUPED_METRICS = ["error_rate", "carbon", "tokens", "cost"];

/** The request's grouping parameters: group_by, or group_by_score for a score's
 * labels; none when the metric cannot be grouped so. */
export function groupParams(metric: string, groupBy: string): Record<string, string> {
  if (!groupBy) return {};
  const score = scoreGroup(groupBy);
  if (score === null) return { group_by: groupBy };
  return SCORE_GROUPED_METRICS.includes(metric) ? { group_by_score: score } : {};
}

/** How a grouping is named on the page. */
export const groupTitle = (groupBy: string) => {
  const score = scoreGroup(groupBy);
  return score === null ? groupBy : `score ${score}`;
};

/** Whether the shell's environment can narrow this metric at this grouping. */
export const environmentApplies = (metric: string, groupBy: string) =>
  !SKETCHED.has(metric) || groupBy === "" || groupBy === "environment" || scopeFor(metric, groupBy) === "trace";

type GroupSeries = { group: string; series: (MetricStats & { t: string })[] }[];

/** The groups' series on one time axis (epoch seconds, every step any group has),
 * null where a group has no measurement in a step. */
export function groupLines(groupSeries: GroupSeries, figure: Figure): { times: number[]; lines: { group: string; values: (number | null)[] }[] } {
  const times = [...new Set(groupSeries.flatMap((g) => g.series.map((p) => Date.parse(p.t) / 1000)))].sort((a, b) => a - b);
  const lines = groupSeries.map((g) => {
    const at = new Map(g.series.map((p) => [Date.parse(p.t) / 1000, valueOf(p, figure)]));
    return { group: g.group, values: times.map((t) => at.get(t) ?? null) };
  });
  return { times, lines };
}
