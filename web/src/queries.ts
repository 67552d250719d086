// Every API read, as TanStack Query queries: cached and shared by key, refreshed
// in the background, and cancelled (the query's AbortSignal goes to fetch) when
// the URL state in their key changes before they answer.
import { infiniteQueryOptions, keepPreviousData, QueryClient, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import {
  ApiError,
  costAnalysis,
  listProjects,
  listTraces,
  notifications,
  searchSpans,
  suggestions,
  traceFacets,
} from "./api";
import type { TimeRange } from "./route";
import { rangeBounds } from "./timeRange";

/** A 4xx says what is wrong with the request: asking again changes nothing, except
 * a 429 (the Studio busy: python/gls_engine/storage/read_gate.py). Twice at most. */
export function shouldRetry(failures: number, error: Error): boolean {
  return !(error instanceof ApiError && error.status < 500 && error.status !== 429) && failures < 2;
}

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      gcTime: 5 * 60_000,
      refetchOnWindowFocus: true,
      retry: shouldRetry,
    },
  },
});

export const PAGE_SIZE = 50;
/** The trace list's pages after the first: they come as the list scrolls, and larger
 * pages carry a long scroll further per read (100K rows in 500 reads, not 2,000). */
export const NEXT_TRACE_PAGE_SIZE = 200;

/** The key parts of a time range: a preset is its name (its bounds are taken when
 * the query runs, so a refresh moves with the clock), a custom range its bounds. */
const rangeKey = (range: TimeRange) => ("preset" in range ? range.preset : `${range.from}-${range.to}`);

/** The trace list's filters by the API's parameter names; a list is sent as a
 * repeated parameter, an empty value not at all. */
export type TraceFilters = Record<string, string | string[]>;

export const keys = {
  projects: ["projects"] as const,
  traces: (project: string, range: TimeRange, f: TraceFilters) => ["traces", project, rangeKey(range), f] as const,
  facets: (project: string, range: TimeRange, f: TraceFilters) =>
    ["facets", project, rangeKey(range), f] as const,
  trace: (project: string, traceId: string, window?: { start: string; end: string }) =>
    ["trace", project, traceId, window?.start ?? "", window?.end ?? ""] as const,
  spans: (project: string, range: TimeRange, search: object) => ["spans", project, rangeKey(range), search] as const,
  notifications: (project: string, range: TimeRange) => ["notifications", project, rangeKey(range)] as const,
  costs: (project: string, range: TimeRange) => ["costs", project, rangeKey(range)] as const,
  suggestions: (project: string, range: TimeRange) => ["suggestions", project, rangeKey(range)] as const,
};

/** The project list counts every project's traces (the whole summary table), so it
 * is asked for only when `wanted` (the selector opened, or the page settled). */
export const useProjects = (wanted: boolean) =>
  useQuery({
    queryKey: keys.projects,
    queryFn: ({ signal }) => listProjects(signal),
    enabled: wanted,
    staleTime: 60_000,
  });

/** The trace list, a page at a time (the API's cursor). */
export const tracePagesOptions = (project: string, range: TimeRange, filters: TraceFilters) =>
  infiniteQueryOptions({
    queryKey: keys.traces(project, range, filters),
    queryFn: ({ pageParam, signal }) =>
      listTraces(
        project,
        {
          ...rangeBounds(range),
          ...filters,
          limit: String(pageParam ? NEXT_TRACE_PAGE_SIZE : PAGE_SIZE),
          cursor: pageParam ?? undefined,
        },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor,
    placeholderData: keepPreviousData,
    // live arrivals refresh it (TraceList); no timer of its own
    refetchOnWindowFocus: false,
  });

export const useTracePages = (project: string, range: TimeRange, filters: TraceFilters) =>
  useInfiniteQuery(tracePagesOptions(project, range, filters));

/** Drops the pages after the first from the cached list, so its next refetch asks
 * for one page and not every page scrolled through (an infinite query refetches
 * them all); the rows stay on screen until the answer replaces them. */
export function keepFirstTracePage(client: QueryClient, project: string, range: TimeRange, filters: TraceFilters): void {
  client.setQueryData(tracePagesOptions(project, range, filters).queryKey, (data) =>
    data && data.pages.length > 1 ? { pages: data.pages.slice(0, 1), pageParams: data.pageParams.slice(0, 1) } : data,
  );
}

/** Facet counts read the whole range, so they cost more than a page: `after`
 * holds them back until the page has come, so the two do not share the server's cores. */
export const useFacets = (
  project: string,
  range: TimeRange,
  filters: TraceFilters,
  after = true,
) =>
  useQuery({
    queryKey: keys.facets(project, range, filters),
    queryFn: ({ signal }) => traceFacets(project, { ...rangeBounds(range), ...filters }, signal),
    enabled: after,
    staleTime: 15_000,
    placeholderData: keepPreviousData,
  });

export interface SpanSearchParams {
  q: string;
  attributes: string[];
  status: string;
  spanType: string;
  environment: string;
}

export const useSpanPages = (project: string, range: TimeRange, search: SpanSearchParams) =>
  useInfiniteQuery({
    queryKey: keys.spans(project, range, search),
    queryFn: ({ pageParam, signal }) =>
      searchSpans(
        project,
        {
          ...rangeBounds(range),
          q: search.q,
          attribute: search.attributes,
          status: search.status,
          span_type: search.spanType,
          environment: search.environment,
          limit: String(PAGE_SIZE),
          cursor: pageParam ?? undefined,
        },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor,
    placeholderData: keepPreviousData,
  });

/** The figures with the start and end they were asked for (the CSV export covers the same). */
export const useCostAnalysis = (project: string, range: TimeRange) =>
  useQuery({
    queryKey: keys.costs(project, range),
    queryFn: async ({ signal }) => {
      const period = rangeBounds(range);
      return { period, analysis: await costAnalysis(project, period, signal) };
    },
  });

/** The suggestions read more (7 d of calls): asked once the figures are in. */
export const useSuggestions = (project: string, range: TimeRange, after: boolean) =>
  useQuery({
    queryKey: keys.suggestions(project, range),
    queryFn: ({ signal }) => suggestions(project, rangeBounds(range), signal),
    enabled: after,
    staleTime: 60_000,
  });

/** Asked once the page has settled (`after`), then every minute while the page is open. */
export const useNotifications = (project: string, range: TimeRange, after: boolean) =>
  useQuery({
    queryKey: keys.notifications(project, range),
    queryFn: ({ signal }) => notifications(project, rangeBounds(range), signal),
    enabled: after,
    staleTime: 30_000,
    refetchInterval: 60_000,
  });
