// TanStack Query for scores: a trace's (keyed below the trace's key, so what
// refreshes a trace refreshes its scores) and the project's names; adding or
// deleting one refreshes both and the trace list (its scores column and filters).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { addScore, deleteScore, scoreConfigs, scoreNames, traceScores, type ScoreInput } from "./scoresApi";

export const scoreKeys = {
  trace: (project: string, traceId: string) => ["trace", project, traceId, "scores"] as const,
  names: (project: string) => ["score-names", project] as const,
  configs: (project: string) => ["score-configs", project] as const,
};

/** What the project says its score names are (type, labels, bounds): the form follows them. */
export const useScoreConfigs = (project: string) =>
  useQuery({
    queryKey: scoreKeys.configs(project),
    queryFn: ({ signal }) => scoreConfigs(project, signal),
    staleTime: 60_000,
  });

export const useTraceScores = (project: string, traceId: string) =>
  useQuery({
    queryKey: scoreKeys.trace(project, traceId),
    queryFn: ({ signal }) => traceScores(project, traceId, signal),
  });

export const useScoreNames = (project: string, wanted = true) =>
  useQuery({
    queryKey: scoreKeys.names(project),
    queryFn: ({ signal }) => scoreNames(project, signal),
    enabled: wanted,
    staleTime: 30_000,
  });

export function useScoreChanges(project: string, traceId: string) {
  const client = useQueryClient();
  const refresh = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: scoreKeys.trace(project, traceId) }),
      client.invalidateQueries({ queryKey: scoreKeys.names(project) }),
      client.invalidateQueries({ queryKey: ["traces", project] }),
    ]);
  const add = useMutation({ mutationFn: (score: ScoreInput) => addScore(project, score), onSuccess: refresh });
  const remove = useMutation({ mutationFn: (scoreId: string) => deleteScore(project, scoreId), onSuccess: refresh });
  return { add, remove };
}
