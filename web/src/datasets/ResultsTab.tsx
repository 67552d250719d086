// The experiments run on a dataset with their aggregates (a mean per score, latency, cost
// and carbon totals); two or more picked (kept in the URL) open side by side.
import { useQueries } from "@tanstack/react-query";
import { count, duration, grams, usd } from "../format";
import { navigate, pageHref, ViewState } from "../route";
import { Badge } from "../ui/Badge";
import { Button } from "../ui/Button";
import { Table, TD, TH, THead, TR } from "../ui/Table";
import { getAggregates } from "../experiments/experimentsApi";
import { plainNumber } from "../experiments/comparisonText";
import { StatusBadge } from "../experiments/StatusBadge";
import { useExperiments } from "./datasetQueries";
import { ErrorText } from "./Dialog";
import { when } from "./when";

const AGGREGATED = 50;

export function ResultsTab({ state, project, dataset }: { state: ViewState; project: string; dataset: string }) {
  const experiments = useExperiments(project, dataset);
  const list = experiments.data ?? [];
  // each experiment's aggregates is a request: the newest AGGREGATED have theirs
  const aggregates = useQueries({
    queries: list.slice(0, AGGREGATED).map((e) => ({
      queryKey: ["experiments", project, "aggregates", e.id, e.runs.succeeded, e.runs.failed],
      queryFn: ({ signal }: { signal: AbortSignal }) => getAggregates(project, e.id, signal),
    })),
  });
  const scoreNames = [...new Set(aggregates.flatMap((a) => Object.keys(a.data?.scores ?? {})))].sort();
  const picked = state.compare;
  const toggle = (id: string) =>
    navigate({ compare: picked.includes(id) ? picked.filter((p) => p !== id) : [...picked, id] });
  return (
    <div data-testid="dataset-results">
      <ErrorText error={experiments.error} />
      {experiments.data && list.length === 0 && (
        <p className="text-sm text-zinc-500">No experiments on this dataset yet: run one with the SDK (docs/sdk.md).</p>
      )}
      {list.length > 0 && (
        <>
          <div className="mb-2 flex items-center gap-2 text-sm">
            <span className="text-zinc-500">Pick two or more to compare; the first picked is the baseline.</span>
            <Button
              size="sm"
              variant="primary"
              disabled={picked.length < 2}
              onClick={() => (location.hash = pageHref(state, "compare", { compare: picked }))}
            >
              Compare {picked.length >= 2 ? picked.length : ""}
            </Button>
          </div>
          <Table>
            <THead>
              <tr>
                <TH />
                <TH>Experiment</TH>
                <TH>Version</TH>
                <TH>Status</TH>
                <TH className="text-right">Runs</TH>
                {scoreNames.map((s) => (
                  <TH key={s} className="text-right">
                    {s}
                  </TH>
                ))}
                <TH className="text-right">Latency p50</TH>
                <TH className="text-right">Cost</TH>
                <TH className="text-right">Carbon</TH>
                <TH>Created</TH>
              </tr>
            </THead>
            <tbody>
              {list.map((e, i) => {
                const a = aggregates[i]?.data;
                return (
                  <TR key={e.id} className="experiment-row">
                    <TD>
                      <input
                        type="checkbox"
                        aria-label={`pick ${e.name || e.id}`}
                        checked={picked.includes(e.id)}
                        onChange={() => toggle(e.id)}
                      />
                      {picked.includes(e.id) && (
                        <span className="ml-1 text-[10px] text-zinc-500">{picked.indexOf(e.id) === 0 ? "baseline" : `#${picked.indexOf(e.id) + 1}`}</span>
                      )}
                    </TD>
                    <TD>
                      <a className="font-medium text-brand-700 hover:underline dark:text-brand-400" href={pageHref(state, "experiment", { experiment: e.id })}>
                        {e.name || e.id}
                      </a>
                      {e.repetitions > 1 && <Badge className="ml-1">×{e.repetitions}</Badge>}
                    </TD>
                    <TD>v{e.dataset_version}</TD>
                    <TD>
                      <StatusBadge experiment={e} />
                    </TD>
                    <TD className="text-right tabular-nums">
                      {count(e.runs.succeeded)}/{count(e.runs.expected)}
                    </TD>
                    {scoreNames.map((s) => {
                      const spread = a?.scores[s];
                      return (
                        <TD key={s} className="text-right tabular-nums">
                          {spread?.mean === null || spread?.mean === undefined ? "—" : plainNumber(spread.mean)}
                          {spread?.std !== null && spread?.std !== undefined && (
                            <span className="text-xs text-zinc-400"> ±{plainNumber(spread.std)}</span>
                          )}
                        </TD>
                      );
                    })}
                    <TD className="text-right tabular-nums">
                      {a?.metrics.latency_ms?.p50 != null ? duration(a.metrics.latency_ms.p50) : "—"}
                    </TD>
                    <TD className="text-right tabular-nums">{a ? usd(a.totals.cost_usd) : "—"}</TD>
                    <TD className="text-right tabular-nums">{a ? grams(a.totals.carbon_g) : "—"}</TD>
                    <TD className="whitespace-nowrap text-zinc-500">{when(e.created_at)}</TD>
                  </TR>
                );
              })}
            </tbody>
          </Table>
        </>
      )}
    </div>
  );
}
