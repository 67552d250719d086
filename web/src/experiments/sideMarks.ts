/** A side's marks worth showing (improvements and regressions, not unchanged), regressions first. */
export function sideMarks(marks: Record<string, "improvement" | "regression" | "unchanged">) {
  return Object.entries(marks)
    .filter(([, mark]) => mark !== "unchanged")
    .map(([name, mark]) => ({ name, mark: mark as "improvement" | "regression" }))
    .sort((a, b) => (a.mark === b.mark ? a.name.localeCompare(b.name) : a.mark === "regression" ? -1 : 1));
}
