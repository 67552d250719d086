import { Suspense } from "react";
import { CostCarbon } from "./CostCarbon";
import { useViewState } from "./route";
import { Shell } from "./Shell";
import { SpanSearch } from "./SpanSearch";
import { TraceList } from "./TraceList";
import { TraceView } from "./TraceView";

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
        ) : state.page === "costs" ? (
          <CostCarbon state={state} project={project} />
        ) : (
          <TraceList state={state} project={project} />
        )}
      </Suspense>
    </Shell>
  );
}

