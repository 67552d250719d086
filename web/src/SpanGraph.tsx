import { useEffect, useRef } from "react";
import type { Core } from "cytoscape";
import { Span } from "./api";
import { duration } from "./format";
import { useDark } from "./theme";

const TYPE_COLOURS: Record<string, string> = {
  llm: "#f59e0b",
  tool: "#0ea5e9",
  agent: "#8b5cf6",
  chain: "#16a34a",
  retriever: "#14b8a6",
  embedding: "#ec4899",
};

/** The trace as a graph: a node per span, an edge from each parent to its child,
 * laid out top-down; clicking a node selects its span. This module and Cytoscape
 * are loaded the first time a graph is shown, so the other views do not carry them. */
export function SpanGraph({
  spans,
  selected,
  onSelect,
}: {
  spans: Span[];
  selected: string | null;
  onSelect: (spanId: string) => void;
}) {
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
      const ids = new Set(spans.map((s) => s.span_id));
      const cy = cytoscape({
        container: box.current,
        elements: [
          ...spans.map((s) => ({
            data: {
              id: s.span_id,
              label: `${s.name}\n${duration(s.duration_ms)}`,
              colour: s.status.code === 2 ? "#dc2626" : (TYPE_COLOURS[s.span_type] ?? "#64748b"),
            },
          })),
          ...spans
            .filter((s) => s.parent_span_id && ids.has(s.parent_span_id))
            .map((s) => ({ data: { id: `${s.parent_span_id}->${s.span_id}`, source: s.parent_span_id!, target: s.span_id } })),
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
              width: 22,
              height: 22,
            },
          },
          { selector: "node:selected", style: { "border-width": 3, "border-color": dark ? "#f4f4f5" : "#111827" } },
          {
            selector: "edge",
            style: { width: 1.5, "line-color": "#94a3b8", "target-arrow-color": "#94a3b8", "target-arrow-shape": "triangle", "curve-style": "bezier" },
          },
        ],
        layout: { name: "breadthfirst", directed: true, spacingFactor: 1.1 },
        wheelSensitivity: 0.3,
        maxZoom: 1.5, // a small trace is not blown up to fill the box
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
  }, [spans, dark]);

  useEffect(() => {
    const cy = graph.current;
    if (!cy || !selected) return;
    cy.nodes().unselect();
    cy.getElementById(selected).select();
  }, [selected]);

  return <div className="graph h-[480px]" ref={box} data-testid="span-graph" />;
}
