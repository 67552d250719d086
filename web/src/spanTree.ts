// A trace's spans as the rows of its tree view.
import type { Span, Trace } from "./api";

export interface Row {
  span: Span;
  depth: number;
  /** Spans below this one in the tree (all depths): a row with some can be collapsed. */
  descendants: number;
}

/** Spans in tree order: from each of the API's roots (no parent, a parent not
 * stored, or the first span of a parent loop), children by start time.
 * Iterative, and each span once: a deep or looping trace cannot hang the page. */
export function spanTree(trace: Trace): Row[] {
  const byId = new Map(trace.spans.map((s) => [s.span_id, s]));
  const children = new Map<string, Span[]>();
  for (const span of trace.spans) {
    if (!span.parent_span_id) continue;
    const list = children.get(span.parent_span_id);
    if (list) list.push(span);
    else children.set(span.parent_span_id, [span]);
  }
  for (const list of children.values()) list.sort((a, b) => a.start_time_unix_nano - b.start_time_unix_nano);
  const rows: Row[] = [];
  const seen = new Set<string>();
  for (const rootId of trace.root_span_ids) {
    const root = byId.get(rootId);
    const stack: [Span, number][] = root ? [[root, 0]] : [];
    while (stack.length) {
      const [span, depth] = stack.pop()!;
      if (seen.has(span.span_id)) continue;
      seen.add(span.span_id);
      rows.push({ span, depth, descendants: 0 });
      const kids = children.get(span.span_id) ?? [];
      for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i], depth + 1]);
    }
  }
  countDescendants(rows);
  return rows;
}

/** In tree order a row's descendants are the rows after it that are deeper. */
function countDescendants(rows: Row[]): void {
  const open: number[] = []; // rows whose subtree has not ended yet, deepest last
  const close = (end: number) => {
    const i = open.pop()!;
    rows[i].descendants = end - i - 1;
  };
  rows.forEach((row, i) => {
    while (open.length && rows[open[open.length - 1]].depth >= row.depth) close(i);
    open.push(i);
  });
  while (open.length) close(rows.length);
}

/** The rows shown when the spans in `collapsed` have their subtrees folded. */
export function visibleRows(rows: Row[], collapsed: ReadonlySet<string>): Row[] {
  if (!collapsed.size) return rows;
  const shown: Row[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    shown.push(row);
    if (row.descendants && collapsed.has(row.span.span_id)) i += row.descendants;
  }
  return shown;
}

/** Every span with children: collapsing them all leaves the roots. */
export function parentIds(rows: Row[]): Set<string> {
  return new Set(rows.filter((r) => r.descendants > 0).map((r) => r.span.span_id));
}

/** The ancestors of a span in the tree, nearest first: expanded so a selected span shows. */
export function ancestorIds(rows: Row[], spanId: string): string[] {
  const at = rows.findIndex((r) => r.span.span_id === spanId);
  if (at < 0) return [];
  const ancestors: string[] = [];
  let depth = rows[at].depth;
  for (let i = at - 1; i >= 0 && depth > 0; i--)
    if (rows[i].depth < depth) {
      ancestors.push(rows[i].span.span_id);
      depth = rows[i].depth;
    }
  return ancestors;
}
