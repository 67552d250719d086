// An experiment's results as the page shows them: one group per item, its repetitions
// each kept (in the API's (item, repetition) order), pages joined where an item spans two.
import type { ExperimentResult } from "./experimentsApi";

export interface ItemResults {
  itemId: string;
  item: ExperimentResult["item"];
  runs: ExperimentResult[];
}

export function groupByItem(results: ExperimentResult[]): ItemResults[] {
  const groups: ItemResults[] = [];
  for (const run of results) {
    const last = groups[groups.length - 1];
    if (last && last.itemId === run.item_id) last.runs.push(run);
    else groups.push({ itemId: run.item_id, item: run.item, runs: [run] });
  }
  return groups;
}

/** A score's value as text: numbers to three significant digits, labels and booleans as they are. */
export function scoreValueText(score: { value: number | string | boolean | null; label?: string | null }): string {
  if (score.value === null) return score.label ?? "—";
  if (typeof score.value === "number") return score.value.toLocaleString("en-US", { maximumSignificantDigits: 3 });
  return String(score.value);
}
