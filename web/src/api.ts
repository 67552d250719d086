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
/** A span as a trace's outline gives it: its heavy fields may be absent. */
export type Span = Schemas["Span"];
/** What a whole span has (a full trace's, the span endpoint's); an outline leaves them out. */
export type HeavySpanField =
  | "input"
  | "output"
  | "attributes"
  | "attribute_types"
  | "events"
  | "links"
  | "carbon"
  | "tokens_estimated"
  | "system_tokens"
  | "data_quality";
export type FullSpan = Span & Required<Pick<Span, HeavySpanField>>;
export type Trace = Schemas["Trace"];
export type TraceOutline = Schemas["TraceOutline"];
export type SpanPage = Schemas["SpanPage"];
export type ProjectList = Schemas["ProjectList"];
export type CostAnalysis = Schemas["CostAnalysis"];
export type Suggestions = Schemas["Suggestions"];
export type NotificationList = Schemas["NotificationList"];
export type Notification = Schemas["Notification"];

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

/** The newest write generation a live update told of (api/live-messages.schema.json). */
let seenGeneration = 0;

export function noteStoredGeneration(generation: number): void {
  if (Number.isSafeInteger(generation) && generation > seenGeneration) seenGeneration = generation;
}

/** What the page accepts of answers the server already has: started at most
 * READ_MAX_AGE_S ago, and after every batch a live update announced (so a refresh
 * it triggered shows the batch). Many people on the same page then share one
 * query instead of each running it (python/gls_engine/storage/read_gate.py). */
export const READ_MAX_AGE_S = 2;

export function readHeaders(): Record<string, string> {
  return {
    Accept: "application/json",
    "Cache-Control": `max-age=${READ_MAX_AGE_S}`,
    "X-GLS-Min-Generation": String(seenGeneration),
  };
}

/** `signal` is TanStack Query's: a request whose answer is no longer wanted (its
 * filter changed, its page closed) is cancelled, not left to load. */
async function getJson<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
  const resp = await fetch(withQuery(path, params), { headers: readHeaders(), signal });
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

type Range = { start: string; end: string };

/** `attribute` holds key=value filters, all of which must match. */
export const searchSpans = (project: string, params: Params, signal?: AbortSignal) =>
  getJson<SpanPage>(`${projectPath(project)}/spans`, params, signal);

export const costAnalysis = (project: string, range: Range, signal?: AbortSignal) =>
  getJson<CostAnalysis>(`${projectPath(project)}/analytics/costs`, range, signal);

export const suggestions = (project: string, range: Range, signal?: AbortSignal) =>
  getJson<Suggestions>(`${projectPath(project)}/analytics/suggestions`, range, signal);

export const costsCsvUrl = (project: string, range: Range) =>
  `${projectPath(project)}/analytics/costs/export.csv?${new URLSearchParams(range)}`;

/** The notification centre of a project and period (spikes, and the Studio's ingest refusals). */
export const notifications = (project: string, range: Range, signal?: AbortSignal) =>
  getJson<NotificationList>("/api/v1/notifications", { project, ...range }, signal);

export const listProjects = (signal?: AbortSignal) => getJson<ProjectList>("/api/v1/projects", {}, signal);

export const listTraces = (project: string, params: Params, signal?: AbortSignal) =>
  getJson<TracePage>(`${projectPath(project)}/traces`, params, signal);

export const traceFacets = (project: string, params: Params, signal?: AbortSignal) =>
  getJson<Facets>(`${projectPath(project)}/traces/facets`, params, signal);

/** One trace as the trace view draws it, by columns (a span is a position in each; see
 * trace/traceOutline.ts); with its list times, only the days they cover are read. The
 * inspector asks its span whole (getSpan). */
export const getTraceOutline = (project: string, traceId: string, window: Range | undefined, signal?: AbortSignal) =>
  getJson<TraceOutline>(`${projectPath(project)}/traces/${encodeURIComponent(traceId)}/outline`, window ?? {}, signal);

/** One span of a trace with every field (what the full trace has of it). */
export const getSpan = (
  project: string,
  traceId: string,
  spanId: string,
  window: Range | undefined,
  signal?: AbortSignal,
) =>
  getJson<FullSpan>(
    `${projectPath(project)}/traces/${encodeURIComponent(traceId)}/spans/${encodeURIComponent(spanId)}`,
    window ?? {},
    signal,
  );

export const liveUrl = (project: string) => {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}${projectPath(project)}/live`;
};
