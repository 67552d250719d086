import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { CostAnalysis, costsCsvUrl } from "./api";
import { count, grams, kwh, usd, UNKNOWN } from "./format";
import { useCostAnalysis, useSuggestions } from "./queries";
import { ViewState } from "./route";
import { useDark } from "./theme";
import { Card, CardHeader } from "./ui/Card";
import { cn } from "./ui/cn";
import { Table, TD, TH, THead, TR } from "./ui/Table";

const percent = (x: number | null | undefined) => (x === null || x === undefined ? UNKNOWN : `${(x * 100).toFixed(0)}%`);

function Change({ value }: { value: number | null | undefined }) {
  if (value === null || value === undefined) return null;
  const up = value > 0;
  return (
    <span
      className={cn("change ml-1.5 text-xs font-medium", up ? "up text-red-600 dark:text-red-400" : "down text-emerald-600 dark:text-emerald-400")}
      title="against the period before"
    >
      {up ? "▲" : "▼"} {Math.abs(value * 100).toFixed(0)}%
    </span>
  );
}

/** Cost and carbon of each step: two lines on their own axes. */
function CostChart({ series }: { series: CostAnalysis["series"] }) {
  const box = useRef<HTMLDivElement>(null);
  const dark = useDark();
  useEffect(() => {
    if (!box.current || series.length === 0) return;
    const ink = dark ? "#a1a1aa" : "#52525b";
    const grid = { stroke: dark ? "#27272a" : "#f4f4f5" };
    const data: uPlot.AlignedData = [
      series.map((p) => Date.parse(p.t) / 1000),
      series.map((p) => p.cost_usd),
      series.map((p) => p.carbon_g),
    ];
    const chart = new uPlot(
      {
        width: (box.current.clientWidth || 816) - 16,
        height: 220,
        series: [
          {},
          { label: "cost (USD)", stroke: "#059669", width: 2, value: (_u, v) => (v === null ? "" : usd(v)) },
          { label: "carbon (gCO₂e)", stroke: "#d97706", width: 2, scale: "g", value: (_u, v) => (v === null ? "" : grams(v)) },
        ],
        axes: [
          { stroke: ink, grid, ticks: grid },
          { stroke: ink, grid, ticks: grid, size: 70, values: (_u, ticks) => ticks.map((v) => usd(v)) },
          { stroke: ink, side: 1, size: 70, scale: "g", grid: { show: false }, values: (_u, ticks) => ticks.map((v) => grams(v)) },
        ],
      },
      data,
      box.current,
    );
    return () => chart.destroy();
  }, [series, dark]);
  return <div className="chart px-2 pt-2" ref={box} data-testid="cost-chart" />;
}

function Figure(props: { testId: string; title: string; value: string; change: number | null | undefined; children: React.ReactNode }) {
  return (
    <Card className="card flex flex-col gap-1 px-4 py-3" data-testid={props.testId}>
      <h3 className="text-xs font-medium text-zinc-500">{props.title}</h3>
      <div className="flex items-baseline">
        <strong className="text-2xl font-semibold tracking-tight tabular-nums">{props.value}</strong>
        <Change value={props.change} />
      </div>
      <p className="text-xs text-zinc-500">{props.children}</p>
    </Card>
  );
}

export function CostCarbon({ state, project }: { state: ViewState; project: string }) {
  const figures = useCostAnalysis(project, state.range);
  const advice = useSuggestions(project, state.range, figures.isFetched);
  const analysis = figures.data?.analysis;
  const error = figures.error ?? advice.error;
  const t = analysis?.totals;
  return (
    <section className="costs flex flex-col gap-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-lg font-semibold">Cost &amp; carbon</h1>
        {state.environment && (
          <span className="text-xs text-zinc-500">These figures cover every environment.</span>
        )}
        {figures.data && (
          <a
            className="ml-auto inline-flex h-8 items-center rounded-md border border-zinc-200 bg-white px-3 text-sm font-medium shadow-xs hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800"
            href={costsCsvUrl(project, figures.data.period)}
            download
          >
            Export CSV
          </a>
        )}
      </div>
      {error && <p className="error text-sm text-red-600 dark:text-red-400">{error.message}</p>}
      {!t || !analysis ? (
        !error && <p className="text-sm text-zinc-500">Loading…</p>
      ) : (
        <>
          <div className="cards grid grid-cols-1 gap-3 md:grid-cols-3">
            <Figure testId="total-cost" title="Cost" value={usd(t.cost_usd)} change={analysis.change.cost_usd}>
              LLM {percent(t.split.llm)} · infrastructure {percent(t.split.infrastructure)} · data {percent(t.split.data)}
            </Figure>
            <Figure testId="llm-calls" title="LLM calls" value={count(t.llm_calls)} change={analysis.change.llm_calls}>
              {count(t.unpriced_llm_calls)} unpriced
              {t.unknown_cost_share ? ` (~${percent(t.unknown_cost_share)} of LLM cost unknown)` : ""}
            </Figure>
            <Figure
              testId="total-carbon"
              title="Carbon"
              value={`${grams(t.carbon_g)} CO₂e`}
              change={analysis.change.carbon_g}
            >
              {kwh(t.energy_kwh)}; embodied {grams(t.embodied_carbon_g)}
              {t.llm_calls_without_energy > 0 && `; ${count(t.llm_calls_without_energy)} calls without an energy model`}
            </Figure>
          </div>
          <Card>
            <CardHeader title="Cost and carbon over time" />
            <CostChart series={analysis.series} />
          </Card>
          <Card className="overflow-x-auto">
            <CardHeader title="By model" />
            <Table className="by-model">
              <THead>
                <tr>
                  <TH>Provider</TH>
                  <TH>Model</TH>
                  <TH className="text-right">Requests</TH>
                  <TH className="text-right">Unpriced</TH>
                  <TH className="text-right">Tokens in / out</TH>
                  <TH className="text-right">Cost</TH>
                  <TH className="text-right">Per request</TH>
                  <TH className="text-right">Energy</TH>
                  <TH className="text-right">Carbon</TH>
                </tr>
              </THead>
              <tbody>
                {analysis.by_model.map((m) => (
                  <TR key={`${m.provider}/${m.model}`}>
                    <TD>{m.provider}</TD>
                    <TD className="font-medium">{m.model || "(no model)"}</TD>
                    <TD className="text-right tabular-nums">{count(m.requests)}</TD>
                    <TD className="text-right tabular-nums">{count(m.unpriced_requests)}</TD>
                    <TD className="text-right tabular-nums">
                      {count(m.input_tokens)} / {count(m.output_tokens)}
                    </TD>
                    <TD
                      className="model-cost text-right tabular-nums"
                      title={m.unpriced_requests ? `${m.unpriced_requests} requests could not be priced` : undefined}
                    >
                      {/* unpriced calls add nothing to cost_usd: unknown, never $0 */}
                      {m.unpriced_requests === m.requests ? UNKNOWN : usd(m.cost_usd)}
                      {m.unpriced_requests > 0 && m.unpriced_requests < m.requests && " + unknown"}
                    </TD>
                    <TD className="text-right tabular-nums">{usd(m.avg_cost_per_request_usd)}</TD>
                    <TD className="text-right tabular-nums">{kwh(m.energy_kwh)}</TD>
                    <TD className="text-right tabular-nums">{grams(m.carbon_g)}</TD>
                  </TR>
                ))}
              </tbody>
            </Table>
          </Card>
          <Card className="overflow-x-auto">
            <CardHeader title="By chain" />
            <Table className="by-chain">
              <THead>
                <tr>
                  <TH>Chain</TH>
                  <TH className="text-right">Runs</TH>
                  <TH className="text-right">Cost</TH>
                  <TH className="text-right">Per run</TH>
                  <TH className="text-right">Carbon</TH>
                </tr>
              </THead>
              <tbody>
                {analysis.by_chain.map((c) => (
                  <TR key={c.chain}>
                    <TD className="font-medium">{c.chain || "(no chain)"}</TD>
                    <TD className="text-right tabular-nums">{count(c.executions)}</TD>
                    <TD className="text-right tabular-nums">{usd(c.cost_usd)}</TD>
                    <TD className="text-right tabular-nums">{usd(c.avg_cost_per_execution_usd)}</TD>
                    <TD className="text-right tabular-nums">{grams(c.carbon_g)}</TD>
                  </TR>
                ))}
              </tbody>
            </Table>
          </Card>
        </>
      )}
      {advice.data && (
        <Card>
          <CardHeader title="Suggestions" />
          <div className="px-4 py-3 text-sm">
            {advice.data.suggestions.length === 0 && <p className="empty text-zinc-500">Nothing to suggest for this range.</p>}
            <ul className="suggestions flex flex-col gap-2">
              {advice.data.suggestions.map((s, i) => (
                <li key={i}>
                  <strong>{s.title}</strong>: saves ~{usd(s.monthly_saving_usd)} and {grams(s.monthly_saving_co2e_g)} CO₂e
                  a month. {s.detail}
                </li>
              ))}
            </ul>
            {advice.data.not_evaluated.length > 0 && (
              <p className="not-evaluated mt-2 text-xs text-zinc-500">
                Not evaluated:{" "}
                {advice.data.not_evaluated.map((n) => `${n.kind.replaceAll("_", " ")} (${n.why})`).join("; ")}
              </p>
            )}
          </div>
        </Card>
      )}
    </section>
  );
}
