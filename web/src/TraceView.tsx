import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { navigate, pageHref, TraceViewMode, ViewState } from "./route";
import { Button } from "./ui/Button";
import { Card } from "./ui/Card";
import { TabPanel, Tabs } from "./ui/Tabs";
import { SelectedSpan } from "./trace/SelectedSpan";
import { SpanList } from "./trace/SpanList";
import { ancestorIds, parentIds, spanAt, spanTree, visibleRows } from "./trace/spanTree";
import { TraceFooter } from "./trace/TraceFooter";
import { TraceHeader } from "./trace/TraceHeader";
import { rootSpanId } from "./trace/traceMetadata";
import { useTraceOutline } from "./trace/useTraceOutline";
import { Waterfall } from "./trace/Waterfall";

// Cytoscape is loaded the first time a graph is shown, so the other views do not carry it.
const SpanGraph = lazy(() => import("./trace/SpanGraph").then((m) => ({ default: m.SpanGraph })));

/** The view modes: the span tree as a list, the waterfall on a time axis, the graph. */
const VIEWS = [
  { value: "tree", label: "List" },
  { value: "timeline", label: "Timeline" },
  { value: "graph", label: "Graph" },
];

/** One trace: header and metadata, list / timeline / graph with the selected span's
 * inspector, and the server's totals. Laid out by its own width (container queries), so
 * it fits a page of its own as well as the trace list's side pane (`embedded`: no
 * link back to the list, which is beside it). */
export function TraceView({
  state,
  project,
  traceId,
  embedded = false,
}: {
  state: ViewState;
  project: string;
  traceId: string;
  embedded?: boolean;
}) {
  // by columns: the inspector asks its span whole (SelectedSpan), the header the root's resource
  const query = useTraceOutline(project, traceId, state.window);
  const trace = query.data;
  const tree = useMemo(() => (trace ? spanTree(trace) : null), [trace]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => setCollapsed(new Set()), [traceId]);
  const shown = useMemo(() => (tree ? visibleRows(tree, collapsed) : null), [tree, collapsed]);
  const foldable = useMemo(() => !!tree && tree.order.some((span) => tree.descendants[span] > 0), [tree]);
  const toggle = useCallback(
    (spanId: string) =>
      setCollapsed((c) => {
        const next = new Set(c);
        if (!next.delete(spanId)) next.add(spanId);
        return next;
      }),
    [],
  );
  const view = useViewMode(state.view);
  const inspector = useRef<HTMLDivElement>(null);

  const back = !embedded && (
    <a href={pageHref(state, "traces")} className="text-sm text-zinc-500 hover:text-zinc-900 dark:hover:text-white">
      ← Traces
    </a>
  );
  if (query.error)
    return (
      <section className="flex flex-col gap-3">
        {back}
        <p className="error text-sm text-red-600 dark:text-red-400">{query.error.message}</p>
      </section>
    );
  if (!trace || !tree || !shown)
    return (
      <section className="flex flex-col gap-3">
        {back}
        <p className="text-sm text-zinc-500">Loading trace {traceId}…</p>
      </section>
    );

  const selected = state.span ?? rootSpanId(trace);
  const select = (spanId: string) => {
    // a span chosen elsewhere (the graph) shows in the tree too: its ancestors unfold
    const hidden = ancestorIds(tree, spanId).filter((id) => collapsed.has(id));
    if (hidden.length) setCollapsed((c) => new Set([...c].filter((id) => !hidden.includes(id))));
    navigate({ span: spanId });
  };
  // in a narrow pane the inspector is below the graph: a node clicked brings it into view
  const selectFromGraph = (spanId: string) => {
    select(spanId);
    const box = inspector.current?.getBoundingClientRect();
    if (box && (box.top > window.innerHeight || box.bottom < 0)) inspector.current?.scrollIntoView({ block: "start" });
  };
  const position = selected === null ? undefined : tree.positions.get(selected);
  const span = position === undefined ? null : spanAt(tree, position);
  const treeProps = { tree, rows: shown, collapsed, onToggle: toggle, selected, onSelect: select };
  const rowCount = tree.order.length;
  return (
    <section className="trace @container flex flex-col gap-3">
      {back}
      <TraceHeader trace={trace} name={rowCount ? spanAt(tree, tree.order[0]).name : traceId} state={state} />
      <Tabs label="trace views" value={view.mode} onValueChange={view.set} tabs={VIEWS}>
        <div className="grid grid-cols-1 items-start gap-3 @5xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
          <Card className="overflow-hidden">
            {view.mode !== "graph" && foldable && (
              <div className="flex items-center gap-1 border-b border-zinc-200 px-2 py-1 dark:border-zinc-800">
                <Button size="sm" variant="ghost" onClick={() => setCollapsed(new Set())} disabled={!collapsed.size}>
                  Expand all
                </Button>
                <Button size="sm" variant="ghost" onClick={() => setCollapsed(parentIds(tree))}>
                  Collapse all
                </Button>
                <span className="ml-auto pr-2 text-xs text-zinc-500 tabular-nums">
                  {shown.length === rowCount ? `${rowCount} spans` : `${shown.length} of ${rowCount} spans shown`}
                </span>
              </div>
            )}
            <TabPanel value="tree">
              <SpanList {...treeProps} />
            </TabPanel>
            <TabPanel value="timeline">
              <Waterfall {...treeProps} totalMs={Math.max(trace.duration_ms, 0.001)} />
            </TabPanel>
            <TabPanel value="graph">
              <Suspense fallback={<p className="p-4 text-sm text-zinc-500">Loading the graph…</p>}>
                <SpanGraph tree={tree} selected={selected} onSelect={selectFromGraph} />
              </Suspense>
            </TabPanel>
          </Card>
          <div className="scroll-mt-16 @5xl:sticky @5xl:top-16" ref={inspector}>
            {span && <SelectedSpan project={project} traceId={traceId} window={state.window} span={span} />}
          </div>
        </div>
      </Tabs>
      <TraceFooter trace={trace} />
    </section>
  );
}

/** The view mode, kept in the URL's `view`. route.ts's TraceViewMode parses "tree" and
 * "graph"; until it parses "timeline" too, the timeline is written to the URL but also
 * held here, so choosing it works on the page (a reload opens the list). */
function useViewMode(fromUrl: TraceViewMode) {
  const [chosen, setChosen] = useState<string>(fromUrl);
  const [seen, setSeen] = useState<string>(fromUrl);
  if (fromUrl !== seen) {
    // the URL moved (back button, a link): it wins, unless it is the list the timeline falls back to
    setSeen(fromUrl);
    if (!(fromUrl === "tree" && chosen === "timeline")) setChosen(fromUrl);
  }
  return {
    mode: chosen,
    set: (mode: string) => {
      setChosen(mode);
      navigate({ view: mode as TraceViewMode });
    },
  };
}
