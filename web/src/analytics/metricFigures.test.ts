import { describe, expect, it } from "vitest";
import { changeText, environmentApplies, figureOf, groupLines, groupParams, groupTitle, metricText, scopeFor, scoreGroup, scoreGrouping, successRate, valueOf } from "./metricFigures";

describe("metric figures", () => {
  it("reads the aggregation, except for throughput and error rate", () => {
    expect(figureOf("latency", "p99")).toBe("p99");
    expect(figureOf("cost", "avg")).toBe("avg");
    expect(figureOf("throughput", "p99")).toBe("per_minute");
    expect(figureOf("error_rate", "p50")).toBe("rate");
    expect(figureOf("latency", "bogus")).toBe("p90");
  });
  it("keeps an unmeasured figure unknown, never 0", () => {
    expect(valueOf({ count: 0, p90: null }, "p90")).toBeNull();
    expect(valueOf(undefined, "p90")).toBeNull();
    expect(metricText("latency", null)).toBe("—");
  });
  it("writes each metric in its unit", () => {
    expect(metricText("latency", 1530)).toBe("1.53 s");
    expect(metricText("cost", 0.0042)).toBe("$0.0042");
    expect(metricText("carbon", 0.5)).toBe("500 mg CO₂e");
    expect(metricText("throughput", 2.345)).toBe("2.35/min");
    expect(metricText("error_rate", 0.125)).toBe("12.5%");
    expect(metricText("tokens", 1234.6)).toBe("1,235");
  });
  it("writes a change with its direction", () => {
    expect(changeText(0.123)).toBe("▲ 12%");
    expect(changeText(-0.5)).toBe("▼ 50%");
    expect(changeText(null)).toBe("");
  });
  it("turns the error rates of both periods into a success rate and its change in points", () => {
    expect(successRate({ count: 4, rate: 0.25 }, { count: 2, rate: 0.5 })).toEqual({ value: 0.75, pointsChange: 25 });
    expect(successRate({ count: 0, rate: null }, { count: 2, rate: 0.5 })).toEqual({ value: null, pointsChange: null });
  });
  it("puts the groups' series on one axis, null where a group has no step", () => {
    const point = (t: string, p90: number) => ({ t, count: 1, p90 });
    const { times, lines } = groupLines(
      [
        { group: "rag", series: [point("2026-01-01T00:00:00Z", 10), point("2026-01-01T02:00:00Z", 30)] },
        { group: "", series: [point("2026-01-01T01:00:00Z", 20)] },
      ],
      "p90",
    );
    const t0 = Date.parse("2026-01-01T00:00:00Z") / 1000;
    expect(times).toEqual([t0, t0 + 3600, t0 + 7200]);
    expect(lines).toEqual([
      { group: "rag", values: [10, null, 30] },
      { group: "", values: [null, 20, null] },
    ]);
  });
  it("narrows a sketched metric by environment only ungrouped or by environment", () => {
    expect(environmentApplies("latency", "")).toBe(true);
    expect(environmentApplies("latency", "environment")).toBe(true);
    expect(environmentApplies("latency", "chain")).toBe(false);
    expect(environmentApplies("error_rate", "chain")).toBe(true);
    expect(environmentApplies("carbon", "model")).toBe(true);
    expect(environmentApplies("cost", "chain")).toBe(true); // per trace: exact
    expect(environmentApplies("cost", "model")).toBe(false);
  });
  it("asks tokens and cost per trace when grouped by what a trace has", () => {
    expect(scopeFor("cost", "chain")).toBe("trace");
    expect(scopeFor("tokens", "user")).toBe("trace");
    expect(scopeFor("cost", "model")).toBeUndefined();
    expect(scopeFor("cost", "")).toBeUndefined();
    expect(scopeFor("latency", "chain")).toBeUndefined();
  });
});

describe("grouping by a score's labels", () => {
  it("asks group_by_score for the metrics measured per trace, scope=trace for tokens and cost", () => {
    expect(scoreGroup("score:helpful")).toBe("helpful");
    expect(scoreGroup("score:")).toBeNull();
    expect(scoreGroup("chain")).toBeNull();
    expect(groupParams("error_rate", scoreGrouping("helpful"))).toEqual({ group_by_score: "helpful" });
    expect(groupParams("cost", "score:a:b")).toEqual({ group_by_score: "a:b" });
    expect(scopeFor("cost", "score:helpful")).toBe("trace");
    expect(scopeFor("carbon", "score:helpful")).toBeUndefined();
    expect(groupParams("latency", "score:helpful")).toEqual({});
    expect(groupParams("latency", "model")).toEqual({ group_by: "model" });
    expect(groupParams("latency", "")).toEqual({});
    expect(groupTitle("score:helpful")).toBe("score helpful");
    expect(groupTitle("agent")).toBe("agent");
  });
});
