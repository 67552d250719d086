// A span's chat as messages with roles, read from the attributes the common
// instrumentations set. Three families of names carry the same thing:
// - OpenTelemetry GenAI semantic conventions, current: gen_ai.system_instructions,
//   gen_ai.input.messages and gen_ai.output.messages as JSON (messages of typed parts:
//   text, tool_call, tool_call_response).
// - GenAI as OpenLLMetry (Traceloop) and the earlier conventions flatten them:
//   gen_ai.prompt.N.role / .content / .tool_call_id, gen_ai.completion.N.role / .content /
//   .finish_reason / .tool_calls.M.id / .name / .arguments; functions offered in
//   llm.request.functions.N.name / .description / .parameters.
// - OpenInference (Arize, Phoenix): llm.input_messages.N.message.role / .content /
//   .contents.M.message_content.text / .tool_call_id / .name /
//   .tool_calls.M.tool_call.id / .function.name / .function.arguments, and
//   llm.output_messages alike; tools offered in llm.tools.N.tool.json_schema.
// Pure functions over the attributes object the API serves (a key per flattened name).

export type Role = "system" | "user" | "assistant" | "tool" | string;

export interface ToolCall {
  id: string;
  name: string;
  /** As sent: usually a JSON object as text. */
  arguments: string;
}

export interface ChatMessage {
  role: Role;
  /** Text parts joined; empty when the message is only tool calls. */
  content: string;
  toolCalls: ToolCall[];
  /** On a tool result: the call it answers. */
  toolCallId: string;
  /** A tool's or a participant's name, when given. */
  name: string;
  finishReason: string;
}

export interface ToolDefinition {
  name: string;
  description: string;
  /** The parameters' JSON schema, as text. */
  parameters: string;
}

export type Convention = "gen_ai" | "gen_ai.prompt" | "openinference";

export interface Conversation {
  convention: Convention;
  input: ChatMessage[];
  output: ChatMessage[];
  tools: ToolDefinition[];
}

type Attributes = Record<string, unknown>;

const text = (value: unknown): string =>
  value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);

const message = (fields: Partial<ChatMessage>): ChatMessage => ({
  role: "",
  content: "",
  toolCalls: [],
  toolCallId: "",
  name: "",
  finishReason: "",
  ...fields,
});

/** The values under `prefix.N.` grouped by N, in N's order: {N: {rest of key: value}}. */
export function indexed(attributes: Attributes, prefix: string): Attributes[] {
  const byIndex = new Map<number, Attributes>();
  const start = `${prefix}.`;
  for (const [key, value] of Object.entries(attributes)) {
    if (!key.startsWith(start)) continue;
    const rest = key.slice(start.length);
    const dot = rest.indexOf(".");
    const index = Number(dot < 0 ? rest : rest.slice(0, dot));
    if (!Number.isInteger(index) || index < 0) continue;
    let entry = byIndex.get(index);
    if (!entry) byIndex.set(index, (entry = {}));
    entry[dot < 0 ? "" : rest.slice(dot + 1)] = value;
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, entry]) => entry);
}

function parseJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

// --- current GenAI conventions: JSON messages of parts -------------------------------

/** One message of gen_ai.input.messages / gen_ai.output.messages. A tool result is
 * its own message (role tool) so it shows apart from the text around it. */
function genAiMessages(raw: unknown): ChatMessage[] {
  const list = parseJson(raw);
  if (!Array.isArray(list)) return [];
  const out: ChatMessage[] = [];
  for (const item of list) {
    if (!isObject(item)) continue;
    const role = text(item.role);
    const parts = Array.isArray(item.parts) ? item.parts : [];
    const texts: string[] = [];
    const toolCalls: ToolCall[] = [];
    const results: ChatMessage[] = [];
    for (const part of parts) {
      if (!isObject(part)) continue;
      if (part.type === "tool_call")
        toolCalls.push({ id: text(part.id), name: text(part.name), arguments: text(part.arguments) });
      else if (part.type === "tool_call_response")
        results.push(message({ role: "tool", content: text(part.response ?? part.result), toolCallId: text(part.id) }));
      else if (part.content !== undefined) texts.push(text(part.content));
    }
    // an older shape: a plain content string on the message
    if (!parts.length && item.content !== undefined) texts.push(text(item.content));
    if (texts.length || toolCalls.length || !results.length)
      out.push(
        message({
          role,
          content: texts.join("\n"),
          toolCalls,
          name: text(item.name),
          finishReason: text(item.finish_reason),
        }),
      );
    out.push(...results);
  }
  return out;
}

function genAiSystem(raw: unknown): ChatMessage[] {
  const parsed = parseJson(raw);
  if (parsed === undefined) return typeof raw === "string" && raw ? [message({ role: "system", content: raw })] : [];
  const parts = Array.isArray(parsed) ? parsed : [parsed];
  const content = parts.map((p) => (isObject(p) ? text(p.content) : text(p))).join("\n");
  return content ? [message({ role: "system", content })] : [];
}

// --- flattened GenAI (OpenLLMetry) ----------------------------------------------------

function flatGenAi(entries: Attributes[]): ChatMessage[] {
  return entries.map((e) =>
    message({
      role: text(e.role),
      content: text(e.content),
      toolCallId: text(e.tool_call_id),
      name: text(e.name),
      finishReason: text(e.finish_reason),
      toolCalls: indexed(e, "tool_calls").map((c) => ({
        id: text(c.id),
        name: text(c.name ?? c["function.name"]),
        arguments: text(c.arguments ?? c["function.arguments"]),
      })),
    }),
  );
}

// --- OpenInference ----------------------------------------------------------------------

function openInference(entries: Attributes[]): ChatMessage[] {
  return entries.map((e) => {
    let content = text(e["message.content"]);
    if (!content)
      content = indexed(e, "message.contents")
        .map((c) => text(c["message_content.text"]))
        .filter(Boolean)
        .join("\n");
    return message({
      role: text(e["message.role"]),
      content,
      toolCallId: text(e["message.tool_call_id"]),
      name: text(e["message.name"] ?? e["message.function_call_name"]),
      toolCalls: indexed(e, "message.tool_calls").map((c) => ({
        id: text(c["tool_call.id"]),
        name: text(c["tool_call.function.name"]),
        arguments: text(c["tool_call.function.arguments"]),
      })),
    });
  });
}

function openInferenceTools(attributes: Attributes): ToolDefinition[] {
  return indexed(attributes, "llm.tools").map((t) => {
    const schema = parseJson(t["tool.json_schema"]);
    // an OpenAI tool: {type: function, function: {name, description, parameters}}
    const fn = isObject(schema) && isObject(schema.function) ? schema.function : isObject(schema) ? schema : {};
    return {
      name: text(fn.name),
      description: text(fn.description),
      parameters: fn.parameters === undefined ? text(t["tool.json_schema"]) : text(fn.parameters),
    };
  });
}

function openLlmetryTools(attributes: Attributes): ToolDefinition[] {
  return indexed(attributes, "llm.request.functions").map((f) => ({
    name: text(f.name),
    description: text(f.description),
    parameters: text(f.parameters),
  }));
}

/** The span's chat, or null when no convention's message attributes are set. */
export function conversation(attributes: Attributes): Conversation | null {
  if ("gen_ai.input.messages" in attributes || "gen_ai.output.messages" in attributes) {
    return {
      convention: "gen_ai",
      input: [...genAiSystem(attributes["gen_ai.system_instructions"]), ...genAiMessages(attributes["gen_ai.input.messages"])],
      output: genAiMessages(attributes["gen_ai.output.messages"]),
      tools: genAiTools(attributes["gen_ai.tool.definitions"]),
    };
  }
  const prompts = indexed(attributes, "gen_ai.prompt");
  const completions = indexed(attributes, "gen_ai.completion");
  if (prompts.length || completions.length)
    return {
      convention: "gen_ai.prompt",
      input: flatGenAi(prompts),
      output: flatGenAi(completions),
      tools: openLlmetryTools(attributes),
    };
  const inputs = indexed(attributes, "llm.input_messages");
  const outputs = indexed(attributes, "llm.output_messages");
  if (inputs.length || outputs.length)
    return {
      convention: "openinference",
      input: openInference(inputs),
      output: openInference(outputs),
      tools: openInferenceTools(attributes),
    };
  return null;
}

function genAiTools(raw: unknown): ToolDefinition[] {
  const list = parseJson(raw);
  if (!Array.isArray(list)) return [];
  return list.filter(isObject).map((t) => {
    const fn = isObject(t.function) ? t.function : t;
    return { name: text(fn.name), description: text(fn.description), parameters: text(fn.parameters) };
  });
}

/** Attribute keys a conversation was read from, so the raw table can say they are shown above. */
export function isMessageAttribute(key: string): boolean {
  return /^(gen_ai\.(input|output)\.messages|gen_ai\.system_instructions|gen_ai\.(prompt|completion)\.\d|llm\.(input|output)_messages\.\d)/.test(
    key,
  );
}
