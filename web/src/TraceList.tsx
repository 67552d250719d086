import { useEffect, useRef, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { count, duration, grams, plural, time, usd } from "./format";
import { ExportLink } from "./explorer/ExportLink";
import { traceListCsvUrl } from "./explorer/exportLinks";
import { useLiveTraces } from "./live";
import { FilterPanel } from "./explorer/FilterPanel";
import { facetFilters, listFilters } from "./explorer/listFilters";
import { keys, useFacets, useTracePages } from "./queries";
import { navigate, traceHref, ViewState } from "./route";
import { rangeBounds } from "./timeRange";
import { Badge } from "./ui/Badge";
import { Button } from "./ui/Button";
import { Card } from "./ui/Card";
import { cn } from "./ui/cn";
import { Input } from "./ui/Input";
import { Table, TD, TH, THead, TR } from "./ui/Table";
import { Tooltip } from "./ui/Tooltip";

const FACETS_EVERY_MS = 15_000;
const TYPING_SETTLES_MS = 250;

/** Text typed is written to the URL once typing pauses, so a filter is not asked for every key. */
function useSettledText(value: string, write: (v: string) => void): [string, (v: string) => void] {
  const [text, setText] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => setText(value), [value]);
  useEffect(() => () => clearTimeout(timer.current), []);
  return [
    text,
    (v: string) => {
      setText(v);
      clearTimeout(timer.current);
      timer.current = setTimeout(() => write(v), TYPING_SETTLES_MS);
    },
  ];
}

export function TraceList({ state, project }: { state: ViewState; project: string }) {
  const client = useQueryClient();
  const filters = listFilters(state);
  const pages = useTracePages(project, state.range, filters);
  // The counts come once the page has: they read the whole range, the page does not.
  const facets = useFacets(project, state.range, facetFilters(filters), pages.isFetched);
  const [name, setName] = useSettledText(state.name, (v) => navigate({ name: v }));

  // New traces arrive over the WebSocket. On the first page the list is fetched
  // again, so it keeps the server's filters and order; under a steady stream at
  // most once per max(1 s, 4x the last load), so a watching browser costs the
  // server a bounded share of its time. Past the first page, the list stays put
  // and says how many new traces wait.
  const paged = (pages.data?.pages.length ?? 0) > 1;
  const [unseen, setUnseen] = useState(0);
  const lastLoadMs = useRef(0);
  const refresh = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const live = useLiveTraces(project, state.live, (ids) => {
    if (paged) {
      setUnseen((n) => n + ids.length);
      return;
    }
    if (refresh.current !== undefined) return;
    refresh.current = setTimeout(
      async () => {
        const started = performance.now();
        await pages.refetch();
        lastLoadMs.current = performance.now() - started;
        refresh.current = undefined;
        if (Date.now() - facets.dataUpdatedAt > FACETS_EVERY_MS) facets.refetch();
      },
      Math.max(1000, 4 * lastLoadMs.current),
    );
  });
  useEffect(() => () => clearTimeout(refresh.current), []);
  useEffect(() => setUnseen(0), [project, JSON.stringify(filters), JSON.stringify(state.range)]);

  const showNewest = () => {
    setUnseen(0);
    // back to the first page only, asked again
    client.resetQueries({ queryKey: keys.traces(project, state.range, filters), exact: true });
  };

  const traces = pages.data?.pages.flatMap((p) => p.traces) ?? [];
  const error = pages.error ?? facets.error;
  return (
    <div className="grid grid-cols-1 items-start gap-4 lg:grid-cols-[15rem_minmax(0,1fr)]">
      <FilterPanel state={state} facets={facets.data} />
      <section className="flex flex-col gap-3">
        <div className="flex flex-wrap items-center gap-2">
          <h1 className="mr-2 text-lg font-semibold">Traces</h1>
          <Input
            aria-label="name contains"
            placeholder="Name contains…"
            value={name}
            onChange={(e) => setName(e.target.value)}
            className="w-56"
          />
          <div className="ml-auto flex items-center gap-3 text-sm text-zinc-500">
            <span>{facets.data ? `${count(facets.data.total)} traces` : ""}</span>
            <ExportLink address={() => traceListCsvUrl(project, { ...rangeBounds(state.range), ...filters })}>
              Export CSV
            </ExportLink>
            <Button
              size="sm"
              aria-pressed={state.live}
              aria-label="live updates"
              onClick={() => navigate({ live: !state.live })}
            >
              <span
                className={cn(
                  "size-2 rounded-full",
                  !state.live ? "bg-zinc-400" : live === "live" ? "animate-pulse bg-emerald-500" : "bg-amber-500",
                )}
                aria-hidden="true"
              />
              <span data-testid="live-state">{state.live ? live : "paused"}</span>
            </Button>
          </div>
        </div>
        {error && <p className="error text-sm text-red-600 dark:text-red-400">{error.message}</p>}
        {unseen > 0 && (
          <Button variant="primary" className="unseen self-center" onClick={showNewest}>
            {plural(unseen, "new trace")}: show the newest
          </Button>
        )}
        <Card className="overflow-x-auto">
          <Table className={cn("traces", pages.isPlaceholderData && "opacity-60")}>
            <THead>
              <tr>
                <TH>Started (UTC)</TH>
                <TH>Name</TH>
                <TH className="text-right">Duration</TH>
                <TH className="text-right">Spans</TH>
                <TH className="text-right">Tokens</TH>
                <TH className="text-right">Cost</TH>
                <TH className="text-right">Carbon</TH>
                <TH>Models</TH>
              </tr>
            </THead>
            <tbody>
              {traces.map((t) => (
                <TR
                  key={t.trace_id}
                  className={cn(t.status === "error" && "failed shadow-[inset_3px_0_0] shadow-red-500")}
                  data-trace-id={t.trace_id}
                >
                  <TD className="font-mono text-xs whitespace-nowrap text-zinc-500">{time(t.start_time_unix_nano)}</TD>
                  <TD>
                    <a
                      className="font-medium text-zinc-900 hover:text-brand-600 hover:underline dark:text-zinc-100 dark:hover:text-brand-500"
                      href={traceHref(state, t.trace_id, t.start_time_unix_nano, t.end_time_unix_nano)}
                    >
                      {t.name || "(root not received)"}
                    </a>
                    {t.error_count > 0 && (
                      <Badge tone="red" className="badge error ml-2">
                        {plural(t.error_count, "error")}
                      </Badge>
                    )}
                  </TD>
                  <TD className="text-right tabular-nums">{duration(t.duration_ms)}</TD>
                  <TD className="text-right tabular-nums">{t.span_count}</TD>
                  <TD className="text-right tabular-nums">{count(t.total_tokens)}</TD>
                  <TD className="text-right tabular-nums">
                    {usd(t.cost.total_usd)}
                    {t.cost.unpriced_llm_calls > 0 && (
                      <Tooltip content={`${plural(t.cost.unpriced_llm_calls, "LLM call")} could not be priced: the cost is at least this`}>
                        <span className="cursor-help text-amber-600">*</span>
                      </Tooltip>
                    )}
                  </TD>
                  <TD className="text-right tabular-nums">{grams(t.carbon.carbon_g)}</TD>
                  <TD className="text-xs text-zinc-500">{t.models.join(", ")}</TD>
                </TR>
              ))}
            </tbody>
          </Table>
          {!pages.isFetching && traces.length === 0 && !error && (
            <p className="empty p-8 text-center text-sm text-zinc-500">
              No traces in this range. Point an OpenTelemetry exporter at <code>/v1/traces</code> on port 4318.
            </p>
          )}
        </Card>
        {pages.hasNextPage && (
          <Button className="more self-center" onClick={() => pages.fetchNextPage()} disabled={pages.isFetchingNextPage}>
            Load more
          </Button>
        )}
      </section>
    </div>
  );
}
