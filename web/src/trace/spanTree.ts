// A trace's outline (by columns, a span per position) as the rows of its tree view.
// Built in one pass over typed arrays, no object per span: a row is a span's position,
// its fields read from the columns when it is drawn (spanAt).
import type { TraceOutline } from "../api";

export interface SpanTree {
  outline: TraceOutline;
  /** Span positions in tree order: from each of the API's roots (no parent, a parent
   * not stored, or the first span of a parent loop), children by start time. */
  order: Int32Array;
  /** By position: depth in the tree, spans below (all depths; a span with some folds),
   * the parent in the tree (-1 for a root). */
  depth: Int32Array;
  descendants: Int32Array;
  treeParent: Int32Array;
  /** Span id -> position. */
  positions: Map<string, number>;
  /** Positions of spans whose parent is not stored, and of the heads of parent loops. */
  parentMissing: ReadonlySet<number>;
  parentLoop: ReadonlySet<number>;
}

/** What a row draws of a span. */
export interface DrawnSpan {
  position: number;
  spanId: string;
  name: string;
  spanType: string;
  failed: boolean;
  /** ms from the trace's start */
  startMs: number;
  durationMs: number;
  totalTokens: number | null;
  costStatus: string;
  costUsd: number | null;
  parentMissing: boolean;
  parentLoop: boolean;
}

const coded = (column: { values: string[]; codes: number[] }, i: number) => column.values[column.codes[i]];

export function spanAt(tree: SpanTree, i: number): DrawnSpan {
  const c = tree.outline.spans;
  return {
    position: i,
    spanId: c.span_id[i],
    name: coded(c.name, i),
    spanType: coded(c.span_type, i),
    failed: c.status_code[i] === 2,
    startMs: c.start_offset_ns[i] / 1e6,
    durationMs: c.duration_ns[i] / 1e6,
    totalTokens: c.total_tokens[i],
    costStatus: coded(c.cost_status, i),
    costUsd: c.cost_usd[i],
    parentMissing: tree.parentMissing.has(i),
    parentLoop: tree.parentLoop.has(i),
  };
}

/** Iterative, and each span once: a deep or looping trace cannot hang the page. */
export function spanTree(outline: TraceOutline): SpanTree {
  const n = outline.span_count;
  const parent = outline.spans.parent;
  // children of each span in position order (= start order), by counting
  const firstChild = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) if (parent[i] >= 0 && parent[i] !== i) firstChild[parent[i] + 1]++;
  for (let i = 0; i < n; i++) firstChild[i + 1] += firstChild[i];
  const children = new Int32Array(firstChild[n]);
  const filled = firstChild.slice(0, n);
  for (let i = 0; i < n; i++) if (parent[i] >= 0 && parent[i] !== i) children[filled[parent[i]]++] = i;

  const order = new Int32Array(n);
  const depth = new Int32Array(n);
  const treeParent = new Int32Array(n).fill(-1);
  const seen = new Uint8Array(n);
  const stack = new Int32Array(n + 1);
  let rows = 0;
  for (const root of outline.roots) {
    if (root < 0 || root >= n || seen[root]) continue;
    let top = 0;
    stack[top++] = root;
    depth[root] = 0;
    treeParent[root] = -1;
    while (top) {
      const span = stack[--top];
      if (seen[span]) continue;
      seen[span] = 1;
      order[rows++] = span;
      for (let k = firstChild[span + 1] - 1; k >= firstChild[span]; k--) {
        const child = children[k];
        if (seen[child]) continue; // a loop's head, reached again from inside it
        depth[child] = depth[span] + 1;
        treeParent[child] = span;
        stack[top++] = child;
      }
    }
  }
  const inTree = order.subarray(0, rows);
  // in tree order a span's subtree follows it: sum them from the last row up
  const descendants = new Int32Array(n);
  for (let r = rows - 1; r > 0; r--) {
    const p = treeParent[inTree[r]];
    if (p >= 0) descendants[p] += descendants[inTree[r]] + 1;
  }
  const positions = new Map<string, number>();
  outline.spans.span_id.forEach((id, i) => positions.set(id, i));
  return {
    outline,
    order: inTree,
    depth,
    descendants,
    treeParent,
    positions,
    parentMissing: new Set(outline.spans.parent_missing),
    parentLoop: new Set(outline.spans.parent_loop),
  };
}

/** The positions shown when the spans in `collapsed` have their subtrees folded. */
export function visibleRows(tree: SpanTree, collapsed: ReadonlySet<string>): Int32Array {
  if (!collapsed.size) return tree.order;
  const ids = tree.outline.spans.span_id;
  const shown = new Int32Array(tree.order.length);
  let count = 0;
  for (let r = 0; r < tree.order.length; r++) {
    const span = tree.order[r];
    shown[count++] = span;
    if (tree.descendants[span] && collapsed.has(ids[span])) r += tree.descendants[span];
  }
  return shown.subarray(0, count);
}

/** Every span with children: collapsing them all leaves the roots. */
export function parentIds(tree: SpanTree): Set<string> {
  const ids = tree.outline.spans.span_id;
  const parents = new Set<string>();
  for (const span of tree.order) if (tree.descendants[span]) parents.add(ids[span]);
  return parents;
}

/** The ancestors of a span in the tree, nearest first: expanded so a selected span shows. */
export function ancestorIds(tree: SpanTree, spanId: string): string[] {
  const ids = tree.outline.spans.span_id;
  const ancestors: string[] = [];
  const at = tree.positions.get(spanId);
  if (at === undefined) return ancestors;
  for (let p = tree.treeParent[at]; p >= 0; p = tree.treeParent[p]) ancestors.push(ids[p]);
  return ancestors;
}
