/** Items per split, most first ("(none)" for items without one), names in order on ties. */
export function splitCounts(items: { split: string | null }[]): { split: string; items: number }[] {
  const counts = new Map<string, number>();
  for (const item of items) {
    const name = item.split ?? "(none)";
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts]
    .map(([split, n]) => ({ split, items: n }))
    .sort((a, b) => b.items - a.items || a.split.localeCompare(b.split));
}
