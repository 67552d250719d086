// Import a GreenLang workflow (its YAML): translated and checked by the Studio into a
// chain definition, which goes into the builder (not saved until Save).
import { useState } from "react";
import { ChainDefinitionJson, importWorkflow } from "../chains/chainsApi";
import { Dialog, ErrorText } from "../datasets/Dialog";
import { Button } from "../ui/Button";
import { CodeEditor } from "./CodeEditor";

const EXAMPLE = `name: fuel-footprint
steps:
  - name: burn
    agent_id: fuel
    input_mapping:
      fuel_type: input.fuel
      amount: input.amount
      unit: input.unit
      country: input.country
`;

export function ImportDialog({ onImported, onCancel }: { onImported: (name: string | null, definition: ChainDefinitionJson) => void; onCancel: () => void }) {
  const [yaml, setYaml] = useState(EXAMPLE);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog open wide onOpenChange={(open) => !open && onCancel()} title="Import a GreenLang workflow" description="The workflow's YAML (greenlang.core.workflow): each step becomes a GreenLang step.">
      <CodeEditor label="workflow YAML" language="yaml" value={yaml} minLines={12} maxLines={30} onChange={setYaml} />
      <ErrorText error={error} />
      <div className="mt-4 flex justify-end gap-2">
        <Button onClick={onCancel}>Cancel</Button>
        <Button
          variant="primary"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setError(null);
            try {
              const imported = await importWorkflow(yaml);
              onImported(imported.name, imported.definition);
            } catch (e) {
              setError(e);
            } finally {
              setBusy(false);
            }
          }}
        >
          Import
        </Button>
      </div>
    </Dialog>
  );
}
