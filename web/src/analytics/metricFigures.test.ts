import { describe, expect, it } from "vitest";
import { changeText, figureOf, metricText, successRate, valueOf } from "./metricFigures";

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
});
