// The Trace tab: the chosen run's steps with their latency, tokens, cost, energy and
// carbon from its record (read back from the stored spans), and a link that opens the
// run's trace in the trace explorer.
import type { ChainRun } from "../chains/chainsApi";
import { traceHref, ViewState } from "../route";
import { Table, TD, TH, THead, TR } from "../ui/Table";
import { metricRows, runWindowNs, totalsRow } from "./runMetrics";
import { StatusBadge } from "./RunOutput";

export function TraceTab({ state, run }: { state: ViewState; run: ChainRun | null }) {
  if (!run) return <p className="text-sm text-zinc-500">Run the chain (and let it finish) to see each step's figures.</p>;
  const rows = metricRows(run);
  const totals = totalsRow(run);
  return (
    <div data-testid="trace-tab" className="flex flex-col gap-3">
      <div className="flex items-center gap-3 text-sm">
        <span className="font-mono text-xs text-zinc-500">run {run.id}</span>
        <StatusBadge status={run.status} />
        {run.trace_id && (
          <a className="ml-auto font-medium text-brand-700 hover:underline dark:text-brand-400" href={traceHref(state, run.trace_id, ...runWindowNs(run))}>
            Open the trace
          </a>
        )}
      </div>
      <div className="overflow-x-auto">
      <Table aria-label="step metrics">
        <THead>
          <tr>
            <TH>Step</TH>
            <TH>Type</TH>
            <TH>Status</TH>
            <TH className="text-right">Latency</TH>
            <TH className="text-right">Tokens</TH>
            <TH className="text-right">Cost</TH>
            <TH className="text-right">Energy</TH>
            <TH className="text-right">Carbon</TH>
          </tr>
        </THead>
        <tbody>
          {rows.map((r) => (
            <TR key={r.path} className="metric-row" data-step={r.path}>
              <TD className="font-mono text-xs">{r.path}</TD>
              <TD>{r.type}</TD>
              <TD>
                {r.status}
                {r.error && <div className="max-w-xs text-xs text-red-600 dark:text-red-400">{r.error}</div>}
              </TD>
              <TD className="text-right tabular-nums">{r.latency}</TD>
              <TD className="text-right tabular-nums">{r.tokens}</TD>
              <TD className="step-cost text-right tabular-nums">{r.cost}</TD>
              <TD className="text-right tabular-nums">{r.energy}</TD>
              <TD className="step-carbon text-right tabular-nums" title={r.carbonRange || undefined}>
                {r.carbon}
              </TD>
            </TR>
          ))}
          <TR className="font-medium">
            <TD>Total</TD>
            <TD />
            <TD>{totals.status}</TD>
            <TD className="text-right tabular-nums">{totals.latency}</TD>
            <TD className="text-right tabular-nums">{totals.tokens}</TD>
            <TD className="text-right tabular-nums">{totals.cost}</TD>
            <TD className="text-right tabular-nums">{totals.energy}</TD>
            <TD className="text-right tabular-nums" title={totals.carbonRange || undefined}>
              {totals.carbon}
            </TD>
          </TR>
        </tbody>
      </Table>
      </div>
    </div>
  );
}
