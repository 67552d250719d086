/** A side's marks worth showing (improvements and regressions, not unchanged), regressions first. */
export function sideMarks(marks: Record<string, "improvement" | "regression" | "unchanged">) {
  return Object.entries(marks)
    .filter(([, mark]) => mark !== "unchanged")
    .map(([name, mark]) => ({ name, mark: mark as "improvement" | "regression" }))
    .sort((a, b) => (a.mark === b.mark ? a.name.localeCompare(b.name) : a.mark === "regression" ? -1 : 1));
}

/** Whether an item is shown under the comparison's filter ("<mark>:<metric>", or "" for
 * all): some candidate side marked that metric so. */
export function itemShown(sides: { marks: Record<string, "improvement" | "regression" | "unchanged"> }[], show: string): boolean {
  if (show === "") return true;
  const at = show.indexOf(":");
  const [mark, metric] = [show.slice(0, at), show.slice(at + 1)];
  return sides.some((side) => side.marks[metric] === mark);
}
