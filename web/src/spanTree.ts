// A trace's spans as the rows of its tree view.
import type { Span, Trace } from "./api";

export interface Row {
  span: Span;
  depth: number;
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
      rows.push({ span, depth });
      const kids = children.get(span.span_id) ?? [];
      for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i], depth + 1]);
    }
  }
  return rows;
}
