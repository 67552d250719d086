// "Add to dataset" from the trace view and the span inspector: the span's input and output
// become an item's input and expected output (the trace's root span when no span is named),
// in a dataset chosen from the project's or made here, as its new version.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "../ui/Button";
import { Input } from "../ui/Input";
import { Select } from "../ui/Select";
import { datasetKeys } from "./datasetQueries";
import { addItemsFromSpans, createDataset, DatasetVersion, listDatasets } from "./datasetsApi";
import { Dialog, ErrorText, Field } from "./Dialog";

const NEW = "__new__";

export function AddToDatasetButton({ project, traceId, spanId }: { project: string; traceId: string; spanId?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="sm" onClick={() => setOpen(true)}>
        Add to dataset
      </Button>
      {open && <AddToDatasetDialog project={project} traceId={traceId} spanId={spanId} onClose={() => setOpen(false)} />}
    </>
  );
}

function AddToDatasetDialog(props: { project: string; traceId: string; spanId?: string; onClose: () => void }) {
  const datasets = useQuery({
    queryKey: datasetKeys.list(props.project),
    queryFn: ({ signal }) => listDatasets(props.project, signal),
  });
  const [chosen, setChosen] = useState("");
  const [newName, setNewName] = useState("");
  const [split, setSplit] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [added, setAdded] = useState<{ dataset: string; version: DatasetVersion } | null>(null);
  const client = useQueryClient();
  const names = datasets.data?.map((d) => d.name) ?? [];
  const target = chosen === NEW || names.length === 0 ? newName.trim() : chosen;

  async function add() {
    setError(null);
    try {
      if (!names.includes(target)) await createDataset(props.project, { name: target });
      const version = await addItemsFromSpans(props.project, target, [{ trace_id: props.traceId, span_id: props.spanId ?? null }], split);
      await client.invalidateQueries({ queryKey: datasetKeys.all(props.project) });
      setAdded({ dataset: target, version });
    } catch (e) {
      setError(e);
    }
  }

  return (
    <Dialog
      open
      onOpenChange={(open) => !open && props.onClose()}
      title={props.spanId ? "Add the span to a dataset" : "Add the trace to a dataset"}
      description="Its input becomes the item's input and its output the expected output; its attributes the metadata."
    >
      {added ? (
        <div className="text-sm" data-testid="added-to-dataset">
          <p>
            Added to <strong>{added.dataset}</strong> as version {added.version.version}.
          </p>
          <div className="mt-3 flex justify-end gap-2">
            <a
              className="rounded-md px-3 py-1.5 font-medium text-brand-700 hover:underline dark:text-brand-400"
              href={`#/${encodeURIComponent(props.project)}/datasets/${encodeURIComponent(added.dataset)}?tab=data`}
            >
              Open the dataset
            </a>
            <Button onClick={props.onClose}>Close</Button>
          </div>
        </div>
      ) : (
        <form
          aria-label="add to dataset"
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          {names.length > 0 && (
            <Field label="Dataset">
              <Select
                label="dataset"
                value={chosen}
                options={[
                  { value: "", label: "Choose a dataset" },
                  ...names.map((n) => ({ value: n, label: n })),
                  { value: NEW, label: "A new dataset…" },
                ]}
                onValueChange={setChosen}
              />
            </Field>
          )}
          {(chosen === NEW || names.length === 0) && (
            <Field label="New dataset's name">
              <Input aria-label="new dataset name" value={newName} onChange={(e) => setNewName(e.target.value)} maxLength={200} />
            </Field>
          )}
          <Field label="Split (optional)">
            <Input aria-label="item split" value={split} onChange={(e) => setSplit(e.target.value)} maxLength={128} />
          </Field>
          <ErrorText error={error} />
          <div className="flex justify-end gap-2">
            <Button onClick={props.onClose}>Cancel</Button>
            <Button type="submit" variant="primary" disabled={!target}>
              Add
            </Button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
