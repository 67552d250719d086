// The Trace tab's table: a run's steps with their latency, tokens, cost, energy and
// carbon as the run record gives them (read back from the stored spans), and the
// run's totals. Unknown figures stay unknown (null), never 0.
import type { ChainRun, ChainRunFigures } from "../chains/chainsApi";
import { count, duration, grams, kwh, UNKNOWN, usd } from "../format";

export interface MetricRow {
  path: string;
  type: string;
  status: string;
  spanId: string | null;
  error: string | null;
  latency: string;
  tokens: string;
  cost: string;
  energy: string;
  carbon: string;
  /** the carbon's range when the estimate has one */
  carbonRange: string;
}

const wh = (value: number | null | undefined) => (value === null || value === undefined ? UNKNOWN : kwh(value / 1000));

function tokensText(f: ChainRunFigures): string {
  if ((f.input_tokens ?? null) === null && (f.output_tokens ?? null) === null) return UNKNOWN;
  return `${count(f.input_tokens ?? 0)} in / ${count(f.output_tokens ?? 0)} out`;
}

function rangeText(low: number | null | undefined, high: number | null | undefined): string {
  if (low === null || low === undefined || high === null || high === undefined || low === high) return "";
  return `${grams(low)} – ${grams(high)}`;
}

function figures(f: ChainRunFigures) {
  return {
    tokens: tokensText(f),
    cost: usd(f.cost_usd),
    energy: wh(f.energy_wh),
    carbon: grams(f.carbon_g),
    carbonRange: rangeText(f.carbon_g_min, f.carbon_g_max),
  };
}

export function metricRows(run: ChainRun): MetricRow[] {
  return run.steps.map((s) => ({
    path: s.path,
    type: s.type,
    status: s.skipped_by ? `skipped (${s.skipped_by})` : s.replayed ? `${s.status} (replayed)` : s.status,
    spanId: s.span_id ?? null,
    error: s.error ?? null,
    latency: s.latency_ms === null || s.latency_ms === undefined ? UNKNOWN : duration(s.latency_ms),
    ...figures(s),
  }));
}

export function totalsRow(run: ChainRun): Omit<MetricRow, "path" | "type" | "spanId" | "error"> {
  return {
    status: run.status,
    latency: run.latency_ms === null || run.latency_ms === undefined ? UNKNOWN : duration(run.latency_ms),
    ...figures(run.totals),
  };
}

/** The run's time in ns, from when it was asked for to when it ended, a second wider on
 * each side (the trace's spans lie inside it): the trace link's window, so the trace view
 * reads only the days the run covered. Nothing while the record has no end. */
export function runWindowNs(run: Pick<ChainRun, "created_at" | "ended_at">): [number, number] | [] {
  const start = Date.parse(run.created_at);
  const end = Date.parse(run.ended_at ?? "");
  return Number.isFinite(start) && Number.isFinite(end) ? [(start - 1000) * 1e6, (end + 1000) * 1e6] : [];
}
