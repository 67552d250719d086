// The playground's runs: started through POST .../chain-runs (one request per variant
// column, `repeat` runs each), each followed on its events WebSocket as it streams, and
// its whole record (per-step figures read back from the stored trace) fetched once it
// has finished. Sockets close when the page does.
import { useCallback, useEffect, useRef } from "react";
import { useKept } from "./kept";
import { cancelRun, ChainDefinitionJson, ChainRun, getRun, runEventsUrl, startRuns } from "../chains/chainsApi";
import { applyEvent, StreamedRun, startedRun } from "./runEvents";

export interface RunTarget {
  /** a saved chain's version, run as stored (the run is that chain's: the Compare tab lists it) */
  chain?: { name: string; version: number };
  /** else an inline definition (a draft) */
  definition: ChainDefinitionJson;
}

export interface ColumnRuns {
  label: string;
  runs: StreamedRun[];
  error: unknown;
}

export function useRuns(project: string) {
  const [columns, setColumns] = useKept<ColumnRuns[]>(project, "runColumns", []);
  const [records, setRecords] = useKept<Record<string, ChainRun>>(project, "runRecords", {});
  const sockets = useRef(new Set<WebSocket>());

  useEffect(() => {
    const open = sockets.current;
    return () => open.forEach((s) => s.close());
  }, []);

  const update = (column: number, runId: string, change: (run: StreamedRun) => StreamedRun) =>
    setColumns((cols) =>
      cols.map((c, i) => (i === column ? { ...c, runs: c.runs.map((r) => (r.runId === runId ? change(r) : r)) } : c)),
    );

  const follow = useCallback(
    (column: number, runId: string) => {
      const socket = new WebSocket(runEventsUrl(project, runId));
      sockets.current.add(socket);
      socket.onmessage = (message) => {
        let event: { type: string } & Record<string, unknown>;
        try {
          event = JSON.parse(String(message.data));
        } catch {
          return;
        }
        update(column, runId, (r) => applyEvent(r, event));
        if (event.type === "run_finished") {
          getRun(project, runId).then(
            (record) => setRecords((all) => ({ ...all, [runId]: record })),
            () => {},
          );
        }
      };
      socket.onclose = () => sockets.current.delete(socket);
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [project],
  );

  /** Starts every column's runs: `targets[i]` is column i (the variants side by side). */
  // runs still going when the page was left are followed again from their start (a
  // late subscriber is sent every event kept so far)
  const resumed = useRef(false);
  useEffect(() => {
    if (resumed.current) return;
    resumed.current = true;
    columns.forEach((column, i) =>
      column.runs.forEach((r) => {
        if (r.ended) return;
        update(i, r.runId, () => startedRun(r.runId));
        follow(i, r.runId);
      }),
    );
    // once, on mount
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const run = useCallback(
    async (targets: (RunTarget & { label: string })[], inputs: Record<string, unknown>, repeat: number) => {
      setColumns(targets.map((t) => ({ label: t.label, runs: [], error: null })));
      await Promise.all(
        targets.map(async (target, column) => {
          try {
            const started = await startRuns(
              project,
              target.chain
                ? { chain: target.chain.name, version: target.chain.version, inputs, repeat }
                : { definition: target.definition, inputs, repeat },
            );
            setColumns((cols) => cols.map((c, i) => (i === column ? { ...c, runs: started.runs.map((r) => startedRun(r.id)) } : c)));
            started.runs.forEach((r) => follow(column, r.id));
          } catch (e) {
            setColumns((cols) => cols.map((c, i) => (i === column ? { ...c, error: e } : c)));
          }
        }),
      );
    },
    [project, follow],
  );

  const running = columns.some((c) => c.runs.some((r) => !r.ended));
  /** Cancels every run still going (each ends `cancelled`, its trace kept). */
  const stop = useCallback(async () => {
    const going = columns.flatMap((c) => c.runs.filter((r) => !r.ended).map((r) => r.runId));
    await Promise.allSettled(going.map((id) => cancelRun(project, id)));
  }, [columns, project]);
  return { columns, records, run, running, stop };
}
