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
// datasets and experiments load when first shown too
const DatasetsPage = lazy(() => import("./datasets/DatasetsPage").then((m) => ({ default: m.DatasetsPage })));
const DatasetPage = lazy(() => import("./datasets/DatasetPage").then((m) => ({ default: m.DatasetPage })));
const ExperimentsPage = lazy(() => import("./experiments/ExperimentsPage").then((m) => ({ default: m.ExperimentsPage })));
const ExperimentPage = lazy(() => import("./experiments/ExperimentPage").then((m) => ({ default: m.ExperimentPage })));
const ComparePage = lazy(() => import("./experiments/ComparePage").then((m) => ({ default: m.ComparePage })));
// the playground (with Monaco) and the chains pages load when first shown
const PlaygroundPage = lazy(() => import("./playground/PlaygroundPage").then((m) => ({ default: m.PlaygroundPage })));
const ChainsPage = lazy(() => import("./chains/ChainsPage").then((m) => ({ default: m.ChainsPage })));
const ChainPage = lazy(() => import("./chains/ChainPage").then((m) => ({ default: m.ChainPage })));

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
        ) : state.page === "datasets" ? (
          <DatasetsPage state={state} project={project} />
        ) : state.page === "dataset" && state.dataset ? (
          <DatasetPage state={state} project={project} name={state.dataset} />
        ) : state.page === "experiments" ? (
          <ExperimentsPage state={state} project={project} />
        ) : state.page === "experiment" && state.experiment ? (
          <ExperimentPage state={state} project={project} id={state.experiment} />
        ) : state.page === "compare" ? (
          <ComparePage state={state} project={project} />
        ) : state.page === "playground" ? (
          <PlaygroundPage key={project} state={state} project={project} />
        ) : state.page === "chains" ? (
          <ChainsPage state={state} project={project} />
        ) : state.page === "chain" && state.chain ? (
          <ChainPage state={state} project={project} name={state.chain} />
        ) : state.page === "costs" ? (
          <Cost state={state} project={project} />
        ) : (
          <TraceList state={state} project={project} />
        )}
      </Suspense>
    </Shell>
  );
}

