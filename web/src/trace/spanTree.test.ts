import { describe, expect, it } from "vitest";
import type { TraceOutline } from "../api";
import { ancestorIds, parentIds, spanAt, spanTree, SpanTree, visibleRows } from "./spanTree";

/** An outline as the API sends it: spans by start (then id), parents and roots as
 * positions (a parent not among the spans is -1 and listed in parent_missing). */
function outline(spans: [id: string, parent: string | null, startNs: number][], roots: string[]): TraceOutline {
  const sorted = [...spans].sort((a, b) => a[2] - b[2] || (a[0] < b[0] ? -1 : 1));
  const at = new Map(sorted.map(([id], i) => [id, i]));
  const n = sorted.length;
  const each = <T,>(f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));
  const strings = (values: string[]) => {
    const codes = new Map<string, number>();
    return { codes: values.map((v) => codes.get(v) ?? codes.set(v, codes.size).size - 1), values: [...codes.keys()] };
  };
  return {
    trace_id: "0123456789abcdef0123456789abcdef",
    project: "p",
    start_time_unix_nano: sorted[0]?.[2] ?? 0,
    end_time_unix_nano: 0,
    duration_ms: 0,
    span_count: n,
    error_count: 0,
    roots: roots.map((id) => at.get(id) ?? -1),
    metadata: { users: [], sessions: [], environments: [], services: [], tags: [] },
    spans: {
      span_id: sorted.map(([id]) => id),
      parent: sorted.map(([, parent]) => (parent === null ? -1 : (at.get(parent) ?? -1))),
      parent_missing: each((i) => i).filter((i) => sorted[i][1] !== null && !at.has(sorted[i][1]!)),
      parent_loop: [],
      start_offset_ns: sorted.map(([, , start]) => start - (sorted[0]?.[2] ?? 0)),
      duration_ns: each(() => 1000),
      name: strings(sorted.map(([id]) => `span ${id}`)),
      span_type: strings(each(() => "llm")),
      status_code: each(() => 0),
      total_tokens: each(() => null),
      cost_status: strings(each(() => "not_llm")),
      cost_usd: each(() => null),
    },
    totals: {
      duration_ms: 0,
      llm_calls: 0,
      tokens: { input: 0, output: 0, cached: 0, reasoning: 0, total: 0, spans_without_counts: 0 },
      cost: { total_usd: 0, llm_usd: 0, unpriced_llm_calls: 0, known: true },
      energy_kwh: null,
      carbon_g: null,
      embodied_carbon_g: null,
      spans_without_energy: 0,
      data_quality: { score: null, passed_checks: 0, applicable_checks: 0 },
    },
  };
}

const ids = (tree: SpanTree, rows: Int32Array) => [...rows].map((i) => tree.outline.spans.span_id[i]);
const rowsOf = (o: TraceOutline) => {
  const tree = spanTree(o);
  return [...tree.order].map((i) => `${"  ".repeat(tree.depth[i])}${o.spans.span_id[i]}`);
};

describe("spanTree", () => {
  it("puts children under their parent, earliest first", () => {
    const o = outline([["c2", "root", 30], ["root", null, 0], ["g1", "c1", 25], ["c1", "root", 20]], ["root"]);
    expect(rowsOf(o)).toEqual(["root", "  c1", "    g1", "  c2"]);
  });

  it("starts a tree at each of the API's roots, in their order (a span whose parent was not stored is one)", () => {
    const o = outline([["a", null, 0], ["orphan", "never-arrived", 5], ["a1", "a", 1]], ["a", "orphan"]);
    expect(rowsOf(o)).toEqual(["a", "  a1", "orphan"]);
    expect(spanAt(spanTree(o), 2)).toMatchObject({ spanId: "orphan", parentMissing: true, startMs: 5e-6 });
  });

  it("draws a loop of parent links once, from the span the API marks as its root", () => {
    // x and y name each other as parent, z names itself: neither loop can hang the page
    const o = outline([["x", "y", 0], ["y", "x", 1], ["z", "z", 2]], ["x", "z"]);
    expect(rowsOf(o)).toEqual(["x", "  y", "z"]);
  });

  it("draws a chain deeper than any call stack", () => {
    const depth = 20_000;
    const o = outline(
      Array.from({ length: depth }, (_, i) => [`s${i}`, i ? `s${i - 1}` : null, i] as [string, string | null, number]),
      ["s0"],
    );
    const tree = spanTree(o);
    expect(tree.order.length).toBe(depth);
    const last = tree.order[depth - 1];
    expect([tree.depth[last], o.spans.span_id[last]]).toEqual([depth - 1, `s${depth - 1}`]);
    expect(tree.descendants[tree.order[0]]).toBe(depth - 1);
    expect(visibleRows(tree, new Set(["s1"]))).toHaveLength(2);
  });

  it("skips a root position the trace has no span for", () => {
    expect(rowsOf({ ...outline([["a", null, 0]], ["a"]), roots: [7, 0] })).toEqual(["a"]);
  });
});

describe("collapsing", () => {
  const o = outline(
    [["root", null, 0], ["a", "root", 1], ["a1", "a", 2], ["a2", "a", 3], ["b", "root", 4]],
    ["root"],
  );
  const tree = spanTree(o);

  it("counts each span's descendants", () => {
    expect([...tree.order].map((i) => tree.descendants[i])).toEqual([4, 2, 0, 0, 0]);
  });

  it("hides a collapsed span's subtree and nothing else", () => {
    expect(ids(tree, visibleRows(tree, new Set(["a"])))).toEqual(["root", "a", "b"]);
    expect(ids(tree, visibleRows(tree, new Set(["root", "a"])))).toEqual(["root"]);
    expect(ids(tree, visibleRows(tree, new Set(["a1"])))).toEqual(ids(tree, tree.order)); // a leaf has nothing to hide
  });

  it("collapsing every parent leaves the roots; ancestors are found nearest first", () => {
    expect([...parentIds(tree)]).toEqual(["root", "a"]);
    expect(ids(tree, visibleRows(tree, parentIds(tree)))).toEqual(["root"]);
    expect(ancestorIds(tree, "a2")).toEqual(["a", "root"]);
    expect(ancestorIds(tree, "root")).toEqual([]);
  });
});
