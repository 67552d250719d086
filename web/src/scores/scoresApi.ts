// The scores API (api/openapi.yaml, "scores"): a trace's scores, the project's score
// names, and a person's score added or deleted. Types are the generated ones.
import { ApiError } from "../api";
import type { components } from "../generated/openapi";

type Schemas = components["schemas"];
export type StoredScore = Schemas["StoredScore"];
export type ScoreInput = Schemas["ScoreInput"];
export type ScoreNameSummary = Schemas["ScoreNameSummary"];
export type TraceScoreSummary = Schemas["TraceScoreSummary"];
export type ScoreDataType = StoredScore["data_type"];
export type ScoreConfig = Schemas["ScoreConfig"];

const projectPath = (project: string) => `/api/v1/projects/${encodeURIComponent(project)}`;

/** Without the list's `max-age` (api.ts readHeaders): a person's own score is read
 * back at once after it is written, not from an answer shared from before. */
async function call<T>(path: string, init: RequestInit = {}): Promise<T | null> {
  const resp = await fetch(path, { ...init, headers: { Accept: "application/json", ...init.headers } });
  if (!resp.ok) {
    let code = "http_error";
    let message = `${resp.status} ${resp.statusText}`;
    try {
      const body = await resp.json();
      code = body.error?.code ?? code;
      message = body.error?.message ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(resp.status, code, message);
  }
  return resp.status === 204 ? null : ((await resp.json()) as T);
}

/** Asked by query (GET .../scores?trace_id=), not under the trace's path: it is no read of the trace. */
export const traceScores = async (project: string, traceId: string, signal?: AbortSignal) =>
  (await call<{ scores: StoredScore[] }>(`${projectPath(project)}/scores?${new URLSearchParams({ trace_id: traceId })}`, { signal }))!
    .scores;

export const scoreNames = async (project: string, signal?: AbortSignal) =>
  (await call<{ names: ScoreNameSummary[] }>(`${projectPath(project)}/scores/names`, { signal }))!.names;

export const addScore = async (project: string, score: ScoreInput) =>
  (await call<{ scores: StoredScore[] }>(`${projectPath(project)}/scores`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(score),
  }))!.scores[0];

export const deleteScore = (project: string, scoreId: string) =>
  call<null>(`${projectPath(project)}/scores/${encodeURIComponent(scoreId)}`, { method: "DELETE" });

export const scoreConfigs = async (project: string, signal?: AbortSignal) =>
  (await call<{ configs: ScoreConfig[] }>(`${projectPath(project)}/score-configs`, { signal }))!.configs;

export type EvaluatorCatalogue = Schemas["EvaluatorCatalogue"];
export type TraceEvaluationResult = Schemas["TraceEvaluationResult"];
export type TraceEvaluationRequest = Schemas["TraceEvaluationRequest"];

export const evaluatorCatalogue = async (signal?: AbortSignal) =>
  (await call<EvaluatorCatalogue>("/api/v1/evaluators", { signal }))!;

/** An evaluator over the trace's (a span's) input and output, its score stored (docs/scores.md). */
export const evaluateTrace = async (project: string, traceId: string, request: TraceEvaluationRequest) =>
  (await call<TraceEvaluationResult>(`${projectPath(project)}/traces/${encodeURIComponent(traceId)}/evaluate`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(request),
  }))!;
