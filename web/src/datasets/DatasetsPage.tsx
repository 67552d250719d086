// The project's datasets: name, items, versions, the latest version, when it changed and
// the experiments run on it; a new dataset (empty, or from an uploaded file).
import { useState } from "react";
import { count, plural } from "../format";
import { pageHref, ViewState } from "../route";
import { Button } from "../ui/Button";
import { Card, CardHeader } from "../ui/Card";
import { Table, TD, TH, THead, TR } from "../ui/Table";
import { CreateDatasetDialog } from "./CreateDatasetDialog";
import { useDatasets, useExperiments } from "./datasetQueries";
import { ErrorText } from "./Dialog";
import { when } from "./when";

export function DatasetsPage({ state, project }: { state: ViewState; project: string }) {
  const datasets = useDatasets(project);
  const experiments = useExperiments(project);
  const [creating, setCreating] = useState(false);
  const experimentsOf = (name: string) => (experiments.data ?? []).filter((e) => e.dataset === name);
  return (
    <Card data-testid="datasets">
      <CardHeader title="Datasets">
        <Button variant="primary" size="sm" onClick={() => setCreating(true)}>
          New dataset
        </Button>
      </CardHeader>
      <ErrorText error={datasets.error} />
      {datasets.data?.length === 0 && (
        <p className="px-4 py-8 text-center text-sm text-zinc-500">
          No datasets yet. Create one from a file (CSV, JSON Lines, Parquet), from spans in the trace view, or with the SDK.
        </p>
      )}
      {datasets.data && datasets.data.length > 0 && (
        <Table>
          <THead>
            <tr>
              <TH>Name</TH>
              <TH className="text-right">Items</TH>
              <TH className="text-right">Versions</TH>
              <TH>Latest version</TH>
              <TH>Updated</TH>
              <TH>Experiments</TH>
            </tr>
          </THead>
          <tbody>
            {datasets.data.map((d) => {
              const runs = experimentsOf(d.name);
              return (
                <TR key={d.id} className="dataset-row">
                  <TD>
                    <a className="font-medium text-brand-700 hover:underline dark:text-brand-400" href={pageHref(state, "dataset", { dataset: d.name })}>
                      {d.name}
                    </a>
                    {d.description && <div className="max-w-md truncate text-xs text-zinc-500">{d.description}</div>}
                  </TD>
                  <TD className="text-right tabular-nums">{count(d.item_count)}</TD>
                  {/* versions are numbered 1, 2, ... so the latest is their count */}
                  <TD className="text-right tabular-nums">{count(d.latest_version ?? 0)}</TD>
                  <TD>{d.latest_version === null ? "none yet" : `v${d.latest_version}`}</TD>
                  <TD className="whitespace-nowrap text-zinc-500">{when(d.updated_at)}</TD>
                  <TD>
                    {runs.length === 0 ? (
                      <span className="text-zinc-400">none</span>
                    ) : (
                      <a className="hover:underline" href={pageHref(state, "dataset", { dataset: d.name, tab: "results" })}>
                        {plural(runs.length, "experiment")}
                      </a>
                    )}
                  </TD>
                </TR>
              );
            })}
          </tbody>
        </Table>
      )}
      <CreateDatasetDialog open={creating} onOpenChange={setCreating} state={state} project={project} />
    </Card>
  );
}
