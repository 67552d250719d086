import type { TraceOutline } from "../api";
import { count, duration, plural } from "../format";
import { AddToDatasetButton } from "../datasets/AddToDatasetButton";
import { traceExportUrl } from "../explorer/exportLinks";
import { ExportLink } from "../explorer/ExportLink";
import { ShareButton } from "../explorer/ShareButton";
import { pageHref, ViewState } from "../route";
import { ScoreChips } from "../scores/ScoreChips";
import { Badge } from "../ui/Badge";
import { CopyButton } from "./CopyButton";
import { rootSpanId, traceMetadata } from "./traceMetadata";
import { useSpanDetail } from "./useSpanDetail";

/** The trace's name, short id (copied whole), duration, tokens and status; Share and
 * Export; then its metadata as chips, each linking to the list filtered by it. */
export function TraceHeader({ trace, name, state }: { trace: TraceOutline; name: string; state: ViewState }) {
  const tokens = trace.totals.tokens;
  return (
    <header className="flex flex-col gap-2" data-testid="trace-header">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1.5">
        <h1 className="min-w-0 truncate text-lg font-semibold" title={name}>
          <bdi>{name}</bdi>
        </h1>
        <span className="id" data-testid="trace-id">
          <CopyButton value={trace.trace_id} what="trace id">
            {trace.trace_id.slice(0, 8)}
          </CopyButton>
        </span>
        {trace.error_count > 0 ? (
          <Badge tone="red" data-testid="trace-status">
            {plural(trace.error_count, "error")}
          </Badge>
        ) : (
          <Badge tone="green" data-testid="trace-status">
            ok
          </Badge>
        )}
        <span className="text-sm text-zinc-500 tabular-nums" data-testid="trace-duration">
          {duration(trace.duration_ms)}
        </span>
        <span className="text-sm text-zinc-500 tabular-nums" data-testid="trace-tokens">
          {count(tokens.total)} tokens
        </span>
        <div className="ml-auto flex flex-wrap items-center gap-2">
          <ShareButton />
          <AddToDatasetButton project={trace.project} traceId={trace.trace_id} />
          <ExportLink address={() => traceExportUrl(trace.project, trace.trace_id, "json", state.window)}>
            Export JSON
          </ExportLink>
          <ExportLink address={() => traceExportUrl(trace.project, trace.trace_id, "otlp", state.window)}>
            Export OTLP JSON
          </ExportLink>
        </div>
      </div>
      <MetadataChips trace={trace} state={state} />
      <ScoreChips project={trace.project} traceId={trace.trace_id} />
    </header>
  );
}

const CHIP =
  "inline-flex max-w-72 items-center gap-1 truncate rounded-full border border-zinc-200 bg-white px-2 py-0.5 text-xs text-zinc-700 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-300";
const LINKED = "hover:border-brand-500 hover:text-brand-700 dark:hover:text-brand-100";

function Chip({ label, value, href }: { label: string; value: string; href?: string }) {
  const body = (
    <>
      <span className="text-zinc-400">{label}</span>
      {/* isolated: a right-to-left mark in a sent value does not reorder the text around it */}
      <bdi className="truncate">{value}</bdi>
    </>
  );
  return (
    <li className="chip" data-chip={label}>
      {href ? (
        <a href={href} className={`${CHIP} ${LINKED}`} title={`Traces with ${label} ${value}`}>
          {body}
        </a>
      ) : (
        <span className={CHIP} title={`${label} ${value}`}>
          {body}
        </span>
      )}
    </li>
  );
}

function MetadataChips({ trace, state }: { trace: TraceOutline; state: ViewState }) {
  // the outline has no resource: its chips come with the root span whole (the span the
  // inspector shows first, so one request serves both)
  const root = useSpanDetail(trace.project, trace.trace_id, rootSpanId(trace), state.window);
  const meta = traceMetadata(trace, root.data);
  const list = (filter: string, value: string) => pageHref(state, "traces", { listFilters: { [filter]: [value] } });
  return (
    <ul className="flex flex-wrap gap-1.5" aria-label="trace metadata">
      {meta.users.map((v) => (
        <Chip key={`u${v}`} label="user" value={v} href={list("user_id", v)} />
      ))}
      {meta.sessions.map((v) => (
        <Chip key={`s${v}`} label="session" value={v} href={list("session_id", v)} />
      ))}
      {meta.environments.map((v) => (
        <Chip key={`e${v}`} label="env" value={v} href={pageHref(state, "traces", { environment: v })} />
      ))}
      {meta.services.map((v) => (
        <Chip key={`v${v}`} label="service" value={v} href={list("service", v)} />
      ))}
      {meta.tags.map((v) => (
        <Chip key={`t${v}`} label="tag" value={v} href={list("tag", v)} />
      ))}
      {meta.resource.map(([k, v]) => (
        <Chip key={`r${k}`} label={k} value={v} />
      ))}
    </ul>
  );
}
