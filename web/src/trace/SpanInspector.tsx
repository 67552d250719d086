import { useMemo } from "react";
import { SpanChainActions } from "./SpanChainActions";
import type { FullSpan } from "../api";
import { attributeText, count, duration, grams, kwh, time, usd, UNKNOWN } from "../format";
import { SpanTypeBadge } from "../ui/Badge";
import { Card } from "../ui/Card";
import { cn } from "../ui/cn";
import { ChatMessages, Value } from "./ChatMessages";
import { spanExceptions } from "./exceptions";
import { ExceptionList } from "./ExceptionList";
import { JsonTree } from "./JsonTree";
import { conversation, isMessageAttribute } from "./messages";
import { resourceAttributes } from "./traceMetadata";
import { AddToDatasetButton } from "../datasets/AddToDatasetButton";
import { ScoresSection } from "../scores/ScoresSection";

type Range = { value: number; min: number; max: number } | null;
const withRange = (r: Range, unit: (v: number) => string) => (r ? `${unit(r.value)} (${unit(r.min)} – ${unit(r.max)})` : null);

function Section({ title, children, testId }: { title: string; children: React.ReactNode; testId?: string }) {
  return (
    <section className="border-t border-zinc-200 px-4 py-3 dark:border-zinc-800" data-testid={testId}>
      <h3 className="mb-2 text-[11px] font-medium tracking-wide text-zinc-500 uppercase">{title}</h3>
      {children}
    </section>
  );
}

const PRE =
  "block max-h-80 overflow-auto rounded-md bg-zinc-50 p-2.5 font-mono text-xs whitespace-pre-wrap dark:bg-zinc-950 dark:text-zinc-200";

/** The selected span: its figures with their ranges, exceptions with stack traces, the chat
 * as messages with roles, input and output, events and every attribute as sent. */
export function SpanInspector({ span }: { span: FullSpan }) {
  const chat = useMemo(() => conversation(span.attributes), [span]);
  const exceptions = useMemo(() => spanExceptions(span), [span]);
  const otherEvents = span.events.filter((e) => e.name !== "exception");
  const { energy_kwh: energy, carbon_g: carbon, embodied_carbon_g: embodied } = span.carbon;
  const failed = span.status.code === 2;
  const resource = resourceAttributes(span);
  return (
    <Card className="detail overflow-hidden [overflow-wrap:anywhere]" data-testid="span-detail" aria-label="span inspector">
      <div className="flex items-center gap-2 px-4 py-3">
        <h2 className="min-w-0 truncate font-semibold" title={span.name}>
          {span.name}
        </h2>
        <SpanTypeBadge type={span.span_type} />
        <code className="ml-auto text-[11px] text-zinc-400">{span.span_id}</code>
        <AddToDatasetButton project={span.project} traceId={span.trace_id} spanId={span.span_id} />
      </div>
      {span.span_type === "llm" && <SpanChainActions project={span.project} traceId={span.trace_id} spanId={span.span_id} />}
      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1.5 border-t border-zinc-200 px-4 py-3 text-sm dark:border-zinc-800 [&_dt]:text-zinc-500">
        <dt>status</dt>
        <dd className={cn(failed && "text-red-600 dark:text-red-400")}>
          {["unset", "ok", "error"][span.status.code] ?? span.status.code}
          {span.status.message && `: ${span.status.message}`}
        </dd>
        <dt>started</dt>
        <dd className="tabular-nums">
          {time(span.start_time_unix_nano)} · {duration(span.duration_ms)}
        </dd>
        <dt>service</dt>
        <dd>{span.service_name}</dd>
        {span.model && (
          <>
            <dt>model</dt>
            <dd>
              {span.model}
              {span.provider && ` (${span.provider})`}
            </dd>
            <dt>tokens</dt>
            <dd className="tabular-nums">
              in {count(span.usage.input_tokens)} · out {count(span.usage.output_tokens)} · cached{" "}
              {count(span.usage.cached_tokens)}
              {(span.tokens_estimated.input || span.tokens_estimated.output) && " (estimated)"}
            </dd>
          </>
        )}
        <dt>cost</dt>
        <dd data-testid="span-cost" className="tabular-nums">
          {usd(span.cost.status === "unpriced" || span.cost.status === "unknown" ? null : span.cost.total_usd)} (
          {span.cost.status.replace("_", " ")})
        </dd>
        <dt>energy</dt>
        <dd className="tabular-nums">{withRange(energy, kwh) ?? `${UNKNOWN} (${span.carbon.source})`}</dd>
        <dt>carbon</dt>
        <dd data-testid="span-carbon" className="tabular-nums">
          {carbon ? `${grams(carbon.value)} CO₂e (${grams(carbon.min)} – ${grams(carbon.max)})` : UNKNOWN}
          {span.carbon.zone && ` in ${span.carbon.zone}`}
        </dd>
        {embodied && (
          <>
            <dt>embodied</dt>
            <dd className="tabular-nums">
              {`${grams(embodied.value)} CO₂e (${grams(embodied.min)} – ${grams(embodied.max)})`}
            </dd>
          </>
        )}
      </dl>
      {exceptions.length > 0 && (
        <Section title="Exceptions">
          <ExceptionList exceptions={exceptions} />
        </Section>
      )}
      {chat && (
        <Section title="Messages">
          <ChatMessages chat={chat} />
        </Section>
      )}
      {chat ? (
        (span.input || span.output) && (
          <details className="border-t border-zinc-200 px-4 py-3 text-sm dark:border-zinc-800">
            <summary className="cursor-pointer text-[11px] font-medium tracking-wide text-zinc-500 uppercase">
              Input and output as stored
            </summary>
            {span.input && <InputOutput text={span.input} testId="span-input" />}
            {span.output && <InputOutput text={span.output} testId="span-output" />}
          </details>
        )
      ) : (
        <>
          {span.input && (
            <Section title="Input">
              <InputOutput text={span.input} testId="span-input" />
            </Section>
          )}
          {span.output && (
            <Section title="Output">
              <InputOutput text={span.output} testId="span-output" />
            </Section>
          )}
        </>
      )}
      {otherEvents.length > 0 && (
        <Section title="Events">
          <ul className="events flex flex-col gap-1 text-xs">
            {otherEvents.map((e, i) => (
              <li key={i}>
                <strong>{e.name}</strong>
                {Object.keys(e.attributes).length > 0 && <JsonTree value={e.attributes} />}
              </li>
            ))}
          </ul>
        </Section>
      )}
      <ScoresSection project={span.project} traceId={span.trace_id} spanId={span.span_id} />
      <Section title="Attributes">
        <AttributeTable attributes={span.attributes} shownAbove={chat ? isMessageAttribute : () => false} />
      </Section>
      {Object.keys(resource).length > 0 && (
        <Section title="Resource">
          <AttributeTable attributes={resource} />
        </Section>
      )}
    </Card>
  );
}

/** Input or output: JSON as a tree (the text kept for search under it), else text. */
function InputOutput({ text, testId }: { text: string; testId: string }) {
  return (
    <div className={cn(PRE, "mt-2 first:mt-0")}>
      <Value text={text} testId={testId} />
    </div>
  );
}

function AttributeTable({
  attributes,
  shownAbove = () => false,
}: {
  attributes: Record<string, unknown>;
  shownAbove?: (key: string) => boolean;
}) {
  return (
    <table className="attributes w-full table-fixed text-xs">
      <tbody>
        {Object.entries(attributes).map(([key, value]) => (
          <tr key={key} className={cn("border-b border-zinc-100 last:border-0 dark:border-zinc-800", shownAbove(key) && "text-zinc-400")}>
            <th className="w-[35%] py-1 pr-3 text-left align-top font-normal break-all text-zinc-500">{key}</th>
            <td className="py-1 align-top font-mono">
              {typeof value === "object" && value !== null ? (
                <JsonTree value={value} folded={shownAbove(key)} />
              ) : (
                <Value text={attributeText(value)} folded={shownAbove(key)} />
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
