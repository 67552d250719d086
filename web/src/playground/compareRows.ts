// The Compare tab: earlier runs of a chain (GET chain-runs?chain=), newest first, each
// with its version, inputs, output as a diff against the run chosen as the baseline,
// and its figures; runs of several versions side by side.
import type { ChainRun } from "../chains/chainsApi";
import { duration, grams, UNKNOWN, usd } from "../format";
import { DiffPart, diffText, diffTexts } from "./textDiff";

export interface CompareRow {
  id: string;
  version: string;
  status: string;
  when: string;
  inputs: string;
  output: string;
  /** the output against the baseline's (null for the baseline itself) */
  diff: DiffPart[] | null;
  same: boolean;
  latency: string;
  tokens: string;
  cost: string;
  carbon: string;
  traceId: string | null;
}

const oneLine = (value: unknown) => (value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value));

export function compareRows(runs: ChainRun[], baselineId: string | null): CompareRow[] {
  const baseline = runs.find((r) => r.id === baselineId) ?? null;
  const baseText = baseline ? diffText(baseline.output) : "";
  return runs.map((run) => {
    const output = diffText(run.output);
    const isBase = baseline !== null && run.id === baseline.id;
    const tokens = (run.totals.input_tokens ?? 0) + (run.totals.output_tokens ?? 0);
    return {
      id: run.id,
      version: run.version === null ? "draft" : `v${run.version}`,
      status: run.status,
      when: run.created_at,
      inputs: oneLine(run.inputs),
      output,
      diff: baseline && !isBase ? diffTexts(baseText, output, "word") : null,
      same: baseline !== null && !isBase && output === baseText,
      latency: run.latency_ms === null ? UNKNOWN : duration(run.latency_ms),
      tokens: run.totals.input_tokens === null && run.totals.output_tokens === null ? UNKNOWN : tokens.toLocaleString("en-US"),
      cost: usd(run.totals.cost_usd),
      carbon: grams(run.totals.carbon_g),
      traceId: run.trace_id,
    };
  });
}

/** The versions the runs cover, newest first (the tab's filter). */
export function runVersions(runs: ChainRun[]): string[] {
  const versions = [...new Set(runs.map((r) => (r.version === null ? "draft" : `v${r.version}`)))];
  return versions.sort((a, b) => (b === "draft" ? -1 : a === "draft" ? 1 : Number(b.slice(1)) - Number(a.slice(1))));
}
