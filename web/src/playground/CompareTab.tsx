// The Compare tab: earlier runs of the saved chain (GET chain-runs?chain=), across its
// versions: inputs, the output as a diff against a baseline run, and figures.
import { useState } from "react";
import { DiffView } from "../chains/DiffView";
import { useChainRuns } from "../chains/chainQueries";
import { ErrorText } from "../datasets/Dialog";
import { when } from "../datasets/when";
import { traceHref, ViewState } from "../route";
import { Button } from "../ui/Button";
import { Select } from "../ui/Select";
import { Table, TD, TH, THead, TR } from "../ui/Table";
import { compareRows, runVersions } from "./compareRows";
import { StatusBadge } from "./RunOutput";

export function CompareTab({ state, project, chain }: { state: ViewState; project: string; chain: string | null }) {
  const runs = useChainRuns(project, chain);
  const [baseline, setBaseline] = useState<string | null>(null);
  const [version, setVersion] = useState("");
  if (!chain) return <p className="text-sm text-zinc-500">Save the chain to compare its runs: runs of a saved version are kept by chain.</p>;
  const all = runs.data ?? [];
  const shown = version ? all.filter((r) => (r.version === null ? "draft" : `v${r.version}`) === version) : all;
  const base = baseline && all.some((r) => r.id === baseline) ? baseline : (shown[shown.length - 1]?.id ?? null);
  const rows = compareRows(shown, base);
  return (
    <div data-testid="compare-tab" className="flex flex-col gap-3">
      <div className="flex items-center gap-2 text-sm">
        <span className="text-zinc-500">Runs of {chain}</span>
        <Select
          label="compare version"
          value={version}
          options={[{ value: "", label: "All versions" }, ...runVersions(all).map((v) => ({ value: v, label: v }))]}
          onValueChange={setVersion}
          triggerClassName="h-7 text-xs"
        />
        <Button size="sm" variant="ghost" className="ml-auto" onClick={() => runs.refetch()}>
          Refresh
        </Button>
      </div>
      <ErrorText error={runs.error} />
      {rows.length === 0 && !runs.isLoading && <p className="text-sm text-zinc-500">No runs of this chain yet.</p>}
      {rows.length > 0 && (
        <div className="overflow-x-auto">
        <Table aria-label="runs compared">
          <THead>
            <tr>
              <TH>Run</TH>
              <TH>Inputs</TH>
              <TH>Output (against the baseline)</TH>
              <TH className="text-right">Latency</TH>
              <TH className="text-right">Tokens</TH>
              <TH className="text-right">Cost</TH>
              <TH className="text-right">Carbon</TH>
            </tr>
          </THead>
          <tbody>
            {rows.map((r) => (
              <TR key={r.id} className="compare-row" data-run-id={r.id}>
                <TD className="whitespace-nowrap">
                  <div className="flex items-center gap-1.5">
                    <span className="font-medium">{r.version}</span>
                    <StatusBadge status={r.status} />
                  </div>
                  <div className="text-xs text-zinc-500">{when(r.when)}</div>
                  {r.id === base ? (
                    <span className="text-xs font-medium text-brand-700 dark:text-brand-400">baseline</span>
                  ) : (
                    <button type="button" className="text-xs text-zinc-500 hover:underline" onClick={() => setBaseline(r.id)}>
                      use as baseline
                    </button>
                  )}
                  {r.traceId && (
                    <a className="ml-2 text-xs hover:underline" href={traceHref(state, r.traceId)}>
                      trace
                    </a>
                  )}
                </TD>
                <TD className="max-w-56 truncate font-mono text-xs" title={r.inputs}>
                  {r.inputs}
                </TD>
                <TD className="max-w-xl">
                  {r.diff === null ? (
                    <pre className="font-mono text-xs whitespace-pre-wrap">{r.output}</pre>
                  ) : r.same ? (
                    <span className="text-xs text-emerald-700 dark:text-emerald-400">same as the baseline</span>
                  ) : (
                    <DiffView parts={r.diff} label="output diff" />
                  )}
                </TD>
                <TD className="text-right tabular-nums">{r.latency}</TD>
                <TD className="text-right tabular-nums">{r.tokens}</TD>
                <TD className="text-right tabular-nums">{r.cost}</TD>
                <TD className="text-right tabular-nums">{r.carbon}</TD>
              </TR>
            ))}
          </tbody>
        </Table>
        </div>
      )}
    </div>
  );
}
