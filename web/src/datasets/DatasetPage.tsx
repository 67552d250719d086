// One dataset: its name and description with edit, delete, export and upload, and its
// tabs (Overview, Data, Test Results, Versions); the tab and its state are in the URL.
import { useState } from "react";
import { count } from "../format";
import { DatasetTab, navigate, pageHref, ViewState } from "../route";
import { Button } from "../ui/Button";
import { Card } from "../ui/Card";
import { TabPanel, Tabs } from "../ui/Tabs";
import { DataTab } from "./DataTab";
import { useDataset, useRefreshDatasets } from "./datasetQueries";
import { deleteDataset } from "./datasetsApi";
import { Dialog, ErrorText } from "./Dialog";
import { EditDatasetDialog } from "./EditDatasetDialog";
import { ExportLinks } from "./ExportLinks";
import { OverviewTab } from "./OverviewTab";
import { ResultsTab } from "./ResultsTab";
import { UploadPanel } from "./UploadPanel";
import { VersionsTab } from "./VersionsTab";

const TABS: { value: DatasetTab; label: string }[] = [
  { value: "overview", label: "Overview" },
  { value: "data", label: "Data" },
  { value: "results", label: "Test Results" },
  { value: "versions", label: "Versions" },
];

export function DatasetPage({ state, project, name }: { state: ViewState; project: string; name: string }) {
  const dataset = useDataset(project, name);
  const refresh = useRefreshDatasets(project);
  const [dialog, setDialog] = useState<"edit" | "delete" | "upload" | null>(null);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const d = dataset.data;
  return (
    <div className="flex flex-col gap-3" data-testid="dataset">
      <div className="flex flex-wrap items-start gap-3">
        <div className="min-w-0 flex-1">
          <a className="text-xs text-zinc-500 hover:underline" href={pageHref(state, "datasets")}>
            Datasets
          </a>
          <h1 className="truncate text-lg font-semibold" data-testid="dataset-name">
            {name}
          </h1>
          {d && (
            <p className="text-sm text-zinc-500">
              {count(d.item_count)} items · {d.latest_version === null ? "no version yet" : `version ${d.latest_version}`}
            </p>
          )}
        </div>
        <div className="flex items-center gap-2">
          <Button size="sm" onClick={() => setDialog("upload")}>
            Upload a file
          </Button>
          {d?.latest_version && <ExportLinks project={project} dataset={name} version={d.latest_version} />}
          <Button size="sm" onClick={() => setDialog("edit")}>
            Edit
          </Button>
          <Button size="sm" onClick={() => setDialog("delete")}>
            Delete
          </Button>
        </div>
      </div>
      <ErrorText error={dataset.error} />
      <Tabs label="dataset" value={state.tab} tabs={TABS} onValueChange={(tab) => navigate({ tab: tab as DatasetTab }, "push")}>
        <Card className="mt-3 p-4">
          <TabPanel value="overview">{d && <OverviewTab project={project} dataset={d} />}</TabPanel>
          <TabPanel value="data">{d && <DataTab state={state} project={project} dataset={d} />}</TabPanel>
          <TabPanel value="results">
            <ResultsTab state={state} project={project} dataset={name} />
          </TabPanel>
          <TabPanel value="versions">
            <VersionsTab state={state} project={project} dataset={name} />
          </TabPanel>
        </Card>
      </Tabs>
      {d && (
        <EditDatasetDialog
          open={dialog === "edit"}
          onOpenChange={(open) => setDialog(open ? "edit" : null)}
          project={project}
          dataset={d}
        />
      )}
      <Dialog open={dialog === "upload"} onOpenChange={(open) => setDialog(open ? "upload" : null)} title={`Upload a file into ${name}`} wide>
        <UploadPanel project={project} dataset={name} onDone={() => void refresh()} />
      </Dialog>
      <Dialog
        open={dialog === "delete"}
        onOpenChange={(open) => setDialog(open ? "delete" : null)}
        title={`Delete ${name}?`}
        description="Every version, item, tag and upload of the dataset is deleted. Experiments run on it keep their scores on their traces."
      >
        <ErrorText error={deleteError} />
        <div className="flex justify-end gap-2">
          <Button onClick={() => setDialog(null)}>Cancel</Button>
          <Button
            variant="primary"
            className="bg-red-600 hover:bg-red-700"
            onClick={async () => {
              try {
                await deleteDataset(project, name);
                await refresh();
                location.hash = pageHref(state, "datasets");
              } catch (e) {
                setDeleteError(e);
              }
            }}
          >
            Delete the dataset
          </Button>
        </div>
      </Dialog>
    </div>
  );
}
