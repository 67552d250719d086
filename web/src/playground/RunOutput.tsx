// The Output tab: each variant a column, each run in it its streamed answer (tokens as
// they arrive), its steps' statuses, and once its record is in, its figures.
import { ErrorText } from "../datasets/Dialog";
import type { ChainRun } from "../chains/chainsApi";
import { duration, grams, usd } from "../format";
import { Badge, BadgeTone } from "../ui/Badge";
import { cn } from "../ui/cn";
import type { ColumnRuns } from "./useRuns";
import { liveText, StreamedRun } from "./runEvents";

const STATUS_TONES: Record<string, BadgeTone> = {
  succeeded: "green",
  failed: "red",
  running: "blue",
  queued: "neutral",
  cancelled: "amber",
  timed_out: "amber",
  skipped: "neutral",
};

export const StatusBadge = ({ status }: { status: string }) => (
  <Badge tone={STATUS_TONES[status] ?? "neutral"} className="run-status">
    {status.replace("_", " ")}
  </Badge>
);

export function RunOutput({ columns, records, selected, onSelect }: {
  columns: ColumnRuns[];
  records: Record<string, ChainRun>;
  selected: string | null;
  onSelect: (runId: string) => void;
}) {
  if (!columns.length) return <p className="text-sm text-zinc-500">Run the chain to see its output here, streamed as it comes.</p>;
  return (
    <div className={cn("grid gap-3", columns.length === 2 ? "grid-cols-2" : columns.length >= 3 ? "grid-cols-3" : "grid-cols-1")} data-testid="output-tab">
      {columns.map((column, i) => (
        <section key={i} className="variant-column flex min-w-0 flex-col gap-2" aria-label={`variant ${column.label}`}>
          {columns.length > 1 && <h3 className="truncate text-xs font-semibold text-zinc-500">{column.label}</h3>}
          <ErrorText error={column.error} />
          {column.runs.map((run, n) => (
            <RunCard key={run.runId} run={run} record={records[run.runId]} index={n} count={column.runs.length} selected={selected === run.runId} onSelect={() => onSelect(run.runId)} />
          ))}
        </section>
      ))}
    </div>
  );
}

function RunCard({ run, record, index, count, selected, onSelect }: {
  run: StreamedRun;
  record: ChainRun | undefined;
  index: number;
  count: number;
  selected: boolean;
  onSelect: () => void;
}) {
  const text = liveText(run);
  return (
    <article
      data-testid="run"
      data-run-id={run.runId}
      data-status={run.status}
      onClick={onSelect}
      className={cn(
        "run-card cursor-pointer rounded-lg border bg-white p-3 text-sm shadow-xs dark:bg-zinc-900",
        selected ? "border-brand-500 ring-1 ring-brand-500/30" : "border-zinc-200 dark:border-zinc-800",
      )}
    >
      <div className="mb-2 flex flex-wrap items-center gap-2 text-xs">
        {count > 1 && <span className="text-zinc-500">run {index + 1} of {count}</span>}
        <StatusBadge status={run.status} />
        {run.steps.map((s) => (
          <span key={s.path} className="step-status text-zinc-500" title={s.error ?? undefined}>
            <span className="font-mono">{s.path}</span> {s.status === "running" ? "…" : s.status === "succeeded" ? "✓" : s.status}
          </span>
        ))}
        {record && (
          <span className="ml-auto text-zinc-500 tabular-nums" data-testid="run-figures">
            {record.latency_ms !== null && duration(record.latency_ms)} · {usd(record.totals.cost_usd)} · {grams(record.totals.carbon_g)} CO₂e
          </span>
        )}
      </div>
      <pre data-testid="run-output" className="max-h-96 overflow-auto font-mono text-xs leading-5 whitespace-pre-wrap">
        {text}
        {!run.ended && <span className="animate-pulse text-brand-600">▍</span>}
      </pre>
      {run.error && (
        <p role="alert" className="mt-2 text-xs text-red-600 dark:text-red-400">
          {run.errorStep && <span className="font-mono">{run.errorStep}: </span>}
          {run.error}
        </p>
      )}
      {run.dropped > 0 && <p className="mt-1 text-xs text-amber-600">{run.dropped} events were missed (the page fell behind); the record below is whole.</p>}
    </article>
  );
}
