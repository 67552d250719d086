// Tokens: totals, average per call and efficiency against the period before, the
// distribution of input / output / system / cached / reasoning tokens, and the
// waste indicators with the tokens each could save. All from the token analyzer
// (GET .../analytics/tokens), asked for the window and for the period before it.
import { count, usd } from "../format";
import { ViewState } from "../route";
import { Card, CardHeader } from "../ui/Card";
import { Table, TD, TH, THead, TR } from "../ui/Table";
import { useTokenAnalysis, usePreviousTokenAnalysis } from "./analyticsQueries";
import { BarChart } from "./Charts";
import { Change, FigureCard } from "./Figure";
import { ratePercent } from "./metricFigures";
import { cacheEfficiency, distribution, relativeChange, wasteRows } from "./tokenFigures";

const average = (v: number | null | undefined) =>
  v === null || v === undefined ? "—" : v.toLocaleString("en-US", { maximumFractionDigits: 1 });

export function Tokens({ state, project }: { state: ViewState; project: string }) {
  const now = useTokenAnalysis(project, state.range, state.environment);
  const before = usePreviousTokenAnalysis(project, now.data?.window, state.environment);
  const a = now.data;
  const p = before.data;
  const efficiency = cacheEfficiency(a);
  const efficiencyBefore = cacheEfficiency(p);
  const points = efficiency !== null && efficiencyBefore !== null ? (efficiency - efficiencyBefore) * 100 : null;
  const error = now.error ?? before.error;
  return (
    <section className="tokens flex flex-col gap-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-lg font-semibold">Tokens</h1>
        {state.environment && <span className="text-xs text-zinc-500">Environment {state.environment} only.</span>}
      </div>
      {error && <p className="error text-sm text-red-600 dark:text-red-400">{error.message}</p>}
      {!a ? (
        !error && <p className="text-sm text-zinc-500">Loading…</p>
      ) : (
        <>
          <div className="cards grid grid-cols-1 gap-3 md:grid-cols-3">
            <FigureCard
              testId="total-tokens"
              title="Total tokens"
              value={count(a.totals.total_tokens)}
              change={<Change value={relativeChange(a.totals.total_tokens, p?.totals.total_tokens)} />}
            >
              {count(a.totals.llm_calls)} LLM calls
            </FigureCard>
            <FigureCard
              testId="average-tokens"
              title="Average per request"
              value={average(a.average_per_call.total_tokens)}
              change={<Change value={relativeChange(a.average_per_call.total_tokens, p?.average_per_call.total_tokens)} />}
            >
              input {average(a.average_per_call.input_tokens)} · output {average(a.average_per_call.output_tokens)}
            </FigureCard>
            <FigureCard
              testId="efficiency"
              title="Efficiency (cached share of input)"
              value={efficiency === null ? "—" : ratePercent(efficiency)}
              change={
                points !== null && (
                  <Change value={points} goodWhenUp text={`${points > 0 ? "▲" : points < 0 ? "▼" : ""} ${Math.abs(points).toFixed(1)} pts`} />
                )
              }
            >
              Cached input tokens / input tokens: the share of prompts the provider served from its cache (cheaper, not
              processed again). Higher is better; the change is in points against the period of the same length before.
            </FigureCard>
          </div>
          <Card>
            <CardHeader title="Distribution">
              <span className="text-xs text-zinc-500">system and cached are parts of input, reasoning of output</span>
            </CardHeader>
            <div className="grid grid-cols-1 gap-2 lg:grid-cols-[1fr_20rem]">
              <BarChart
                testId="token-distribution"
                labels={distribution(a).map((d) => d.label)}
                counts={distribution(a).map((d) => d.tokens)}
                label="tokens"
                color="#7c3aed"
              />
              <Table className="distribution">
                <tbody>
                  {distribution(a).map((d) => (
                    <TR key={d.key} data-kind={d.key}>
                      <TD>{d.label}</TD>
                      <TD className="tokens text-right tabular-nums">{count(d.tokens)}</TD>
                    </TR>
                  ))}
                </tbody>
              </Table>
            </div>
          </Card>
          <Card className="overflow-x-auto">
            <CardHeader title="Waste" />
            <Table className="waste">
              <THead>
                <tr>
                  <TH>Indicator</TH>
                  <TH className="text-right">Calls</TH>
                  <TH className="text-right">Potential token saving</TH>
                  <TH className="text-right">Cost</TH>
                  <TH>How it is found</TH>
                </tr>
              </THead>
              <tbody>
                {wasteRows(a).map((w) => (
                  <TR key={w.key} data-kind={w.key}>
                    <TD className="font-medium whitespace-nowrap">{w.label}</TD>
                    <TD className="calls text-right tabular-nums">{count(w.calls)}</TD>
                    <TD className="saving text-right tabular-nums" title={w.savingOf}>
                      {count(w.savingTokens)}
                    </TD>
                    <TD className="text-right tabular-nums">{w.costUsd === null ? "" : usd(w.costUsd)}</TD>
                    <TD className="max-w-xl text-xs text-zinc-500">{w.definition}</TD>
                  </TR>
                ))}
              </tbody>
            </Table>
          </Card>
          <Card className="overflow-x-auto">
            <CardHeader title="By model" />
            <Table className="token-models">
              <THead>
                <tr>
                  <TH>Provider</TH>
                  <TH>Model</TH>
                  <TH className="text-right">Calls</TH>
                  <TH className="text-right">Input</TH>
                  <TH className="text-right">Output</TH>
                  <TH className="text-right">Cached</TH>
                  <TH className="text-right">Total</TH>
                </tr>
              </THead>
              <tbody>
                {a.by_model.map((m) => (
                  <TR key={`${m.provider}/${m.model}`}>
                    <TD>{m.provider}</TD>
                    <TD className="model font-medium">{m.model || "(no model)"}</TD>
                    <TD className="text-right tabular-nums">{count(m.calls)}</TD>
                    <TD className="text-right tabular-nums">{count(m.input_tokens)}</TD>
                    <TD className="text-right tabular-nums">{count(m.output_tokens)}</TD>
                    <TD className="text-right tabular-nums">{count(m.cached_tokens)}</TD>
                    <TD className="text-right tabular-nums">{count(m.total_tokens)}</TD>
                  </TR>
                ))}
              </tbody>
            </Table>
          </Card>
        </>
      )}
    </section>
  );
}
