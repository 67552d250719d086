// Typed access to the Studio's HTTP API. The types are those generated from
// api/openapi.yaml (src/generated/openapi.ts, made by `npm run generate` before
// every build), so a field the UI reads that the spec lacks fails the build.
// Errors are the API's own {"error": {"code", "message"}}, raised as ApiError.
import type { components } from "./generated/openapi";

type Schemas = components["schemas"];

export type TraceSummary = Schemas["TraceSummary"];
export type TracePage = Schemas["TracePage"];
export type FacetCount = Schemas["FacetCounts"][number];
export type Facets = Schemas["TraceFacets"];
export type Span = Schemas["Span"];
export type Trace = Schemas["Trace"];
export type SpanPage = Schemas["SpanPage"];
export type ProjectList = Schemas["ProjectList"];
export type CostAnalysis = Schemas["CostAnalysis"];
export type Suggestions = Schemas["Suggestions"];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A list value becomes the parameter repeated (the API's repeatable filters). */
type Params = Record<string, string | string[] | undefined>;

/** The path with its query; unset and empty values are left out (the API's "any"). */
export function withQuery(path: string, params: Params): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one !== undefined && one !== "") query.append(key, one);
    }
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

async function getJson<T>(path: string, params: Params = {}): Promise<T> {
  const resp = await fetch(withQuery(path, params), { headers: { Accept: "application/json" } });
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
  return (await resp.json()) as T;
}

const projectPath = (project: string) => `/api/v1/projects/${encodeURIComponent(project)}`;

/** `attribute` holds key=value filters, all of which must match. */
export const searchSpans = (project: string, params: Record<string, string | undefined>, attribute: string[]) =>
  getJson<SpanPage>(`${projectPath(project)}/spans`, { ...params, attribute });

export const costAnalysis = (project: string, range: { start: string; end: string }) =>
  getJson<CostAnalysis>(`${projectPath(project)}/analytics/costs`, range);

export const suggestions = (project: string, range: { start: string; end: string }) =>
  getJson<Suggestions>(`${projectPath(project)}/analytics/suggestions`, range);

export const costsCsvUrl = (project: string, range: { start: string; end: string }) =>
  `${projectPath(project)}/analytics/costs/export.csv?${new URLSearchParams(range)}`;

export const listProjects = () =>
  getJson<ProjectList>("/api/v1/projects");

export const listTraces = (project: string, params: Record<string, string | undefined>) =>
  getJson<TracePage>(`${projectPath(project)}/traces`, params);

export const traceFacets = (project: string, params: Record<string, string | undefined>) =>
  getJson<Facets>(`${projectPath(project)}/traces/facets`, params);

/** One trace; with its list times, only the days they cover are read. */
export const getTrace = (project: string, traceId: string, window?: { start: string; end: string }) =>
  getJson<Trace>(`${projectPath(project)}/traces/${encodeURIComponent(traceId)}`, window ?? {});

export const liveUrl = (project: string) => {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}${projectPath(project)}/live`;
};
