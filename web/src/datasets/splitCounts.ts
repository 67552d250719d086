import type { Option } from "../ui/Select";
import { count } from "../format";

/** A version's exact item count per split, as the API answers it (`split_counts`). */
export type SplitCount = { split: string | null; item_count: number };

/** The rows of "Items by split": most first ("(none)" for items without one), names in order on ties. */
export function splitRows(counts: SplitCount[]): { split: string; items: number }[] {
  return counts
    .map((c) => ({ split: c.split ?? "(none)", items: c.item_count }))
    .sort((a, b) => b.items - a.items || a.split.localeCompare(b.split));
}

/** The split filter's choices: any split, then each split of the version with its count (names in
 * order); a split named in the address that the version does not have stays choosable, with 0. */
export function splitOptions(counts: SplitCount[], chosen: string): Option[] {
  const named = counts.filter((c): c is { split: string; item_count: number } => c.split !== null);
  const options = named.map((c) => ({ value: c.split, label: `${c.split} (${count(c.item_count)})` }));
  if (chosen !== "" && !named.some((c) => c.split === chosen)) options.push({ value: chosen, label: `${chosen} (0)` });
  options.sort((a, b) => a.value.localeCompare(b.value));
  return [{ value: "", label: "Any split" }, ...options];
}
