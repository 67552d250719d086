import { afterEach, describe, expect, it, vi } from "vitest";
import { lastRange } from "./timeRange";

describe("lastRange", () => {
  afterEach(() => vi.useRealTimers());
  it("asks from the range's length ago up to a minute ahead, in epoch ms", () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_800_000_000_000);
    expect(lastRange("1h")).toEqual({ start: "1799996400000", end: "1800000060000" });
    expect(lastRange("7d")).toEqual({ start: String(1_800_000_000_000 - 604_800_000), end: "1800000060000" });
  });
});
