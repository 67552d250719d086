// An LLM span of a production trace, taken further: opened in the Playground as a draft
// step (its messages, model, parameters, tools and response format) to change and run,
// or the trace replayed up to it (the recorded answers to here, no provider call and no
// cost; the LLM calls after it live) with the new run's trace a click away.
import { useMutation } from "@tanstack/react-query";
import { replayTrace } from "../chains/chainsApi";
import { ErrorText } from "../datasets/Dialog";
import { playgroundFromSpanHref, traceHref, useViewState } from "../route";
import { Button } from "../ui/Button";

export function SpanChainActions({ project, traceId, spanId }: { project: string; traceId: string; spanId: string }) {
  const state = useViewState();
  const replay = useMutation({ mutationFn: () => replayTrace(project, traceId, spanId) });
  const run = replay.data?.runs[0];
  return (
    <div className="flex flex-wrap items-center gap-2 border-t border-zinc-200 px-4 py-2 text-sm dark:border-zinc-800" data-testid="span-chain-actions">
      <a
        className="rounded-md border border-zinc-200 px-2 py-1 text-xs font-medium hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-800"
        href={playgroundFromSpanHref({ ...state, project }, traceId, spanId)}
      >
        Open in Playground
      </a>
      <Button size="sm" variant="ghost" disabled={replay.isPending} onClick={() => replay.mutate()}>
        {replay.isPending ? "Replaying…" : "Replay to here"}
      </Button>
      {run && replay.data && (
        <span className="replay-result text-xs text-zinc-500">
          {run.status}: {replay.data.replay.replayed.length} replayed, {replay.data.replay.live.length} live ·{" "}
          {run.trace_id && (
            <a className="text-brand-600 hover:underline" href={traceHref({ ...state, project }, run.trace_id)}>
              the replay's trace
            </a>
          )}
        </span>
      )}
      <ErrorText error={replay.error} />
    </div>
  );
}
