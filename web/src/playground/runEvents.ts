// A run as its events WebSocket tells it (docs/chains.md, "Events"): each step's status
// and streamed text as tokens arrive, then the run's end. A pure reducer, so the
// Output tab draws whatever has arrived and tests can replay a recorded stream.

export interface StreamedStep {
  step: string;
  path: string;
  type: string;
  status: "running" | "succeeded" | "failed" | "skipped" | "cancelled" | string;
  text: string;
  output?: unknown;
  error?: string | null;
  latencyMs?: number | null;
}

export interface StreamedRun {
  runId: string;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled" | "timed_out" | string;
  steps: StreamedStep[];
  output?: unknown;
  error: string | null;
  errorStep: string | null;
  traceId: string | null;
  logs: { level: string; step: string | null; message: string }[];
  /** events this page missed because it fell behind (a `lagged` event) */
  dropped: number;
  ended: boolean;
}

export const startedRun = (runId: string): StreamedRun => ({
  runId,
  status: "queued",
  steps: [],
  error: null,
  errorStep: null,
  traceId: null,
  logs: [],
  dropped: 0,
  ended: false,
});

type Event = Record<string, unknown> & { type: string };

function updateStep(run: StreamedRun, path: string, change: (s: StreamedStep) => StreamedStep, seed?: Partial<StreamedStep>): StreamedRun {
  const index = run.steps.findIndex((s) => s.path === path);
  if (index < 0) {
    const step: StreamedStep = { step: path, path, type: "", status: "running", text: "", ...seed };
    return { ...run, steps: [...run.steps, change(step)] };
  }
  const steps = [...run.steps];
  steps[index] = change(steps[index]);
  return { ...run, steps };
}

const str = (v: unknown) => (typeof v === "string" ? v : "");

export function applyEvent(run: StreamedRun, event: Event): StreamedRun {
  const path = str(event.path) || str(event.step);
  switch (event.type) {
    case "run_started":
      return { ...run, status: "running", traceId: str(event.trace_id) || run.traceId };
    case "step_started":
      return updateStep(run, path, (s) => ({ ...s, status: "running", type: str(event.step_type) || s.type }), {
        step: str(event.step),
      });
    case "token":
      return updateStep(run, path, (s) => ({ ...s, text: s.text + str(event.text) }), { step: str(event.step) });
    case "step_finished":
      return updateStep(run, path, (s) => ({
        ...s,
        status: str(event.status) || s.status,
        output: event.output,
        error: (event.error as string | null | undefined) ?? null,
        latencyMs: (event.latency_ms as number | null | undefined) ?? null,
      }));
    case "log":
      return { ...run, logs: [...run.logs, { level: str(event.level), step: (event.step as string) ?? null, message: str(event.message) }] };
    case "lagged":
      return { ...run, dropped: run.dropped + (Number(event.dropped) || 0) };
    case "run_finished":
      return {
        ...run,
        status: str(event.status) || run.status,
        output: event.output,
        error: (event.error as string | null) ?? null,
        errorStep: (event.error_step as string | null) ?? null,
        traceId: str(event.trace_id) || run.traceId,
        ended: true,
      };
    default:
      return run;
  }
}

/** What the Output tab shows as the answer so far: the run's output once it ended, else
 * the text the running (or last) LLM step has streamed. */
export function liveText(run: StreamedRun): string {
  if (run.ended && run.output !== undefined) return typeof run.output === "string" ? run.output : JSON.stringify(run.output, null, 2);
  const streaming = [...run.steps].reverse().find((s) => s.text);
  return streaming?.text ?? "";
}
