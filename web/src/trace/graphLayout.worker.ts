// The graph's layout off the main thread: one message in (nodes and edges), one out (positions).
import { layoutGraph } from "./graphLayout";
import type { LayoutEdge, LayoutNode } from "./graphNodes";

self.onmessage = (event: MessageEvent<{ nodes: LayoutNode[]; edges: LayoutEdge[] }>) => {
  const { nodes, edges } = event.data;
  self.postMessage(layoutGraph(nodes, edges));
};
