// The chains pages' and playground's reads as TanStack Query queries, keyed under
// ["chains", project] so a save, a label move or a provider change refreshes them all.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { getChain, getChainVersion, labelHistory, listAgents, listChains, listProviders, listRuns, spanAsStep } from "./chainsApi";

export const chainKeys = {
  all: (project: string) => ["chains", project] as const,
  list: (project: string) => ["chains", project, "list"] as const,
  one: (project: string, name: string) => ["chains", project, "one", name] as const,
  version: (project: string, name: string, version: number) => ["chains", project, "version", name, version] as const,
  history: (project: string, name: string, label: string) => ["chains", project, "history", name, label] as const,
  providers: (project: string) => ["chains", project, "providers"] as const,
  runs: (project: string, chain: string) => ["chains", project, "runs", chain] as const,
};

export const useChains = (project: string) =>
  useQuery({ queryKey: chainKeys.list(project), queryFn: ({ signal }) => listChains(project, signal) });

export const useChain = (project: string, name: string | null) =>
  useQuery({
    queryKey: chainKeys.one(project, name ?? ""),
    queryFn: ({ signal }) => getChain(project, name!, signal),
    enabled: !!name,
  });

export const useChainVersion = (project: string, name: string | null, version: number | null) =>
  useQuery({
    queryKey: chainKeys.version(project, name ?? "", version ?? 0),
    queryFn: ({ signal }) => getChainVersion(project, name!, version!, signal),
    enabled: !!name && !!version,
    staleTime: Infinity, // versions never change
  });

export const useLabelHistory = (project: string, name: string, label: string | null) =>
  useQuery({
    queryKey: chainKeys.history(project, name, label ?? ""),
    queryFn: ({ signal }) => labelHistory(project, name, label!, signal),
    enabled: !!label,
  });

export const useProviders = (project: string) =>
  useQuery({ queryKey: chainKeys.providers(project), queryFn: ({ signal }) => listProviders(project, signal) });

export const useAgents = () =>
  useQuery({ queryKey: ["greenlang", "agents"], queryFn: ({ signal }) => listAgents(signal), staleTime: 60_000 });

export const useChainRuns = (project: string, chain: string | null) =>
  useQuery({
    queryKey: chainKeys.runs(project, chain ?? ""),
    queryFn: ({ signal }) => listRuns(project, chain!, signal),
    enabled: !!chain,
  });

export function useRefreshChains(project: string) {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: chainKeys.all(project) });
}

/** A stored LLM span as a step (the playground opened on it); spans do not change. */
export const useSpanAsStep = (project: string, traceId: string | null, spanId: string | null) =>
  useQuery({
    queryKey: ["chains", project, "from-span", traceId ?? "", spanId ?? ""],
    queryFn: ({ signal }) => spanAsStep(project, traceId!, spanId!, signal),
    enabled: !!traceId && !!spanId,
    staleTime: Infinity,
  });
