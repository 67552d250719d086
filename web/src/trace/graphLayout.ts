// The graph's layout: dagre, top to bottom, over a node per span and an edge per
// parent link. Run in a Web Worker (graphLayout.worker.ts), so a large trace's
// layout (seconds at thousands of spans) does not hold the page; Cytoscape then
// draws the positions as they are (its preset layout).
import dagre from "@dagrejs/dagre";
import { LayoutEdge, LayoutNode, NODE_PX, Positions } from "./graphNodes";

const LABEL_GAP_PX = 4;
const LINE_PX = 13;
/** An 11 px label's average character width: an estimate, there is no text to measure in a worker. */
const CHAR_PX = 6.2;

function boxOf(label: string): { width: number; height: number } {
  const lines = label.split("\n");
  const longest = Math.max(...lines.map((l) => l.length));
  return {
    width: Math.max(NODE_PX, longest * CHAR_PX),
    height: NODE_PX + LABEL_GAP_PX + lines.length * LINE_PX,
  };
}

/** Each node's circle centre. */
export function layoutGraph(nodes: LayoutNode[], edges: LayoutEdge[]): Positions {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "TB", nodesep: 30, ranksep: 50 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) graph.setNode(n.id, boxOf(n.label));
  for (const e of edges) graph.setEdge(e.source, e.target);
  dagre.layout(graph);
  const positions: Positions = {};
  for (const n of nodes) {
    const placed = graph.node(n.id);
    // dagre places the box's centre; the circle is at the box's top
    positions[n.id] = { x: placed.x, y: placed.y - placed.height / 2 + NODE_PX / 2 };
  }
  return positions;
}
