// Every view's state lives in the URL hash, so any view can be linked to, reloaded
// or shared, and the server serves one page for all of them:
//   #/<project>                                the trace list
//   #/<project>?trace=<id>                     the trace list with a trace's detail beside it
//   #/<project>/trace/<id>                     one trace, full page (older links and shares)
//   #/<project>/spans                          span search
//   #/<project>/costs                          cost and carbon
//   #/<project>/performance|tokens|carbon      the other analytics pages
//   #/<project>/datasets                       datasets; /datasets/<name> one dataset (?tab=...)
//   #/<project>/experiments                    experiments; /experiments/<id> one's results,
//   #/<project>/experiments/compare?ids=a,b    two or more side by side (the first the baseline)
//   #/<project>/chains                         chains and LLM providers; /chains/<name> one chain (?from=&to= diffed)
//   #/<project>/playground?chain=&version=&tab= the playground (a saved chain's version, or a draft;
//     ?trace=&span= a draft opened on a stored LLM span)
// followed by ?<state>: the time range and environment (shared by every page) and
// the page's own filters and selections. Values at their default are left out.
import { useSyncExternalStore } from "react";

export type Page =
  | "traces"
  | "trace"
  | "spans"
  | "costs"
  | "performance"
  | "tokens"
  | "carbon"
  | "datasets"
  | "dataset"
  | "experiments"
  | "experiment"
  | "compare"
  | "chains"
  | "chain"
  | "playground";
/** The playground's tabs (Input the default). */
export type PlaygroundTab = "input" | "output" | "trace" | "compare";
const PLAYGROUND_TABS: readonly string[] = ["input", "output", "trace", "compare"];
/** A dataset's tabs (Overview the default). */
export type DatasetTab = "overview" | "data" | "results" | "versions";
const DATASET_TABS: readonly string[] = ["overview", "data", "results", "versions"];
/** A trace's views: the span tree (the default), the timeline (waterfall) and the graph. */
export type TraceViewMode = "tree" | "timeline" | "graph";
const TRACE_VIEW_MODES: readonly string[] = ["tree", "timeline", "graph"];

/** A preset ("24h") or a custom range of epoch ms. */
export type TimeRange = { preset: string } | { from: number; to: number };

export interface ViewState {
  page: Page;
  project: string | null;
  traceId: string | null;
  // shared by every page
  range: TimeRange;
  environment: string;
  // trace list, and span search for status
  status: string;
  model: string;
  name: string;
  live: boolean;
  // the trace list's other filters, by the list's parameter names (LIST_FILTERS):
  // repeatable facet values and min/max bounds
  listFilters: Record<string, string[]>;
  // one trace: the list's times (epoch ms) so only the days they cover are read
  window: { start: string; end: string } | undefined;
  view: TraceViewMode;
  span: string | null;
  // span search
  q: string;
  attributes: string[];
  spanType: string;
  // analytics: the metric charted, its aggregation, the grouping (costs too)
  metric: string;
  aggregation: string;
  groupBy: string;
  // datasets and experiments: the dataset (by name) or experiment (by id) shown, the
  // dataset's tab, version (empty: the latest), split filter (search is q) and item
  // opened, the two versions diffed, the experiments picked or compared
  dataset: string | null;
  experiment: string | null;
  tab: DatasetTab;
  version: string;
  split: string;
  item: string | null;
  diffFrom: string;
  diffTo: string;
  compare: string[];
  /** the comparison's items: all (""), or those a candidate marked on one metric:
   * "<improvement|regression>:<metric or score name>" */
  show: string;
  /** chains and the playground: the chain (by name) shown or loaded (its version is
   * `version`, empty the latest), the playground's tab */
  chain: string | null;
  playTab: PlaygroundTab;
}

export const DEFAULT_RANGE: TimeRange = { preset: "24h" };

const DEFAULTS: Omit<ViewState, "page" | "project" | "traceId"> = {
  range: DEFAULT_RANGE,
  environment: "",
  status: "",
  model: "",
  name: "",
  live: true,
  listFilters: {},
  window: undefined,
  view: "tree",
  span: null,
  q: "",
  attributes: [],
  spanType: "",
  metric: "latency",
  aggregation: "p90",
  groupBy: "",
  dataset: null,
  experiment: null,
  tab: "overview",
  version: "",
  split: "",
  item: null,
  diffFrom: "",
  diffTo: "",
  compare: [],
  show: "",
  chain: null,
  playTab: "input",
};

/** The trace list's parameters kept in listFilters (status, model, name and env have their own fields). */
export const LIST_FILTERS = [
  "span_type",
  "model",
  "tag",
  "user_id",
  "session_id",
  "chain",
  "agent",
  "service",
  "min_duration_ms",
  "max_duration_ms",
  "min_tokens",
  "max_tokens",
  "min_cost_usd",
  "max_cost_usd",
  "score",
] as const;

function parseListFilters(q: URLSearchParams): Record<string, string[]> {
  const filters: Record<string, string[]> = {};
  for (const key of LIST_FILTERS) {
    const values = q.getAll(key).filter(Boolean);
    if (values.length) filters[key] = values;
  }
  return filters;
}

const PAGES_WITH_PATH: Page[] = [
  "spans",
  "costs",
  "performance",
  "tokens",
  "carbon",
  "datasets",
  "experiments",
  "chains",
  "playground",
];

function parseRange(q: URLSearchParams): TimeRange {
  const range = q.get("range");
  if (range === "custom") {
    const from = Number(q.get("from"));
    const to = Number(q.get("to"));
    if (Number.isFinite(from) && Number.isFinite(to) && from < to) return { from, to };
  }
  return range && range !== "custom" ? { preset: range } : DEFAULT_RANGE;
}

export function parseHash(hash: string): ViewState {
  const [path, query = ""] = hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const q = new URLSearchParams(query);
  let page: Page = "traces";
  let traceId: string | null = null;
  let dataset: string | null = null;
  let experiment: string | null = null;
  let chain: string | null = null;
  if (parts.length === 3 && parts[1] === "trace") {
    page = "trace";
    traceId = parts[2];
  } else if (parts.length === 3 && parts[1] === "datasets") {
    page = "dataset";
    dataset = parts[2];
  } else if (parts.length === 3 && parts[1] === "experiments" && parts[2] === "compare") {
    page = "compare";
  } else if (parts.length === 3 && parts[1] === "chains") {
    page = "chain";
    chain = parts[2];
  } else if (parts.length === 3 && parts[1] === "experiments") {
    page = "experiment";
    experiment = parts[2];
  } else if (parts.length === 2 && (PAGES_WITH_PATH as string[]).includes(parts[1])) {
    page = parts[1] as Page;
    // the playground opened on a production span: its trace (the span is `span`)
    if (page === "playground") traceId = q.get("trace") || null;
  } else {
    // the trace list's split view: the selected trace beside the list
    traceId = q.get("trace") || null;
  }
  const start = q.get("start");
  const end = q.get("end");
  return {
    page,
    project: parts[0] ?? null,
    traceId,
    range: parseRange(q),
    environment: q.get("env") ?? "",
    status: q.get("status") ?? "",
    model: q.get("model") ?? "",
    name: q.get("name") ?? "",
    live: q.get("live") !== "off",
    listFilters: parseListFilters(q),
    window: start && end ? { start, end } : undefined,
    view: TRACE_VIEW_MODES.includes(q.get("view") ?? "") ? (q.get("view") as TraceViewMode) : "tree",
    span: q.get("span"),
    q: q.get("q") ?? "",
    attributes: q.getAll("attribute"),
    spanType: q.get("type") ?? "",
    metric: q.get("metric") ?? DEFAULTS.metric,
    aggregation: q.get("agg") ?? DEFAULTS.aggregation,
    groupBy: q.get("group_by") ?? "",
    dataset,
    experiment,
    tab: DATASET_TABS.includes(q.get("tab") ?? "") ? (q.get("tab") as DatasetTab) : "overview",
    version: q.get("version") ?? "",
    split: q.get("split") ?? "",
    item: q.get("item"),
    diffFrom: q.get("from") ?? "",
    diffTo: q.get("to") ?? "",
    compare: (q.get("ids") ?? "").split(",").filter(Boolean),
    show: q.get("show") ?? "",
    chain: page === "playground" ? q.get("chain") || null : chain,
    playTab: PLAYGROUND_TABS.includes(q.get("tab") ?? "") ? (q.get("tab") as PlaygroundTab) : "input",
  };
}

/** The hash of a state; each page writes only the fields it reads. */
export function formatHash(state: ViewState): string {
  const project = encodeURIComponent(state.project ?? "default");
  const path =
    state.page === "trace" && state.traceId
      ? `/${project}/trace/${encodeURIComponent(state.traceId)}`
      : state.page === "traces" || state.page === "trace"
        ? `/${project}`
        : state.page === "dataset" && state.dataset
          ? `/${project}/datasets/${encodeURIComponent(state.dataset)}`
          : state.page === "experiment" && state.experiment
            ? `/${project}/experiments/${encodeURIComponent(state.experiment)}`
            : state.page === "compare"
              ? `/${project}/experiments/compare`
              : state.page === "chain" && state.chain
                ? `/${project}/chains/${encodeURIComponent(state.chain)}`
                : state.page === "dataset" || state.page === "experiment" || state.page === "chain"
                  ? `/${project}/${state.page}s`
                  : `/${project}/${state.page}`;
  const q = new URLSearchParams();
  const put = (key: string, value: string | null | undefined) => value && q.append(key, value);
  if (state.page === "trace") {
    put("start", state.window?.start);
    put("end", state.window?.end);
  }
  if ("preset" in state.range) {
    if (state.range.preset !== (DEFAULT_RANGE as { preset: string }).preset) put("range", state.range.preset);
  } else {
    put("range", "custom");
    put("from", String(state.range.from));
    put("to", String(state.range.to));
  }
  put("env", state.environment);
  if (state.page === "traces") {
    put("status", state.status);
    // model is repeatable: listFilters holds every value, state.model the first (older links set only it)
    const models = state.listFilters.model ?? [];
    if (!models.includes(state.model)) put("model", state.model);
    for (const key of LIST_FILTERS) (state.listFilters[key] ?? []).forEach((v) => put(key, v));
    put("name", state.name);
    if (!state.live) put("live", "off");
    if (state.traceId) {
      put("trace", state.traceId);
      put("start", state.window?.start);
      put("end", state.window?.end);
      if (state.view !== "tree") put("view", state.view);
      put("span", state.span);
    }
  } else if (state.page === "trace") {
    if (state.view !== "tree") put("view", state.view);
    put("span", state.span);
  } else if (state.page === "spans") {
    put("q", state.q);
    state.attributes.forEach((a) => put("attribute", a));
    put("status", state.status);
    put("type", state.spanType);
  } else if (state.page === "performance") {
    if (state.metric !== DEFAULTS.metric) put("metric", state.metric);
    if (state.aggregation !== DEFAULTS.aggregation) put("agg", state.aggregation);
    put("group_by", state.groupBy);
  } else if (state.page === "costs" || state.page === "carbon") {
    put("group_by", state.groupBy);
  } else if (state.page === "dataset") {
    if (state.tab !== "overview") put("tab", state.tab);
    put("version", state.version);
    if (state.tab === "data") {
      put("q", state.q);
      put("split", state.split);
      put("item", state.item);
    } else if (state.tab === "versions") {
      put("from", state.diffFrom);
      put("to", state.diffTo);
    } else if (state.tab === "results") {
      put("ids", state.compare.join(","));
    }
  } else if (state.page === "experiment") {
    put("item", state.item);
  } else if (state.page === "compare") {
    put("ids", state.compare.join(","));
    put("show", state.show);
  } else if (state.page === "chain") {
    put("from", state.diffFrom);
    put("to", state.diffTo);
  } else if (state.page === "playground") {
    put("chain", state.chain);
    if (state.chain) put("version", state.version);
    else if (state.traceId && state.span) {
      put("trace", state.traceId);
      put("span", state.span);
    }
    if (state.playTab !== "input") put("tab", state.playTab);
  }
  const query = q.toString();
  return `#${path}${query ? `?${query}` : ""}`;
}

/** Another page of the same project, time range and environment (its own state reset). */
export function pageHref(state: ViewState, page: Page, changes: Partial<ViewState> = {}): string {
  return formatHash({
    ...DEFAULTS,
    page,
    project: state.project,
    traceId: null,
    range: state.range,
    environment: state.environment,
    ...changes,
  });
}

/** The trace list as it is (filters, range) with a trace's detail beside it: its
 * list times as the window, the view mode kept, no span chosen yet (its root shows). */
export function selectedTraceHref(state: ViewState, traceId: string | null, startNs?: number, endNs?: number): string {
  return formatHash({ ...state, page: "traces", ...traceSelection(traceId, startNs, endNs) });
}

/** The state's changes that choose a trace in the list (or none: the detail closes). */
export function traceSelection(traceId: string | null, startNs?: number, endNs?: number): Partial<ViewState> {
  return { traceId, window: traceId ? traceWindow(startNs, endNs) : undefined, span: null };
}

/** The playground opened on a stored LLM span: a draft with that call as its step. */
export function playgroundFromSpanHref(state: ViewState, traceId: string, spanId: string): string {
  return formatHash({ ...state, page: "playground", chain: null, version: "", traceId, span: spanId, playTab: "input" });
}

/** A trace on a page of its own, with its list times as a window when known. */
export function traceHref(state: ViewState, traceId: string, startNs?: number, endNs?: number): string {
  return pageHref(state, "trace", { traceId, window: traceWindow(startNs, endNs) });
}

export function traceWindow(startNs?: number, endNs?: number): { start: string; end: string } | undefined {
  if (startNs === undefined || endNs === undefined) return undefined;
  // Whole milliseconds around the trace, one more on each side: times near
  // 1.7e18 ns lose their last digits in a double, and dividing can round a start
  // of x.999999 ms up to x+1, which would leave the root span out of the window.
  return { start: String(Math.floor(startNs / 1e6) - 1), end: String(Math.floor(endNs / 1e6) + 1) };
}

// --- the URL as a store the views subscribe to ------------------------------------

const listeners = new Set<() => void>();
let cached: { hash: string; state: ViewState } | null = null;

function snapshot(): ViewState {
  if (cached?.hash !== location.hash) cached = { hash: location.hash, state: parseHash(location.hash) };
  return cached.state;
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  window.addEventListener("hashchange", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("hashchange", listener);
  };
}

export const useViewState = (): ViewState => useSyncExternalStore(subscribe, snapshot);

/** Changes the current view's state in the URL. A filter edit replaces the history
 * entry (typing is not a trail of back-steps); moving elsewhere pushes one. */
export function navigate(changes: Partial<ViewState>, how: "push" | "replace" = "replace"): void {
  const hash = formatHash({ ...snapshot(), ...changes });
  if (hash === location.hash) return;
  if (how === "push") history.pushState(null, "", hash);
  else history.replaceState(null, "", hash);
  listeners.forEach((l) => l());
}
