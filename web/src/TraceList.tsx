import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import type { TraceSummary } from "./api";
import { count, plural } from "./format";
import { ExportLink } from "./explorer/ExportLink";
import { traceListCsvUrl } from "./explorer/exportLinks";
import { useLiveTraces } from "./live";
import { FilterPanel } from "./explorer/FilterPanel";
import { TraceDetailPane } from "./explorer/TraceDetailPane";
import { TraceTable } from "./explorer/TraceTable";
import { facetFilters, listFilters } from "./explorer/listFilters";
import { keepFirstTracePage, tracePagesOptions, useFacets, useTracePages } from "./queries";
import { navigate, traceSelection, ViewState } from "./route";
import { rangeBounds } from "./timeRange";
import { Button } from "./ui/Button";
import { Card } from "./ui/Card";
import { cn } from "./ui/cn";
import { Input } from "./ui/Input";

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
  const scroller = useRef<HTMLDivElement>(null);
  const detail = useRef<HTMLElement>(null);
  const listKey = JSON.stringify([project, state.range, filters]);

  // New traces arrive over the WebSocket. The list is fetched again (its first
  // page only), so it keeps the server's filters and order; under a steady stream
  // at most once per max(1 s, 4x the last load), so a watching browser costs the
  // server a bounded share of its time. Rows that come in above the view push it
  // down by their height (TraceTable), so what is read stays in place; at the top
  // of the list they show. Scrolled past the first page, the pages read stay as
  // they are and a button says how many new traces wait.
  const [unseen, setUnseen] = useState(0);
  const lastLoadMs = useRef(0);
  const refresh = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const arrived = useRef(0);
  const atTop = () => (scroller.current?.scrollTop ?? 0) < 1;
  // read from the cache, not the render: a timer set earlier sees the pages as they are now
  const pagesLoaded = () => client.getQueryData(tracePagesOptions(project, state.range, filters).queryKey)?.pages.length ?? 0;
  const live = useLiveTraces(project, state.live, (ids) => {
    arrived.current += ids.length;
    if (refresh.current !== undefined) return;
    refresh.current = setTimeout(
      async () => {
        const waiting = arrived.current;
        arrived.current = 0;
        // at the top the pages below the first are out of view: the newest first page replaces them
        if (atTop()) keepFirstTracePage(client, project, state.range, filters);
        if (pagesLoaded() > 1) {
          setUnseen((n) => n + waiting);
        } else {
          const started = performance.now();
          await pages.refetch();
          lastLoadMs.current = performance.now() - started;
          setUnseen(0); // the first page is the newest again
        }
        if (Date.now() - facets.dataUpdatedAt > FACETS_EVERY_MS) facets.refetch();
        refresh.current = undefined;
      },
      Math.max(1000, 4 * lastLoadMs.current),
    );
  });
  useEffect(() => () => clearTimeout(refresh.current), []);
  useEffect(() => setUnseen(0), [listKey]);

  const showNewest = () => {
    setUnseen(0);
    if (scroller.current) scroller.current.scrollTop = 0;
    keepFirstTracePage(client, project, state.range, filters);
    pages.refetch();
  };

  const fetchNextPage = pages.fetchNextPage;
  const loadMore = useCallback(() => void fetchNextPage(), [fetchNextPage]);
  const open = useCallback((t: TraceSummary | null, how: "push" | "replace") => {
    navigate(traceSelection(t?.trace_id ?? null, t?.start_time_unix_nano, t?.end_time_unix_nano), how);
  }, []);
  // Stacked (a narrow screen), the detail is below the list: brought into view when a trace is chosen.
  useEffect(() => {
    if (state.traceId && !matchMedia("(min-width: 80rem)").matches) detail.current?.scrollIntoView({ block: "start" });
  }, [state.traceId]);

  const traces = useMemo(() => pages.data?.pages.flatMap((p) => p.traces) ?? [], [pages.data]);
  const error = pages.error ?? facets.error;
  const split = state.traceId !== null;
  return (
    // Wide enough for the panes side by side, the explorer fills the window below
    // the header (48 px and its border) and the page's padding, so the filters, the
    // list and the detail each scroll on their own; narrower, they stack.
    <div
      className={cn(
        "explorer grid grid-cols-1 gap-4",
        split
          ? "lg:grid-cols-[14rem_minmax(0,1fr)] xl:h-[calc(100dvh-81px)] xl:grid-cols-[14rem_minmax(37rem,2fr)_minmax(0,3fr)]"
          : "lg:h-[calc(100dvh-81px)] lg:grid-cols-[15rem_minmax(0,1fr)]",
      )}
    >
      <div className="min-h-0 overflow-y-auto pr-1">
        <FilterPanel state={state} facets={facets.data} />
      </div>
      <section className="flex min-h-0 min-w-0 flex-col gap-3" aria-label="trace list">
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
            <span>{facets.data ? plural(facets.data.total, "trace") : ""}</span>
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
        <Card className="relative flex min-h-0 flex-1 flex-col overflow-hidden">
          {unseen > 0 && (
            // floats over the rows: in the page's flow it would push the list down as it appears
            <Button
              variant="primary"
              className="unseen absolute top-11 left-1/2 z-20 -translate-x-1/2 rounded-full shadow-lg"
              onClick={showNewest}
            >
              ↑ {plural(unseen, "new trace")}: show the newest
            </Button>
          )}
          <div
            ref={scroller}
            data-testid="trace-scroll"
            className={cn(
              // stacked, the list has a height of its own (in a column of no fixed height,
              // flex-1 would grow it to all its rows and every page would load)
              "overflow-auto [overflow-anchor:none]",
              split ? "h-[65vh] xl:h-auto xl:min-h-0 xl:flex-1" : "h-[65vh] lg:h-auto lg:min-h-0 lg:flex-1",
            )}
          >
            <TraceTable
              state={state}
              traces={traces}
              selectedId={state.traceId}
              split={split}
              hasNextPage={pages.hasNextPage}
              fetching={pages.isFetching}
              dimmed={pages.isPlaceholderData}
              loadMore={loadMore}
              onOpen={open}
              scrollerRef={scroller}
              listKey={listKey}
            />
            {!pages.isFetching && traces.length === 0 && !error && (
              <p className="empty p-8 text-center text-sm text-zinc-500">
                No traces in this range. Point an OpenTelemetry exporter at <code>/v1/traces</code> on port 4318.
              </p>
            )}
          </div>
          <div className="flex h-9 shrink-0 items-center gap-3 border-t border-zinc-200 px-3 text-xs text-zinc-500 dark:border-zinc-800">
            <span data-testid="loaded" aria-live="polite">
              {traces.length > 0 &&
                `${count(traces.length)}${facets.data ? ` of ${count(facets.data.total)}` : ""} loaded${pages.isFetchingNextPage ? ", loading more…" : ""}`}
            </span>
            {pages.hasNextPage && (
              // the list loads as it scrolls; the button does the same without scrolling
              <Button size="sm" variant="ghost" className="more ml-auto" onClick={loadMore} disabled={pages.isFetching}>
                Load more
              </Button>
            )}
          </div>
        </Card>
      </section>
      {state.traceId && (
        <TraceDetailPane
          ref={detail}
          state={state}
          project={project}
          traceId={state.traceId}
        />
      )}
    </div>
  );
}
