// The chains API (api/openapi.yaml: llm-providers, chains, chain-runs, greenlang):
// providers without their keys, chains with versions and labels, runs and their events,
// GreenLang's agents and workflow import. Types are the generated ones.
import { withQuery } from "../api";
import { call, projectPath } from "../datasets/datasetsApi";
import type { components } from "../generated/openapi";

type Schemas = components["schemas"];
export type LlmProvider = Schemas["LlmProvider"];
export type ChainSummary = Schemas["ChainList"]["chains"][number];
export type Chain = Schemas["Chain"];
export type ChainVersion = Schemas["ChainVersion"];
export type ChainLabel = Schemas["ChainLabel"];
export type ChainLabelHistory = Schemas["ChainLabelHistory"];
export type ChainRun = Schemas["ChainRun"];
export type ChainRunStep = Schemas["ChainRunStep"];
export type ChainRunFigures = Schemas["ChainRunFigures"];
export type GreenLangAgent = Schemas["GreenLangAgent"];
export type DatasetVersion = Schemas["DatasetVersion"];
export type SpanAsStep = Schemas["SpanAsStep"];
export type ChainReplay = Schemas["ChainReplay"];
/** A definition as the API carries it (docs/chains.md); builder/definition.ts reads it. */
export type ChainDefinitionJson = Record<string, unknown> & { steps: Record<string, unknown>[] };

const sendJson = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});
const providerPath = (project: string, name: string) =>
  `${projectPath(project)}/llm-providers/${encodeURIComponent(name)}`;
const chainPath = (project: string, name: string) => `${projectPath(project)}/chains/${encodeURIComponent(name)}`;
const runPath = (project: string, id: string) => `${projectPath(project)}/chain-runs/${encodeURIComponent(id)}`;

// --- LLM providers -------------------------------------------------------------------

export const listProviders = async (project: string, signal?: AbortSignal) =>
  (await call<{ providers: LlmProvider[] }>(`${projectPath(project)}/llm-providers`, { signal })).providers;

export const createProvider = (project: string, body: { name: string; base_url: string; api_key?: string }) =>
  call<LlmProvider>(`${projectPath(project)}/llm-providers`, sendJson("POST", { kind: "openai", ...body }));

/** Replaces the base URL; the key only when one is given (left out, the stored key stays). */
export const replaceProvider = (project: string, name: string, body: { base_url: string; api_key?: string | null }) =>
  call<LlmProvider>(providerPath(project, name), sendJson("PUT", { kind: "openai", ...body }));

export const deleteProvider = (project: string, name: string) =>
  call<null>(providerPath(project, name), { method: "DELETE" });

// --- chains --------------------------------------------------------------------------

export const listChains = async (project: string, signal?: AbortSignal) =>
  (await call<{ chains: ChainSummary[] }>(`${projectPath(project)}/chains`, { signal })).chains;

export const getChain = (project: string, name: string, signal?: AbortSignal) =>
  call<Chain>(chainPath(project, name), { signal });

export const getChainVersion = (project: string, name: string, version: number, signal?: AbortSignal) =>
  call<ChainVersion>(`${chainPath(project, name)}/versions/${version}`, { signal });

/** The latest version (the chain's own answer names it). */
export const getLatestChainVersion = async (project: string, name: string, signal?: AbortSignal) =>
  getChainVersion(project, name, (await getChain(project, name, signal)).latest_version, signal);

export const createChain = (
  project: string,
  body: { name: string; description?: string; definition: ChainDefinitionJson; message?: string },
) => call<ChainVersion>(`${projectPath(project)}/chains`, sendJson("POST", body));

export const addChainVersion = (project: string, name: string, body: { definition: ChainDefinitionJson; message?: string }) =>
  call<ChainVersion>(`${chainPath(project, name)}/versions`, sendJson("POST", body));

export const deleteChain = (project: string, name: string) => call<null>(chainPath(project, name), { method: "DELETE" });

export const putLabel = (project: string, name: string, label: string, version: number) =>
  call<ChainLabel>(`${chainPath(project, name)}/labels/${encodeURIComponent(label)}`, sendJson("PUT", { version }));

export const deleteLabel = (project: string, name: string, label: string) =>
  call<null>(`${chainPath(project, name)}/labels/${encodeURIComponent(label)}`, { method: "DELETE" });

export const labelHistory = (project: string, name: string, label: string, signal?: AbortSignal) =>
  call<ChainLabelHistory>(`${chainPath(project, name)}/labels/${encodeURIComponent(label)}/history`, { signal });

/** The canonical definition, or an ApiError whose message names the step and field. */
export const validateChain = (project: string, definition: ChainDefinitionJson, name?: string | null, signal?: AbortSignal) =>
  call<{ valid: boolean; definition: ChainDefinitionJson }>(`${projectPath(project)}/chains/validate`, {
    ...sendJson("POST", { definition, name: name ?? null }),
    signal,
  });

// --- runs ----------------------------------------------------------------------------

export interface StartedRun {
  id: string;
  status: string;
  events: string;
}

export const startRuns = (
  project: string,
  body: (
    | { definition: ChainDefinitionJson }
    | { chain: string; version: number }
  ) & { inputs: Record<string, unknown>; repeat?: number },
) => call<{ runs: StartedRun[] }>(`${projectPath(project)}/chain-runs`, sendJson("POST", { source: "playground", ...body }));

export const getRun = (project: string, id: string, signal?: AbortSignal) => call<ChainRun>(runPath(project, id), { signal });

export const listRuns = async (project: string, chain: string, signal?: AbortSignal) =>
  (await call<{ runs: ChainRun[] }>(withQuery(`${projectPath(project)}/chain-runs`, { chain, limit: "50" }), { signal }))
    .runs;

export const cancelRun = (project: string, id: string) => call<ChainRun>(`${runPath(project, id)}/cancel`, { method: "POST" });

export const saveRunAsTest = (project: string, id: string, dataset: string) =>
  call<DatasetVersion>(`${runPath(project, id)}/save-test`, sendJson("POST", { dataset }));

/** The run's events WebSocket (same origin: the page's CSP connect-src 'self'). Made
 * from the documented path rather than the start answer's `events`, which names the
 * project as a literal `{project}` (a server bug, reported). */
export function runEventsUrl(project: string, id: string): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}${runPath(project, id)}/events`;
}

// --- GreenLang -----------------------------------------------------------------------

// --- a production span in the playground, a trace replayed -----------------------------

/** A stored LLM span as an LLM step (its recorded answer and what could not be carried over). */
export const spanAsStep = (project: string, traceId: string, spanId: string, signal?: AbortSignal) =>
  call<SpanAsStep>(withQuery(`${projectPath(project)}/playground/from-span`, { trace_id: traceId, span_id: spanId }), { signal });

/** The trace run again: the LLM answers recorded up to `untilSpanId` replayed (no provider
 * call, no cost), the rest live; answers when the run has ended. */
export const replayTrace = (project: string, traceId: string, untilSpanId: string) =>
  call<{ runs: ChainRun[]; replay: ChainReplay }>(
    `${projectPath(project)}/chain-runs/replay`,
    sendJson("POST", { trace_id: traceId, until_span_id: untilSpanId, wait: true }),
  );

export const listAgents = async (signal?: AbortSignal) =>
  (await call<{ agents: GreenLangAgent[] }>("/api/v1/greenlang/agents", { signal })).agents;

export const importWorkflow = (yaml: string) =>
  call<{ name: string | null; definition: ChainDefinitionJson }>("/api/v1/chains/import/greenlang", sendJson("POST", { yaml }));
