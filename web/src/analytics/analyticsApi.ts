// The analytics endpoints the hub pages read (metrics, leaders, histogram, tokens),
// typed from api/openapi.yaml like the rest of the API (src/api.ts).
import { ApiError, readHeaders, withQuery } from "../api";
import type { components, paths } from "../generated/openapi";

type Ok<P extends keyof paths> = paths[P] extends { get: { responses: { 200: { content: { "application/json": infer T } } } } }
  ? T
  : never;

const ANALYTICS = "/api/v1/projects/{project}/analytics";
export type MetricAnswer = Ok<`${typeof ANALYTICS}/metrics`>;
export type LeadersAnswer = Ok<`${typeof ANALYTICS}/leaders`>;
export type HistogramAnswer = Ok<`${typeof ANALYTICS}/histogram`>;
export type TokenAnalysis = components["schemas"]["TokenAnalysis"];
export type MetricStats = components["schemas"]["MetricStats"];
export type RankedGroup = components["schemas"]["RankedGroup"];

type Params = Record<string, string | undefined>;

async function getJson<T>(path: string, params: Params, signal?: AbortSignal): Promise<T> {
  const resp = await fetch(withQuery(path, params), { headers: readHeaders(), signal });
  if (!resp.ok) {
    const body = await resp.json().catch(() => null);
    throw new ApiError(resp.status, body?.error?.code ?? "http_error", body?.error?.message ?? `${resp.status} ${resp.statusText}`);
  }
  return (await resp.json()) as T;
}

const analyticsPath = (project: string, what: string) =>
  `/api/v1/projects/${encodeURIComponent(project)}/analytics/${what}`;

export const metric = (project: string, params: Params, signal?: AbortSignal) =>
  getJson<MetricAnswer>(analyticsPath(project, "metrics"), params, signal);

export const leaders = (project: string, params: Params, signal?: AbortSignal) =>
  getJson<LeadersAnswer>(analyticsPath(project, "leaders"), params, signal);

export const histogram = (project: string, params: Params, signal?: AbortSignal) =>
  getJson<HistogramAnswer>(analyticsPath(project, "histogram"), params, signal);

export const tokenAnalysis = (project: string, params: Params, signal?: AbortSignal) =>
  getJson<TokenAnalysis>(analyticsPath(project, "tokens"), params, signal);

export type CostAnalysis = components["schemas"]["CostAnalysis"];
export type SuggestionList = components["schemas"]["Suggestions"];

export const suggestionList = (project: string, params: Params, signal?: AbortSignal) =>
  getJson<SuggestionList>(analyticsPath(project, "suggestions"), params, signal);

export const costAnalysis = (project: string, params: Params, signal?: AbortSignal) =>
  getJson<CostAnalysis>(analyticsPath(project, "costs"), params, signal);
