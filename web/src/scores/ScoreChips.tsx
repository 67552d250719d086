import { Badge } from "../ui/Badge";
import { summarise, summaryText } from "./scoreText";
import { useTraceScores } from "./useScores";

/** The trace header's chips: each score name with its summary over the trace. */
export function ScoreChips({ project, traceId }: { project: string; traceId: string }) {
  const scores = useTraceScores(project, traceId);
  const summaries = summarise(scores.data ?? []);
  if (summaries.length === 0) return null;
  return (
    <ul className="flex flex-wrap gap-1.5" aria-label="trace scores" data-testid="trace-scores">
      {summaries.map((s) => (
        <li key={s.name} className="score-chip" data-score={s.name}>
          <Badge tone="violet" title={`${s.name}: ${summaryText(s)} (${s.data_type})`} className="max-w-72 truncate">
            {/* isolated: a right-to-left mark in a sent name does not reorder the text around it */}
            <bdi className="truncate">{s.name}</bdi>
            <span className="ml-1 font-normal">{summaryText(s)}</span>
          </Badge>
        </li>
      ))}
    </ul>
  );
}

/** A trace list row's scores: each name's summary, compact. */
export function ScoreSummaryCell({ scores }: { scores: Parameters<typeof summaryText>[0][] | undefined }) {
  if (!scores?.length) return null;
  const text = scores.map((s) => `${s.name}: ${summaryText(s)}`).join(" · ");
  return (
    <span className="scores-cell block truncate text-xs text-zinc-600 dark:text-zinc-400" title={text}>
      {text}
    </span>
  );
}
