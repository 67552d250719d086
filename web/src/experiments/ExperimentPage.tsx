// One experiment's results: its aggregates with their spread and its cost, energy and
// carbon totals; then each item with its input and expected output and every repetition's
// output (with its diff), latency, tokens, cost, carbon and scores with the judge's
// explanation, the run's trace and each judge score's own trace one click away.
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { count, duration, grams, kwh, usd } from "../format";
import { pageHref, ViewState } from "../route";
import { JudgeTraceLink } from "../scores/JudgeTraceLink";
import { JsonTree } from "../trace/JsonTree";
import { Badge } from "../ui/Badge";
import { Button } from "../ui/Button";
import { Card, CardHeader } from "../ui/Card";
import { Table, TD, TH, THead, TR } from "../ui/Table";
import { ErrorText } from "../datasets/Dialog";
import { previewText } from "../datasets/itemText";
import { metricLabel, metricValue, plainNumber } from "./comparisonText";
import { ExperimentResult, ExperimentSpread, getAggregates, getExperiment, listResults } from "./experimentsApi";
import { OutputDiff } from "./OutputDiff";
import { groupByItem, scoreValueText } from "./resultGroups";
import { StatusBadge } from "./StatusBadge";

export function ExperimentPage({ state, project, id }: { state: ViewState; project: string; id: string }) {
  const experiment = useQuery({ queryKey: ["experiments", project, "one", id], queryFn: ({ signal }) => getExperiment(project, id, signal) });
  const aggregates = useQuery({
    queryKey: ["experiments", project, "aggregates", id],
    queryFn: ({ signal }) => getAggregates(project, id, signal),
  });
  const results = useInfiniteQuery({
    queryKey: ["experiments", project, "results", id],
    queryFn: ({ pageParam, signal }) => listResults(project, id, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const e = experiment.data;
  const a = aggregates.data;
  const groups = groupByItem(results.data?.pages.flatMap((p) => p.results) ?? []);
  return (
    <div className="flex flex-col gap-3" data-testid="experiment">
      <div>
        <a className="text-xs text-zinc-500 hover:underline" href={pageHref(state, "experiments")}>
          Experiments
        </a>
        <h1 className="text-lg font-semibold" data-testid="experiment-name">
          {e?.name || id}
        </h1>
        {e && (
          <p className="flex flex-wrap items-center gap-2 text-sm text-zinc-500">
            <StatusBadge experiment={e} />
            <span>
              on{" "}
              <a className="hover:underline" href={pageHref(state, "dataset", { dataset: e.dataset, version: String(e.dataset_version), tab: "data" })}>
                {e.dataset} v{e.dataset_version}
              </a>
            </span>
            <span>
              {count(e.item_count)} items × {e.repetitions} {e.repetitions === 1 ? "repetition" : "repetitions"}
            </span>
            <span>evaluators: {e.evaluators.map((v) => v.name).join(", ") || "none"}</span>
          </p>
        )}
        {e?.description && <p className="mt-1 text-sm">{e.description}</p>}
      </div>
      <ErrorText error={experiment.error ?? aggregates.error ?? results.error} />
      {a && (
        <div className="grid gap-3 sm:grid-cols-3 lg:grid-cols-6" data-testid="experiment-totals">
          <Total label="Runs" value={`${count(a.runs - a.errors)} / ${count(a.runs)}`} note={a.errors ? `${count(a.errors)} failed` : "none failed"} />
          <Total label="Items" value={count(a.items)} />
          <Total label="Cost" value={usd(a.totals.cost_usd)} />
          <Total label="Carbon" value={grams(a.totals.carbon_g)} />
          <Total label="Energy" value={kwh(a.totals.energy_kwh)} />
          <Total label="Tokens" value={count(a.totals.total_tokens)} />
        </div>
      )}
      {a && (
        <Card>
          <CardHeader title="Aggregates" />
          <Table data-testid="experiment-aggregates">
            <THead>
              <tr>
                <TH>Metric or score</TH>
                <TH className="text-right">Runs</TH>
                <TH className="text-right">Mean ± sd</TH>
                <TH className="text-right">Min</TH>
                <TH className="text-right">p50</TH>
                <TH className="text-right">p90</TH>
                <TH className="text-right">p99</TH>
                <TH className="text-right">Max</TH>
                <TH>Labels</TH>
              </tr>
            </THead>
            <tbody>
              {Object.entries(a.scores).map(([name, s]) => (
                <SpreadRow key={`score-${name}`} name={name} spread={s} score />
              ))}
              {Object.entries(a.metrics).map(([name, s]) => (
                <SpreadRow key={`metric-${name}`} name={name} spread={s} />
              ))}
            </tbody>
          </Table>
        </Card>
      )}
      <Card>
        <CardHeader title="Results by item" />
        <ul className="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="experiment-results">
          {groups.map((g) => (
            <li key={g.itemId} className="result-item grid gap-3 p-3 lg:grid-cols-[minmax(0,1fr)_minmax(0,2fr)]">
              <div className="min-w-0">
                <div className="font-mono text-xs text-zinc-500">{g.itemId}</div>
                <h4 className="mt-1 text-[11px] text-zinc-500 uppercase">Input</h4>
                <JsonTree value={g.item.input} testId="result-input" />
                <h4 className="mt-1 text-[11px] text-zinc-500 uppercase">Expected</h4>
                {g.item.expected === null ? <span className="text-xs text-zinc-400">none</span> : <JsonTree value={g.item.expected} testId="result-expected" />}
              </div>
              <div className="flex min-w-0 flex-col gap-2">
                {g.runs.map((run) => (
                  <RunResult key={run.id} run={run} repetitions={e?.repetitions ?? 1} />
                ))}
              </div>
            </li>
          ))}
        </ul>
        {results.hasNextPage && (
          <Button size="sm" className="m-3" onClick={() => void results.fetchNextPage()} disabled={results.isFetchingNextPage}>
            More results
          </Button>
        )}
      </Card>
    </div>
  );
}

function Total({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <Card className="px-3 py-2">
      <div className="text-[11px] font-medium tracking-wide text-zinc-500 uppercase">{label}</div>
      <div className="text-lg font-semibold tabular-nums">{value}</div>
      {note && <div className="text-xs text-zinc-500">{note}</div>}
    </Card>
  );
}

function SpreadRow({ name, spread, score }: { name: string; spread: ExperimentSpread; score?: boolean }) {
  const v = (x: number | null) => (score ? (x === null ? "—" : plainNumber(x)) : metricValue(name, x));
  return (
    <TR className={score ? "score-spread" : "metric-spread"}>
      <TD className="font-medium">
        {score ? name : metricLabel(name)} {score && <Badge>score</Badge>}
      </TD>
      <TD className="text-right tabular-nums">
        {count(spread.count)}
        {spread.missing > 0 && <span className="text-xs text-zinc-400"> ({count(spread.missing)} missing)</span>}
      </TD>
      <TD className="text-right tabular-nums">
        {v(spread.mean)}
        {spread.std !== null && <span className="text-zinc-500"> ± {v(spread.std)}</span>}
      </TD>
      <TD className="text-right tabular-nums">{v(spread.min)}</TD>
      <TD className="text-right tabular-nums">{v(spread.p50)}</TD>
      <TD className="text-right tabular-nums">{v(spread.p90)}</TD>
      <TD className="text-right tabular-nums">{v(spread.p99)}</TD>
      <TD className="text-right tabular-nums">{v(spread.max)}</TD>
      <TD className="text-xs">
        {spread.labels &&
          Object.entries(spread.labels)
            .map(([label, n]) => `${label}: ${n}`)
            .join(", ")}
      </TD>
    </TR>
  );
}

function RunResult({ run, repetitions }: { run: ExperimentResult; repetitions: number }) {
  return (
    <div className="run-result rounded border border-zinc-200 p-2 dark:border-zinc-800" data-testid="run-result">
      <div className="mb-1 flex flex-wrap items-center gap-2 text-xs text-zinc-500">
        {repetitions > 1 && <Badge className="repetition">repetition {run.repetition}</Badge>}
        <span>{run.latency_ms === null ? "—" : duration(run.latency_ms)}</span>
        <span>{run.total_tokens === null ? "—" : `${count(run.total_tokens)} tokens`}</span>
        <span>{usd(run.cost_usd)}</span>
        <span>{grams(run.carbon_g)}</span>
        {run.models.length > 0 && <span>{run.models.join(", ")}</span>}
        {run.trace_url && (
          <a className="trace-link ml-auto font-medium text-brand-700 hover:underline dark:text-brand-400" href={run.trace_url}>
            Trace →
          </a>
        )}
      </div>
      {run.error ? (
        <p className="run-error text-sm text-red-600">Failed: {run.error}</p>
      ) : (
        <>
          <div className="run-output text-sm break-words whitespace-pre-wrap">{previewText(run.output, 2000)}</div>
          <div className="mt-1">
            <OutputDiff diff={run.diff} />
          </div>
        </>
      )}
      {run.scores.length > 0 && (
        <ul className="mt-2 flex flex-col gap-1">
          {run.scores.map((s) => (
            <li key={s.id} className="run-score text-xs">
              <span className="score-name font-medium">{s.name}</span>{" "}
              <span className="score-value tabular-nums">{scoreValueText(s)}</span>
              <JudgeTraceLink traceId={s.judge_trace_id} className="ml-1" />
              {s.explanation && <span className="score-explanation block text-zinc-500">{s.explanation}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
