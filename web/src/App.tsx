import { lazy, Suspense } from "react";
import { useViewState } from "./route";
import { Shell } from "./Shell";
import { SpanSearch } from "./SpanSearch";
import { TraceList } from "./TraceList";
import { TraceView } from "./TraceView";

// uPlot and the cost page load when that page is first shown, not with the trace list.
const Cost = lazy(() => import("./analytics/Cost").then((m) => ({ default: m.Cost })));
const Performance = lazy(() => import("./analytics/Performance").then((m) => ({ default: m.Performance })));
const Tokens = lazy(() => import("./analytics/Tokens").then((m) => ({ default: m.Tokens })));
const Carbon = lazy(() => import("./analytics/Carbon").then((m) => ({ default: m.Carbon })));

export function App() {
  const state = useViewState();
  const project = state.project ?? "default";
  return (
    <Shell state={state} project={project}>
      <Suspense>
        {state.page === "trace" && state.traceId ? (
          <TraceView state={state} project={project} traceId={state.traceId} />
        ) : state.page === "spans" ? (
          <SpanSearch state={state} project={project} />
        ) : state.page === "performance" ? (
          <Performance state={state} project={project} />
        ) : state.page === "tokens" ? (
          <Tokens state={state} project={project} />
        ) : state.page === "carbon" ? (
          <Carbon state={state} project={project} />
        ) : state.page === "costs" ? (
          <Cost state={state} project={project} />
        ) : (
          <TraceList state={state} project={project} />
        )}
      </Suspense>
    </Shell>
  );
}

