// One chain: its versions (newest first) with their messages and dates, its labels
// (set, move, remove, each label's history of moves), the diff of any two versions'
// definitions (the pair in the URL), and deleting it.
import { useState } from "react";
import { ErrorText } from "../datasets/Dialog";
import { when } from "../datasets/when";
import { diffTexts } from "../playground/textDiff";
import { navigate, pageHref, ViewState } from "../route";
import { Badge } from "../ui/Badge";
import { Button } from "../ui/Button";
import { Card, CardHeader } from "../ui/Card";
import { Input } from "../ui/Input";
import { Select } from "../ui/Select";
import { Table, TD, TH, THead, TR } from "../ui/Table";
import { useChain, useChainVersion, useLabelHistory, useRefreshChains } from "./chainQueries";
import { Chain, deleteChain, deleteLabel, putLabel } from "./chainsApi";
import { ConfirmButton } from "./ConfirmButton";
import { DiffView } from "./DiffView";

export function ChainPage({ state, project, name }: { state: ViewState; project: string; name: string }) {
  const chain = useChain(project, name);
  const refresh = useRefreshChains(project);
  return (
    <div className="flex flex-col gap-4" data-testid="chain-page">
      <div className="flex items-center gap-3">
        <a className="text-sm text-zinc-500 hover:underline" href={pageHref(state, "chains")}>
          Chains
        </a>
        <span className="text-zinc-300 dark:text-zinc-700">/</span>
        <h1 className="text-lg font-semibold">{name}</h1>
        {chain.data && <span className="text-sm text-zinc-500">latest v{chain.data.latest_version}</span>}
        <div className="ml-auto flex items-center gap-2">
          <a
            className="inline-flex h-7 items-center rounded-md bg-brand-600 px-2.5 text-xs font-medium text-white shadow-sm hover:bg-brand-700"
            href={pageHref(state, "playground", { chain: name })}
          >
            Open in Playground
          </a>
          <ConfirmButton
            label="Delete chain"
            title={`Delete the chain ${name}?`}
            description="Its versions, labels and label history go with it. Its runs stay, with their traces."
            confirm="Delete"
            onConfirm={async () => {
              await deleteChain(project, name);
              await refresh();
              location.hash = pageHref(state, "chains");
            }}
          />
        </div>
      </div>
      <ErrorText error={chain.error} />
      {chain.data?.description && <p className="text-sm text-zinc-600 dark:text-zinc-300">{chain.data.description}</p>}
      {chain.data && (
        <>
          <VersionsCard state={state} chain={chain.data} />
          <LabelsCard project={project} chain={chain.data} />
          <DiffCard state={state} project={project} chain={chain.data} />
        </>
      )}
    </div>
  );
}

function VersionsCard({ state, chain }: { state: ViewState; chain: Chain }) {
  const labelsOf = (n: number) => chain.labels.filter((l) => l.version === n).map((l) => l.label);
  return (
    <Card data-testid="chain-versions">
      <CardHeader title="Versions" />
      <Table aria-label="versions">
        <THead>
          <tr>
            <TH>Version</TH>
            <TH>Message</TH>
            <TH>Labels</TH>
            <TH>Saved</TH>
            <TH />
          </tr>
        </THead>
        <tbody>
          {chain.versions.map((v) => (
            <TR key={v.number} className="version-row">
              <TD className="font-medium">v{v.number}</TD>
              <TD className="max-w-md text-zinc-600 dark:text-zinc-300">{v.message || <span className="text-zinc-400">no message</span>}</TD>
              <TD>
                <div className="flex flex-wrap gap-1">
                  {labelsOf(v.number).map((l) => (
                    <Badge key={l} tone={l === "production" ? "green" : "blue"}>
                      {l}
                    </Badge>
                  ))}
                </div>
              </TD>
              <TD className="whitespace-nowrap text-zinc-500">{when(v.created_at)}</TD>
              <TD className="text-right">
                <a
                  className="text-sm hover:underline"
                  href={pageHref(state, "playground", { chain: chain.name, version: String(v.number) })}
                >
                  Open v{v.number}
                </a>
              </TD>
            </TR>
          ))}
        </tbody>
      </Table>
    </Card>
  );
}

function LabelsCard({ project, chain }: { project: string; chain: Chain }) {
  const refresh = useRefreshChains(project);
  const [label, setLabel] = useState("production");
  const [version, setVersion] = useState(String(chain.latest_version));
  const [error, setError] = useState<unknown>(null);
  const [historyOf, setHistoryOf] = useState<string | null>(null);
  const history = useLabelHistory(project, chain.name, historyOf);
  const versionOptions = chain.versions.map((v) => ({ value: String(v.number), label: `v${v.number}` }));
  const act = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
      await refresh();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card data-testid="chain-labels">
      <CardHeader title="Labels" />
      <div className="flex flex-wrap items-center gap-2 px-4 py-3 text-sm">
        <span>Point</span>
        <Input aria-label="label" className="w-40" value={label} onChange={(e) => setLabel(e.target.value.toLowerCase())} />
        <span>at</span>
        <Select label="label version" value={version} options={versionOptions} onValueChange={setVersion} />
        <Button size="sm" variant="primary" disabled={!label.trim()} onClick={() => act(() => putLabel(project, chain.name, label.trim(), Number(version)))}>
          Set label
        </Button>
      </div>
      <div className="px-4">
        <ErrorText error={error} />
      </div>
      {chain.labels.length === 0 ? (
        <p className="px-4 pb-4 text-sm text-zinc-500">No labels. A label (production, staging...) names the version that runs by it.</p>
      ) : (
        <Table aria-label="labels">
          <THead>
            <tr>
              <TH>Label</TH>
              <TH>Version</TH>
              <TH>Moved</TH>
              <TH />
            </tr>
          </THead>
          <tbody>
            {chain.labels.map((l) => (
              <TR key={l.label} className="label-row">
                <TD>
                  <Badge tone={l.label === "production" ? "green" : "blue"}>{l.label}</Badge>
                </TD>
                <TD>
                  <Select
                    label={`version of ${l.label}`}
                    value={String(l.version)}
                    options={versionOptions}
                    onValueChange={(v) => act(() => putLabel(project, chain.name, l.label, Number(v)))}
                    triggerClassName="h-7 text-xs"
                  />
                </TD>
                <TD className="whitespace-nowrap text-zinc-500">{when(l.updated_at)}</TD>
                <TD className="text-right whitespace-nowrap">
                  <Button size="sm" variant="ghost" onClick={() => setHistoryOf(historyOf === l.label ? null : l.label)}>
                    History
                  </Button>
                  <Button size="sm" variant="ghost" aria-label={`remove label ${l.label}`} onClick={() => act(() => deleteLabel(project, chain.name, l.label))}>
                    Remove
                  </Button>
                </TD>
              </TR>
            ))}
          </tbody>
        </Table>
      )}
      {historyOf && (
        <div className="border-t border-zinc-200 px-4 py-3 text-sm dark:border-zinc-800" data-testid="label-history">
          <h3 className="mb-2 font-medium">History of {historyOf}</h3>
          <ErrorText error={history.error} />
          <ol className="flex flex-col gap-1">
            {(history.data?.moves ?? []).map((m, i) => (
              <li key={i} className="label-move flex gap-3">
                <span className="w-44 text-zinc-500">{when(m.moved_at)}</span>
                <span>
                  {m.from_version === null ? "set" : `v${m.from_version}`} →{" "}
                  {m.to_version === null ? "removed" : `v${m.to_version}`}
                </span>
              </li>
            ))}
          </ol>
        </div>
      )}
    </Card>
  );
}

function DiffCard({ state, project, chain }: { state: ViewState; project: string; chain: Chain }) {
  const numbers = chain.versions.map((v) => v.number);
  const to = Number(state.diffTo) || numbers[0];
  const from = Number(state.diffFrom) || numbers[1] || numbers[0];
  const before = useChainVersion(project, chain.name, from);
  const after = useChainVersion(project, chain.name, to);
  const options = numbers.map((n) => ({ value: String(n), label: `v${n}` }));
  const parts =
    before.data && after.data
      ? diffTexts(JSON.stringify(before.data.definition, null, 2) + "\n", JSON.stringify(after.data.definition, null, 2) + "\n", "line")
      : null;
  return (
    <Card data-testid="chain-diff">
      <CardHeader title="Compare versions">
        <div className="flex items-center gap-2 text-sm">
          <Select label="diff from" value={String(from)} options={options} onValueChange={(v) => navigate({ diffFrom: v })} triggerClassName="h-7 text-xs" />
          <span>→</span>
          <Select label="diff to" value={String(to)} options={options} onValueChange={(v) => navigate({ diffTo: v })} triggerClassName="h-7 text-xs" />
        </div>
      </CardHeader>
      <div className="p-4">
        <ErrorText error={before.error ?? after.error} />
        {parts && (parts.every((p) => p.op === "equal") ? (
          <p className="text-sm text-zinc-500">v{from} and v{to} have the same definition.</p>
        ) : (
          <DiffView parts={parts} block label="definition diff" />
        ))}
      </div>
    </Card>
  );
}
