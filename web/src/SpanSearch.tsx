import { FormEvent, useCallback, useEffect, useRef, useState } from "react";
import { searchSpans, Span } from "./api";
import { count, duration, time, usd } from "./format";
import { traceHref } from "./route";
import { lastRange, RangeSelect } from "./timeRange";

interface Search {
  range: string;
  text: string;
  attributes: string; // one key=value per line
  status: string;
  spanType: string;
}

/** Spans across traces by text, attribute values, status and type, newest first. */
export function SpanSearch({ project }: { project: string }) {
  const [form, setForm] = useState<Search>({ range: "24h", text: "", attributes: "", status: "", spanType: "" });
  const [search, setSearch] = useState<Search>(form);
  const [spans, setSpans] = useState<Span[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const request = useRef(0);

  const fetchPage = useCallback(
    (after: string | null) => {
      const id = ++request.current;
      const attributes = search.attributes
        .split("\n")
        .map((line) => line.trim())
        .filter(Boolean);
      const params = {
        ...lastRange(search.range),
        q: search.text,
        status: search.status,
        span_type: search.spanType,
        limit: "50",
        cursor: after ?? undefined,
      };
      setLoading(true);
      searchSpans(project, params, attributes)
        .then((page) => {
          if (id !== request.current) return;
          setSpans((old) => (after ? [...old, ...page.spans] : page.spans));
          setCursor(page.next_cursor);
          setError(null);
        })
        .catch((e: Error) => id === request.current && setError(e.message))
        .finally(() => id === request.current && setLoading(false));
    },
    [project, search],
  );
  useEffect(() => fetchPage(null), [fetchPage]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSearch(form);
  };
  const set = (key: keyof Search) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));

  return (
    <section>
      <form className="toolbar search" onSubmit={submit}>
        <RangeSelect value={form.range} onChange={(range) => setForm((f) => ({ ...f, range }))} />
        <input aria-label="text" placeholder="text in name, input, output or status…" value={form.text} onChange={set("text")} />
        <textarea
          aria-label="attributes"
          placeholder={"attribute key=value, one per line\n(e.g. tool.name=calculator)"}
          rows={2}
          value={form.attributes}
          onChange={set("attributes")}
        />
        <select aria-label="status" value={form.status} onChange={set("status")}>
          <option value="">any status</option>
          <option value="ok">ok</option>
          <option value="error">error</option>
          <option value="unset">unset</option>
        </select>
        <select aria-label="span type" value={form.spanType} onChange={set("spanType")}>
          <option value="">any type</option>
          {["llm", "chain", "agent", "tool", "retriever", "embedding", "reranker", "guardrail", "evaluator", "prompt", "span"].map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <button type="submit">Search</button>
      </form>
      {error && <p className="error">{error}</p>}
      <table className="found-spans">
        <thead>
          <tr>
            <th>started (UTC)</th>
            <th>span</th>
            <th>type</th>
            <th>duration</th>
            <th>model</th>
            <th>tokens</th>
            <th>cost</th>
            <th>trace</th>
          </tr>
        </thead>
        <tbody>
          {spans.map((s) => (
            <tr key={`${s.trace_id}/${s.span_id}`} className={s.status.code === 2 ? "failed" : ""} data-span-id={s.span_id}>
              <td>{time(s.start_time_unix_nano)}</td>
              <td title={s.input}>{s.name}</td>
              <td>
                <span className={`type ${s.span_type}`}>{s.span_type || "span"}</span>
              </td>
              <td>{duration(s.duration_ms)}</td>
              <td>{s.model}</td>
              <td>{count(s.usage.total_tokens)}</td>
              <td>{usd(s.cost.total_usd)}</td>
              <td>
                <a href={traceHref(project, s.trace_id)}>
                  <code>{s.trace_id.slice(0, 12)}…</code>
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && spans.length === 0 && !error && <p className="empty">No spans match in this range.</p>}
      {cursor && (
        <button className="more" onClick={() => fetchPage(cursor)}>
          Load more
        </button>
      )}
    </section>
  );
}
