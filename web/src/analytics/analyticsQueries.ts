// The analytics pages' reads as TanStack Query queries, keyed by the URL state
// (a preset range by its name, so a refresh moves with the clock).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { TimeRange } from "../route";
import { rangeBounds } from "../timeRange";
import { histogram, leaders, metric, tokenAnalysis } from "./analyticsApi";

const rangeKey = (range: TimeRange) => ("preset" in range ? range.preset : `${range.from}-${range.to}`);

type Params = Record<string, string>;

export const useMetric = (project: string, range: TimeRange, params: Params) =>
  useQuery({
    queryKey: ["analytics", "metrics", project, rangeKey(range), params],
    queryFn: ({ signal }) => metric(project, { ...rangeBounds(range), ...params }, signal),
    placeholderData: keepPreviousData,
  });

export const useLeaders = (project: string, range: TimeRange, params: Params, enabled: boolean) =>
  useQuery({
    queryKey: ["analytics", "leaders", project, rangeKey(range), params],
    queryFn: ({ signal }) => leaders(project, { ...rangeBounds(range), ...params }, signal),
    enabled,
    placeholderData: keepPreviousData,
  });

export const useHistogram = (project: string, range: TimeRange, params: Params) =>
  useQuery({
    queryKey: ["analytics", "histogram", project, rangeKey(range), params],
    queryFn: ({ signal }) => histogram(project, { ...rangeBounds(range), ...params }, signal),
    placeholderData: keepPreviousData,
  });

export const useTokenAnalysis = (project: string, range: TimeRange) =>
  useQuery({
    queryKey: ["analytics", "tokens", project, rangeKey(range)],
    queryFn: ({ signal }) => tokenAnalysis(project, rangeBounds(range), signal),
    placeholderData: keepPreviousData,
  });
