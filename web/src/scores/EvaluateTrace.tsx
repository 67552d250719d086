// Runs an evaluator over the selected span's input and output from the inspector:
// the built-ins that need no parameters (GET /api/v1/evaluators) and the LLM judges
// (through the project's judge provider), with an expected output when the
// evaluator compares with one. The score is stored with source evaluator; a judge
// that failed links to the trace of its call.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "../ui/Button";
import { Input } from "../ui/Input";
import { Select } from "../ui/Select";
import { JudgeTraceLink } from "./JudgeTraceLink";
import { evaluateTrace, evaluatorCatalogue } from "./scoresApi";
import { scoreKeys } from "./useScores";

export function EvaluateTrace({ project, traceId, spanId }: { project: string; traceId: string; spanId: string }) {
  const catalogue = useQuery({ queryKey: ["evaluators"], queryFn: ({ signal }) => evaluatorCatalogue(signal), staleTime: 5 * 60_000 });
  const client = useQueryClient();
  const [chosen, setChosen] = useState("");
  const [expected, setExpected] = useState("");
  // parameters a form would need are left to the API; these run as they are
  const runnable = (catalogue.data?.evaluators ?? []).filter((e) => !(e.parameters?.required as string[] | undefined)?.length);
  const evaluator = runnable.find((e) => e.name === chosen);
  const run = useMutation({
    mutationFn: () =>
      evaluateTrace(project, traceId, {
        ...(evaluator?.kind === "llm_judge" ? { judge: chosen } : { evaluator: chosen }),
        span_id: spanId,
        ...(expected.trim() ? { expected } : {}),
      }),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: scoreKeys.trace(project, traceId) }),
        client.invalidateQueries({ queryKey: scoreKeys.names(project) }),
        client.invalidateQueries({ queryKey: ["traces", project] }),
      ]),
  });
  if (runnable.length === 0) return null;
  const failed = run.error?.message ?? (run.data && !run.data.stored ? run.data.score.error : null);
  return (
    <form
      className="evaluate mt-3 flex flex-col gap-1.5 text-sm"
      aria-label="run an evaluator"
      onSubmit={(e) => {
        e.preventDefault();
        if (evaluator) run.mutate();
      }}
    >
      <div className="flex flex-wrap items-center gap-1.5">
        <Select
          label="evaluator"
          value={chosen}
          options={runnable.map((e) => ({ value: e.name, label: e.kind === "llm_judge" ? `${e.name} (judge)` : e.name }))}
          onValueChange={(v) => {
            setChosen(v);
            run.reset();
          }}
        />
        {evaluator?.needs_expected || evaluator?.name === "contains" ? (
          <Input aria-label="expected output" placeholder="expected output" value={expected} onChange={(e) => setExpected(e.target.value)} className="w-40" />
        ) : null}
        <Button type="submit" size="sm" disabled={!evaluator || run.isPending}>
          {run.isPending ? "Evaluating…" : "Evaluate"}
        </Button>
      </div>
      {failed && (
        <p className="error text-red-600">
          {failed} <JudgeTraceLink traceId={run.data?.score.judge_trace_id} />
        </p>
      )}
    </form>
  );
}
