// Performance: one metric (latency, throughput, error rate, cost, tokens, carbon)
// at one aggregation over time, per group, ranked groups, summary cards with
// their trend against the period before, and the latency histogram. Every
// figure is the analytics API's (metrics, leaders, histogram).
import { count, duration, UNKNOWN, usd } from "../format";
import { navigate, ViewState } from "../route";
import { Card, CardHeader } from "../ui/Card";
import { Select } from "../ui/Select";
import { Table, TD, TH, THead, TR } from "../ui/Table";
import { useScoreNames } from "../scores/useScores";
import type { MetricAnswer, RankedGroup } from "./analyticsApi";
import { environmentParam, useHistogram, useLeaders, useMetric } from "./analyticsQueries";
import { BarChart, PALETTE, TimeChart } from "./Charts";
import { Change, FigureCard } from "./Figure";
import {
  aggregationApplies,
  AGGREGATIONS,
  changeText,
  environmentApplies,
  figureOf,
  GROUP_BYS,
  groupLines,
  groupParams,
  groupTitle,
  scopeFor,
  SCORE_GROUPED_METRICS,
  scoreGroup,
  scoreGrouping,
  METRICS,
  metricText,
  ratePercent,
  successRate,
  valueOf,
} from "./metricFigures";

function SummaryCards({ project, state, after }: { project: string; state: ViewState; after: boolean }) {
  const env = environmentParam(state.environment);
  const latency = useMetric(project, state.range, { metric: "latency", ...env }, after);
  const errors = useMetric(project, state.range, { metric: "error_rate", ...env }, after);
  const throughput = useMetric(project, state.range, { metric: "throughput", ...env }, after);
  const cost = useMetric(project, state.range, { metric: "cost", ...env }, after);
  const l = latency.data?.summary;
  const success = successRate(errors.data?.summary, errors.data?.summary.previous);
  const points = success.pointsChange;
  return (
    <div className="cards grid grid-cols-2 gap-3 lg:grid-cols-4">
      <FigureCard testId="avg-latency" title="Average latency" value={metricText("latency", l?.avg)} change={<Change value={l?.change.avg} />}>
        {l ? `${count(l.count)} traces; p90 ${metricText("latency", l.p90)}` : ""}
      </FigureCard>
      <FigureCard
        testId="success-rate"
        title="Success rate"
        value={success.value === null ? UNKNOWN : ratePercent(success.value)}
        change={
          points !== null && (
            <Change value={points} goodWhenUp text={`${points > 0 ? "▲" : points < 0 ? "▼" : ""} ${Math.abs(points).toFixed(1)} pts`} />
          )
        }
      >
        {errors.data ? `${count(errors.data.summary.errors)} of ${count(errors.data.summary.count)} traces failed` : ""}
      </FigureCard>
      <FigureCard
        testId="throughput"
        title="Throughput"
        value={metricText("throughput", throughput.data?.summary.per_minute)}
        change={<Change value={throughput.data?.summary.change.per_minute} goodWhenUp />}
      >
        traces per minute
      </FigureCard>
      <FigureCard testId="total-cost" title="Total cost" value={usd(cost.data?.summary.sum)} change={<Change value={cost.data?.summary.change.sum} />}>
        {cost.data ? `${count(cost.data.summary.count)} LLM calls` : ""}
      </FigureCard>
    </div>
  );
}

function MetricChart({ answer, metric, aggregation }: { answer: MetricAnswer; metric: string; aggregation: string }) {
  const figure = figureOf(metric, aggregation);
  const label = METRICS.find((m) => m.value === metric)?.label ?? metric;
  return (
    <TimeChart
      testId="metric-chart"
      times={answer.series.map((p) => Date.parse(p.t) / 1000)}
      lines={[
        {
          label: aggregationApplies(metric) ? `${label} ${aggregation}` : label,
          values: answer.series.map((p) => valueOf(p, figure)),
          format: (v) => metricText(metric, v),
        },
      ]}
      axisFormat={(v) => metricText(metric, v)}
      xRange={[Date.parse(answer.window.start) / 1000, Date.parse(answer.window.end) / 1000]}
    />
  );
}

/** One line per drawn group (the API's group_series), with the legend and hover values of uPlot. */
function GroupChart({ answer, metric, aggregation }: { answer: MetricAnswer; metric: string; aggregation: string }) {
  const { times, lines } = groupLines(answer.group_series ?? [], figureOf(metric, aggregation));
  if (times.length === 0) return null;
  return (
    <TimeChart
      testId="group-chart"
      times={times}
      lines={lines.map((l, i) => ({
        label: l.group || `(no ${answer.group_by})`,
        values: l.values,
        color: PALETTE[i % PALETTE.length],
        format: (v) => metricText(metric, v),
      }))}
      axisFormat={(v) => metricText(metric, v)}
      xRange={[Date.parse(answer.window.start) / 1000, Date.parse(answer.window.end) / 1000]}
    />
  );
}

function GroupTable({ answer, metric, aggregation }: { answer: MetricAnswer; metric: string; aggregation: string }) {
  const figure = figureOf(metric, aggregation);
  const groups = answer.groups ?? [];
  return (
    <Table className="groups">
      <THead>
        <tr>
          <TH>{answer.group_by}</TH>
          <TH className="text-right">Count</TH>
          <TH className="text-right">{aggregationApplies(metric) ? aggregation : figure === "rate" ? "rate" : "per minute"}</TH>
          <TH className="text-right">Change</TH>
        </tr>
      </THead>
      <tbody>
        {groups.map((g) => (
          <TR key={g.group}>
            <TD className="group-name max-w-96 truncate font-medium">{g.group || `(no ${answer.group_by})`}</TD>
            <TD className="text-right tabular-nums">{count(g.count)}</TD>
            <TD className="group-value text-right tabular-nums">{metricText(metric, valueOf(g, figure))}</TD>
            <TD className="text-right text-xs tabular-nums">{changeText(g.change[figure])}</TD>
          </TR>
        ))}
      </tbody>
    </Table>
  );
}

function Ranked({ title, testId, rows, metric, groupBy }: { title: string; testId: string; rows: RankedGroup[]; metric: string; groupBy: string }) {
  return (
    <Card className="overflow-x-auto" data-testid={testId}>
      <CardHeader title={title} />
      {rows.length === 0 ? (
        <p className="px-4 py-3 text-sm text-zinc-500">No group in this range.</p>
      ) : (
        <Table>
          <THead>
            <tr>
              <TH>{groupBy}</TH>
              <TH className="text-right">Count</TH>
              <TH className="text-right">Value</TH>
            </tr>
          </THead>
          <tbody>
            {rows.map((r) => (
              <TR key={r.group}>
                <TD className="group-name max-w-64 truncate font-medium">{r.group || `(no ${groupBy})`}</TD>
                <TD className="text-right tabular-nums">{count(r.count)}</TD>
                <TD className="ranked-value text-right tabular-nums">{metricText(metric, r.value)}</TD>
              </TR>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}

function LatencyHistogram({ project, state, after }: { project: string; state: ViewState; after: boolean }) {
  const answer = useHistogram(project, state.range, { metric: "latency", bins: "30", ...environmentParam(state.environment) }, after);
  const bins = answer.data?.bins ?? [];
  return (
    <Card>
      <CardHeader title="Latency histogram">
        <span className="text-xs text-zinc-500">{answer.data ? `${count(answer.data.count)} traces` : ""}</span>
      </CardHeader>
      {answer.data && bins.length === 0 ? (
        <p className="px-4 py-3 text-sm text-zinc-500">No trace in this range.</p>
      ) : (
        <BarChart testId="latency-histogram" labels={bins.map((b) => duration(b.lower))} counts={bins.map((b) => b.count)} label="traces" />
      )}
    </Card>
  );
}

const SERIES_GROUPS = 10; // groups drawn over time

export function Performance({ state, project }: { state: ViewState; project: string }) {
  const { metric, aggregation } = state;
  const byScore = scoreGroup(state.groupBy);
  // a score groups only the metrics measured exactly per trace: otherwise ungrouped, and said so
  const scoreRefused = byScore !== null && !SCORE_GROUPED_METRICS.includes(metric);
  const groupBy = scoreRefused ? "" : state.groupBy;
  const title = groupTitle(groupBy);
  // a sketched metric grouped by anything but environment cannot be narrowed to one (the API says 400)
  const narrowed = state.environment !== "" && environmentApplies(metric, groupBy);
  const env = narrowed ? environmentParam(state.environment) : {};
  const scope = scopeFor(metric, groupBy);
  const scoped: Record<string, string> = scope ? { scope } : {};
  const grouping = groupParams(metric, groupBy);
  const params: Record<string, string> = { metric, limit: "20", ...env, ...scoped, ...grouping };
  if (groupBy) params.series_groups = String(SERIES_GROUPS);
  const chosen = useMetric(project, state.range, params);
  // the chart's figures first; the cards, rankings and histogram once they are in
  const after = chosen.isFetched;
  const ranked = useLeaders(project, state.range, { metric, ...grouping, ...env, ...scoped }, groupBy !== "" && after);
  // categorical and boolean scores have labels to group by
  const scoreNames = useScoreNames(project);
  const labelled = (scoreNames.data ?? []).filter((n) => n.data_type !== "numeric").map((n) => n.name);
  const scoreOptions = SCORE_GROUPED_METRICS.includes(metric) || byScore !== null
    ? [...new Set([...labelled, ...(byScore !== null ? [byScore] : [])])].map((n) => ({ value: scoreGrouping(n), label: `By score ${n}` }))
    : [];
  const error = chosen.error ?? ranked.error;
  return (
    <section className="performance flex flex-col gap-4">
      <div className="flex flex-wrap items-center gap-2">
        <h1 className="mr-2 text-lg font-semibold">Performance</h1>
        <Select label="metric" value={metric} options={METRICS} onValueChange={(m) => navigate({ metric: m })} />
        {aggregationApplies(metric) && (
          <Select
            label="aggregation"
            value={aggregation}
            options={AGGREGATIONS.map((a) => ({ value: a, label: a }))}
            onValueChange={(a) => navigate({ aggregation: a })}
          />
        )}
        <Select
          label="group by"
          value={state.groupBy}
          options={[
            { value: "", label: "No grouping" },
            ...GROUP_BYS.map((g) => ({ value: g, label: `By ${g}` })),
            ...scoreOptions,
          ]}
          onValueChange={(g) => navigate({ groupBy: g })}
        />
        {scope === "trace" && (
          <span className="scope-note text-xs text-zinc-500">
            per trace: each trace&apos;s {metric} summed, by the trace&apos;s {title}
          </span>
        )}
        {byScore !== null && !scoreRefused && (
          <span className="score-group-note text-xs text-zinc-500">
            each trace in the group of its most given label of {byScore}; traces without it are in none
          </span>
        )}
        {scoreRefused && (
          <span className="score-group-note text-xs text-amber-700 dark:text-amber-400" role="status">
            {metric} is not grouped by a score: its percentiles come from sketches that know nothing of scores. Error
            rate, carbon, tokens and cost are.
          </span>
        )}
        {state.environment && !narrowed && (
          <span className="environment-note text-xs text-zinc-500">
            The chart and groups cover every environment: {metric} by {groupBy} is kept per one grouping (the cards and
            histogram are {state.environment} only).
          </span>
        )}
      </div>
      {error && <p className="error text-sm text-red-600 dark:text-red-400">{error.message}</p>}
      <SummaryCards project={project} state={state} after={after} />
      <Card>
        <CardHeader title="Over time">
          <span className="summary-value text-sm font-medium tabular-nums" data-testid="metric-summary">
            {chosen.data ? metricText(metric, valueOf(chosen.data.summary, figureOf(metric, aggregation))) : ""}
          </span>
        </CardHeader>
        {chosen.data && <MetricChart answer={chosen.data} metric={metric} aggregation={aggregation} />}
      </Card>
      {groupBy && chosen.data && (
        <Card className="overflow-x-auto">
          <CardHeader title={`By ${title}`}>
            <span className="text-xs text-zinc-500" data-testid="group-series-note">
              {count(chosen.data.group_count)} groups
              {(chosen.data.groups_without_series ?? 0) > 0 &&
                `; the ${count(chosen.data.group_series?.length ?? 0)} with most measurements drawn, ${count(chosen.data.groups_without_series ?? 0)} not drawn`}
            </span>
          </CardHeader>
          <GroupChart answer={chosen.data} metric={metric} aggregation={aggregation} />
          <GroupTable answer={chosen.data} metric={metric} aggregation={aggregation} />
        </Card>
      )}
      {groupBy ? (
        ranked.data && (
          <div className="grid grid-cols-1 gap-3 lg:grid-cols-2">
            <Ranked title={`Top performers (by ${ranked.data.ranked_by})`} testId="top-performers" rows={ranked.data.top} metric={metric} groupBy={title} />
            <Ranked title="Needs attention" testId="needs-attention" rows={ranked.data.needs_attention} metric={metric} groupBy={title} />
          </div>
        )
      ) : (
        <p className="text-sm text-zinc-500">Choose a grouping to see top performers and groups that need attention.</p>
      )}
      <LatencyHistogram project={project} state={state} after={after} />
    </section>
  );
}
