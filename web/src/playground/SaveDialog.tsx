// Save the builder's definition: as a new chain (name, description) or as a new version
// of the chain it was opened from, with a message; then, if given, point a label at it.
import { useState } from "react";
import { addChainVersion, ChainDefinitionJson, createChain, putLabel } from "../chains/chainsApi";
import { Dialog, ErrorText, Field } from "../datasets/Dialog";
import { Button } from "../ui/Button";
import { Input, Textarea } from "../ui/Input";

export function SaveDialog(props: {
  project: string;
  definition: ChainDefinitionJson;
  /** the chain the builder was opened from (a new version of it is offered first) */
  chain: string | null;
  suggestedName: string;
  onSaved: (chain: string, version: number) => void;
  onCancel: () => void;
}) {
  const [asNew, setAsNew] = useState(props.chain === null);
  const [name, setName] = useState(props.suggestedName);
  const [description, setDescription] = useState(typeof props.definition.description === "string" ? props.definition.description : "");
  const [message, setMessage] = useState("");
  const [label, setLabel] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog open onOpenChange={(open) => !open && props.onCancel()} title="Save the chain">
      <form
        aria-label="save chain"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            const saved = asNew
              ? await createChain(props.project, {
                  name: name.trim(),
                  description: description || undefined,
                  definition: props.definition,
                  message: message || undefined,
                })
              : await addChainVersion(props.project, props.chain!, { definition: props.definition, message: message || undefined });
            if (label.trim()) await putLabel(props.project, saved.chain, label.trim().toLowerCase(), saved.version);
            props.onSaved(saved.chain, saved.version);
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        {props.chain !== null && (
          <div className="mb-3 flex flex-col gap-1 text-sm" role="radiogroup" aria-label="save as">
            <label className="flex items-center gap-2">
              <input type="radio" checked={!asNew} onChange={() => setAsNew(false)} /> A new version of <b>{props.chain}</b>
            </label>
            <label className="flex items-center gap-2">
              <input type="radio" checked={asNew} onChange={() => setAsNew(true)} /> A new chain
            </label>
          </div>
        )}
        {asNew && (
          <>
            <Field label="Name">
              <Input aria-label="chain name" value={name} onChange={(e) => setName(e.target.value)} required />
            </Field>
            <Field label="Description">
              <Input aria-label="chain description" value={description} onChange={(e) => setDescription(e.target.value)} />
            </Field>
          </>
        )}
        <Field label="Message (what this version changes)">
          <Textarea aria-label="version message" className="font-sans text-sm" rows={2} value={message} onChange={(e) => setMessage(e.target.value)} />
        </Field>
        <Field label="Label (optional: production, staging...)">
          <Input aria-label="save label" value={label} onChange={(e) => setLabel(e.target.value)} placeholder="none" />
        </Field>
        <ErrorText error={error} />
        <div className="mt-4 flex justify-end gap-2">
          <Button onClick={props.onCancel}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={busy || (asNew && !name.trim())}>
            Save
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
