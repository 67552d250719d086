import type { ChatMessage, Conversation, ToolCall } from "./messages";
import { Badge, BadgeTone } from "../ui/Badge";
import { jsonIn, JsonTree } from "./JsonTree";
import { LongText } from "./LongText";

const ROLE_TONES: Record<string, BadgeTone> = {
  system: "neutral",
  user: "blue",
  human: "blue",
  assistant: "green",
  ai: "green",
  model: "green",
  tool: "amber",
  function: "amber",
};

const CONVENTIONS = {
  gen_ai: "OpenTelemetry GenAI messages",
  "gen_ai.prompt": "GenAI prompt / completion attributes (OpenLLMetry)",
  openinference: "OpenInference messages",
};

/** The chat of an LLM span: the messages sent, then the ones returned, each with its role. */
export function ChatMessages({ chat }: { chat: Conversation }) {
  return (
    <div className="flex flex-col gap-3" data-testid="span-messages" data-convention={chat.convention}>
      <p className="text-[11px] text-zinc-400">from {CONVENTIONS[chat.convention]}</p>
      {chat.input.length > 0 && <MessageList title="Input" messages={chat.input} />}
      {chat.output.length > 0 && <MessageList title="Output" messages={chat.output} />}
      {chat.tools.length > 0 && (
        <div>
          <h4 className="mb-1 text-xs font-medium text-zinc-500">Tools offered</h4>
          <ul className="flex flex-col gap-1">
            {chat.tools.map((t, i) => (
              <li key={i} className="rounded-md border border-zinc-200 px-2 py-1 text-xs dark:border-zinc-800">
                <code className="font-semibold">{t.name}</code>
                {t.description && <span className="text-zinc-500"> — {t.description}</span>}
                {t.parameters && <Value text={t.parameters} />}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function MessageList({ title, messages }: { title: string; messages: ChatMessage[] }) {
  return (
    <div>
      <h4 className="mb-1 text-xs font-medium text-zinc-500">{title}</h4>
      <ol className="flex flex-col gap-1.5">
        {messages.map((m, i) => (
          <li
            key={i}
            className="message rounded-md border border-zinc-200 bg-zinc-50 px-2.5 py-1.5 dark:border-zinc-800 dark:bg-zinc-950"
            data-role={m.role}
          >
            <div className="mb-0.5 flex flex-wrap items-center gap-1.5">
              <Badge tone={ROLE_TONES[m.role] ?? "neutral"} className="role">
                {m.role || "message"}
              </Badge>
              {m.name && <code className="text-xs text-zinc-500">{m.name}</code>}
              {m.toolCallId && <span className="text-xs text-zinc-500">result of {m.toolCallId}</span>}
              {m.finishReason && <span className="ml-auto text-[11px] text-zinc-400">{m.finishReason}</span>}
            </div>
            {m.content && (
              <div className="content text-sm">
                <Value text={m.content} />
              </div>
            )}
            {m.toolCalls.map((call, j) => (
              <ToolCallView key={j} call={call} />
            ))}
          </li>
        ))}
      </ol>
    </div>
  );
}

function ToolCallView({ call }: { call: ToolCall }) {
  return (
    <div className="tool-call mt-1 rounded border border-sky-200 bg-white px-2 py-1 text-xs dark:border-sky-900 dark:bg-zinc-900">
      <span className="text-zinc-500">calls </span>
      <code className="font-semibold">{call.name}</code>
      {call.id && <span className="text-zinc-400"> ({call.id})</span>}
      {call.arguments && <Value text={call.arguments} />}
    </div>
  );
}

/** A text as a JSON tree when it holds JSON (folded: closed until clicked), else as (cut) text. */
export function Value({ text, testId, folded }: { text: string; testId?: string; folded?: boolean }) {
  const json = jsonIn(text);
  if (json !== undefined) return <JsonTree value={json} testId={testId} folded={folded} />;
  return <LongText text={text} className="whitespace-pre-wrap [overflow-wrap:anywhere]" testId={testId} />;
}
