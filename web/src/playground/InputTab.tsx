// The Input tab: the chain's input schema (JSON in Monaco) and the test inputs, as a
// form generated from the schema's properties or as raw JSON.
import { Textarea } from "../ui/Input";
import { Input } from "../ui/Input";
import { Select } from "../ui/Select";
import { CodeEditor } from "./CodeEditor";
import { FormField } from "./inputForm";
import { FieldError } from "./StepCard";

export interface InputsState {
  mode: "form" | "json";
  values: Record<string, string>;
  json: string;
}

export function InputTab(props: {
  schema: string;
  schemaError: string | null;
  onSchema: (schema: string) => void;
  fields: FormField[];
  inputs: InputsState;
  problems: Record<string, string>;
  jsonProblem: string | null;
  onInputs: (inputs: InputsState) => void;
  onMode: (mode: "form" | "json") => void;
}) {
  const { inputs } = props;
  return (
    <div className="grid grid-cols-1 gap-4 xl:grid-cols-2" data-testid="input-tab">
      <section>
        <div className="mb-1 flex items-center justify-between">
          <h3 className="text-sm font-semibold">Test inputs</h3>
          <div className="inline-flex rounded-md bg-zinc-100 p-0.5 text-xs dark:bg-zinc-800" role="group" aria-label="inputs mode">
            {(["form", "json"] as const).map((m) => (
              <button
                key={m}
                type="button"
                aria-pressed={inputs.mode === m}
                className={
                  inputs.mode === m
                    ? "rounded bg-white px-2 py-0.5 font-medium shadow-sm dark:bg-zinc-950"
                    : "rounded px-2 py-0.5 text-zinc-500"
                }
                onClick={() => props.onMode(m)}
              >
                {m === "form" ? "Form" : "JSON"}
              </button>
            ))}
          </div>
        </div>
        {inputs.mode === "json" ? (
          <>
            <CodeEditor label="inputs JSON" language="json" value={inputs.json} minLines={6} onChange={(json) => props.onInputs({ ...inputs, json })} />
            <FieldError message={props.jsonProblem} />
          </>
        ) : props.fields.length === 0 ? (
          <p className="text-sm text-zinc-500">The input schema has no properties: give inputs as JSON, or add properties to the schema.</p>
        ) : (
          <form aria-label="test inputs" className="flex flex-col gap-3" onSubmit={(e) => e.preventDefault()}>
            {props.fields.map((f) => {
              const value = inputs.values[f.name] ?? "";
              const set = (v: string) => props.onInputs({ ...inputs, values: { ...inputs.values, [f.name]: v } });
              return (
                <label key={f.name} className="flex flex-col gap-1 text-sm">
                  <span className="font-medium text-zinc-600 dark:text-zinc-300">
                    <span className="font-mono">{f.name}</span>
                    {f.required && <span className="text-red-600">*</span>}
                    <span className="ml-2 text-xs font-normal text-zinc-400">{f.kind}</span>
                  </span>
                  {f.kind === "enum" ? (
                    <Select label={`input ${f.name}`} value={value} options={f.options.map((o) => ({ value: o, label: o }))} onValueChange={set} />
                  ) : f.kind === "boolean" ? (
                    <input aria-label={`input ${f.name}`} type="checkbox" checked={value === "true"} onChange={(e) => set(String(e.target.checked))} />
                  ) : f.kind === "json" ? (
                    <Textarea aria-label={`input ${f.name}`} rows={3} value={value} onChange={(e) => set(e.target.value)} />
                  ) : f.kind === "string" ? (
                    <Textarea aria-label={`input ${f.name}`} rows={2} className="font-sans text-sm" value={value} onChange={(e) => set(e.target.value)} />
                  ) : (
                    <Input aria-label={`input ${f.name}`} inputMode="decimal" value={value} onChange={(e) => set(e.target.value)} />
                  )}
                  {f.description && <span className="text-xs text-zinc-500">{f.description}</span>}
                  {props.problems[f.name] && <FieldError message={`${f.name} must be ${props.problems[f.name]}`} />}
                </label>
              );
            })}
          </form>
        )}
      </section>
      <section>
        <h3 className="mb-1 text-sm font-semibold">Input schema (JSON Schema)</h3>
        <CodeEditor label="input schema" language="json" value={props.schema} minLines={8} maxLines={24} invalid={!!props.schemaError} onChange={props.onSchema} />
        <FieldError message={props.schemaError} />
      </section>
    </div>
  );
}
