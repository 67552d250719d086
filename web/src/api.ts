// Typed access to the Studio's HTTP API (api/openapi.yaml). Errors are the
// API's own {"error": {"code", "message"}}, raised as ApiError.

export interface TraceSummary {
  trace_id: string;
  name: string;
  service_name: string;
  root_span_type: string;
  start_time_unix_nano: number;
  end_time_unix_nano: number;
  duration_ms: number;
  span_count: number;
  error_count: number;
  llm_call_count: number;
  status: "ok" | "error";
  total_tokens: number;
  models: string[];
  tags: string[];
  user_id: string;
  environment: string;
  cost: { total_usd: number | null; llm_usd: number | null; unpriced_llm_calls: number };
  carbon: { energy_kwh: number | null; carbon_g: number | null; spans_without_energy: number };
  data_quality: number | null;
}

export interface TracePage {
  traces: TraceSummary[];
  next_cursor: string | null;
}

export interface FacetCount {
  value: string;
  count: number;
}

export interface Facets {
  total: number;
  status: FacetCount[];
  model: FacetCount[];
}

export interface Range {
  value: number;
  min: number;
  max: number;
}

export interface Span {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  parent_missing: boolean;
  /** first span of a loop of parent links, listed among the roots */
  parent_loop?: boolean;
  name: string;
  kind: number;
  span_type: string;
  service_name: string;
  start_time_unix_nano: number;
  end_time_unix_nano: number;
  duration_ms: number;
  status: { code: number; message: string };
  model: string;
  provider: string;
  usage: {
    input_tokens: number | null;
    output_tokens: number | null;
    cached_tokens: number | null;
    reasoning_tokens: number | null;
    total_tokens: number | null;
  };
  input: string;
  output: string;
  attributes: Record<string, unknown>;
  events: { name: string; time_unix_nano?: number; attributes: Record<string, unknown> }[];
  cost: {
    status: string;
    total_usd: number | null;
    llm_usd: number | null;
    infra_usd: number | null;
    data_usd: number | null;
  };
  carbon: {
    source: string;
    zone: string | null;
    energy_kwh: Range | null;
    carbon_g: Range | null;
    embodied_carbon_g: Range | null;
  };
  resource?: { attributes: Record<string, unknown> };
}

export interface Trace {
  trace_id: string;
  project: string;
  start_time_unix_nano: number;
  end_time_unix_nano: number;
  duration_ms: number;
  span_count: number;
  error_count: number;
  root_span_ids: string[];
  spans: Span[];
}

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

async function getJson<T>(path: string, params: Params = {}): Promise<T> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one !== undefined && one !== "") query.append(key, one);
    }
  }
  const text = query.toString();
  const url = text ? `${path}?${text}` : path;
  const resp = await fetch(url, { headers: { Accept: "application/json" } });
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

export interface SpanPage {
  spans: Span[];
  next_cursor: string | null;
}

/** `attribute` holds key=value filters, all of which must match. */
export const searchSpans = (project: string, params: Record<string, string | undefined>, attribute: string[]) =>
  getJson<SpanPage>(`${projectPath(project)}/spans`, { ...params, attribute });

export interface CostFigures {
  cost_usd: number;
  llm_cost_usd: number;
  infrastructure_cost_usd: number;
  data_cost_usd: number;
  llm_calls: number;
  unpriced_llm_calls: number;
  energy_kwh: number;
  carbon_g: number;
  embodied_carbon_g: number;
}

export interface CostAnalysis {
  window: { start: string; end: string; step_s: number };
  totals: CostFigures & {
    split: { llm: number | null; infrastructure: number | null; data: number | null };
    unknown_cost_share: number | null;
    llm_calls_without_energy: number;
  };
  change: Record<string, number | null>;
  series: (CostFigures & { t: string })[];
  by_model: {
    provider: string;
    model: string;
    requests: number;
    unpriced_requests: number;
    input_tokens: number;
    output_tokens: number;
    cost_usd: number;
    avg_cost_per_request_usd: number | null;
    energy_kwh: number;
    carbon_g: number;
  }[];
  by_chain: { chain: string; executions: number; cost_usd: number; carbon_g: number; avg_cost_per_execution_usd: number }[];
}

export interface Suggestions {
  suggestions: {
    kind: string;
    title: string;
    detail: string;
    monthly_saving_usd: number;
    monthly_saving_co2e_g: number;
    traces: string[];
  }[];
  not_evaluated: { kind: string; why: string }[];
}

export const costAnalysis = (project: string, range: { start: string; end: string }) =>
  getJson<CostAnalysis>(`${projectPath(project)}/analytics/costs`, range);

export const suggestions = (project: string, range: { start: string; end: string }) =>
  getJson<Suggestions>(`${projectPath(project)}/analytics/suggestions`, range);

export const costsCsvUrl = (project: string, range: { start: string; end: string }) =>
  `${projectPath(project)}/analytics/costs/export.csv?${new URLSearchParams(range)}`;

export const listProjects = () =>
  getJson<{ projects: { name: string; trace_count: number; span_count: number }[] }>("/api/v1/projects");

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
