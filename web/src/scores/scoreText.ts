// How scores read as text: a value in its type, a trace's summary of one name.
import type { StoredScore, TraceScoreSummary } from "./scoresApi";

/** A stored score's value as shown: numbers to 3 significant digits, labels as sent. */
export function scoreValueText(score: Pick<StoredScore, "data_type" | "value">): string {
  if (score.data_type === "numeric" && typeof score.value === "number") return String(Number(score.value.toPrecision(3)));
  return String(score.value);
}

/** One name's summary in a trace: the average of numbers, the most given label of
 * labels (and how many of the count gave it), a boolean's share of true. */
export function summaryText(summary: TraceScoreSummary): string {
  if (summary.data_type === "numeric") {
    const average = summary.average === null ? "–" : String(Number(summary.average.toPrecision(3)));
    return summary.count > 1 ? `${average} (avg of ${summary.count})` : average;
  }
  if (summary.data_type === "boolean" && summary.count > 1 && summary.average !== null) {
    return `${Math.round(summary.average * 100)}% true`;
  }
  const top = summary.labels[0];
  if (!top) return "–";
  return top.count < summary.count ? `${top.label} (${top.count}/${summary.count})` : top.label;
}

/** The summaries of a trace's stored scores, by name (what the trace list gives per trace). */
export function summarise(scores: StoredScore[]): TraceScoreSummary[] {
  const byName = new Map<string, StoredScore[]>();
  for (const score of scores) byName.set(score.name, [...(byName.get(score.name) ?? []), score]);
  return [...byName.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, group]) => {
      const numbers = group.map((s) => s.numeric_value).filter((v): v is number => v !== null);
      const labels = new Map<string, number>();
      for (const s of group) if (s.string_value) labels.set(s.string_value, (labels.get(s.string_value) ?? 0) + 1);
      return {
        name,
        data_type: group[0].data_type,
        count: group.length,
        average: numbers.length ? numbers.reduce((a, b) => a + b, 0) / numbers.length : null,
        labels: [...labels.entries()].sort((a, b) => b[1] - a[1]).map(([label, count]) => ({ label, count })),
      };
    });
}
