// The Playground: a chain's configuration in a step builder (left) and its Input,
// Output, Trace and Compare tabs (right). Opened on a saved chain's version (in the
// URL) or a draft; validated as it is edited; run (streamed, repeated, several
// variants side by side), saved as a chain or a new version, a run saved as a test.
// The debugger (a later part of issue 13) runs the same definition step by step: its
// controls go beside Run, its panel beside the tabs.
import { useEffect, useMemo, useState } from "react";
import { useKept } from "./kept";
import { useAgents, useChain, useChainRuns, useChains, useChainVersion, useProviders, useRefreshChains, useSpanAsStep } from "../chains/chainQueries";
import type { ChainDefinitionJson, SpanAsStep } from "../chains/chainsApi";
import { ErrorText } from "../datasets/Dialog";
import { navigate, pageHref, PlaygroundTab, traceHref, ViewState } from "../route";
import { Badge } from "../ui/Badge";
import { Button } from "../ui/Button";
import { Card } from "../ui/Card";
import { Input } from "../ui/Input";
import { Select } from "../ui/Select";
import { TabPanel, Tabs } from "../ui/Tabs";
import {
  BuilderState,
  builderFromDefinition,
  definitionFromBuilder,
  emptyBuilder,
  moveStep,
  newStep,
  STEP_TYPES,
  StepType,
  withVariant,
} from "./builder";
import { CodeEditor } from "./CodeEditor";
import { CompareTab } from "./CompareTab";
import { ImportDialog } from "./ImportDialog";
import { formFields, inputsFromForm, inputsFromJson } from "./inputForm";
import { InputsState, InputTab } from "./InputTab";
import { RunOutput } from "./RunOutput";
import { SaveDialog } from "./SaveDialog";
import { SaveTestDialog } from "./SaveTestDialog";
import { FieldError, StepCard } from "./StepCard";
import { TraceTab } from "./TraceTab";
import { RunTarget, useRuns } from "./useRuns";
import { useValidation } from "./useValidation";

const TABS: { value: PlaygroundTab; label: string }[] = [
  { value: "input", label: "Input" },
  { value: "output", label: "Output" },
  { value: "trace", label: "Trace" },
  { value: "compare", label: "Compare" },
];
const ADD_LABELS: Record<StepType, string> = { llm: "LLM", greenlang: "GreenLang", transform: "Transform", chain: "Sub-chain" };

interface Variant {
  model: string;
  parameters: string;
}

const canonical = (definition: ChainDefinitionJson) => JSON.stringify(definition);

export function PlaygroundPage({ state, project }: { state: ViewState; project: string }) {
  const providers = useProviders(project);
  const agents = useAgents();
  const chains = useChains(project);
  const chain = useChain(project, state.chain);
  const refreshChains = useRefreshChains(project);
  const versionNumber = state.chain ? Number(state.version) || chain.data?.latest_version || null : null;
  const version = useChainVersion(project, state.chain, versionNumber);

  const [builder, setBuilder] = useKept<BuilderState | null>(project, "builder", null);
  const [loadedKey, setLoadedKey] = useKept(project, "loadedKey", "");
  const [baseline, setBaseline] = useKept(project, "baseline", "");
  const [suggestedName, setSuggestedName] = useKept(project, "suggestedName", "");
  const fromSpan = !state.chain && state.traceId && state.span ? { traceId: state.traceId, spanId: state.span } : null;
  const opened = useSpanAsStep(project, fromSpan?.traceId ?? null, fromSpan?.spanId ?? null);
  const key = state.chain ? `${state.chain}@${versionNumber ?? ""}` : fromSpan ? `span:${fromSpan.traceId}:${fromSpan.spanId}` : "draft";

  // (re)load the builder when the URL names another chain or version, or a draft
  useEffect(() => {
    if (key === loadedKey) return;
    if (fromSpan) {
      // a production LLM call as a draft of one step, to change and run again
      if (!opened.data) return;
      setBuilder(builderFromDefinition({ input_schema: { type: "object", properties: {} }, steps: [opened.data.step] } as ChainDefinitionJson));
      setBaseline("");
      setLoadedKey(key);
    } else if (!state.chain) {
      if (!providers.isFetched) return; // a new draft's LLM step calls the first provider
      if (!builder || loadedKey !== "") setBuilder(emptyBuilder({ provider: providers.data?.[0]?.name }));
      setBaseline("");
      setLoadedKey(key);
    } else if (version.data && version.data.chain === state.chain && version.data.version === versionNumber) {
      const loaded = builderFromDefinition(version.data.definition as ChainDefinitionJson);
      setBuilder(loaded);
      setBaseline(canonical(definitionFromBuilder(loaded).definition));
      setLoadedKey(key);
    }
  }, [key, loadedKey, state.chain, version.data, versionNumber, providers.isFetched, providers.data, builder, fromSpan, opened.data]);

  const { definition, problems } = useMemo(
    () => (builder ? definitionFromBuilder(builder) : { definition: { steps: [] } as ChainDefinitionJson, problems: [] }),
    [builder],
  );
  const dirty = canonical(definition) !== baseline;
  const validation = useValidation(project, definition, problems, state.chain);
  const errors = validation.state === "invalid" ? validation.errors : [];

  // inputs
  const [inputs, setInputs] = useKept<InputsState>(project, "inputs", { mode: "form", values: {}, json: "{}" });
  const fields = useMemo(() => formFields(builder?.inputSchema ?? ""), [builder?.inputSchema]);
  const fromForm = inputsFromForm(fields, inputs.values);
  const fromJson = inputs.mode === "json" ? inputsFromJson(inputs.json) : null;
  const runInputs = inputs.mode === "json" ? (fromJson && "inputs" in fromJson ? fromJson.inputs : null) : Object.keys(fromForm.problems).length ? null : fromForm.inputs;

  // runs
  const runs = useRuns(project);
  const [repeat, setRepeat] = useKept(project, "repeat", "1");
  const [variants, setVariants] = useKept<Variant[]>(project, "variants", []);
  const [selectedRun, setSelectedRun] = useKept<string | null>(project, "selectedRun", null);
  const finished = runs.columns.flatMap((c) => c.runs).filter((r) => runs.records[r.runId]);
  const shownRunId = selectedRun && runs.records[selectedRun] ? selectedRun : (finished[0]?.runId ?? null);
  const shownRecord = shownRunId ? runs.records[shownRunId] : null;
  const chainRuns = useChainRuns(project, state.chain);
  const { refetch: refetchChainRuns } = chainRuns;
  useEffect(() => {
    // a finished run of a saved chain joins the Compare tab
    if (finished.length) refetchChainRuns();
  }, [finished.length, refetchChainRuns]);

  const [dialog, setDialog] = useState<"save" | "save-test" | "import" | null>(null);

  if (!builder) {
    return (
      <div className="flex flex-col gap-3">
        <h1 className="text-lg font-semibold">Playground</h1>
        <ErrorText error={version.error ?? chain.error} />
        {!version.error && !chain.error && <p className="text-sm text-zinc-500">Loading…</p>}
      </div>
    );
  }

  const update = (change: Partial<BuilderState>) => setBuilder({ ...builder, ...change });
  const setTab = (playTab: string) => navigate({ playTab: playTab as PlaygroundTab });
  const schemaError = errors.find((e) => e.step === null && e.field.startsWith("input_schema"))?.message ?? null;
  const outputError = errors.find((e) => e.step === null && e.field.startsWith("output"))?.message ?? null;
  const otherError = errors.find((e) => e.step === null && !e.field.startsWith("input_schema") && !e.field.startsWith("output"))?.message ?? null;

  const start = () => {
    if (!runInputs) {
      setTab("input");
      return;
    }
    const saved = state.chain && !dirty && versionNumber ? { name: state.chain, version: versionNumber } : undefined;
    const targets: (RunTarget & { label: string })[] = [{ label: saved ? `${saved.name} v${saved.version}` : "as configured", chain: saved, definition }];
    variants.forEach((v, i) => {
      targets.push({
        label: `variant ${i + 2}: ${v.model || "same model"}`,
        definition: definitionFromBuilder(withVariant(builder, v)).definition,
      });
    });
    setSelectedRun(null);
    runs.run(targets, runInputs, Math.min(20, Math.max(1, Number(repeat) || 1)));
    setTab("output");
  };

  const chainOptions = [{ value: "", label: "New draft" }, ...(chains.data ?? []).map((c) => ({ value: c.name, label: c.name }))];
  const versionOptions = (chain.data?.versions ?? []).map((v) => ({
    value: String(v.number),
    label: `v${v.number}${chain.data!.labels.filter((l) => l.version === v.number).map((l) => ` · ${l.label}`).join("")}`,
  }));

  return (
    <div className="flex flex-col gap-3" data-testid="playground">
      <div className="flex flex-wrap items-center gap-2">
        <h1 className="mr-2 text-lg font-semibold">Playground</h1>
        <Select
          label="chain"
          value={state.chain ?? ""}
          options={chainOptions}
          onValueChange={(c) => navigate({ chain: c || null, version: "" }, "push")}
        />
        {state.chain && versionOptions.length > 0 && (
          <Select label="version" value={String(versionNumber ?? "")} options={versionOptions} onValueChange={(v) => navigate({ version: v }, "push")} />
        )}
        {state.chain && dirty && <Badge tone="amber">edited</Badge>}
        <ValidationBadge validation={validation} />
        <div className="ml-auto flex flex-wrap items-center gap-2">
          <Button size="sm" variant="ghost" onClick={() => setDialog("import")}>
            Import GreenLang workflow
          </Button>
          <Button size="sm" onClick={() => setDialog("save")}>
            Save
          </Button>
          <Button size="sm" disabled={!shownRecord || shownRecord.status !== "succeeded"} onClick={() => setDialog("save-test")}>
            Save test
          </Button>
          <span className="mx-1 h-5 border-l border-zinc-200 dark:border-zinc-800" />
          <label className="flex items-center gap-1 text-xs text-zinc-500">
            Repeat
            <Input aria-label="repeat" type="number" min={1} max={20} className="h-7 w-14 text-xs" value={repeat} onChange={(e) => setRepeat(e.target.value)} />
          </label>
          <Button size="sm" variant="ghost" disabled={variants.length >= 2} onClick={() => setVariants([...variants, { model: "", parameters: "" }])}>
            Add variant
          </Button>
          {runs.running ? (
            <Button variant="primary" size="sm" onClick={runs.stop}>
              Stop
            </Button>
          ) : (
            <Button variant="primary" size="sm" onClick={start}>
              Run
            </Button>
          )}
        </div>
      </div>
      {variants.length > 0 && (
        <Card className="flex flex-wrap gap-3 p-3 text-sm" data-testid="variants">
          <span className="text-xs text-zinc-500">Side by side: the chain as configured, and each variant with another model or parameters on every LLM step.</span>
          {variants.map((v, i) => (
            <div key={i} className="variant flex items-center gap-2">
              <span className="text-xs font-medium">Variant {i + 2}</span>
              <Input
                aria-label={`variant ${i + 2} model`}
                className="h-7 w-40 text-xs"
                placeholder="model"
                value={v.model}
                onChange={(e) => setVariants(variants.map((x, j) => (j === i ? { ...x, model: e.target.value } : x)))}
              />
              <Input
                aria-label={`variant ${i + 2} parameters`}
                className="h-7 w-56 font-mono text-xs"
                placeholder='{"temperature": 1}'
                value={v.parameters}
                onChange={(e) => setVariants(variants.map((x, j) => (j === i ? { ...x, parameters: e.target.value } : x)))}
              />
              <Button size="sm" variant="ghost" aria-label={`remove variant ${i + 2}`} onClick={() => setVariants(variants.filter((_, j) => j !== i))}>
                ✕
              </Button>
            </div>
          ))}
        </Card>
      )}
      <ErrorText error={providers.error ?? agents.error ?? opened.error} />
      {fromSpan && opened.data && key === loadedKey && <OpenedSpanNotice opened={opened.data} state={state} />}
      <div className="grid grid-cols-1 gap-4 xl:grid-cols-[minmax(0,5fr)_minmax(0,6fr)]">
        <section aria-label="chain configuration" className="flex min-w-0 flex-col gap-3">
          <Input
            aria-label="chain description"
            placeholder="What the chain does"
            value={builder.description}
            onChange={(e) => update({ description: e.target.value })}
          />
          {otherError && (
            <p role="alert" className="text-sm text-red-600 dark:text-red-400">
              {otherError}
            </p>
          )}
          {validation.state === "unavailable" && <p className="text-sm text-amber-600">Not checked: {validation.message}</p>}
          {builder.steps.map((step, index) => (
            <StepCard
              key={step.key}
              step={step}
              index={index}
              count={builder.steps.length}
              error={errors.find((e) => e.step === index) ?? null}
              providers={providers.data ?? []}
              agents={agents.data ?? []}
              chains={(chains.data ?? []).filter((c) => c.name !== state.chain)}
              onChange={(next) => update({ steps: builder.steps.map((s, i) => (i === index ? next : s)) })}
              onMove={(to) => update({ steps: moveStep(builder.steps, index, to) })}
              onRemove={() => update({ steps: builder.steps.filter((_, i) => i !== index) })}
            />
          ))}
          <div className="flex flex-wrap items-center gap-2" aria-label="add a step" role="group">
            <span className="text-xs text-zinc-500">Add a step:</span>
            {STEP_TYPES.map((type) => (
              <Button
                key={type}
                size="sm"
                onClick={() =>
                  update({
                    steps: [...builder.steps, newStep(type, builder.steps, { provider: providers.data?.[0]?.name, agent: agents.data?.[0]?.name })],
                  })
                }
              >
                + {ADD_LABELS[type]}
              </Button>
            ))}
          </div>
          <div className="flex flex-col gap-1">
            <span className="text-[11px] font-medium tracking-wide text-zinc-500 uppercase">Chain output (JMESPath; empty: the last step's output)</span>
            <CodeEditor label="chain output" language="jmespath" minLines={1} value={builder.output} invalid={!!outputError} onChange={(output) => update({ output })} />
            <FieldError message={outputError} />
          </div>
        </section>
        <Card className="min-w-0 p-3">
          <Tabs label="playground tabs" value={state.playTab} tabs={TABS} onValueChange={setTab}>
            <div className="mt-3">
              <TabPanel value="input">
                <InputTab
                  schema={builder.inputSchema}
                  schemaError={schemaError}
                  onSchema={(inputSchema) => update({ inputSchema })}
                  fields={fields}
                  inputs={inputs}
                  problems={fromForm.problems}
                  jsonProblem={fromJson && "problem" in fromJson ? fromJson.problem : null}
                  onInputs={setInputs}
                  onMode={(mode) => {
                    if (mode === "json") setInputs({ ...inputs, mode, json: JSON.stringify(fromForm.inputs, null, 2) });
                    else {
                      const parsed = inputsFromJson(inputs.json);
                      const values = { ...inputs.values };
                      if ("inputs" in parsed)
                        for (const f of fields) {
                          const v = parsed.inputs[f.name];
                          values[f.name] = v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v);
                        }
                      setInputs({ ...inputs, mode, values });
                    }
                  }}
                />
              </TabPanel>
              <TabPanel value="output">
                <RunOutput columns={runs.columns} records={runs.records} selected={shownRunId} onSelect={setSelectedRun} />
              </TabPanel>
              <TabPanel value="trace">
                <TraceTab state={state} run={shownRecord} />
              </TabPanel>
              <TabPanel value="compare">
                <CompareTab state={state} project={project} chain={state.chain} />
              </TabPanel>
            </div>
          </Tabs>
        </Card>
      </div>
      {dialog === "save" && (
        <SaveDialog
          project={project}
          definition={definition}
          chain={state.chain}
          suggestedName={suggestedName}
          onCancel={() => setDialog(null)}
          onSaved={async (name, number) => {
            setDialog(null);
            await refreshChains();
            setLoadedKey(""); // read back the stored (canonical) version
            navigate({ chain: name, version: String(number) }, "push");
          }}
        />
      )}
      {dialog === "save-test" && shownRunId && (
        <SaveTestDialog state={state} project={project} runId={shownRunId} onClose={() => setDialog(null)} />
      )}
      {dialog === "import" && (
        <ImportDialog
          onCancel={() => setDialog(null)}
          onImported={(name, imported) => {
            setDialog(null);
            setBuilder(builderFromDefinition(imported));
            setSuggestedName(name ?? "");
            setBaseline("");
            setLoadedKey("draft");
            navigate({ chain: null, version: "" }, "push");
          }}
        />
      )}
      <p className="text-xs text-zinc-400">
        Runs are traced in the environment gls-playground: see them all in <a className="underline" href={pageHref(state, "traces", { environment: "gls-playground" })}>Traces</a>.
      </p>
    </div>
  );
}

function ValidationBadge({ validation }: { validation: ReturnType<typeof useValidation> }) {
  return (
    <span role="status" aria-label="validation" data-testid="validation" data-state={validation.state}>
      {validation.state === "valid" ? (
        <Badge tone="green">valid</Badge>
      ) : validation.state === "invalid" ? (
        <Badge tone="red" title={validation.errors[0]?.message}>
          {validation.errors.length === 1 ? "1 error" : `${validation.errors.length} errors`}
        </Badge>
      ) : validation.state === "checking" ? (
        <Badge>checking…</Badge>
      ) : (
        <Badge tone="amber">not checked</Badge>
      )}
    </span>
  );
}

/** Where the draft came from: the span's trace, its convention, its recorded answer (what
 * a run of the unchanged draft should give again) and what could not be carried over. */
function OpenedSpanNotice({ opened, state }: { opened: SpanAsStep; state: ViewState }) {
  const recorded = opened.recorded_output;
  return (
    <Card className="flex flex-col gap-1.5 p-3 text-sm" data-testid="opened-span">
      <div className="flex flex-wrap items-center gap-2">
        <span>
          Opened from an LLM span ({opened.source_convention} attributes) of trace{" "}
          <a className="font-mono text-brand-600 hover:underline" href={traceHref(state, state.traceId!)}>
            {state.traceId!.slice(0, 12)}…
          </a>
          : change it and run.
        </span>
      </div>
      {recorded != null && (
        <div className="text-xs text-zinc-500">
          Recorded answer:{" "}
          <span className="recorded-output text-zinc-700 dark:text-zinc-300">
            {typeof recorded === "string" ? recorded : JSON.stringify(recorded)}
          </span>
        </div>
      )}
      {opened.unparsed.length > 0 && (
        <details className="text-xs">
          <summary className="cursor-pointer text-amber-700 dark:text-amber-500">
            {opened.unparsed.length} attribute{opened.unparsed.length === 1 ? "" : "s"} not carried over
          </summary>
          <ul className="unparsed mt-1 list-disc pl-5">
            {opened.unparsed.map((u) => (
              <li key={u.attribute}>
                <code>{u.attribute}</code>: {u.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </Card>
  );
}
