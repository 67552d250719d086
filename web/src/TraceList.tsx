import { useCallback, useEffect, useRef, useState } from "react";
import { FacetCount, Facets, listTraces, traceFacets, TraceSummary } from "./api";
import { count, duration, grams, plural, time, usd } from "./format";
import { useLiveTraces } from "./live";
import { traceHref } from "./route";
import { lastRange, RangeSelect } from "./timeRange";

const FACETS_EVERY_MS = 15_000;

interface Filters {
  range: string;
  status: string;
  model: string;
  name: string;
}

function queryOf(filters: Filters): Record<string, string> {
  return {
    ...lastRange(filters.range),
    status: filters.status,
    model: filters.model,
    name: filters.name,
  };
}

/** A filter over one facet: its values with their trace counts, or any. */
function FacetSelect(props: {
  name: string;
  value: string;
  counts: FacetCount[] | undefined;
  onChange: (e: { target: { value: string } }) => void;
}) {
  return (
    <select aria-label={props.name} value={props.value} onChange={props.onChange}>
      <option value="">any {props.name}</option>
      {(props.counts ?? []).map((f) => (
        <option key={f.value} value={f.value}>
          {f.value} ({f.count})
        </option>
      ))}
    </select>
  );
}

export function TraceList({ project }: { project: string }) {
  const [filters, setFilters] = useState<Filters>({ range: "24h", status: "", model: "", name: "" });
  const [traces, setTraces] = useState<TraceSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [facets, setFacets] = useState<Facets | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [follow, setFollow] = useState(true);
  const request = useRef(0);

  // Facet counts cost more than a page (they read the whole range), so a live
  // refresh takes them again only every FACETS_EVERY_MS.
  const facetsAt = useRef(0);
  const lastLoadMs = useRef(0);
  const load = useCallback(
    (withFacets = true) => {
      const id = ++request.current;
      const query = queryOf(filters);
      const started = performance.now();
      setLoading(true);
      // The page first, drawn as soon as it comes; the facet counts (which read
      // the whole range) only then, so the two do not share the server's cores.
      listTraces(project, { ...query, limit: "50" })
        .then((page) => {
          if (id !== request.current) return; // a newer load is on its way
          setTraces(page.traces);
          setCursor(page.next_cursor);
          setPaged(false);
          setUnseen(0);
          setError(null);
        })
        .catch((e: Error) => id === request.current && setError(e.message))
        .finally(() => {
          lastLoadMs.current = performance.now() - started;
          if (id !== request.current) return;
          setLoading(false);
          if (!withFacets) return;
          traceFacets(project, query)
            .then((counts) => {
              if (id !== request.current) return;
              setFacets(counts);
              facetsAt.current = Date.now();
            })
            .catch((e: Error) => id === request.current && setError(e.message));
        });
    },
    [project, filters],
  );

  useEffect(() => load(), [load]);

  // New traces arrive over the WebSocket. On the first page the list is fetched
  // again, so it keeps the server's filters and order; under a steady stream at
  // most once per max(1 s, 4x the last load), so a watching browser costs the
  // server a bounded share of its time. Past the first page, the list stays put
  // and says how many new traces wait.
  const [paged, setPaged] = useState(false);
  const [unseen, setUnseen] = useState(0);
  const refresh = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const live = useLiveTraces(project, follow, (ids) => {
    if (paged) {
      setUnseen((n) => n + ids.length);
      return;
    }
    if (refresh.current === undefined) {
      const gap = Math.max(1000, 4 * lastLoadMs.current);
      refresh.current = setTimeout(() => {
        refresh.current = undefined;
        load(Date.now() - facetsAt.current > FACETS_EVERY_MS);
      }, gap);
    }
  });
  useEffect(() => () => clearTimeout(refresh.current), []);

  const more = () => {
    if (!cursor) return;
    listTraces(project, { ...queryOf(filters), limit: "50", cursor })
      .then((page) => {
        setTraces((old) => [...old, ...page.traces]);
        setCursor(page.next_cursor);
        setPaged(true);
      })
      .catch((e: Error) => setError(e.message));
  };

  const set = (key: keyof Filters) => (e: { target: { value: string } }) =>
    setFilters((f) => ({ ...f, [key]: e.target.value }));

  return (
    <section>
      <div className="toolbar">
        <RangeSelect value={filters.range} onChange={(range) => setFilters((f) => ({ ...f, range }))} />
        <FacetSelect name="status" value={filters.status} counts={facets?.status} onChange={set("status")} />
        <FacetSelect name="model" value={filters.model} counts={facets?.model} onChange={set("model")} />
        <input aria-label="name contains" placeholder="name contains…" value={filters.name} onChange={set("name")} />
        <label className="follow">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> live
        </label>
        <span className={`live-state ${live}`} data-testid="live-state">
          {follow ? live : "paused"}
        </span>
        <span className="total">{facets ? `${count(facets.total)} traces` : ""}</span>
      </div>
      {error && <p className="error">{error}</p>}
      {unseen > 0 && (
        <button className="unseen" onClick={() => load()}>
          {plural(unseen, "new trace")}: show the newest
        </button>
      )}
      <table className="traces">
        <thead>
          <tr>
            <th>started (UTC)</th>
            <th>name</th>
            <th>duration</th>
            <th>spans</th>
            <th>tokens</th>
            <th>cost</th>
            <th>carbon</th>
            <th>models</th>
          </tr>
        </thead>
        <tbody>
          {traces.map((t) => (
            <tr key={t.trace_id} className={t.status === "error" ? "failed" : ""} data-trace-id={t.trace_id}>
              <td>{time(t.start_time_unix_nano)}</td>
              <td>
                <a href={traceHref(project, t.trace_id, t.start_time_unix_nano, t.end_time_unix_nano)}>
                  {t.name || "(root not received)"}
                </a>
                {t.error_count > 0 && <span className="badge error">{plural(t.error_count, "error")}</span>}
              </td>
              <td>{duration(t.duration_ms)}</td>
              <td>{t.span_count}</td>
              <td>{count(t.total_tokens)}</td>
              <td title={t.cost.unpriced_llm_calls ? `${t.cost.unpriced_llm_calls} LLM calls unpriced` : undefined}>
                {usd(t.cost.total_usd)}
                {t.cost.unpriced_llm_calls > 0 && "*"}
              </td>
              <td>{grams(t.carbon.carbon_g)}</td>
              <td>{t.models.join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && traces.length === 0 && !error && (
        <p className="empty">
          No traces in this range. Point an OpenTelemetry exporter at <code>/v1/traces</code> on port 4318.
        </p>
      )}
      {cursor && (
        <button className="more" onClick={more}>
          Load more
        </button>
      )}
    </section>
  );
}
