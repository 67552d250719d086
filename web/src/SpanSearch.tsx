import { FormEvent, useEffect, useState } from "react";
import { count, duration, time, usd } from "./format";
import { useSpanPages } from "./queries";
import { navigate, traceHref, ViewState } from "./route";
import { SpanTypeBadge } from "./ui/Badge";
import { Button } from "./ui/Button";
import { Card } from "./ui/Card";
import { cn } from "./ui/cn";
import { Input, Textarea } from "./ui/Input";
import { Select } from "./ui/Select";
import { Table, TD, TH, THead, TR } from "./ui/Table";

const SPAN_TYPES = ["llm", "chain", "agent", "tool", "retriever", "embedding", "reranker", "guardrail", "evaluator", "prompt", "span"];

interface Form {
  text: string;
  attributes: string; // one key=value per line
  status: string;
  spanType: string;
}

const formOf = (state: ViewState): Form => ({
  text: state.q,
  attributes: state.attributes.join("\n"),
  status: state.status,
  spanType: state.spanType,
});

/** Spans across traces by text, attribute values, status and type, newest first.
 * The search asked for is the URL's; the form is what is being typed. */
export function SpanSearch({ state, project }: { state: ViewState; project: string }) {
  const [form, setForm] = useState<Form>(() => formOf(state));
  useEffect(() => setForm(formOf(state)), [state.q, state.attributes.join("\n"), state.status, state.spanType]);
  const pages = useSpanPages(project, state.range, {
    q: state.q,
    attributes: state.attributes,
    status: state.status,
    spanType: state.spanType,
    environment: state.environment,
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(
      {
        q: form.text,
        attributes: form.attributes
          .split("\n")
          .map((line) => line.trim())
          .filter(Boolean),
        status: form.status,
        spanType: form.spanType,
      },
      "push",
    );
  };
  const set = (key: keyof Form) => (value: string) => setForm((f) => ({ ...f, [key]: value }));
  const spans = pages.data?.pages.flatMap((p) => p.spans) ?? [];

  return (
    <section className="flex flex-col gap-3">
      <h1 className="text-lg font-semibold">Spans</h1>
      <Card>
        <form className="flex flex-wrap items-start gap-2 p-3" onSubmit={submit}>
          <Input
            aria-label="text"
            placeholder="Text in name, input, output or status…"
            value={form.text}
            onChange={(e) => set("text")(e.target.value)}
            className="w-72"
          />
          <Textarea
            aria-label="attributes"
            placeholder={"attribute key=value, one per line\n(e.g. tool.name=calculator)"}
            rows={2}
            value={form.attributes}
            onChange={(e) => set("attributes")(e.target.value)}
            className="w-72"
          />
          <Select
            label="status"
            value={form.status}
            onValueChange={set("status")}
            options={[
              { value: "", label: "Any status" },
              ...["ok", "error", "unset"].map((s) => ({ value: s, label: s })),
            ]}
          />
          <Select
            label="span type"
            value={form.spanType}
            onValueChange={set("spanType")}
            options={[{ value: "", label: "Any type" }, ...SPAN_TYPES.map((t) => ({ value: t, label: t }))]}
          />
          <Button type="submit" variant="primary">
            Search
          </Button>
        </form>
      </Card>
      {pages.error && <p className="error text-sm text-red-600 dark:text-red-400">{pages.error.message}</p>}
      <Card className="overflow-x-auto">
        <Table className={cn("found-spans", pages.isPlaceholderData && "opacity-60")}>
          <THead>
            <tr>
              <TH>Started (UTC)</TH>
              <TH>Span</TH>
              <TH>Type</TH>
              <TH className="text-right">Duration</TH>
              <TH>Model</TH>
              <TH className="text-right">Tokens</TH>
              <TH className="text-right">Cost</TH>
              <TH>Trace</TH>
            </tr>
          </THead>
          <tbody>
            {spans.map((s) => (
              <TR
                key={`${s.trace_id}/${s.span_id}`}
                className={cn(s.status.code === 2 && "failed shadow-[inset_3px_0_0] shadow-red-500")}
                data-span-id={s.span_id}
              >
                <TD className="font-mono text-xs whitespace-nowrap text-zinc-500">{time(s.start_time_unix_nano)}</TD>
                <TD title={s.input} className="font-medium">
                  {s.name}
                </TD>
                <TD>
                  <SpanTypeBadge type={s.span_type} />
                </TD>
                <TD className="text-right tabular-nums">{duration(s.duration_ms)}</TD>
                <TD className="text-xs">{s.model}</TD>
                <TD className="text-right tabular-nums">{count(s.usage.total_tokens)}</TD>
                <TD className="text-right tabular-nums">{usd(s.cost.total_usd)}</TD>
                <TD>
                  <a className="text-brand-600 hover:underline dark:text-brand-500" href={traceHref(state, s.trace_id)}>
                    <code>{s.trace_id.slice(0, 12)}…</code>
                  </a>
                </TD>
              </TR>
            ))}
          </tbody>
        </Table>
        {!pages.isFetching && spans.length === 0 && !pages.error && (
          <p className="empty p-8 text-center text-sm text-zinc-500">No spans match in this range.</p>
        )}
      </Card>
      {pages.hasNextPage && (
        <Button className="more self-center" onClick={() => pages.fetchNextPage()} disabled={pages.isFetchingNextPage}>
          Load more
        </Button>
      )}
    </section>
  );
}
