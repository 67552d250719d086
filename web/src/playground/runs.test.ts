import { describe, expect, it } from "vitest";
import type { ChainRun } from "../chains/chainsApi";
import { compareRows, runVersions } from "./compareRows";
import { applyEvent, liveText, startedRun } from "./runEvents";
import { metricRows, runWindowNs, totalsRow } from "./runMetrics";
import { diffTexts } from "./textDiff";

function run(id: string, version: number | null, output: unknown, figures: Partial<ChainRun["totals"]> = {}): ChainRun {
  return {
    id,
    project: "p",
    chain: version === null ? null : "advisor",
    version,
    source: "playground",
    status: "succeeded",
    inputs: { question: "Heat pump?" },
    output,
    error: null,
    error_step: null,
    trace_id: "ab".repeat(16),
    environment: "gls-playground",
    created_at: "2026-12-07T05:00:00Z",
    started_at: null,
    ended_at: null,
    latency_ms: 812,
    totals: { input_tokens: 12, output_tokens: 30, cost_usd: 0.00002, carbon_g: 0.0125, energy_wh: 0.03, ...figures },
    steps: [
      { id: "ask", path: "ask", type: "llm", status: "succeeded", latency_ms: 800, span_id: "s1", input_tokens: 12, output_tokens: 30, cost_usd: 0.00002, energy_wh: 0.02, carbon_g: 0.01, carbon_g_min: 0.005, carbon_g_max: 0.02 },
      { id: "grid", path: "grid", type: "greenlang", status: "succeeded", latency_ms: 0.4, span_id: "s2", input_tokens: null, output_tokens: null, cost_usd: null, energy_wh: 0.01, carbon_g: 0.0025 },
      { id: "shape", path: "shape", type: "transform", status: "skipped", skipped_by: "condition", latency_ms: null },
    ],
  };
}

describe("the run's metrics table", () => {
  it("has each step's figures, unknown ones shown as unknown", () => {
    const rows = metricRows(run("r1", 1, "x"));
    expect(rows[0]).toMatchObject({ path: "ask", latency: "800 ms", tokens: "12 in / 30 out", cost: "$0.00002", carbon: "10 mg", energy: "20 mWh", carbonRange: "5 mg – 20 mg", spanId: "s1" });
    expect(rows[1]).toMatchObject({ tokens: "—", cost: "—", carbon: "2.5 mg", latency: "400 µs" });
    expect(rows[2]).toMatchObject({ status: "skipped (condition)", latency: "—", carbon: "—" });
    expect(totalsRow(run("r1", 1, "x"))).toMatchObject({ status: "succeeded", latency: "812 ms", cost: "$0.00002", carbon: "12.5 mg" });
  });
});

describe("the run's window", () => {
  it("is from its asking to its end in ns, a second wider each side, or nothing while it has no end", () => {
    const times = { created_at: "2026-12-07T05:00:00Z", ended_at: "2026-12-07T05:00:03Z" };
    expect(runWindowNs(times)).toEqual([Date.parse("2026-12-07T04:59:59Z") * 1e6, Date.parse("2026-12-07T05:00:04Z") * 1e6]);
    expect(runWindowNs({ ...times, ended_at: null })).toEqual([]);
  });
});

describe("the compare rows", () => {
  it("diff each output against the baseline's and say when it is the same", () => {
    const runs = [run("c", 2, "Yes, where the grid is clean."), run("b", 1, "Yes, where the grid is green."), run("a", 1, "Yes, where the grid is green.")];
    const rows = compareRows(runs, "b");
    expect(rows.map((r) => [r.id, r.version, r.same])).toEqual([["c", "v2", false], ["b", "v1", false], ["a", "v1", true]]);
    expect(rows[1].diff).toBeNull();
    expect(rows[0].diff).toEqual([
      { op: "equal", text: "Yes, where the grid is " },
      { op: "delete", text: "green." },
      { op: "insert", text: "clean." },
    ]);
    expect(rows[0]).toMatchObject({ tokens: "42", cost: "$0.00002", latency: "812 ms", inputs: '{"question":"Heat pump?"}' });
    expect(runVersions([...runs, run("d", null, {}), run("e", 10, "")])).toEqual(["v10", "v2", "v1", "draft"]);
  });
  it("shows JSON outputs as indented text", () => {
    const rows = compareRows([run("x", 1, { answer: 1 }), run("y", 1, { answer: 2 })], "y");
    expect(rows[0].output).toBe('{\n  "answer": 1\n}');
    expect(rows[0].diff?.some((p) => p.op === "delete" && p.text.includes("2"))).toBe(true);
  });
});

describe("a text diff", () => {
  it("by line keeps what is shared", () => {
    expect(diffTexts("a\nb\nc\n", "a\nB\nc\n", "line")).toEqual([
      { op: "equal", text: "a\n" },
      { op: "delete", text: "b\n" },
      { op: "insert", text: "B\n" },
      { op: "equal", text: "c\n" },
    ]);
    expect(diffTexts("same", "same", "word")).toEqual([{ op: "equal", text: "same" }]);
    expect(diffTexts("", "new words", "word")).toEqual([{ op: "insert", text: "new words" }]);
  });
});

describe("a run told by its events", () => {
  it("streams tokens into the step, then takes the run's end", () => {
    let r = startedRun("r1");
    const events = [
      { type: "run_started", trace_id: "t1" },
      { type: "step_started", step: "ask", path: "ask", step_type: "llm" },
      { type: "token", step: "ask", path: "ask", text: "Yes, " },
      { type: "token", step: "ask", path: "ask", text: "where" },
    ];
    for (const e of events) r = applyEvent(r, e);
    expect(r.status).toBe("running");
    expect(liveText(r)).toBe("Yes, where");
    expect(r.steps).toMatchObject([{ path: "ask", type: "llm", status: "running" }]);
    r = applyEvent(r, { type: "step_finished", step: "ask", path: "ask", status: "succeeded", output: "Yes, where", latency_ms: 5 });
    r = applyEvent(r, { type: "lagged", dropped: 3 });
    r = applyEvent(r, { type: "run_finished", status: "succeeded", output: { answer: "Yes, where" }, trace_id: "t1" });
    expect(r).toMatchObject({ ended: true, status: "succeeded", traceId: "t1", dropped: 3 });
    expect(liveText(r)).toBe('{\n  "answer": "Yes, where"\n}');
    const failed = applyEvent(startedRun("r2"), { type: "run_finished", status: "failed", error: "boom", error_step: "grid" });
    expect(failed).toMatchObject({ error: "boom", errorStep: "grid" });
  });
});
