// An item added, edited or deleted: each saves a new version of the dataset. Input,
// expected output and metadata are edited as JSON text, checked before sending.
import { useState } from "react";
import { navigate } from "../route";
import { Button } from "../ui/Button";
import { Input, Textarea } from "../ui/Input";
import { useRefreshDatasets } from "./datasetQueries";
import { addItems, DatasetItem, deleteItem, patchItem } from "./datasetsApi";
import { Dialog, ErrorText, Field } from "./Dialog";
import { editorText, parseEditorText } from "./itemText";

export function ItemEditor(props: { project: string; dataset: string; item: DatasetItem | null; onClose: () => void }) {
  const { item } = props;
  const [input, setInput] = useState(editorText(item?.input));
  const [expected, setExpected] = useState(editorText(item?.expected ?? undefined));
  const [metadata, setMetadata] = useState(editorText(item?.metadata ?? {}));
  const [split, setSplit] = useState(item?.split ?? "");
  const [description, setDescription] = useState("");
  const [error, setError] = useState<unknown>(null);
  const refresh = useRefreshDatasets(props.project);

  async function save() {
    const fields = [
      ["input", parseEditorText("input", input)],
      ["expected", parseEditorText("expected", expected)],
      ["metadata", parseEditorText("metadata", metadata)],
    ] as const;
    const bad = fields.find(([, r]) => "error" in r);
    if (bad) return setError(new Error((bad[1] as { error: string }).error));
    const [inputValue, expectedValue, metadataValue] = fields.map(([, r]) => (r as { value: unknown }).value);
    if (inputValue === null) return setError(new Error("input is needed"));
    const body = {
      input: inputValue,
      expected: expectedValue,
      metadata: (metadataValue ?? {}) as Record<string, never>,
      split: split || null,
    };
    try {
      if (item) await patchItem(props.project, props.dataset, item.id, { ...body, description: description || null });
      else await addItems(props.project, props.dataset, [body], description || null);
      await refresh();
      navigate({ version: "" });
      props.onClose();
    } catch (e) {
      setError(e);
    }
  }

  async function remove() {
    if (!item) return;
    try {
      await deleteItem(props.project, props.dataset, item.id);
      await refresh();
      navigate({ version: "", item: null });
      props.onClose();
    } catch (e) {
      setError(e);
    }
  }

  return (
    <Dialog
      open
      onOpenChange={(open) => !open && props.onClose()}
      title={item ? `Edit item ${item.id}` : "Add an item"}
      description="Saving makes a new version of the dataset; older versions keep the item as it was."
      wide
    >
      <form
        aria-label="item"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <div className="grid gap-3 md:grid-cols-2">
          <Field label="Input (JSON)">
            <Textarea aria-label="item input" value={input} onChange={(e) => setInput(e.target.value)} rows={8} />
          </Field>
          <Field label="Expected (JSON)">
            <Textarea aria-label="item expected" value={expected} onChange={(e) => setExpected(e.target.value)} rows={8} />
          </Field>
          <Field label="Metadata (JSON object)">
            <Textarea aria-label="item metadata" value={metadata} onChange={(e) => setMetadata(e.target.value)} rows={4} />
          </Field>
          <div>
            <Field label="Split">
              <Input aria-label="item split" value={split} onChange={(e) => setSplit(e.target.value)} maxLength={128} />
            </Field>
            <Field label="What changed (the version's description)">
              <Input aria-label="version description" value={description} onChange={(e) => setDescription(e.target.value)} />
            </Field>
          </div>
        </div>
        <ErrorText error={error} />
        <div className="mt-2 flex gap-2">
          {item && (
            <Button className="text-red-600" onClick={() => void remove()}>
              Delete the item
            </Button>
          )}
          <span className="flex-1" />
          <Button onClick={props.onClose}>Cancel</Button>
          <Button type="submit" variant="primary">
            Save as a new version
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
