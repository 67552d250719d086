import { describe, expect, it } from "vitest";
import type { Span, Trace } from "./api";
import { ancestorIds, parentIds, spanTree, visibleRows } from "./spanTree";

const TRACE_ID = "0123456789abcdef0123456789abcdef";

/** A span as the API sends it; only the ids and the start matter to the tree. */
function span(spanId: string, parent: string | null, startNs: number): Span {
  return {
    trace_id: TRACE_ID,
    span_id: spanId,
    parent_span_id: parent,
    project: "p",
    name: `span ${spanId}`,
    kind: 0,
    span_type: "span",
    service_name: "svc",
    start_time_unix_nano: startNs,
    end_time_unix_nano: startNs + 1000,
    duration_ms: 0.001,
    status: { code: 0, message: "" },
    model: "",
    provider: "",
    usage: { input_tokens: null, output_tokens: null, cached_tokens: null, reasoning_tokens: null, total_tokens: null },
    chain: "",
    agent: "",
    user_id: "",
    session_id: "",
    environment: "",
    tags: [],
    input: "",
    output: "",
    attributes: {},
    attribute_types: {},
    events: [],
    links: [],
    cost: { status: "not_llm", total_usd: 0, llm_usd: null, llm_input_usd: null, llm_output_usd: null, infra_usd: null, data_usd: null },
    carbon: { source: "unknown", zone: null, energy_kwh: null, carbon_g: null, embodied_carbon_g: null },
    tokens_estimated: { input: false, output: false },
    system_tokens: null,
    data_quality: { passed: 0, checks: 0 },
  };
}

function trace(spans: Span[], rootSpanIds: string[]): Trace {
  return {
    trace_id: TRACE_ID,
    project: "p",
    spans_detail: "outline",
    start_time_unix_nano: Math.min(...spans.map((s) => s.start_time_unix_nano)),
    end_time_unix_nano: Math.max(...spans.map((s) => s.end_time_unix_nano)),
    duration_ms: 0,
    span_count: spans.length,
    error_count: 0,
    root_span_ids: rootSpanIds,
    spans,
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

const rowsOf = (t: Trace) => spanTree(t).map((r) => `${"  ".repeat(r.depth)}${r.span.span_id}`);

describe("spanTree", () => {
  it("puts children under their parent, earliest first, whatever order the spans come in", () => {
    const t = trace(
      [span("c2", "root", 30), span("root", null, 0), span("g1", "c1", 25), span("c1", "root", 20)],
      ["root"],
    );
    expect(rowsOf(t)).toEqual(["root", "  c1", "    g1", "  c2"]);
  });

  it("starts a tree at each of the API's roots, in their order (a span whose parent was not stored is one)", () => {
    const t = trace([span("a", null, 0), span("orphan", "never-arrived", 5), span("a1", "a", 1)], ["a", "orphan"]);
    expect(rowsOf(t)).toEqual(["a", "  a1", "orphan"]);
  });

  it("draws a loop of parent links once, from the span the API marks as its root", () => {
    // x and y name each other as parent, z names itself: neither loop can hang the page
    const t = trace([span("x", "y", 0), span("y", "x", 1), span("z", "z", 2)], ["x", "z"]);
    expect(rowsOf(t)).toEqual(["x", "  y", "z"]);
  });

  it("draws a chain deeper than any call stack", () => {
    const depth = 20_000;
    const spans = Array.from({ length: depth }, (_, i) => span(`s${i}`, i ? `s${i - 1}` : null, i));
    const rows = spanTree(trace(spans, ["s0"]));
    expect(rows.length).toBe(depth);
    expect(rows[depth - 1]).toMatchObject({ depth: depth - 1, span: { span_id: `s${depth - 1}` } });
  });

  it("skips a root id the trace has no span for", () => {
    expect(rowsOf(trace([span("a", null, 0)], ["gone", "a"]))).toEqual(["a"]);
  });
});

describe("collapsing", () => {
  const t = trace(
    [span("root", null, 0), span("a", "root", 1), span("a1", "a", 2), span("a2", "a", 3), span("b", "root", 4)],
    ["root"],
  );
  const rows = spanTree(t);
  const ids = (rs: ReturnType<typeof spanTree>) => rs.map((r) => r.span.span_id);

  it("counts each span's descendants", () => {
    expect(rows.map((r) => r.descendants)).toEqual([4, 2, 0, 0, 0]);
  });

  it("hides a collapsed span's subtree and nothing else", () => {
    expect(ids(visibleRows(rows, new Set(["a"])))).toEqual(["root", "a", "b"]);
    expect(ids(visibleRows(rows, new Set(["root", "a"])))).toEqual(["root"]);
    expect(ids(visibleRows(rows, new Set(["a1"])))).toEqual(ids(rows)); // a leaf has nothing to hide
  });

  it("collapsing every parent leaves the roots; ancestors are found nearest first", () => {
    expect([...parentIds(rows)]).toEqual(["root", "a"]);
    expect(ids(visibleRows(rows, parentIds(rows)))).toEqual(["root"]);
    expect(ancestorIds(rows, "a2")).toEqual(["a", "root"]);
    expect(ancestorIds(rows, "root")).toEqual([]);
  });

  it("counts a 20,000-deep chain in linear time", () => {
    const spans = Array.from({ length: 20_000 }, (_, i) => span(`s${i}`, i ? `s${i - 1}` : null, i));
    const deep = spanTree(trace(spans, ["s0"]));
    expect(deep[0].descendants).toBe(19_999);
    expect(visibleRows(deep, new Set(["s1"]))).toHaveLength(2);
  });
});
