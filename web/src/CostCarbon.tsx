import { useEffect, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { CostAnalysis, costAnalysis, costsCsvUrl, Suggestions, suggestions } from "./api";
import { count, grams, kwh, usd, UNKNOWN } from "./format";
import { lastRange, RangeSelect } from "./timeRange";

const percent = (x: number | null | undefined) => (x === null || x === undefined ? UNKNOWN : `${(x * 100).toFixed(0)}%`);

function Change({ value }: { value: number | null | undefined }) {
  if (value === null || value === undefined) return null;
  const up = value > 0;
  return (
    <span className={`change ${up ? "up" : "down"}`} title="against the period before">
      {up ? "▲" : "▼"} {Math.abs(value * 100).toFixed(0)}%
    </span>
  );
}

/** Cost and carbon of each step: two lines on their own axes. */
function CostChart({ series }: { series: CostAnalysis["series"] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current || series.length === 0) return;
    const data: uPlot.AlignedData = [
      series.map((p) => Date.parse(p.t) / 1000),
      series.map((p) => p.cost_usd),
      series.map((p) => p.carbon_g),
    ];
    const chart = new uPlot(
      {
        width: box.current.clientWidth || 800,
        height: 220,
        series: [
          {},
          { label: "cost (USD)", stroke: "#15803d", width: 2, value: (_u, v) => (v === null ? "" : usd(v)) },
          { label: "carbon (gCO₂e)", stroke: "#b45309", width: 2, scale: "g", value: (_u, v) => (v === null ? "" : grams(v)) },
        ],
        axes: [
          {},
          { size: 70, values: (_u, ticks) => ticks.map((v) => usd(v)) },
          { side: 1, size: 70, scale: "g", grid: { show: false }, values: (_u, ticks) => ticks.map((v) => grams(v)) },
        ],
      },
      data,
      box.current,
    );
    return () => chart.destroy();
  }, [series]);
  return <div className="chart" ref={box} data-testid="cost-chart" />;
}

export function CostCarbon({ project }: { project: string }) {
  const [range, setRange] = useState("24h");
  const [analysis, setAnalysis] = useState<CostAnalysis | null>(null);
  const [advice, setAdvice] = useState<Suggestions | null>(null);
  const [error, setError] = useState<string | null>(null);
  // the start and end the figures were asked for, so the CSV export covers the same
  const [period, setPeriod] = useState(() => lastRange(range));

  useEffect(() => {
    const w = lastRange(range);
    setPeriod(w);
    setAnalysis(null);
    let current = true;
    costAnalysis(project, w)
      .then((a) => current && (setAnalysis(a), setError(null)))
      .catch((e: Error) => current && setError(e.message))
      // the suggestions read more (7 d of calls): asked once the figures are in
      .finally(() =>
        suggestions(project, w)
          .then((s) => current && setAdvice(s))
          .catch((e: Error) => current && setError(e.message)),
      );
    return () => {
      current = false;
    };
  }, [project, range]);

  const t = analysis?.totals;
  return (
    <section className="costs">
      <div className="toolbar">
        <RangeSelect value={range} onChange={setRange} />
        <a href={costsCsvUrl(project, period)} download>
          Export CSV
        </a>
      </div>
      {error && <p className="error">{error}</p>}
      {!t ? (
        !error && <p>Loading…</p>
      ) : (
        <>
          <div className="cards">
            <div className="card" data-testid="total-cost">
              <h3>cost</h3>
              <strong>{usd(t.cost_usd)}</strong> <Change value={analysis.change.cost_usd} />
              <p>
                LLM {percent(t.split.llm)} · infrastructure {percent(t.split.infrastructure)} · data{" "}
                {percent(t.split.data)}
              </p>
            </div>
            <div className="card" data-testid="llm-calls">
              <h3>LLM calls</h3>
              <strong>{count(t.llm_calls)}</strong> <Change value={analysis.change.llm_calls} />
              <p>
                {count(t.unpriced_llm_calls)} unpriced
                {t.unknown_cost_share ? ` (~${percent(t.unknown_cost_share)} of LLM cost unknown)` : ""}
              </p>
            </div>
            <div className="card" data-testid="total-carbon">
              <h3>carbon</h3>
              <strong>{grams(t.carbon_g)} CO₂e</strong> <Change value={analysis.change.carbon_g} />
              <p>
                {kwh(t.energy_kwh)}; embodied {grams(t.embodied_carbon_g)}
                {t.llm_calls_without_energy > 0 && `; ${count(t.llm_calls_without_energy)} calls without an energy model`}
              </p>
            </div>
          </div>
          <CostChart series={analysis.series} />
          <h2>By model</h2>
          <table className="by-model">
            <thead>
              <tr>
                <th>provider</th>
                <th>model</th>
                <th>requests</th>
                <th>unpriced</th>
                <th>tokens in / out</th>
                <th>cost</th>
                <th>per request</th>
                <th>energy</th>
                <th>carbon</th>
              </tr>
            </thead>
            <tbody>
              {analysis.by_model.map((m) => (
                <tr key={`${m.provider}/${m.model}`}>
                  <td>{m.provider}</td>
                  <td>{m.model || "(no model)"}</td>
                  <td>{count(m.requests)}</td>
                  <td>{count(m.unpriced_requests)}</td>
                  <td>
                    {count(m.input_tokens)} / {count(m.output_tokens)}
                  </td>
                  <td
                    className="model-cost"
                    title={m.unpriced_requests ? `${m.unpriced_requests} requests could not be priced` : undefined}
                  >
                    {/* unpriced calls add nothing to cost_usd: unknown, never $0 */}
                    {m.unpriced_requests === m.requests ? UNKNOWN : usd(m.cost_usd)}
                    {m.unpriced_requests > 0 && m.unpriced_requests < m.requests && " + unknown"}
                  </td>
                  <td>{usd(m.avg_cost_per_request_usd)}</td>
                  <td>{kwh(m.energy_kwh)}</td>
                  <td>{grams(m.carbon_g)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>By chain</h2>
          <table className="by-chain">
            <thead>
              <tr>
                <th>chain</th>
                <th>runs</th>
                <th>cost</th>
                <th>per run</th>
                <th>carbon</th>
              </tr>
            </thead>
            <tbody>
              {analysis.by_chain.map((c) => (
                <tr key={c.chain}>
                  <td>{c.chain || "(no chain)"}</td>
                  <td>{count(c.executions)}</td>
                  <td>{usd(c.cost_usd)}</td>
                  <td>{usd(c.avg_cost_per_execution_usd)}</td>
                  <td>{grams(c.carbon_g)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {advice && (
        <>
          <h2>Suggestions</h2>
          {advice.suggestions.length === 0 && <p className="empty">Nothing to suggest for this range.</p>}
          <ul className="suggestions">
            {advice.suggestions.map((s, i) => (
              <li key={i}>
                <strong>{s.title}</strong>: saves ~{usd(s.monthly_saving_usd)} and {grams(s.monthly_saving_co2e_g)} CO₂e a
                month. {s.detail}
              </li>
            ))}
          </ul>
          {advice.not_evaluated.length > 0 && (
            <p className="not-evaluated">
              Not evaluated: {advice.not_evaluated.map((n) => `${n.kind.replaceAll("_", " ")} (${n.why})`).join("; ")}
            </p>
          )}
        </>
      )}
    </section>
  );
}
