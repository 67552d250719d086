// Cost: cards for total, LLM, infrastructure and data processing (value, share,
// change), the trend stacked by cost kind or by the chosen group, cost by model and
// by chain, the suggestions with their total monthly saving (each linking to its
// traces), and the detailed table (resource, usage, rate, cost, trend) with
// expandable rows and the CSV export. From GET .../analytics/costs and
// .../analytics/suggestions; the export is .../analytics/costs/export.csv.
import { Fragment, useState } from "react";
import { costsCsvUrl } from "../api";
import { count, grams, kwh, UNKNOWN, usd } from "../format";
import { navigate, pageHref, traceHref, ViewState } from "../route";
import { Card, CardHeader } from "../ui/Card";
import { Select } from "../ui/Select";
import { Table, TD, TH, THead, TR } from "../ui/Table";
import type { CostAnalysis } from "./analyticsApi";
import { useCosts, useEnvironmentSuggestions } from "./analyticsQueries";
import { PALETTE, TimeChart } from "./Charts";
import { costLayers, relativeChange, stacked, totalSaving } from "./costFigures";
import { Change, FigureCard } from "./Figure";
import { changeText, GROUP_BYS } from "./metricFigures";

const percent = (x: number | null | undefined) => (x === null || x === undefined ? UNKNOWN : `${(x * 100).toFixed(0)}%`);

function Cards({ a }: { a: CostAnalysis }) {
  const t = a.totals;
  return (
    <div className="cards grid grid-cols-2 gap-3 lg:grid-cols-5">
      <FigureCard testId="total-cost" title="Total cost" value={usd(t.cost_usd)} change={<Change value={a.change.cost_usd} />}>
        {t.unknown_cost_share ? `~${percent(t.unknown_cost_share)} of LLM cost unknown (unpriced calls)` : "LLM, infrastructure and data"}
      </FigureCard>
      <FigureCard testId="llm-cost" title="LLM" value={usd(t.llm_cost_usd)} change={<Change value={a.change.llm_cost_usd} />}>
        <span className="share">{percent(t.split.llm)} of total</span> ·{" "}
        <span data-testid="llm-calls">
          {count(t.llm_calls)} calls, {count(t.unpriced_llm_calls)} unpriced
        </span>
      </FigureCard>
      <FigureCard
        testId="infrastructure-cost"
        title="Infrastructure"
        value={usd(t.infrastructure_cost_usd)}
        change={<Change value={a.change.infrastructure_cost_usd} />}
      >
        <span className="share">{percent(t.split.infrastructure)} of total</span> · rate card: CPU/GPU time, tool calls
      </FigureCard>
      <FigureCard testId="data-cost" title="Data processing" value={usd(t.data_cost_usd)} change={<Change value={a.change.data_cost_usd} />}>
        <span className="share">{percent(t.split.data)} of total</span> · rate card: GB read
      </FigureCard>
      <FigureCard testId="total-carbon" title="Carbon" value={`${grams(t.carbon_g)} CO₂e`} change={<Change value={a.change.carbon_g} />}>
        {kwh(t.energy_kwh)}; embodied {grams(t.embodied_carbon_g)}
      </FigureCard>
    </div>
  );
}

function Trend({ a }: { a: CostAnalysis }) {
  const { times, layers } = costLayers(a);
  const sums = stacked(layers);
  const colours = layers.map((_, i) => PALETTE[i % PALETTE.length]).reverse();
  return (
    <TimeChart
      testId="cost-chart"
      times={times}
      // top layer first, each filled down to the axis and overdrawn by the next: stacked
      lines={sums.map((l, i) => ({ label: l.label, values: l.values, color: colours[i], fill: colours[i] + "cc", format: usd }))}
      axisFormat={usd}
      xRange={[Date.parse(a.window.start) / 1000, Date.parse(a.window.end) / 1000]}
    />
  );
}

interface DetailRow {
  key: string;
  resource: string;
  usage: string;
  rate: string;
  cost: number;
  trend: number | null | undefined;
  children: { key: string; resource: string; usage: string; rate: string; cost: number; trend?: number | null }[];
}

function detailRows(a: CostAnalysis): DetailRow[] {
  const t = a.totals;
  type Part = "infrastructure_cost_usd" | "data_cost_usd";
  // each environment's part of the cost, and its trend against its own in the period before
  const byEnvironment = (part: Part) =>
    a.by_environment.map((e) => ({
      key: e.environment,
      resource: `environment ${e.environment || "(none)"}`,
      usage: `${count(e.spans)} spans`,
      rate: "",
      cost: e[part],
      trend: relativeChange(e[part], e.previous[part]),
    }));
  return [
    {
      key: "llm",
      resource: "LLM calls",
      usage: `${count(t.llm_calls)} calls`,
      rate: t.priced_llm_calls ? `${usd(t.llm_cost_usd / t.priced_llm_calls)} / call` : UNKNOWN,
      cost: t.llm_cost_usd,
      trend: a.change.llm_cost_usd,
      children: a.by_model.map((m) => ({
        key: `${m.provider}/${m.model}`,
        resource: `${m.provider} ${m.model || "(no model)"}`,
        usage: `${count(m.requests)} calls, ${count(m.input_tokens + m.output_tokens)} tokens`,
        rate: m.avg_cost_per_request_usd === null ? UNKNOWN : `${usd(m.avg_cost_per_request_usd)} / call`,
        cost: m.cost_usd,
        // against the model's own cost in the period before (the API's by_model)
        trend: m.cost_change,
      })),
    },
    {
      key: "infrastructure",
      resource: "Infrastructure",
      usage: "CPU/GPU time, tool calls",
      rate: "rate card",
      cost: t.infrastructure_cost_usd,
      trend: a.change.infrastructure_cost_usd,
      children: byEnvironment("infrastructure_cost_usd"),
    },
    {
      key: "data",
      resource: "Data processing",
      usage: "GB read",
      rate: "rate card",
      cost: t.data_cost_usd,
      trend: a.change.data_cost_usd,
      children: byEnvironment("data_cost_usd"),
    },
  ];
}

function DetailTable({ a }: { a: CostAnalysis }) {
  const [open, setOpen] = useState<Record<string, boolean>>({});
  return (
    <Table className="cost-detail">
      <THead>
        <tr>
          <TH>Resource</TH>
          <TH>Usage</TH>
          <TH>Rate</TH>
          <TH className="text-right">Cost</TH>
          <TH className="text-right">Trend</TH>
        </tr>
      </THead>
      <tbody>
        {detailRows(a).map((r) => (
          <Fragment key={r.key}>
            <TR data-resource={r.key}>
              <TD className="font-medium">
                <button
                  type="button"
                  aria-expanded={!!open[r.key]}
                  className="inline-flex items-center gap-1.5 hover:underline"
                  onClick={() => setOpen({ ...open, [r.key]: !open[r.key] })}
                >
                  <span className="w-3 text-zinc-400">{open[r.key] ? "▾" : "▸"}</span>
                  {r.resource}
                </button>
              </TD>
              <TD>{r.usage}</TD>
              <TD>{r.rate}</TD>
              <TD className="cost text-right tabular-nums">{usd(r.cost)}</TD>
              <TD className="text-right text-xs tabular-nums">{changeText(r.trend)}</TD>
            </TR>
            {open[r.key] &&
              r.children.map((c) => (
                <TR key={c.key} className="detail-child bg-zinc-50/60 dark:bg-zinc-900/60">
                  <TD className="pl-10 text-zinc-600 dark:text-zinc-400">{c.resource}</TD>
                  <TD>{c.usage}</TD>
                  <TD>{c.rate}</TD>
                  <TD className="cost text-right tabular-nums">{usd(c.cost)}</TD>
                  <TD className="trend text-right text-xs tabular-nums">{c.trend === undefined ? "" : changeText(c.trend)}</TD>
                </TR>
              ))}
          </Fragment>
        ))}
      </tbody>
    </Table>
  );
}

export function Cost({ state, project }: { state: ViewState; project: string }) {
  const answer = useCosts(project, state.range, state.groupBy, state.environment);
  const advice = useEnvironmentSuggestions(project, state.range, state.environment, answer.isFetched);
  const a = answer.data;
  const error = answer.error ?? advice.error;
  const saving = advice.data ? totalSaving(advice.data.suggestions) : null;
  return (
    <section className="costs flex flex-col gap-4">
      <div className="flex flex-wrap items-center gap-2">
        <h1 className="mr-2 text-lg font-semibold">Cost</h1>
        <Select
          label="group by"
          value={state.groupBy}
          options={[{ value: "", label: "By cost kind" }, ...GROUP_BYS.map((g) => ({ value: g, label: `By ${g}` }))]}
          onValueChange={(g) => navigate({ groupBy: g })}
        />
        {state.environment && (
          <span className="text-xs text-zinc-500">Environment {state.environment} only.</span>
        )}
        {a && (
          <a
            className="ml-auto inline-flex h-8 items-center rounded-md border border-zinc-200 bg-white px-3 text-sm font-medium shadow-xs hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800"
            href={costsCsvUrl(project, { start: a.window.start, end: a.window.end, ...(state.environment ? { environment: state.environment } : {}) })}
            download
          >
            Export CSV
          </a>
        )}
      </div>
      {error && <p className="error text-sm text-red-600 dark:text-red-400">{error.message}</p>}
      {!a ? (
        !error && <p className="text-sm text-zinc-500">Loading…</p>
      ) : (
        <>
          <Cards a={a} />
          <Card>
            <CardHeader title={a.group_by ? `Cost over time by ${a.group_by} (the 10 that cost most)` : "Cost over time by kind"} />
            <Trend a={a} />
          </Card>
          <div className="grid grid-cols-1 gap-3 xl:grid-cols-2">
            <Card className="overflow-x-auto">
              <CardHeader title="By model" />
              <Table className="by-model">
                <THead>
                  <tr>
                    <TH>Model</TH>
                    <TH className="text-right">Requests</TH>
                    <TH className="text-right">Tokens in / out</TH>
                    <TH className="text-right">Cost</TH>
                    <TH className="text-right">Per request</TH>
                  </tr>
                </THead>
                <tbody>
                  {a.by_model.map((m) => (
                    <TR key={`${m.provider}/${m.model}`}>
                      <TD className="font-medium">
                        {m.model || "(no model)"} <span className="text-xs font-normal text-zinc-500">{m.provider}</span>
                      </TD>
                      <TD className="text-right tabular-nums">{count(m.requests)}</TD>
                      <TD className="text-right tabular-nums">
                        {count(m.input_tokens)} / {count(m.output_tokens)}
                      </TD>
                      <TD className="model-cost text-right tabular-nums" title={m.unpriced_requests ? `${m.unpriced_requests} requests could not be priced` : undefined}>
                        {/* unpriced calls add nothing to cost_usd: unknown, never $0 */}
                        {m.unpriced_requests === m.requests ? UNKNOWN : usd(m.cost_usd)}
                        {m.unpriced_requests > 0 && m.unpriced_requests < m.requests && " + unknown"}
                      </TD>
                      <TD className="text-right tabular-nums">{usd(m.avg_cost_per_request_usd)}</TD>
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
                    <TH className="text-right">Executions</TH>
                    <TH className="text-right">Cost</TH>
                    <TH className="text-right">Average</TH>
                  </tr>
                </THead>
                <tbody>
                  {a.by_chain.map((c) => (
                    <TR key={c.chain}>
                      <TD className="chain max-w-80 truncate font-medium">{c.chain || "(no chain)"}</TD>
                      <TD className="text-right tabular-nums">{count(c.executions)}</TD>
                      <TD className="text-right tabular-nums">{usd(c.cost_usd)}</TD>
                      <TD className="chain-average text-right tabular-nums">{usd(c.avg_cost_per_execution_usd)}</TD>
                    </TR>
                  ))}
                </tbody>
              </Table>
            </Card>
          </div>
          {advice.data && saving && (
            <Card>
              <CardHeader title="Suggestions">
                <span className="text-sm" data-testid="total-saving">
                  up to <strong>{usd(saving.usd)}</strong> and <strong>{grams(saving.co2eG)} CO₂e</strong> a month
                </span>
              </CardHeader>
              <div className="px-4 py-3 text-sm">
                {advice.data.suggestions.length === 0 && <p className="empty text-zinc-500">Nothing to suggest for this range.</p>}
                <ul className="suggestions flex flex-col gap-3">
                  {advice.data.suggestions.map((s, i) => (
                    <li key={i}>
                      <strong>{s.title}</strong>: saves ~{usd(s.monthly_saving_usd)} and {grams(s.monthly_saving_co2e_g)} CO₂e a month.{" "}
                      {s.detail}
                      <div className="mt-1 flex flex-wrap gap-2 text-xs">
                        {typeof s.traces_query.model === "string" && (
                          <a className="text-brand-600 hover:underline" href={pageHref(state, "traces", { model: s.traces_query.model })}>
                            traces of {s.traces_query.model}
                          </a>
                        )}
                        {s.traces.slice(0, 5).map((id) => (
                          <a key={id} className="font-mono text-brand-600 hover:underline" href={traceHref(state, id)}>
                            {id.slice(0, 8)}
                          </a>
                        ))}
                      </div>
                    </li>
                  ))}
                </ul>
                {advice.data.not_evaluated.length > 0 && (
                  <p className="not-evaluated mt-2 text-xs text-zinc-500">
                    Not evaluated: {advice.data.not_evaluated.map((n) => `${n.kind.replaceAll("_", " ")} (${n.why})`).join("; ")}
                  </p>
                )}
              </div>
            </Card>
          )}
          <Card className="overflow-x-auto">
            <CardHeader title="Detail" />
            <DetailTable a={a} />
          </Card>
        </>
      )}
    </section>
  );
}
