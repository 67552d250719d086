// Save a succeeded run as a test: its inputs and output become an item (the output as
// the expected output) of a dataset chosen from the project's.
import { useState } from "react";
import { saveRunAsTest } from "../chains/chainsApi";
import { useDatasets, useRefreshDatasets } from "../datasets/datasetQueries";
import { Dialog, ErrorText, Field } from "../datasets/Dialog";
import { pageHref, ViewState } from "../route";
import { Button } from "../ui/Button";
import { Select } from "../ui/Select";

export function SaveTestDialog({ state, project, runId, onClose }: { state: ViewState; project: string; runId: string; onClose: () => void }) {
  const datasets = useDatasets(project);
  const refresh = useRefreshDatasets(project);
  const [dataset, setDataset] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<{ dataset: string; version: number } | null>(null);
  const chosen = dataset || datasets.data?.[0]?.name || "";
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()} title="Save the run as a test" description="Its inputs as the item's input, its output as the expected output.">
      {datasets.data?.length === 0 ? (
        <p className="text-sm text-zinc-500">
          The project has no dataset yet: <a className="underline" href={pageHref(state, "datasets")}>create one</a> first.
        </p>
      ) : saved ? (
        <p className="text-sm" role="status">
          Saved to{" "}
          <a className="font-medium text-brand-700 hover:underline dark:text-brand-400" href={pageHref(state, "dataset", { dataset: saved.dataset, tab: "data" })}>
            {saved.dataset}
          </a>{" "}
          as version {saved.version}.
        </p>
      ) : (
        <Field label="Dataset">
          <Select label="dataset" value={chosen} options={(datasets.data ?? []).map((d) => ({ value: d.name, label: d.name }))} onValueChange={setDataset} />
        </Field>
      )}
      <ErrorText error={error ?? datasets.error} />
      <div className="mt-4 flex justify-end gap-2">
        <Button onClick={onClose}>{saved ? "Close" : "Cancel"}</Button>
        {!saved && (
          <Button
            variant="primary"
            disabled={!chosen}
            onClick={async () => {
              setError(null);
              try {
                const version = await saveRunAsTest(project, runId, chosen);
                setSaved({ dataset: chosen, version: version.version });
                await refresh();
              } catch (e) {
                setError(e);
              }
            }}
          >
            Save test
          </Button>
        )}
      </div>
    </Dialog>
  );
}
