import { useEffect, useMemo, useRef, useState } from "react";
import type { Core } from "cytoscape";
import { FAILURE_COLOUR, OTHER_COLOUR, SPAN_TYPE_COLOURS, spanTypeColour } from "../explorer/spanTypeColours";
import { count, duration } from "../format";
import { useDark } from "../theme";
import { Button } from "../ui/Button";
import { LayoutEdge, LayoutNode, NODE_PX, Positions } from "./graphNodes";
import { DrawnSpan, spanAt, SpanTree } from "./spanTree";
import { useGraphLayout } from "./useGraphLayout";

type GraphProps = {
  tree: SpanTree;
  selected: string | null;
  onSelect: (spanId: string) => void;
};

/** The layout runs in a Web Worker, so the page stays responsive; still, dagre takes
 * seconds past a few thousand spans (27-45 s at 10,000) and Cytoscape then draws every
 * node on the page's thread: a larger trace (a shared link may open on the graph) is
 * laid out only when asked. */
const DRAWN_UNASKED = 1000;
/** Past this many nodes Cytoscape draws a still picture while panning and zooming. */
const LARGE = 500;

/** The trace as a graph: a node per span, an edge from each parent to its child,
 * laid out top-down as a DAG by dagre, coloured by span type, failures ringed in red;
 * clicking a node selects its span. This module and Cytoscape
 * are loaded the first time a graph is shown, so the other views do not carry them. */
export function SpanGraph(props: GraphProps) {
  const [asked, setAsked] = useState(false);
  const spanCount = props.tree.outline.span_count;
  if (spanCount > DRAWN_UNASKED && !asked)
    return (
      <div className="flex flex-col items-start gap-2 p-4 text-sm text-zinc-600 dark:text-zinc-400" data-testid="graph-too-large">
        <p>
          This trace has {count(spanCount)} spans: laying them out as a graph takes a while (about 3 seconds per
          1,500 spans and more beyond; the page stays usable and you can cancel). The list and timeline show every span at
          once.
        </p>
        <Button size="sm" onClick={() => setAsked(true)}>
          Draw the graph anyway
        </Button>
      </div>
    );
  return <LaidOutGraph {...props} />;
}

function LaidOutGraph(props: GraphProps) {
  const spans = useMemo(() => spansOf(props.tree), [props.tree]);
  const { nodes, edges } = useMemo(() => graphOf(spans), [spans]);
  const { layout, cancel, retry } = useGraphLayout(nodes, edges);
  if (layout.state === "done") return <DrawnGraph {...props} spans={spans} positions={layout.positions} />;
  return (
    <div className="flex flex-col items-start gap-2 p-4 text-sm text-zinc-600 dark:text-zinc-400" data-testid="graph-layout">
      {layout.state === "running" && (
        <>
          <p role="status" className="flex items-center gap-2">
            <span className="inline-block h-3 w-3 animate-spin rounded-full border-2 border-brand-500 border-t-transparent" />
            Laying out {count(spans.length)} spans… {(layout.elapsedMs / 1000).toFixed(1)} s
          </p>
          <Button size="sm" onClick={cancel}>
            Cancel
          </Button>
        </>
      )}
      {layout.state === "cancelled" && (
        <>
          <p role="status">The graph's layout was cancelled.</p>
          <Button size="sm" onClick={retry}>
            Lay out again
          </Button>
        </>
      )}
      {layout.state === "failed" && <p className="text-red-600">The graph could not be laid out: {layout.message}</p>}
    </div>
  );
}

const label = (s: DrawnSpan) => `${s.name}\n${duration(s.durationMs)}`;

/** A node per span, with its stored parent's id (null for none, or one not stored). */
type GraphSpan = DrawnSpan & { parentId: string | null };

function spansOf(tree: SpanTree): GraphSpan[] {
  const { span_id: ids, parent } = tree.outline.spans;
  return ids.map((_, i) => ({ ...spanAt(tree, i), parentId: parent[i] >= 0 ? ids[parent[i]] : null }));
}

function graphOf(spans: GraphSpan[]): { nodes: LayoutNode[]; edges: LayoutEdge[] } {
  return {
    nodes: spans.map((s) => ({ id: s.spanId, label: label(s) })),
    edges: spans
      .filter((s) => s.parentId && s.parentId !== s.spanId)
      .map((s) => ({ source: s.parentId!, target: s.spanId })),
  };
}

function DrawnGraph({
  spans,
  selected,
  onSelect,
  positions,
}: GraphProps & { spans: GraphSpan[]; positions: Positions }) {
  const dark = useDark();
  const box = useRef<HTMLDivElement>(null);
  const graph = useRef<Core | null>(null);
  const select = useRef(onSelect);
  select.current = onSelect;
  const current = useRef(selected);
  current.current = selected;

  useEffect(() => {
    let stopped = false;
    import("cytoscape").then(({ default: cytoscape }) => {
      if (stopped || !box.current) return;
      const large = spans.length > LARGE;
      const cy = cytoscape({
        container: box.current,
        elements: [
          ...spans.map((s) => ({
            data: { id: s.spanId, label: label(s), colour: spanTypeColour(s.spanType), type: s.spanType },
            position: { ...positions[s.spanId] },
            classes: s.failed ? "failed" : "",
          })),
          ...spans
            .filter((s) => s.parentId)
            .map((s) => ({ data: { id: `${s.parentId}->${s.spanId}`, source: s.parentId!, target: s.spanId } })),
        ],
        style: [
          {
            selector: "node",
            style: {
              "background-color": "data(colour)",
              label: "data(label)",
              "text-wrap": "wrap",
              "text-valign": "bottom",
              "text-margin-y": 4,
              "font-size": 11,
              color: dark ? "#e4e4e7" : "#27272a",
              width: NODE_PX,
              height: NODE_PX,
              // a large graph fits the box at a zoom where labels are unreadable: they are
              // drawn once zoomed in, not measured and painted 10,000 times first
              "min-zoomed-font-size": large ? 8 : 0,
            },
          },
          { selector: "node.failed", style: { "border-width": 3, "border-color": FAILURE_COLOUR, "border-style": "double" } },
          {
            selector: "node:selected",
            style: { "border-width": 4, "border-color": dark ? "#f4f4f5" : "#111827", "overlay-opacity": 0.12 },
          },
          {
            selector: "edge",
            style: { width: 1.5, "line-color": "#94a3b8", "target-arrow-color": "#94a3b8", "target-arrow-shape": "triangle", "curve-style": large ? "haystack" : "bezier" },
          },
        ],
        // dagre's positions, computed in the worker
        layout: { name: "preset", fit: true, padding: 20 },
        wheelSensitivity: 0.3,
        maxZoom: 1.5, // a small trace is not blown up to fill the box
        textureOnViewport: large,
        hideEdgesOnViewport: large,
      });
      cy.on("tap", "node", (event) => select.current(event.target.id()));
      if (current.current) cy.getElementById(current.current).select();
      graph.current = cy;
      box.current.dataset.nodes = String(cy.nodes().length);
      box.current.dataset.edges = String(cy.edges().length);
    });
    return () => {
      stopped = true;
      graph.current?.destroy();
      graph.current = null;
    };
  }, [spans, dark, positions]);

  useEffect(() => {
    const cy = graph.current;
    if (!cy || !selected) return;
    cy.nodes().unselect();
    cy.getElementById(selected).select();
  }, [selected]);

  return (
    <div className="flex flex-col">
      <div className="graph h-[480px]" ref={box} data-testid="span-graph" />
      <GraphLegend spans={spans} />
    </div>
  );
}

/** The colours of the span types present in the trace, and the failure mark. */
function GraphLegend({ spans }: { spans: GraphSpan[] }) {
  const types = useMemo(() => {
    const present = new Set(spans.map((s) => s.spanType));
    const known = Object.keys(SPAN_TYPE_COLOURS).filter((t) => present.has(t));
    const others = [...present].filter((t) => !(t in SPAN_TYPE_COLOURS)).sort();
    return [...known.map((t) => [t, SPAN_TYPE_COLOURS[t]]), ...others.map((t) => [t, OTHER_COLOUR])];
  }, [spans]);
  const failed = spans.some((s) => s.failed);
  return (
    <ul className="legend flex flex-wrap gap-3 border-t border-zinc-200 px-3 py-2 text-xs dark:border-zinc-800" aria-label="graph legend">
      {types.map(([type, colour]) => (
        <li key={type} className="legend-item flex items-center gap-1" data-type={type}>
          <span className="inline-block h-3 w-3 rounded-full" style={{ backgroundColor: colour }} />
          {type || "span"}
        </li>
      ))}
      {failed && (
        <li className="legend-item flex items-center gap-1" data-type="failed">
          <span className="inline-block h-3 w-3 rounded-full border-2" style={{ borderColor: FAILURE_COLOUR }} />
          failed
        </li>
      )}
    </ul>
  );
}
