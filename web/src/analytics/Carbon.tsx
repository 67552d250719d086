// Carbon: the cost page's shape in gCO2e and Wh: usage emissions, energy and
// embodied (manufacturing) emissions apart, each with its change against the
// period before; over time, by the chosen group, by model, chain, environment and
// agent; the uncertainty range (sums of the spans' min and max) drawn as a band
// and the grid zones used. From GET .../analytics/costs, which sums energy and
// carbon with cost (its `carbon` part: ranges and zones).
import { count, grams, kwh } from "../format";
import { navigate, ViewState } from "../route";
import { Card, CardHeader } from "../ui/Card";
import { Select } from "../ui/Select";
import { Table, TD, TH, THead, TR } from "../ui/Table";
import type { CostAnalysis } from "./analyticsApi";
import { useCosts } from "./analyticsQueries";
import { PALETTE, TimeChart } from "./Charts";
import { Change, FigureCard } from "./Figure";
import { GROUP_BYS } from "./metricFigures";

const gramsCo2 = (v: number) => `${grams(v)} CO₂e`;
const windowSeconds = (a: CostAnalysis): [number, number] => [Date.parse(a.window.start) / 1000, Date.parse(a.window.end) / 1000];

function Breakdown(props: {
  title: string;
  className: string;
  head: string[];
  rows: { key: string; cells: (string | number)[]; carbon: number; energy: number; embodied?: number }[];
}) {
  return (
    <Card className="overflow-x-auto">
      <CardHeader title={props.title} />
      <Table className={props.className}>
        <THead>
          <tr>
            {props.head.map((h) => (
              <TH key={h}>{h}</TH>
            ))}
            <TH className="text-right">Energy</TH>
            <TH className="text-right">Carbon</TH>
            <TH className="text-right">Embodied</TH>
          </tr>
        </THead>
        <tbody>
          {props.rows.map((r) => (
            <TR key={r.key}>
              {r.cells.map((c, i) => (
                <TD key={i} className={typeof c === "number" ? "text-right tabular-nums" : "name max-w-80 truncate font-medium"}>
                  {typeof c === "number" ? count(c) : c}
                </TD>
              ))}
              <TD className="energy text-right tabular-nums">{kwh(r.energy)}</TD>
              <TD className="carbon text-right tabular-nums">{grams(r.carbon)}</TD>
              <TD className="text-right tabular-nums">{r.embodied === undefined ? "" : grams(r.embodied)}</TD>
            </TR>
          ))}
        </tbody>
      </Table>
    </Card>
  );
}

export function Carbon({ state, project }: { state: ViewState; project: string }) {
  const answer = useCosts(project, state.range, state.groupBy, state.environment);
  const a = answer.data;
  const t = a?.totals;
  return (
    <section className="carbon flex flex-col gap-4">
      <div className="flex flex-wrap items-center gap-2">
        <h1 className="mr-2 text-lg font-semibold">Carbon</h1>
        <Select
          label="group by"
          value={state.groupBy}
          options={[{ value: "", label: "No grouping" }, ...GROUP_BYS.map((g) => ({ value: g, label: `By ${g}` }))]}
          onValueChange={(g) => navigate({ groupBy: g })}
        />
        {state.environment && <span className="text-xs text-zinc-500">Environment {state.environment} only.</span>}
      </div>
      <p className="text-xs text-zinc-500">
        Figures are the spans&apos; central estimates; the ranges are the sums of each span&apos;s lower and upper bounds
        (power model and grid intensity), drawn as a band around usage emissions.
      </p>
      {answer.error && <p className="error text-sm text-red-600 dark:text-red-400">{answer.error.message}</p>}
      {!a || !t ? (
        !answer.error && <p className="text-sm text-zinc-500">Loading…</p>
      ) : (
        <>
          <div className="cards grid grid-cols-1 gap-3 md:grid-cols-3">
            <FigureCard testId="usage-carbon" title="Usage emissions" value={gramsCo2(t.carbon_g)} change={<Change value={a.change.carbon_g} />}>
              <span className="carbon-range" data-testid="carbon-range">
                range {grams(a.carbon.totals.carbon_g_min)} – {grams(a.carbon.totals.carbon_g_max)}
              </span>
              ; energy × grid intensity of each call&apos;s zone
              {t.llm_calls_without_energy > 0 && `; ${count(t.llm_calls_without_energy)} LLM calls without an energy model`}
            </FigureCard>
            <FigureCard testId="energy" title="Energy" value={kwh(t.energy_kwh)} change={<Change value={a.change.energy_kwh} />}>
              <span data-testid="energy-range">
                range {kwh(a.carbon.totals.energy_kwh_min)} – {kwh(a.carbon.totals.energy_kwh_max)}
              </span>
              ; {count(t.llm_calls)} LLM calls
            </FigureCard>
            <FigureCard
              testId="embodied-carbon"
              title="Embodied emissions (apart)"
              value={gramsCo2(t.embodied_carbon_g)}
              change={<Change value={a.change.embodied_carbon_g} />}
            >
              <span data-testid="embodied-range">
                range {grams(a.carbon.totals.embodied_carbon_g_min)} – {grams(a.carbon.totals.embodied_carbon_g_max)}
              </span>
              ; manufacturing of the hardware, allocated to LLM calls; not in usage emissions
            </FigureCard>
          </div>
          <Card>
            <CardHeader title="Emissions over time" />
            <TimeChart
              testId="carbon-chart"
              times={a.series.map((p) => Date.parse(p.t) / 1000)}
              lines={[
                { label: "usage (gCO₂e)", values: a.series.map((p) => p.carbon_g), color: "#d97706", format: grams },
                { label: "usage max", values: a.carbon.series.map((p) => p.carbon_g_max), color: "#fbbf24", format: grams },
                { label: "usage min", values: a.carbon.series.map((p) => p.carbon_g_min), color: "#fbbf24", format: grams },
                { label: "embodied (gCO₂e)", values: a.series.map((p) => p.embodied_carbon_g), color: "#78716c", format: grams },
              ]}
              // the uncertainty range: filled between the max and min series
              bands={[[2, 3]]}
              axisFormat={grams}
              xRange={windowSeconds(a)}
            />
          </Card>
          <Card>
            <CardHeader title="Energy over time" />
            <TimeChart
              testId="energy-chart"
              times={a.series.map((p) => Date.parse(p.t) / 1000)}
              lines={[{ label: "energy", values: a.series.map((p) => p.energy_kwh), color: "#0891b2", format: kwh }]}
              axisFormat={kwh}
              xRange={windowSeconds(a)}
              height={180}
            />
          </Card>
          {a.groups && a.groups.length > 0 && a.groups[0].series.length > 0 && (
            <Card>
              <CardHeader title={`Usage emissions by ${a.group_by} (the 10 that cost most)`} />
              <TimeChart
                testId="carbon-groups-chart"
                times={a.groups[0].series.map((p) => Date.parse(p.t) / 1000)}
                lines={a.groups.map((g, i) => ({
                  label: g.group || `(no ${a.group_by})`,
                  values: g.series.map((p) => p.carbon_g),
                  color: PALETTE[i % PALETTE.length],
                  format: grams,
                }))}
                axisFormat={grams}
                xRange={windowSeconds(a)}
              />
            </Card>
          )}
          <Card className="overflow-x-auto">
            <CardHeader title="Grid zones used" />
            <Table className="carbon-by-zone">
              <THead>
                <tr>
                  <TH>Zone</TH>
                  <TH className="text-right">Spans</TH>
                  <TH className="text-right">Energy</TH>
                  <TH className="text-right">Carbon</TH>
                  <TH className="text-right">Range</TH>
                </tr>
              </THead>
              <tbody>
                {a.carbon.by_zone.map((z) => (
                  <TR key={z.zone}>
                    <TD className="name font-medium">{z.zone || "(no zone)"}</TD>
                    <TD className="text-right tabular-nums">{count(z.spans)}</TD>
                    <TD className="energy text-right tabular-nums">{kwh(z.energy_kwh)}</TD>
                    <TD className="carbon text-right tabular-nums">{grams(z.carbon_g)}</TD>
                    <TD className="range text-right tabular-nums">
                      {grams(z.carbon_g_min)} – {grams(z.carbon_g_max)}
                    </TD>
                  </TR>
                ))}
              </tbody>
            </Table>
          </Card>
          <Breakdown
            title="By model"
            className="carbon-by-model"
            head={["Provider", "Model", "Requests"]}
            rows={a.by_model.map((m) => ({
              key: `${m.provider}/${m.model}`,
              cells: [m.provider, m.model || "(no model)", m.requests],
              energy: m.energy_kwh,
              carbon: m.carbon_g,
              embodied: m.embodied_carbon_g,
            }))}
          />
          <Breakdown
            title="By chain"
            className="carbon-by-chain"
            head={["Chain", "Executions"]}
            rows={a.by_chain.map((c) => ({ key: c.chain, cells: [c.chain || "(no chain)", c.executions], energy: c.energy_kwh, carbon: c.carbon_g }))}
          />
          <div className="grid grid-cols-1 gap-3 lg:grid-cols-2">
            <Breakdown
              title="By environment"
              className="carbon-by-environment"
              head={["Environment", "Spans"]}
              rows={a.by_environment.map((e) => ({
                key: e.environment,
                cells: [e.environment || "(none)", e.spans],
                energy: e.energy_kwh,
                carbon: e.carbon_g,
                embodied: e.embodied_carbon_g,
              }))}
            />
            <Breakdown
              title="By agent"
              className="carbon-by-agent"
              head={["Agent", "Spans"]}
              rows={a.by_agent.map((e) => ({
                key: e.agent,
                cells: [e.agent || "(none)", e.spans],
                energy: e.energy_kwh,
                carbon: e.carbon_g,
                embodied: e.embodied_carbon_g,
              }))}
            />
          </div>
        </>
      )}
    </section>
  );
}
