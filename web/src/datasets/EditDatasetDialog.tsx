// A dataset renamed or its description replaced (its items and versions unchanged).
import { useState } from "react";
import { navigate } from "../route";
import { Button } from "../ui/Button";
import { Input, Textarea } from "../ui/Input";
import { Dataset, editDataset } from "./datasetsApi";
import { useRefreshDatasets } from "./datasetQueries";
import { Dialog, ErrorText, Field } from "./Dialog";

export function EditDatasetDialog(props: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  project: string;
  dataset: Dataset;
}) {
  const [name, setName] = useState(props.dataset.name);
  const [description, setDescription] = useState(props.dataset.description);
  const [error, setError] = useState<unknown>(null);
  const refresh = useRefreshDatasets(props.project);
  return (
    <Dialog open={props.open} onOpenChange={props.onOpenChange} title="Edit the dataset">
      <form
        aria-label="edit dataset"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            const saved = await editDataset(props.project, props.dataset.name, { name, description });
            await refresh();
            props.onOpenChange(false);
            if (saved.name !== props.dataset.name) navigate({ dataset: saved.name });
          } catch (err) {
            setError(err);
          }
        }}
      >
        <Field label="Name">
          <Input aria-label="dataset name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </Field>
        <Field label="Description">
          <Textarea aria-label="dataset description" value={description} onChange={(e) => setDescription(e.target.value)} rows={4} />
        </Field>
        <ErrorText error={error} />
        <div className="flex justify-end gap-2">
          <Button onClick={() => props.onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary">
            Save
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
