// The graph's nodes and edges as the layout worker takes them, and its answer.

export interface LayoutNode {
  id: string;
  /** The text drawn under the node: it counts in the node's size, so neighbours' labels do not overlap. */
  label: string;
}

export interface LayoutEdge {
  source: string;
  target: string;
}

export type Positions = Record<string, { x: number; y: number }>;

/** The drawn node: a circle of this size with its label under it (SpanGraph's style). */
export const NODE_PX = 22;
