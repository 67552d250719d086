// The datasets pages' reads as TanStack Query queries, keyed under ["datasets", project]
// so a change (a new version, an edit, an upload done) refreshes them all at once.
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { listExperiments } from "../experiments/experimentsApi";
import { getDataset, listDatasets, listItems, listTags, listVersions } from "./datasetsApi";

export const datasetKeys = {
  all: (project: string) => ["datasets", project] as const,
  list: (project: string) => ["datasets", project, "list"] as const,
  one: (project: string, dataset: string) => ["datasets", project, "one", dataset] as const,
  versions: (project: string, dataset: string) => ["datasets", project, "versions", dataset] as const,
  tags: (project: string, dataset: string) => ["datasets", project, "tags", dataset] as const,
  items: (project: string, dataset: string, filters: object) => ["datasets", project, "items", dataset, filters] as const,
  experiments: (project: string, dataset?: string) => ["datasets", project, "experiments", dataset ?? ""] as const,
};

export const useDatasets = (project: string) =>
  useQuery({ queryKey: datasetKeys.list(project), queryFn: ({ signal }) => listDatasets(project, signal) });

export const useDataset = (project: string, dataset: string) =>
  useQuery({ queryKey: datasetKeys.one(project, dataset), queryFn: ({ signal }) => getDataset(project, dataset, signal) });

export const useVersions = (project: string, dataset: string) =>
  useQuery({
    queryKey: datasetKeys.versions(project, dataset),
    queryFn: ({ signal }) => listVersions(project, dataset, signal),
  });

export const useTags = (project: string, dataset: string) =>
  useQuery({ queryKey: datasetKeys.tags(project, dataset), queryFn: ({ signal }) => listTags(project, dataset, signal) });

/** Experiments of the project (no dataset) or of one dataset, newest first. */
export const useExperiments = (project: string, dataset?: string) =>
  useQuery({
    queryKey: datasetKeys.experiments(project, dataset),
    queryFn: ({ signal }) => listExperiments(project, dataset, signal),
  });

/** A version's items, page after page as the list scrolls. */
export const useItems = (project: string, dataset: string, filters: { version: string; split: string; search: string }) =>
  useInfiniteQuery({
    queryKey: datasetKeys.items(project, dataset, filters),
    queryFn: ({ pageParam, signal }) =>
      listItems(
        project,
        dataset,
        { version: filters.version, split: filters.split, search: filters.search, cursor: pageParam, limit: "100" },
        signal,
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });

/** Everything under the project's datasets read again (after a change). */
export function useRefreshDatasets(project: string) {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: datasetKeys.all(project) });
}
