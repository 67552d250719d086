// The analytics pages' reads as TanStack Query queries, keyed by the URL state
// (a preset range by its name, so a refresh moves with the clock).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { TimeRange } from "../route";
import { rangeBounds } from "../timeRange";
import { costAnalysis, histogram, leaders, metric, suggestionList, tokenAnalysis } from "./analyticsApi";

const rangeKey = (range: TimeRange) => ("preset" in range ? range.preset : `${range.from}-${range.to}`);

type Params = Record<string, string>;

/** The shell's environment as the analytics endpoints take it ("" = every one: left out). */
export const environmentParam = (environment: string): Params => (environment ? { environment } : {});

/** `enabled` lets a page ask for its secondary figures once the main one is in:
 * seven reads at once would share the server's cores and slow the first answer. */
export const useMetric = (project: string, range: TimeRange, params: Params, enabled = true) =>
  useQuery({
    queryKey: ["analytics", "metrics", project, rangeKey(range), params],
    queryFn: ({ signal }) => metric(project, { ...rangeBounds(range), ...params }, signal),
    enabled,
    placeholderData: keepPreviousData,
  });

export const useLeaders = (project: string, range: TimeRange, params: Params, enabled: boolean) =>
  useQuery({
    queryKey: ["analytics", "leaders", project, rangeKey(range), params],
    queryFn: ({ signal }) => leaders(project, { ...rangeBounds(range), ...params }, signal),
    enabled,
    placeholderData: keepPreviousData,
  });

export const useHistogram = (project: string, range: TimeRange, params: Params, enabled = true) =>
  useQuery({
    queryKey: ["analytics", "histogram", project, rangeKey(range), params],
    queryFn: ({ signal }) => histogram(project, { ...rangeBounds(range), ...params }, signal),
    enabled,
    placeholderData: keepPreviousData,
  });

export const useTokenAnalysis = (project: string, range: TimeRange, environment: string) =>
  useQuery({
    queryKey: ["analytics", "tokens", project, rangeKey(range), environment],
    queryFn: ({ signal }) => tokenAnalysis(project, { ...rangeBounds(range), ...environmentParam(environment) }, signal),
    placeholderData: keepPreviousData,
  });

/** The period of the same length before a window, as the API aligned it
 * (window.previous_start .. window.start): asked once the window's answer is in. */
export const usePreviousTokenAnalysis = (
  project: string,
  window: { previous_start: string; start: string } | undefined,
  environment: string,
) =>
  useQuery({
    queryKey: ["analytics", "tokens-before", project, window?.previous_start, window?.start, environment],
    queryFn: ({ signal }) =>
      tokenAnalysis(project, { start: window!.previous_start, end: window!.start, ...environmentParam(environment) }, signal),
    enabled: window !== undefined,
    staleTime: 60_000,
  });

/** The cost analysis (cost, energy and carbon), with `group_by` its top groups' series. */
export const useCosts = (project: string, range: TimeRange, groupBy: string, environment: string) =>
  useQuery({
    queryKey: ["analytics", "costs", project, rangeKey(range), groupBy, environment],
    queryFn: ({ signal }) =>
      costAnalysis(
        project,
        { ...rangeBounds(range), ...(groupBy ? { group_by: groupBy } : {}), ...environmentParam(environment) },
        signal,
      ),
    placeholderData: keepPreviousData,
  });

/** The suggestions of the shell's environment (they read more: 7 d of calls), asked once the figures are in. */
export const useEnvironmentSuggestions = (project: string, range: TimeRange, environment: string, after: boolean) =>
  useQuery({
    queryKey: ["analytics", "suggestions", project, rangeKey(range), environment],
    queryFn: ({ signal }) => suggestionList(project, { ...rangeBounds(range), ...environmentParam(environment) }, signal),
    enabled: after,
    staleTime: 60_000,
  });
