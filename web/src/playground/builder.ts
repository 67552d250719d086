// A chain definition (docs/chains.md) as the playground's step builder edits it, and
// back. JSON-valued fields (parameters, tools, response format, the input schema) are
// edited as text, so a half-typed value is kept as typed and named when it does not
// parse; mappings are rows (field, expression) so they can be added and removed one
// by one. Fields the builder has no control for are kept as they were (`extra`), so a
// definition goes through the builder unchanged.
import type { ChainDefinitionJson } from "../chains/chainsApi";

export type StepType = "llm" | "greenlang" | "transform" | "chain";
export const STEP_TYPES: StepType[] = ["llm", "greenlang", "transform", "chain"];
export const ROLES = ["system", "user", "assistant"] as const;

export interface MappingRow {
  field: string;
  expression: string;
}

export interface Message {
  role: string;
  content: string;
  /** what the builder does not edit but keeps (tool_calls, tool_call_id, name, parts),
   * and whether the content was null (an assistant's tool calls without text) */
  kept?: Record<string, unknown>;
  nullContent?: boolean;
}

interface StepBase {
  /** the builder's own key for a step (stable while its id is edited) */
  key: string;
  id: string;
  condition: string;
  extra: Record<string, unknown>;
}

export interface LlmStep extends StepBase {
  type: "llm";
  provider: string;
  model: string;
  messages: Message[];
  parameters: string;
  tools: string;
  responseFormat: string;
  output: "text" | "json";
}

export interface GreenLangStep extends StepBase {
  type: "greenlang";
  agent: string;
  mapping: MappingRow[];
}

export interface TransformStep extends StepBase {
  type: "transform";
  expression: string;
}

export interface SubChainStep extends StepBase {
  type: "chain";
  chain: string;
  /** a version number, or empty */
  version: string;
  label: string;
  mapping: MappingRow[];
}

export type BuilderStep = LlmStep | GreenLangStep | TransformStep | SubChainStep;

export interface BuilderState {
  description: string;
  inputSchema: string;
  output: string;
  steps: BuilderStep[];
  extra: Record<string, unknown>;
}

/** A field the builder could not turn into JSON, by where the server would name it. */
export interface BuilderProblem {
  step: number | null;
  field: string;
  message: string;
}

let keys = 0;
const newKey = () => `step-${++keys}`;

const pretty = (value: unknown) => JSON.stringify(value, null, 2);
const text = (value: unknown) => (typeof value === "string" ? value : "");
const without = (doc: Record<string, unknown>, names: string[]) =>
  Object.fromEntries(Object.entries(doc).filter(([k]) => !names.includes(k)));

export const DEFAULT_INPUT_SCHEMA = {
  type: "object",
  properties: { question: { type: "string" } },
  required: ["question"],
};

/** An id of the form `<type>_<n>` that no step has yet. */
export function freshStepId(steps: BuilderStep[], type: StepType): string {
  const base = { llm: "ask", greenlang: "agent", transform: "shape", chain: "sub" }[type];
  const taken = new Set(steps.map((s) => s.id));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}_${n}`)) return `${base}_${n}`;
}

/** A new step of a type, with what a person usually starts from. */
export function newStep(type: StepType, steps: BuilderStep[], defaults: { provider?: string; agent?: string } = {}): BuilderStep {
  const base = { key: newKey(), id: freshStepId(steps, type), condition: "", extra: {} };
  switch (type) {
    case "llm":
      return {
        ...base,
        type,
        provider: defaults.provider ?? "",
        model: "gpt-4o-mini",
        messages: [
          { role: "system", content: "You are a helpful assistant." },
          { role: "user", content: "{{ question }}" },
        ],
        parameters: pretty({ temperature: 0.2 }),
        tools: "[]",
        responseFormat: "",
        output: "text",
      };
    case "greenlang":
      return { ...base, type, agent: defaults.agent ?? "", mapping: [] };
    case "transform":
      return { ...base, type, expression: "steps" };
    case "chain":
      return { ...base, type, chain: "", version: "", label: "", mapping: [] };
  }
}

export function emptyBuilder(defaults: { provider?: string } = {}): BuilderState {
  const state: BuilderState = {
    description: "",
    inputSchema: pretty(DEFAULT_INPUT_SCHEMA),
    output: "",
    steps: [],
    extra: {},
  };
  state.steps.push(newStep("llm", state.steps, defaults));
  return state;
}

function mappingRows(value: unknown): MappingRow[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).map(([field, expression]) => ({
    field,
    expression: text(expression),
  }));
}

function stepFromJson(doc: Record<string, unknown>): BuilderStep {
  const base = { key: newKey(), id: text(doc.id), condition: text(doc.condition) };
  switch (doc.type) {
    case "llm":
      return {
        ...base,
        type: "llm",
        provider: text(doc.provider),
        model: text(doc.model),
        messages: Array.isArray(doc.messages)
          ? doc.messages.map((m: Record<string, unknown>) => messageFromJson(m))
          : [],
        parameters: doc.parameters && Object.keys(doc.parameters as object).length ? pretty(doc.parameters) : "{}",
        tools: Array.isArray(doc.tools) && doc.tools.length ? pretty(doc.tools) : "[]",
        responseFormat: doc.response_format ? pretty(doc.response_format) : "",
        output: doc.output === "json" ? "json" : "text",
        extra: without(doc, ["id", "type", "condition", "provider", "model", "messages", "parameters", "tools", "response_format", "output"]),
      };
    case "greenlang":
      return {
        ...base,
        type: "greenlang",
        agent: text(doc.agent),
        mapping: mappingRows(doc.input_mapping),
        extra: without(doc, ["id", "type", "condition", "agent", "input_mapping"]),
      };
    case "chain":
      return {
        ...base,
        type: "chain",
        chain: text(doc.chain),
        version: typeof doc.version === "number" ? String(doc.version) : "",
        label: text(doc.label),
        mapping: mappingRows(doc.input_mapping),
        extra: without(doc, ["id", "type", "condition", "chain", "version", "label", "input_mapping"]),
      };
    default:
      // transforms, and a type this UI does not know, whose fields stay as they are
      return {
        ...base,
        type: "transform",
        expression: text(doc.expression),
        extra: without(doc, ["id", "type", "condition", "expression"]),
      };
  }
}

/** A stored or imported definition as builder state. */
export function builderFromDefinition(definition: ChainDefinitionJson): BuilderState {
  return {
    description: text(definition.description),
    inputSchema: pretty(definition.input_schema ?? { type: "object", properties: {} }),
    output: text(definition.output),
    steps: (definition.steps ?? []).map((s) => stepFromJson(s as Record<string, unknown>)),
    extra: without(definition, ["description", "input_schema", "output", "steps"]),
  };
}

function parseJsonField(
  value: string,
  empty: unknown,
  where: { step: number | null; field: string },
  problems: BuilderProblem[],
): unknown {
  if (!value.trim()) return empty;
  try {
    return JSON.parse(value);
  } catch (e) {
    problems.push({ ...where, message: `not JSON: ${(e as Error).message}` });
    return empty;
  }
}

function mappingObject(rows: MappingRow[]): Record<string, string> {
  const mapping: Record<string, string> = {};
  for (const row of rows) if (row.field.trim()) mapping[row.field.trim()] = row.expression;
  return mapping;
}

function messageFromJson(m: Record<string, unknown>): Message {
  const message: Message = {
    role: text(m?.role) || "user",
    content: typeof m?.content === "string" ? m.content : m?.content == null ? "" : pretty(m.content),
  };
  const kept = without(m ?? {}, ["role", "content"]);
  if (Object.keys(kept).length) message.kept = kept;
  if (m?.content === null) message.nullContent = true;
  return message;
}

function messageToJson(m: Message): Record<string, unknown> {
  const content = m.nullContent && m.content === "" ? null : m.content;
  return { role: m.role, content, ...(m.kept ?? {}) };
}

function stepToJson(step: BuilderStep, index: number, problems: BuilderProblem[]): Record<string, unknown> {
  const doc: Record<string, unknown> = { id: step.id, type: step.type };
  if (step.condition.trim()) doc.condition = step.condition;
  switch (step.type) {
    case "llm": {
      doc.provider = step.provider;
      doc.model = step.model;
      doc.messages = step.messages.map(messageToJson);
      const parameters = parseJsonField(step.parameters, {}, { step: index, field: "parameters" }, problems);
      if (parameters && Object.keys(parameters as object).length) doc.parameters = parameters;
      const tools = parseJsonField(step.tools, [], { step: index, field: "tools" }, problems);
      if (Array.isArray(tools) ? tools.length : tools) doc.tools = tools;
      const format = parseJsonField(step.responseFormat, null, { step: index, field: "response_format" }, problems);
      if (format) doc.response_format = format;
      if (step.output === "json") doc.output = "json";
      break;
    }
    case "greenlang":
      doc.agent = step.agent;
      doc.input_mapping = mappingObject(step.mapping);
      break;
    case "transform":
      doc.expression = step.expression;
      break;
    case "chain":
      doc.chain = step.chain;
      if (step.version.trim()) {
        const n = Number(step.version);
        if (Number.isInteger(n) && n > 0) doc.version = n;
        else problems.push({ step: index, field: "version", message: "must be a version number (1, 2, ...)" });
      }
      if (step.label.trim()) doc.label = step.label.trim();
      if (step.mapping.length) doc.input_mapping = mappingObject(step.mapping);
      break;
  }
  return { ...step.extra, ...doc };
}

/** The definition the builder holds, with the fields that did not parse as JSON. */
export function definitionFromBuilder(state: BuilderState): { definition: ChainDefinitionJson; problems: BuilderProblem[] } {
  const problems: BuilderProblem[] = [];
  const schema = parseJsonField(state.inputSchema, { type: "object", properties: {} }, { step: null, field: "input_schema" }, problems);
  const definition: ChainDefinitionJson = {
    ...state.extra,
    input_schema: schema as Record<string, unknown>,
    steps: state.steps.map((s, i) => stepToJson(s, i, problems)),
  };
  if (state.description.trim()) definition.description = state.description;
  if (state.output.trim()) definition.output = state.output;
  return { definition, problems };
}

/** The steps with one moved from `from` to `to` (indexes). */
export function moveStep<T>(steps: T[], from: number, to: number): T[] {
  if (to < 0 || to >= steps.length || from === to) return steps;
  const next = [...steps];
  const [moved] = next.splice(from, 1);
  next.splice(to, 0, moved);
  return next;
}

/** The builder with a variant's model and parameters on every LLM step (the
 * side-by-side columns run the same chain with these changed). */
export function withVariant(state: BuilderState, variant: { model: string; parameters: string }): BuilderState {
  return {
    ...state,
    steps: state.steps.map((s) =>
      s.type === "llm"
        ? { ...s, model: variant.model.trim() || s.model, parameters: variant.parameters.trim() ? variant.parameters : s.parameters }
        : s,
    ),
  };
}
