import { lazy, Suspense, useLayoutEffect, useMemo, useRef, useState } from "react";
import { Span } from "./api";
import { attributeText, count, duration, grams, kwh, plural, time, usd, UNKNOWN } from "./format";
import { traceExportUrl } from "./explorer/exportLinks";
import { ExportLink } from "./explorer/ExportLink";
import { ShareButton } from "./explorer/ShareButton";
import { useTrace } from "./queries";
import { navigate, pageHref, TraceViewMode, ViewState } from "./route";
import { Row, spanTree } from "./spanTree";
import { Badge, SpanTypeBadge } from "./ui/Badge";
import { Card } from "./ui/Card";
import { cn } from "./ui/cn";
import { TabPanel, Tabs } from "./ui/Tabs";

// Cytoscape is loaded the first time a graph is shown, so the other views do not carry it.
const SpanGraph = lazy(() => import("./SpanGraph").then((m) => ({ default: m.SpanGraph })));

export function TraceView({ state, project, traceId }: { state: ViewState; project: string; traceId: string }) {
  const query = useTrace(project, traceId, state.window);
  const trace = query.data;
  const rows = useMemo(() => (trace ? spanTree(trace) : []), [trace]);
  const back = (
    <a href={pageHref(state, "traces")} className="text-sm text-zinc-500 hover:text-zinc-900 dark:hover:text-white">
      ← Traces
    </a>
  );
  if (query.error)
    return (
      <section className="flex flex-col gap-3">
        {back}
        <p className="error text-sm text-red-600 dark:text-red-400">{query.error.message}</p>
      </section>
    );
  if (!trace)
    return (
      <section className="flex flex-col gap-3">
        {back}
        <p className="text-sm text-zinc-500">Loading trace {traceId}…</p>
      </section>
    );

  const selected = state.span ?? trace.root_span_ids[0] ?? trace.spans[0]?.span_id ?? null;
  const select = (span: string) => navigate({ span });
  const span = trace.spans.find((s) => s.span_id === selected) ?? null;
  const total = Math.max(trace.end_time_unix_nano - trace.start_time_unix_nano, 1);
  // summed by the server over the spans served (an unpriced call makes the cost unknown)
  const { totals } = trace;
  const cost = totals.cost.known ? totals.cost.total_usd : null;
  const carbon = totals.carbon_g?.value ?? null;
  return (
    <section className="trace flex flex-col gap-3">
      {back}
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-xl font-semibold">{rows[0]?.span.name ?? traceId}</h1>
        <code className="id text-xs text-zinc-500">{traceId}</code>
        {trace.error_count > 0 ? <Badge tone="red">error</Badge> : <Badge tone="green">ok</Badge>}
        <div className="ml-auto flex items-center gap-2">
          <ShareButton />
          <ExportLink address={() => traceExportUrl(project, traceId, "json", state.window)}>Export JSON</ExportLink>
          <ExportLink address={() => traceExportUrl(project, traceId, "otlp", state.window)}>Export OTLP JSON</ExportLink>
        </div>
      </div>
      <p className="summary text-sm text-zinc-600 dark:text-zinc-400">
        {time(trace.start_time_unix_nano)} · {duration(trace.duration_ms)} · {plural(trace.span_count, "span")} ·{" "}
        {plural(trace.error_count, "error")} · cost {usd(cost)} · carbon {grams(carbon)}
      </p>
      <Tabs
        label="trace views"
        value={state.view}
        onValueChange={(view) => navigate({ view: view as TraceViewMode })}
        tabs={[
          { value: "tree", label: "Tree and timeline" },
          { value: "graph", label: "Graph" },
        ]}
      >
        <div className="mt-3 grid grid-cols-1 items-start gap-3 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
          <Card className="overflow-hidden">
            <TabPanel value="tree">
              <SpanRows
                rows={rows}
                selected={selected}
                onSelect={select}
                traceStart={trace.start_time_unix_nano}
                total={total}
              />
            </TabPanel>
            <TabPanel value="graph">
              <Suspense fallback={<p className="p-4 text-sm text-zinc-500">Loading the graph…</p>}>
                <SpanGraph spans={trace.spans} selected={selected} onSelect={select} />
              </Suspense>
            </TabPanel>
          </Card>
          {span && <SpanDetail span={span} />}
        </div>
      </Tabs>
    </section>
  );
}

/** Rows above this many are windowed: only those in view (and a margin) are drawn,
 * so a trace of thousands of spans opens as fast as a small one. */
const WINDOW_FROM = 400;
const MARGIN_ROWS = 20;

function SpanRows(props: {
  rows: Row[];
  selected: string | null;
  onSelect: (spanId: string) => void;
  traceStart: number;
  total: number;
}) {
  const { rows, selected, onSelect, traceStart, total } = props;
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  // The drawn height of a row, measured (fonts differ): the spacers stand for rows
  // not drawn, so they must add up to what those rows would have taken.
  const [rowPx, setRowPx] = useState(28);
  const box = useRef<HTMLDivElement>(null);
  const windowed = rows.length > WINDOW_FROM;
  const first = windowed ? Math.max(0, Math.floor(scrollTop / rowPx) - MARGIN_ROWS) : 0;
  const last = windowed ? Math.min(rows.length, Math.ceil((scrollTop + height) / rowPx) + MARGIN_ROWS) : rows.length;
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const row = el.querySelector("tr[data-span-id]");
    const measured = row ? row.getBoundingClientRect().height : 0;
    if (measured > 0 && Math.abs(measured - rowPx) > 0.25) setRowPx(measured);
    if (el.clientHeight && el.clientHeight !== height) setHeight(el.clientHeight);
  });
  const table = (
    <table className={cn("spans w-full table-fixed border-collapse text-sm", windowed && "windowed")} data-rows={rows.length}>
      <SpanColumns />
      <tbody>
        {first > 0 && <tr style={{ height: first * rowPx }} aria-hidden="true" />}
        {rows.slice(first, last).map(({ span: s, depth }) => (
          <tr
            key={s.span_id}
            data-span-id={s.span_id}
            className={cn(
              "h-7 cursor-pointer border-b border-zinc-100 dark:border-zinc-800/70",
              s.span_id === selected
                ? "selected bg-brand-50 dark:bg-brand-900/40"
                : "hover:bg-zinc-50 dark:hover:bg-zinc-800/40",
              s.status.code === 2 && "failed",
            )}
            onClick={() => onSelect(s.span_id)}
          >
            <td
              className={cn("name truncate py-0 pr-2", s.status.code === 2 && "text-red-600 dark:text-red-400")}
              style={{ paddingLeft: `${0.75 + depth * 1.1}em` }}
            >
              {s.name}
              {s.parent_missing && <Badge className="badge ml-1.5">parent missing</Badge>}
              {s.parent_loop && (
                <Badge tone="red" className="badge error ml-1.5">
                  parent loop
                </Badge>
              )}
            </td>
            <td className="py-0">
              <SpanTypeBadge type={s.span_type} />
            </td>
            <td className="timeline py-0 pr-3">
              <div
                className={cn("h-2.5 rounded-sm", s.status.code === 2 ? "bg-red-500" : "bg-brand-500")}
                style={{
                  marginLeft: `${((s.start_time_unix_nano - traceStart) / total) * 100}%`,
                  width: `${Math.max(((s.end_time_unix_nano - s.start_time_unix_nano) / total) * 100, 0.5)}%`,
                }}
              />
            </td>
            <td className="py-0 pr-3 text-right text-xs whitespace-nowrap text-zinc-500 tabular-nums">
              {duration(s.duration_ms)}
            </td>
          </tr>
        ))}
        {last < rows.length && <tr style={{ height: (rows.length - last) * rowPx }} aria-hidden="true" />}
      </tbody>
    </table>
  );
  const axis = <TimeAxis totalMs={total / 1e6} />;
  if (!windowed)
    return (
      <>
        {axis}
        {table}
      </>
    );
  return (
    <>
      {axis}
      <div
        className="span-scroll max-h-[75vh] overflow-y-auto"
        data-testid="span-scroll"
        ref={box}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      >
        {table}
      </div>
    </>
  );
}

/** The widths of the span rows' columns, shared by the axis above them. */
function SpanColumns() {
  return (
    <colgroup>
      <col />
      <col className="w-24" />
      <col className="w-[35%]" />
      <col className="w-20" />
    </colgroup>
  );
}

/** Column names and the timeline's scale (start, middle, end of the trace). */
function TimeAxis({ totalMs }: { totalMs: number }) {
  return (
    <table className="w-full table-fixed border-b border-zinc-200 bg-zinc-50 text-[11px] text-zinc-500 dark:border-zinc-800 dark:bg-zinc-900">
      <SpanColumns />
      <thead>
        <tr className="h-7">
          <th className="pl-3 text-left font-medium tracking-wide uppercase">Span</th>
          <th className="text-left font-medium tracking-wide uppercase">Type</th>
          <th className="pr-3 font-normal tabular-nums">
            <div className="flex justify-between">
              <span>0</span>
              <span>{duration(totalMs / 2)}</span>
              <span>{duration(totalMs)}</span>
            </div>
          </th>
          <th className="pr-3 text-right font-medium tracking-wide uppercase">Duration</th>
        </tr>
      </thead>
    </table>
  );
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="border-t border-zinc-200 px-4 py-3 dark:border-zinc-800">
      <h3 className="mb-2 text-[11px] font-medium tracking-wide text-zinc-500 uppercase">{title}</h3>
      {children}
    </div>
  );
}

const PRE =
  "max-h-80 overflow-auto rounded-md bg-zinc-50 p-2.5 font-mono text-xs whitespace-pre-wrap dark:bg-zinc-950 dark:text-zinc-200";

function SpanDetail({ span }: { span: Span }) {
  const energy = span.carbon.energy_kwh;
  const carbon = span.carbon.carbon_g;
  return (
    <Card className="detail sticky top-16 overflow-hidden [overflow-wrap:anywhere]" data-testid="span-detail">
      <div className="flex items-center gap-2 px-4 py-3">
        <h2 className="font-semibold">{span.name}</h2>
        <SpanTypeBadge type={span.span_type} />
      </div>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1.5 border-t border-zinc-200 px-4 py-3 text-sm dark:border-zinc-800 [&_dt]:text-zinc-500">
        <dt>status</dt>
        <dd className={cn(span.status.code === 2 && "text-red-600 dark:text-red-400")}>
          {["unset", "ok", "error"][span.status.code] ?? span.status.code}
          {span.status.message && `: ${span.status.message}`}
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
            </dd>
          </>
        )}
        <dt>cost</dt>
        <dd data-testid="span-cost" className="tabular-nums">
          {usd(span.cost.total_usd)} ({span.cost.status.replace("_", " ")})
        </dd>
        <dt>energy</dt>
        <dd className="tabular-nums">
          {energy ? `${kwh(energy.value)} (${kwh(energy.min)} – ${kwh(energy.max)})` : `${UNKNOWN} (${span.carbon.source})`}
        </dd>
        <dt>carbon</dt>
        <dd data-testid="span-carbon" className="tabular-nums">
          {carbon ? `${grams(carbon.value)} CO₂e (${grams(carbon.min)} – ${grams(carbon.max)})` : UNKNOWN}
          {span.carbon.zone && ` in ${span.carbon.zone}`}
        </dd>
      </dl>
      {span.input && (
        <Section title="Input">
          <pre className={PRE} data-testid="span-input">
            {span.input}
          </pre>
        </Section>
      )}
      {span.output && (
        <Section title="Output">
          <pre className={PRE} data-testid="span-output">
            {span.output}
          </pre>
        </Section>
      )}
      <Section title="Attributes">
        <table className="attributes w-full text-xs">
          <tbody>
            {Object.entries(span.attributes).map(([key, value]) => (
              <tr key={key} className="border-b border-zinc-100 last:border-0 dark:border-zinc-800">
                <th className="w-[35%] py-1 pr-3 text-left align-top font-normal text-zinc-500">{key}</th>
                <td className="py-1 font-mono">{attributeText(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      {span.events.length > 0 && (
        <Section title="Events">
          <ul className="events flex flex-col gap-1 text-xs">
            {span.events.map((e, i) => (
              <li key={i}>
                <strong>{e.name}</strong>{" "}
                {Object.keys(e.attributes).length > 0 && <code>{JSON.stringify(e.attributes)}</code>}
              </li>
            ))}
          </ul>
        </Section>
      )}
    </Card>
  );
}
