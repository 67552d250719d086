// Shaping the cost analysis for the Cost page: the stacked trend (by cost kind,
// or by the chosen group) and the suggestions' totals.
import type { CostAnalysis } from "./analyticsApi";

export interface Layer {
  label: string;
  values: number[];
}

/** The layers of the trend: each group's cost per step when grouped, else the
 * LLM / infrastructure / data parts of the total. */
export function costLayers(analysis: CostAnalysis): { times: number[]; layers: Layer[] } {
  const at = (series: { t: string }[]) => series.map((p) => Date.parse(p.t) / 1000);
  if (analysis.group_by && analysis.groups && analysis.groups.length > 0) {
    return {
      times: at(analysis.groups[0].series),
      layers: analysis.groups.map((g) => ({
        label: g.group || `(no ${analysis.group_by})`,
        values: g.series.map((p) => p.cost_usd),
      })),
    };
  }
  return {
    times: at(analysis.series),
    layers: [
      { label: "LLM", values: analysis.series.map((p) => p.llm_cost_usd) },
      { label: "infrastructure", values: analysis.series.map((p) => p.infrastructure_cost_usd) },
      { label: "data", values: analysis.series.map((p) => p.data_cost_usd) },
    ],
  };
}

/** Running sums, top layer first: uPlot draws each as a line filled down to the
 * next (its bands), which stacks them. */
export function stacked(layers: Layer[]): Layer[] {
  const sums: Layer[] = [];
  let running: number[] = layers[0]?.values.map(() => 0) ?? [];
  for (const layer of layers) {
    running = running.map((r, i) => r + (layer.values[i] ?? 0));
    sums.push({ label: layer.label, values: running });
  }
  return sums.reverse();
}

/** The suggestions' total monthly saving (they are of distinct kinds, so they add). */
export function totalSaving(suggestions: { monthly_saving_usd: number; monthly_saving_co2e_g: number }[]) {
  return {
    usd: suggestions.reduce((s, x) => s + x.monthly_saving_usd, 0),
    co2eG: suggestions.reduce((s, x) => s + x.monthly_saving_co2e_g, 0),
  };
}

/** The relative change from the period before, as the API gives its own (null when that was 0). */
export const relativeChange = (now: number, before: number): number | null => (before ? (now - before) / Math.abs(before) : null);
