// The project's experiments, newest first; two or more on one dataset picked (in the URL)
// open side by side.
import { count } from "../format";
import { navigate, pageHref, ViewState } from "../route";
import { Button } from "../ui/Button";
import { Card, CardHeader } from "../ui/Card";
import { Table, TD, TH, THead, TR } from "../ui/Table";
import { useExperiments } from "../datasets/datasetQueries";
import { ErrorText } from "../datasets/Dialog";
import { when } from "../datasets/when";
import { StatusBadge } from "./StatusBadge";

export function ExperimentsPage({ state, project }: { state: ViewState; project: string }) {
  const experiments = useExperiments(project);
  const list = experiments.data ?? [];
  const picked = state.compare;
  const pickedDatasets = new Set(list.filter((e) => picked.includes(e.id)).map((e) => e.dataset));
  return (
    <Card data-testid="experiments">
      <CardHeader title="Experiments">
        <span className="text-xs text-zinc-500">Pick two or more on one dataset; the first picked is the baseline.</span>
        <Button
          size="sm"
          variant="primary"
          disabled={picked.length < 2 || pickedDatasets.size !== 1}
          onClick={() => (location.hash = pageHref(state, "compare", { compare: picked }))}
        >
          Compare
        </Button>
      </CardHeader>
      <ErrorText error={experiments.error} />
      {experiments.data && list.length === 0 && (
        <p className="px-4 py-8 text-center text-sm text-zinc-500">
          No experiments yet: run one over a dataset with the SDK's run_experiment (docs/sdk.md).
        </p>
      )}
      {list.length > 0 && (
        <Table>
          <THead>
            <tr>
              <TH />
              <TH>Experiment</TH>
              <TH>Dataset</TH>
              <TH>Status</TH>
              <TH className="text-right">Runs</TH>
              <TH className="text-right">Failed</TH>
              <TH>Created</TH>
            </tr>
          </THead>
          <tbody>
            {list.map((e) => (
              <TR key={e.id} className="experiment-row">
                <TD>
                  <input
                    type="checkbox"
                    aria-label={`pick ${e.name || e.id}`}
                    checked={picked.includes(e.id)}
                    onChange={() =>
                      navigate({ compare: picked.includes(e.id) ? picked.filter((p) => p !== e.id) : [...picked, e.id] })
                    }
                  />
                </TD>
                <TD>
                  <a className="font-medium text-brand-700 hover:underline dark:text-brand-400" href={pageHref(state, "experiment", { experiment: e.id })}>
                    {e.name || e.id}
                  </a>
                </TD>
                <TD>
                  <a className="hover:underline" href={pageHref(state, "dataset", { dataset: e.dataset, tab: "results" })}>
                    {e.dataset}
                  </a>{" "}
                  <span className="text-zinc-500">v{e.dataset_version}</span>
                </TD>
                <TD>
                  <StatusBadge experiment={e} />
                </TD>
                <TD className="text-right tabular-nums">
                  {count(e.runs.succeeded)}/{count(e.runs.expected)}
                </TD>
                <TD className="text-right tabular-nums">{count(e.runs.failed)}</TD>
                <TD className="whitespace-nowrap text-zinc-500">{when(e.created_at)}</TD>
              </TR>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}
