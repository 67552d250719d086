// A new dataset: its name and description, then (optionally) a file uploaded into it.
import { useState } from "react";
import { navigate, ViewState } from "../route";
import { Button } from "../ui/Button";
import { Input, Textarea } from "../ui/Input";
import { createDataset, Dataset } from "./datasetsApi";
import { useRefreshDatasets } from "./datasetQueries";
import { Dialog, ErrorText, Field } from "./Dialog";
import { UploadPanel } from "./UploadPanel";

export function CreateDatasetDialog(props: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  state: ViewState;
  project: string;
}) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [created, setCreated] = useState<Dataset | null>(null);
  const [error, setError] = useState<unknown>(null);
  const refresh = useRefreshDatasets(props.project);

  function close(open: boolean) {
    props.onOpenChange(open);
    if (!open) {
      setCreated(null);
      setName("");
      setDescription("");
      setError(null);
    }
  }
  const open = (dataset: string) => {
    close(false);
    navigate({ page: "dataset", dataset, tab: "data", version: "", q: "", split: "", item: null }, "push");
  };

  return (
    <Dialog open={props.open} onOpenChange={close} title={created ? `Add items to ${created.name}` : "New dataset"} wide={!!created}>
      {!created ? (
        <form
          aria-label="new dataset"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            try {
              setCreated(await createDataset(props.project, { name, description }));
              await refresh();
            } catch (err) {
              setError(err);
            }
          }}
        >
          <Field label="Name">
            <Input aria-label="dataset name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
          </Field>
          <Field label="Description">
            <Textarea aria-label="dataset description" value={description} onChange={(e) => setDescription(e.target.value)} rows={3} />
          </Field>
          <ErrorText error={error} />
          <div className="flex justify-end gap-2">
            <Button onClick={() => close(false)}>Cancel</Button>
            <Button type="submit" variant="primary" disabled={!name.trim()}>
              Create
            </Button>
          </div>
        </form>
      ) : (
        <>
          <UploadPanel
            project={props.project}
            dataset={created.name}
            onDone={() => void refresh()}
          />
          <div className="mt-4 flex justify-end">
            <Button onClick={() => open(created.name)}>Open the dataset</Button>
          </div>
        </>
      )}
    </Dialog>
  );
}
