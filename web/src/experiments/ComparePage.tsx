// Two or more experiments on one dataset side by side, the first the baseline: per metric
// and score the paired test's difference, its CI and p-value in plain words, and every
// item with each experiment's outputs, scores and trace, regressions and improvements marked.
import { useInfiniteQuery } from "@tanstack/react-query";
import { count } from "../format";
import { navigate, pageHref, ViewState } from "../route";
import { Badge } from "../ui/Badge";
import { Button } from "../ui/Button";
import { Card, CardHeader } from "../ui/Card";
import { Table, TD, TH, THead, TR } from "../ui/Table";
import { ErrorText } from "../datasets/Dialog";
import { previewText } from "../datasets/itemText";
import { comparisonSentence, metricLabel, metricValue, verdictTone } from "./comparisonText";
import { compareExperiments, ExperimentComparison, ExperimentComparisonItem } from "./experimentsApi";
import { Select } from "../ui/Select";
import { MeansChart } from "./MeansChart";
import { itemShown, sideMarks } from "./sideMarks";

export function ComparePage({ state, project }: { state: ViewState; project: string }) {
  const ids = state.compare;
  const comparison = useInfiniteQuery({
    queryKey: ["experiments", project, "compare", ids],
    queryFn: ({ pageParam, signal }) => compareExperiments(project, ids, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: ids.length >= 2,
  });
  const first = comparison.data?.pages[0];
  const loaded = comparison.data?.pages.flatMap((p) => p.items) ?? [];
  const items = loaded.filter((item) => itemShown(item.sides, state.show));
  const nameOf = (id: string) => {
    const e = first?.experiments.find((x) => x.id === id);
    return e?.name || id.slice(0, 8);
  };
  if (ids.length < 2)
    return (
      <p className="text-sm text-zinc-500">
        Pick two or more experiments to compare on the{" "}
        <a className="underline" href={pageHref(state, "experiments")}>
          experiments page
        </a>
        .
      </p>
    );
  return (
    <div className="flex flex-col gap-3" data-testid="comparison">
      <div>
        <a className="text-xs text-zinc-500 hover:underline" href={pageHref(state, "experiments")}>
          Experiments
        </a>
        <h1 className="text-lg font-semibold">
          Comparison{first ? ` on ${first.dataset}` : ""}
        </h1>
        {first && (
          <p className="flex flex-wrap gap-2 text-sm text-zinc-500">
            {first.experiments.map((e, i) => (
              <a key={e.id} href={pageHref(state, "experiment", { experiment: e.id })} className="hover:underline">
                <Badge tone={i === 0 ? "neutral" : "violet"}>{i === 0 ? "baseline" : `candidate ${i}`}</Badge> {e.name || e.id} (v
                {e.dataset_version})
              </a>
            ))}
          </p>
        )}
      </div>
      <ErrorText error={comparison.error} />
      {comparison.isPending && <p className="text-sm text-zinc-500">Comparing: a paired test per metric and score…</p>}
      {first && <Significance comparison={first} nameOf={nameOf} />}
      {first && <ScoreMeans comparison={first} nameOf={nameOf} />}
      {first && (
        <Card>
          <CardHeader title="Items side by side">
            <span className="ml-auto text-xs text-zinc-500" data-testid="items-count">
              {count(items.length)} of {count(loaded.length)} loaded items
            </span>
            <Select
              label="show items"
              value={state.show}
              options={[
                { value: "", label: "All items" },
                ...metricNames(first).flatMap((m) => [
                  { value: `regression:${m}`, label: `Regressed on ${metricLabel(m)}` },
                  { value: `improvement:${m}`, label: `Improved on ${metricLabel(m)}` },
                ]),
              ]}
              onValueChange={(show) => navigate({ show })}
              triggerClassName="h-7 text-xs"
            />
          </CardHeader>
          <div className="overflow-x-auto">
            <Table data-testid="comparison-items">
              <THead>
                <tr>
                  <TH>Item</TH>
                  {first.experiments.map((e) => (
                    <TH key={e.id}>{e.name || e.id}</TH>
                  ))}
                </tr>
              </THead>
              <tbody>
                {items.map((item) => (
                  <ItemRow key={item.item_id} item={item} order={first.experiments.map((e) => e.id)} />
                ))}
              </tbody>
            </Table>
          </div>
          {comparison.hasNextPage && (
            <Button size="sm" className="m-3" onClick={() => void comparison.fetchNextPage()}>
              More items
            </Button>
          )}
        </Card>
      )}
    </div>
  );
}

/** The metrics and scores tested, scores first (what the filter offers). */
function metricNames(comparison: ExperimentComparison): string[] {
  const tested = comparison.tests.flatMap((t) => t.metrics);
  return [...new Set([...tested.filter((m) => m.kind === "score"), ...tested.filter((m) => m.kind === "metric")].map((m) => m.name))];
}

function Significance({ comparison, nameOf }: { comparison: ExperimentComparison; nameOf: (id: string) => string }) {
  return (
    <Card>
      <CardHeader title={`Paired tests (significance level ${comparison.significance_level})`} />
      <Table data-testid="comparison-tests">
        <THead>
          <tr>
            <TH>Metric or score</TH>
            <TH>Candidate</TH>
            <TH className="text-right">Baseline mean</TH>
            <TH className="text-right">Candidate mean</TH>
            <TH>Difference</TH>
            <TH className="text-right">Improved / regressed items</TH>
          </tr>
        </THead>
        <tbody>
          {comparison.tests.flatMap((t) =>
            t.metrics.map((m) => (
              <TR key={`${t.experiment_id}-${m.kind}-${m.name}`} className="paired-test" data-metric={m.name}>
                <TD className="font-medium">
                  {m.kind === "score" ? m.name : metricLabel(m.name)}
                  <span className="ml-1 text-xs text-zinc-400">{m.higher_is_better ? "higher is better" : "lower is better"}</span>
                </TD>
                <TD>{nameOf(t.experiment_id)}</TD>
                <TD className="text-right tabular-nums">{metricValue(m.name, m.baseline_mean)}</TD>
                <TD className="text-right tabular-nums">{metricValue(m.name, m.candidate_mean)}</TD>
                <TD>
                  <Badge tone={verdictTone(m.verdict)} className="verdict mr-1">
                    {m.verdict.replaceAll("_", " ")}
                  </Badge>
                  <span className="sentence">{comparisonSentence(nameOf(t.experiment_id), m)}</span>
                  {m.tests_disagree && <span className="block text-xs text-amber-700">The Wilcoxon test disagrees (p {m.wilcoxon_p?.toFixed(3)}).</span>}
                </TD>
                <TD className="text-right tabular-nums">
                  <span className="text-emerald-700 dark:text-emerald-400">{count(m.improvements)}</span> /{" "}
                  <span className="text-red-700 dark:text-red-400">{count(m.regressions)}</span>
                </TD>
              </TR>
            )),
          )}
        </tbody>
      </Table>
    </Card>
  );
}

/** Each experiment's mean per score, as bars. */
function ScoreMeans({ comparison, nameOf }: { comparison: ExperimentComparison; nameOf: (id: string) => string }) {
  const scores = [...new Set(comparison.tests.flatMap((t) => t.metrics.filter((m) => m.kind === "score").map((m) => m.name)))];
  if (scores.length === 0 || comparison.tests.length === 0) return null;
  return (
    <Card>
      <CardHeader title="Score means" />
      <div className="grid gap-2 md:grid-cols-2">
        {scores.map((score) => {
          const labels = [comparison.baseline, ...comparison.tests.map((t) => t.experiment_id)].map(nameOf);
          const base = comparison.tests[0].metrics.find((m) => m.name === score && m.kind === "score")?.baseline_mean ?? 0;
          const candidates = comparison.tests.map((t) => t.metrics.find((m) => m.name === score && m.kind === "score")?.candidate_mean ?? 0);
          return (
            <div key={score}>
              <div className="px-3 pt-2 text-xs font-medium">{score}</div>
              <MeansChart testId={`score-means-${score}`} names={labels} means={[base, ...candidates]} label={score} />
            </div>
          );
        })}
      </div>
    </Card>
  );
}

function ItemRow({ item, order }: { item: ExperimentComparisonItem; order: string[] }) {
  return (
    <TR className="comparison-item">
      <TD className="max-w-xs min-w-48">
        <div className="font-mono text-xs text-zinc-500">{item.item_id}</div>
        <div className="item-input text-xs break-words">{previewText(item.input, 500)}</div>
        {item.expected !== null && (
          <div className="item-expected mt-1 text-xs break-words text-zinc-500">expected: {previewText(item.expected, 500)}</div>
        )}
      </TD>
      {order.map((id) => {
        const side = item.sides.find((s) => s.experiment_id === id);
        if (!side) return <TD key={id} className="text-xs text-zinc-400">not run</TD>;
        const marks = sideMarks(side.marks);
        return (
          <TD key={id} className="comparison-side min-w-56" data-experiment={id}>
            <div className="mb-1 flex flex-wrap gap-1">
              {marks.map((m) => (
                <Badge key={m.name} tone={m.mark === "improvement" ? "green" : "red"} className={`mark ${m.mark}`}>
                  {m.mark === "improvement" ? "▲" : "▼"} {metricLabel(m.name)}
                </Badge>
              ))}
            </div>
            {side.runs.map((r) => (
              <div key={r.run_id} className="side-run mb-1 text-xs">
                {side.runs.length > 1 && <span className="text-zinc-400">#{r.repetition} </span>}
                {r.failed ? <span className="text-red-600">failed</span> : <span className="break-words">{previewText(r.output, 500)}</span>}
                <span className="ml-1 text-zinc-500">
                  {Object.entries(r.scores)
                    .map(([k, v]) => `${k} ${v === null ? "—" : metricValue(k, v)}`)
                    .join(" · ")}
                </span>
                {r.trace_url && (
                  <a className="trace-link ml-1 text-brand-700 hover:underline dark:text-brand-400" href={r.trace_url}>
                    trace
                  </a>
                )}
              </div>
            ))}
          </TD>
        );
      })}
    </TR>
  );
}
