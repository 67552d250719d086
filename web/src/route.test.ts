import { describe, expect, it } from "vitest";
import { parseRoute, traceHref } from "./route";

describe("parseRoute", () => {
  it("reads each page from the hash", () => {
    expect(parseRoute("")).toEqual({ page: "traces", project: null });
    expect(parseRoute("#/")).toEqual({ page: "traces", project: null });
    expect(parseRoute("#/shop")).toEqual({ page: "traces", project: "shop" });
    expect(parseRoute("#/shop/spans")).toEqual({ page: "spans", project: "shop" });
    expect(parseRoute("#/shop/costs")).toEqual({ page: "costs", project: "shop" });
    expect(parseRoute("#/shop/trace/" + "ab".repeat(16))).toEqual({
      page: "trace",
      project: "shop",
      traceId: "ab".repeat(16),
      window: undefined,
    });
  });
  it("decodes the project name", () => {
    expect(parseRoute("#/my%20project/spans")).toEqual({ page: "spans", project: "my project" });
  });
  it("takes a trace's window only when both start and end are given", () => {
    const id = "cd".repeat(16);
    expect(parseRoute(`#/p/trace/${id}?start=1000&end=2000`)).toMatchObject({ window: { start: "1000", end: "2000" } });
    expect(parseRoute(`#/p/trace/${id}?start=1000`)).toMatchObject({ window: undefined });
  });
  it("falls back to the trace list for an unknown page", () => {
    expect(parseRoute("#/p/nothing")).toEqual({ page: "traces", project: "p" });
  });
});

describe("traceHref", () => {
  const id = "ef".repeat(16);
  it("links a trace without times when none are known", () => {
    expect(traceHref("my project", id)).toBe(`#/my%20project/trace/${id}`);
  });
  it("widens the trace's times to whole milliseconds with one to spare on each side", () => {
    // times a double holds exactly (multiples of 256 ns at this size), as JSON.parse gives them
    expect(traceHref("p", id, 1_700_000_000_123_712_000, 1_700_000_000_456_789_504)).toBe(
      `#/p/trace/${id}?start=1700000000122&end=1700000000457`,
    );
  });
  it("keeps a start in the last nanoseconds of a millisecond inside the window", () => {
    // JSON.parse("1700000000123999999") is 1700000000124000000: the division lands
    // on ...124 ms, after the real start; the window must still hold it.
    const startNs = JSON.parse("1700000000123999999") as number;
    const start = Number(new URLSearchParams(traceHref("p", id, startNs, startNs).split("?")[1]).get("start"));
    expect(start).toBeLessThanOrEqual(1_700_000_000_123);
  });
  it("round-trips through parseRoute", () => {
    const href = traceHref("a/b", id, 5_000_000, 9_000_000);
    expect(parseRoute(href)).toEqual({ page: "trace", project: "a/b", traceId: id, window: { start: "4", end: "10" } });
  });
});
