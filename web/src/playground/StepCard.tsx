// One step of the builder: its id, condition and the fields of its type (LLM, GreenLang
// agent, transform, sub-chain), with the server's validation error shown at the field
// it names. Templates, JSON and JMESPath are edited in Monaco.
import type { ChainSummary, GreenLangAgent, LlmProvider } from "../chains/chainsApi";
import { Badge, BadgeTone } from "../ui/Badge";
import { Button } from "../ui/Button";
import { cn } from "../ui/cn";
import { Input } from "../ui/Input";
import { Select } from "../ui/Select";
import { BuilderStep, GreenLangStep, LlmStep, MappingRow, ROLES, SubChainStep } from "./builder";
import { CodeEditor } from "./CodeEditor";
import { fieldRoot, Located, mappingField, messageIndex } from "./validationErrors";

const TYPE_TONES: Record<BuilderStep["type"], BadgeTone> = { llm: "amber", greenlang: "violet", transform: "teal", chain: "green" };
const TYPE_LABELS: Record<BuilderStep["type"], string> = { llm: "LLM", greenlang: "GreenLang", transform: "transform", chain: "sub-chain" };

export interface StepCardProps {
  step: BuilderStep;
  index: number;
  count: number;
  error: Located | null;
  providers: LlmProvider[];
  agents: GreenLangAgent[];
  chains: ChainSummary[];
  onChange: (step: BuilderStep) => void;
  onMove: (to: number) => void;
  onRemove: () => void;
}

/** The error's text when it points at this field (by its root, or exactly). */
function errorAt(error: Located | null, match: (field: string) => boolean): string | null {
  return error && match(error.field) ? error.message : null;
}

export function FieldError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p role="alert" className="field-error mt-1 text-xs text-red-600 dark:text-red-400">
      {message}
    </p>
  );
}

function Labelled({ label, children, className }: { label: string; children: React.ReactNode; className?: string }) {
  return (
    <div className={cn("flex min-w-0 flex-col gap-1", className)}>
      <span className="text-[11px] font-medium tracking-wide text-zinc-500 uppercase">{label}</span>
      {children}
    </div>
  );
}

export function StepCard(props: StepCardProps) {
  const { step, index, error } = props;
  const known = new Set(["id", "condition", "messages", "parameters", "tools", "response_format", "expression", "input_mapping", "agent", "provider", "model", "output", "chain", "version", "label"]);
  // an error naming no field this card shows (or the step as a whole) is shown at its top
  const general = error && !known.has(fieldRoot(error.field)) ? error.message : null;
  return (
    <section
      aria-label={`step ${step.id || index + 1}`}
      data-testid={`step-${index}`}
      className={cn(
        "step-card rounded-lg border bg-white p-3 shadow-xs dark:bg-zinc-900",
        error ? "border-red-300 dark:border-red-800" : "border-zinc-200 dark:border-zinc-800",
      )}
    >
      <div className="flex items-center gap-2">
        <span className="w-5 text-right text-xs text-zinc-400 tabular-nums">{index + 1}</span>
        <Badge tone={TYPE_TONES[step.type]}>{TYPE_LABELS[step.type]}</Badge>
        <Input
          aria-label="step id"
          className="h-7 w-36 font-mono text-xs"
          value={step.id}
          onChange={(e) => props.onChange({ ...step, id: e.target.value })}
        />
        <div className="ml-auto flex items-center gap-0.5">
          <Button size="sm" variant="ghost" aria-label="move step up" disabled={index === 0} onClick={() => props.onMove(index - 1)}>
            ↑
          </Button>
          <Button size="sm" variant="ghost" aria-label="move step down" disabled={index === props.count - 1} onClick={() => props.onMove(index + 1)}>
            ↓
          </Button>
          <Button size="sm" variant="ghost" aria-label="remove step" disabled={props.count === 1} onClick={props.onRemove}>
            ✕
          </Button>
        </div>
      </div>
      <FieldError message={general ?? errorAt(error, (f) => f === "id")} />
      <div className="mt-3 flex flex-col gap-3">
        {step.type === "llm" && <LlmFields {...props} step={step} />}
        {step.type === "greenlang" && <GreenLangFields {...props} step={step} />}
        {step.type === "transform" && (
          <Labelled label="Expression (JMESPath over inputs and steps)">
            <CodeEditor
              label="transform expression"
              language="jmespath"
              value={step.expression}
              invalid={!!errorAt(error, (f) => f === "expression")}
              onChange={(expression) => props.onChange({ ...step, expression })}
            />
            <FieldError message={errorAt(error, (f) => f === "expression")} />
          </Labelled>
        )}
        {step.type === "chain" && <SubChainFields {...props} step={step} />}
        <Labelled label="Condition (JMESPath; false, null or empty skips the step)">
          <Input
            aria-label="condition"
            className="font-mono text-xs"
            placeholder="always runs"
            value={step.condition}
            onChange={(e) => props.onChange({ ...step, condition: e.target.value })}
          />
          <FieldError message={errorAt(error, (f) => f === "condition")} />
        </Labelled>
      </div>
    </section>
  );
}

function LlmFields({ step, error, providers, onChange }: StepCardProps & { step: LlmStep }) {
  const providerOptions = providers.map((p) => ({ value: p.name, label: p.name }));
  if (step.provider && !providers.some((p) => p.name === step.provider)) providerOptions.push({ value: step.provider, label: `${step.provider} (not found)` });
  const setMessage = (i: number, change: Partial<LlmStep["messages"][number]>) =>
    onChange({ ...step, messages: step.messages.map((m, j) => (j === i ? { ...m, ...change } : m)) });
  const messagesError = errorAt(error, (f) => f === "messages");
  return (
    <>
      <div className="grid grid-cols-[1fr_1fr_auto] gap-2">
        <Labelled label="Provider">
          {providerOptions.length ? (
            <Select label="provider" value={step.provider} options={providerOptions} onValueChange={(provider) => onChange({ ...step, provider })} />
          ) : (
            <span className="text-xs text-zinc-500">No provider yet: add one on the Chains page.</span>
          )}
          <FieldError message={errorAt(error, (f) => f === "provider")} />
        </Labelled>
        <Labelled label="Model">
          <Input aria-label="model" value={step.model} onChange={(e) => onChange({ ...step, model: e.target.value })} />
          <FieldError message={errorAt(error, (f) => f === "model")} />
        </Labelled>
        <Labelled label="Output">
          <Select
            label="output"
            value={step.output}
            options={[
              { value: "text", label: "text" },
              { value: "json", label: "JSON" },
            ]}
            onValueChange={(output) => onChange({ ...step, output: output === "json" ? "json" : "text" })}
          />
        </Labelled>
      </div>
      <Labelled label="Messages (Jinja: {{ question }}, {{ steps.ask }})">
        <div className="flex flex-col gap-2">
          {step.messages.map((m, i) => {
            const here = error && messageIndex(error.field) === i ? error.message : null;
            return (
              <div key={i} className="message flex gap-2" data-testid={`message-${i}`}>
                <div className="flex w-24 shrink-0 flex-col gap-1">
                  <Select
                    label={`role of message ${i + 1}`}
                    value={m.role}
                    options={ROLES.map((r) => ({ value: r, label: r }))}
                    onValueChange={(role) => setMessage(i, { role })}
                    triggerClassName="h-7 text-xs"
                  />
                  <Button
                    size="sm"
                    variant="ghost"
                    aria-label={`remove message ${i + 1}`}
                    onClick={() => onChange({ ...step, messages: step.messages.filter((_, j) => j !== i) })}
                  >
                    Remove
                  </Button>
                </div>
                <div className="min-w-0 flex-1">
                  <CodeEditor
                    label={`message ${i + 1} template`}
                    language="jinja"
                    value={m.content}
                    invalid={!!here}
                    onChange={(content) => setMessage(i, { content })}
                  />
                  <FieldError message={here} />
                </div>
              </div>
            );
          })}
          <div>
            <Button
              size="sm"
              onClick={() => onChange({ ...step, messages: [...step.messages, { role: step.messages.length ? "user" : "system", content: "" }] })}
            >
              Add message
            </Button>
          </div>
          <FieldError message={messagesError} />
        </div>
      </Labelled>
      <div className="grid grid-cols-3 gap-2">
        <Labelled label="Parameters (JSON)">
          <CodeEditor label="parameters" language="json" value={step.parameters} minLines={3} maxLines={10} onChange={(parameters) => onChange({ ...step, parameters })} />
          <FieldError message={errorAt(error, (f) => fieldRoot(f) === "parameters")} />
        </Labelled>
        <Labelled label="Tools (JSON)">
          <CodeEditor label="tools" language="json" value={step.tools} minLines={3} maxLines={10} onChange={(tools) => onChange({ ...step, tools })} />
          <FieldError message={errorAt(error, (f) => fieldRoot(f) === "tools")} />
        </Labelled>
        <Labelled label="Response format (JSON)">
          <CodeEditor
            label="response format"
            language="json"
            value={step.responseFormat}
            minLines={3}
            maxLines={10}
            onChange={(responseFormat) => onChange({ ...step, responseFormat })}
          />
          <FieldError message={errorAt(error, (f) => fieldRoot(f) === "response_format")} />
        </Labelled>
      </div>
    </>
  );
}

function MappingRows(props: {
  rows: MappingRow[];
  /** fields the target names (an agent's inputs), required ones marked */
  fields: { name: string; required: boolean; description?: string }[];
  error: Located | null;
  onChange: (rows: MappingRow[]) => void;
}) {
  const errorField = props.error ? mappingField(props.error.field) : null;
  // the target's fields first, in its order, then any other rows
  const named = props.fields.map((f) => ({ ...f, row: props.rows.find((r) => r.field === f.name) }));
  const others = props.rows.filter((r) => !props.fields.some((f) => f.name === r.field));
  const set = (field: string, expression: string, previous = field) => {
    const exists = props.rows.some((r) => r.field === previous);
    props.onChange(
      exists ? props.rows.map((r) => (r.field === previous ? { field, expression } : r)) : [...props.rows, { field, expression }],
    );
  };
  return (
    <div className="flex flex-col gap-1.5" data-testid="input-mapping">
      {named.map((f) => (
        <div key={f.name} className="mapping-row grid grid-cols-[10rem_1fr] items-center gap-2">
          <span className="truncate font-mono text-xs" title={f.description}>
            {f.name}
            {f.required && <span className="text-red-600">*</span>}
          </span>
          <Input
            aria-label={`mapping of ${f.name}`}
            className="h-7 font-mono text-xs"
            placeholder={f.required ? "required" : "left out"}
            value={f.row?.expression ?? ""}
            onChange={(e) =>
              e.target.value === "" && !f.required
                ? props.onChange(props.rows.filter((r) => r.field !== f.name))
                : set(f.name, e.target.value)
            }
          />
          {errorField === f.name && <FieldError message={props.error!.message} />}
        </div>
      ))}
      {others.map((r, i) => (
        <div key={i} className="mapping-row grid grid-cols-[10rem_1fr_auto] items-center gap-2">
          <Input aria-label="mapped field" className="h-7 font-mono text-xs" value={r.field} onChange={(e) => set(e.target.value, r.expression, r.field)} />
          <Input aria-label={`mapping of ${r.field}`} className="h-7 font-mono text-xs" value={r.expression} onChange={(e) => set(r.field, e.target.value)} />
          <Button size="sm" variant="ghost" aria-label={`remove mapping ${r.field}`} onClick={() => props.onChange(props.rows.filter((x) => x !== r))}>
            ✕
          </Button>
          {errorField === r.field && <FieldError message={props.error!.message} />}
        </div>
      ))}
      <div>
        <Button
          size="sm"
          variant="ghost"
          onClick={() => props.onChange([...props.rows, { field: `field_${props.rows.length + 1}`, expression: "" }])}
        >
          Add field
        </Button>
      </div>
    </div>
  );
}

function GreenLangFields({ step, error, agents, onChange }: StepCardProps & { step: GreenLangStep }) {
  const agent = agents.find((a) => a.name === step.agent);
  const options = agents.map((a) => ({ value: a.name, label: a.name }));
  if (step.agent && !agent) options.push({ value: step.agent, label: `${step.agent} (not enabled)` });
  return (
    <>
      <Labelled label="Agent">
        <Select label="agent" value={step.agent} options={options} onValueChange={(name) => onChange({ ...step, agent: name })} />
        {agent?.description && <p className="line-clamp-2 text-xs text-zinc-500">{agent.description}</p>}
        <FieldError message={errorAt(error, (f) => f === "agent")} />
      </Labelled>
      <Labelled label="Input mapping (JMESPath: inputs.country, steps.ask, 'kWh')">
        <MappingRows
          rows={step.mapping}
          fields={(agent?.input_fields ?? []).map((f) => ({ name: f.name, required: f.required, description: f.description }))}
          error={error}
          onChange={(mapping) => onChange({ ...step, mapping })}
        />
        <FieldError message={errorAt(error, (f) => f === "input_mapping")} />
      </Labelled>
    </>
  );
}

function SubChainFields({ step, error, chains, onChange }: StepCardProps & { step: SubChainStep }) {
  const options = chains.map((c) => ({ value: c.name, label: c.name }));
  if (step.chain && !chains.some((c) => c.name === step.chain)) options.push({ value: step.chain, label: `${step.chain} (not found)` });
  const chosen = chains.find((c) => c.name === step.chain);
  return (
    <>
      <div className="grid grid-cols-[1fr_7rem_9rem] gap-2">
        <Labelled label="Chain">
          <Select label="sub-chain" value={step.chain} options={options} onValueChange={(chain) => onChange({ ...step, chain })} />
          <FieldError message={errorAt(error, (f) => f === "chain")} />
        </Labelled>
        <Labelled label="Version">
          <Input
            aria-label="sub-chain version"
            placeholder={chosen ? `latest (v${chosen.latest_version})` : "latest"}
            value={step.version}
            onChange={(e) => onChange({ ...step, version: e.target.value })}
          />
          <FieldError message={errorAt(error, (f) => f === "version")} />
        </Labelled>
        <Labelled label="or label">
          <Input aria-label="sub-chain label" placeholder="production" value={step.label} onChange={(e) => onChange({ ...step, label: e.target.value })} />
          <FieldError message={errorAt(error, (f) => f === "label")} />
        </Labelled>
      </div>
      <Labelled label="Input mapping (the sub-chain's inputs)">
        <MappingRows rows={step.mapping} fields={[]} error={error} onChange={(mapping) => onChange({ ...step, mapping })} />
      </Labelled>
    </>
  );
}
