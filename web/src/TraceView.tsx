import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { getTrace, Span, Trace } from "./api";
import { Row, spanTree } from "./spanTree";
import { SpanGraph } from "./SpanGraph";
import { attributeText, count, duration, grams, kwh, plural, time, usd, UNKNOWN } from "./format";

export function TraceView({
  project,
  traceId,
  window,
}: {
  project: string;
  traceId: string;
  window?: { start: string; end: string };
}) {
  const [trace, setTrace] = useState<Trace | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [view, setView] = useState<"tree" | "graph">("tree");

  useEffect(() => {
    setTrace(null);
    setError(null);
    getTrace(project, traceId, window)
      .then((t) => {
        setTrace(t);
        setSelected(t.root_span_ids[0] ?? t.spans[0]?.span_id ?? null);
      })
      .catch((e: Error) => setError(e.message));
  }, [project, traceId, window?.start, window?.end]);

  const rows = useMemo(() => (trace ? spanTree(trace) : []), [trace]);
  if (error) return <p className="error">{error}</p>;
  if (!trace) return <p>Loading trace {traceId}…</p>;

  const span = trace.spans.find((s) => s.span_id === selected) ?? null;
  const total = Math.max(trace.end_time_unix_nano - trace.start_time_unix_nano, 1);
  const cost = trace.spans.reduce((sum, s) => sum + (s.cost.total_usd ?? 0), 0);
  const carbon = trace.spans.reduce((sum, s) => sum + (s.carbon.carbon_g?.value ?? 0), 0);
  return (
    <section className="trace">
      <p>
        <a href={`#/${encodeURIComponent(project)}`}>← traces</a>
      </p>
      <h1>
        {rows[0]?.span.name ?? traceId} <code className="id">{traceId}</code>
      </h1>
      <p className="summary">
        {time(trace.start_time_unix_nano)} · {duration(trace.duration_ms)} · {plural(trace.span_count, "span")} ·{" "}
        {plural(trace.error_count, "error")} · cost {usd(cost)} · carbon {grams(carbon)}
      </p>
      <div className="views" role="tablist">
        {(["tree", "graph"] as const).map((v) => (
          <button key={v} role="tab" aria-selected={view === v} onClick={() => setView(v)}>
            {v === "tree" ? "Tree and timeline" : "Graph"}
          </button>
        ))}
      </div>
      <div className="split">
        {view === "graph" ? (
          <SpanGraph spans={trace.spans} selected={selected} onSelect={setSelected} />
        ) : (
        <SpanRows
          rows={rows}
          selected={selected}
          onSelect={setSelected}
          traceStart={trace.start_time_unix_nano}
          total={total}
        />
        )}
        {span && <SpanDetail span={span} />}
      </div>
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
    <table className={`spans${windowed ? " windowed" : ""}`} data-rows={rows.length}>
      <tbody>
        {first > 0 && <tr style={{ height: first * rowPx }} aria-hidden="true" />}
        {rows.slice(first, last).map(({ span: s, depth }) => (
          <tr
            key={s.span_id}
            data-span-id={s.span_id}
            className={`${s.span_id === selected ? "selected" : ""} ${s.status.code === 2 ? "failed" : ""}`}
            onClick={() => onSelect(s.span_id)}
          >
            <td className="name" style={{ paddingLeft: `${0.5 + depth * 1.2}em` }}>
              {s.name}
              {s.parent_missing && <span className="badge">parent missing</span>}
              {s.parent_loop && <span className="badge error">parent loop</span>}
            </td>
            <td>
              <span className={`type ${s.span_type}`}>{s.span_type || "span"}</span>
            </td>
            <td className="timeline">
              <div
                className="bar"
                style={{
                  marginLeft: `${((s.start_time_unix_nano - traceStart) / total) * 100}%`,
                  width: `${Math.max(((s.end_time_unix_nano - s.start_time_unix_nano) / total) * 100, 0.5)}%`,
                }}
              />
            </td>
            <td>{duration(s.duration_ms)}</td>
          </tr>
        ))}
        {last < rows.length && <tr style={{ height: (rows.length - last) * rowPx }} aria-hidden="true" />}
      </tbody>
    </table>
  );
  if (!windowed) return table;
  return (
    <div
      className="span-scroll"
      data-testid="span-scroll"
      ref={box}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      {table}
    </div>
  );
}

function SpanDetail({ span }: { span: Span }) {
  const energy = span.carbon.energy_kwh;
  const carbon = span.carbon.carbon_g;
  return (
    <aside className="detail" data-testid="span-detail">
      <h2>{span.name}</h2>
      <dl>
        <dt>status</dt>
        <dd>{["unset", "ok", "error"][span.status.code] ?? span.status.code}{span.status.message && `: ${span.status.message}`}</dd>
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
            <dd>
              in {count(span.usage.input_tokens)} · out {count(span.usage.output_tokens)} · cached{" "}
              {count(span.usage.cached_tokens)}
            </dd>
          </>
        )}
        <dt>cost</dt>
        <dd data-testid="span-cost">
          {usd(span.cost.total_usd)} ({span.cost.status.replace("_", " ")})
        </dd>
        <dt>energy</dt>
        <dd>{energy ? `${kwh(energy.value)} (${kwh(energy.min)} – ${kwh(energy.max)})` : `${UNKNOWN} (${span.carbon.source})`}</dd>
        <dt>carbon</dt>
        <dd data-testid="span-carbon">
          {carbon ? `${grams(carbon.value)} CO₂e (${grams(carbon.min)} – ${grams(carbon.max)})` : UNKNOWN}
          {span.carbon.zone && ` in ${span.carbon.zone}`}
        </dd>
      </dl>
      {span.input && (
        <>
          <h3>input</h3>
          <pre data-testid="span-input">{span.input}</pre>
        </>
      )}
      {span.output && (
        <>
          <h3>output</h3>
          <pre data-testid="span-output">{span.output}</pre>
        </>
      )}
      <h3>attributes</h3>
      <table className="attributes">
        <tbody>
          {Object.entries(span.attributes).map(([key, value]) => (
            <tr key={key}>
              <th>{key}</th>
              <td>{attributeText(value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {span.events.length > 0 && (
        <>
          <h3>events</h3>
          <ul className="events">
            {span.events.map((e, i) => (
              <li key={i}>
                <strong>{e.name}</strong> {Object.keys(e.attributes).length > 0 && <code>{JSON.stringify(e.attributes)}</code>}
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}
