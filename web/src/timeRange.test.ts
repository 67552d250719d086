import { afterEach, describe, expect, it, vi } from "vitest";
import { fromInputValue, lastRange, PRESETS, rangeBounds, rangeLabel, toInputValue } from "./timeRange";

describe("lastRange", () => {
  afterEach(() => vi.useRealTimers());
  it("asks from the range's length ago up to a minute ahead, in epoch ms", () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_800_000_000_000);
    expect(lastRange("1h")).toEqual({ start: "1799996400000", end: "1800000060000" });
    expect(lastRange("7d")).toEqual({ start: String(1_800_000_000_000 - 604_800_000), end: "1800000060000" });
  });
  it("gives whole steps, the same to everyone within a step, and always covers now", () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_800_000_003_000); // 3 s into a 10 s step
    const first = lastRange("1h");
    expect(first).toEqual({ start: "1799996400000", end: "1800000070000" });
    vi.setSystemTime(1_800_000_009_999);
    expect(lastRange("1h")).toEqual(first);
    vi.setSystemTime(1_800_000_010_001);
    expect(lastRange("1h")).not.toEqual(first);
    for (const preset of ["15m", "1h", "24h", "7d", "30d"]) {
      const { start, end } = lastRange(preset);
      expect(Number(start)).toBeLessThanOrEqual(Date.now() - PRESETS[preset].ms);
      expect(Number(end)).toBeGreaterThanOrEqual(Date.now() + 60_000);
    }
  });
  it("takes an unknown preset for the last day", () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_800_000_000_000);
    expect(lastRange("2y")).toEqual(lastRange("24h"));
  });
});

describe("rangeBounds", () => {
  it("asks a custom range for exactly its start and end", () => {
    expect(rangeBounds({ from: 1000, to: 5000 })).toEqual({ start: "1000", end: "5000" });
  });
});

describe("rangeLabel and the custom inputs", () => {
  it("names presets and shows custom ranges in UTC", () => {
    expect(rangeLabel({ preset: "7d" })).toBe("Last 7 days");
    expect(rangeLabel({ from: Date.UTC(2026, 0, 2, 3, 4), to: Date.UTC(2026, 0, 3) })).toBe(
      "2026-01-02 03:04 – 2026-01-03 00:00 UTC",
    );
  });
  it("round-trips a datetime-local value as UTC", () => {
    const ms = Date.UTC(2026, 11, 6, 18, 30);
    expect(toInputValue(ms)).toBe("2026-12-06T18:30");
    expect(fromInputValue(toInputValue(ms))).toBe(ms);
  });
});
