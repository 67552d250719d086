import { describe, expect, it } from "vitest";
import { formatHash, pageHref, parseHash, playgroundFromSpanHref, selectedTraceHref, traceHref, traceWindow, ViewState } from "./route";

const id = "ab".repeat(16);

describe("parseHash", () => {
  it("reads each page from the path", () => {
    expect(parseHash("")).toMatchObject({ page: "traces", project: null, traceId: null });
    expect(parseHash("#/")).toMatchObject({ page: "traces", project: null });
    expect(parseHash("#/shop")).toMatchObject({ page: "traces", project: "shop" });
    expect(parseHash("#/shop/spans")).toMatchObject({ page: "spans", project: "shop" });
    expect(parseHash("#/shop/costs")).toMatchObject({ page: "costs", project: "shop" });
    expect(parseHash(`#/shop/trace/${id}`)).toMatchObject({ page: "trace", project: "shop", traceId: id, window: undefined });
  });
  it("decodes the project name", () => {
    expect(parseHash("#/my%20project/spans")).toMatchObject({ page: "spans", project: "my project" });
  });
  it("falls back to the trace list for an unknown page", () => {
    expect(parseHash("#/p/nothing")).toMatchObject({ page: "traces", project: "p" });
  });
  it("gives defaults for what the URL leaves out", () => {
    expect(parseHash("#/p")).toMatchObject({
      range: { preset: "24h" },
      environment: "",
      status: "",
      live: true,
      view: "tree",
      span: null,
      attributes: [],
    });
  });
  it("takes a trace's window only when both start and end are given", () => {
    expect(parseHash(`#/p/trace/${id}?start=1000&end=2000`)).toMatchObject({ window: { start: "1000", end: "2000" } });
    expect(parseHash(`#/p/trace/${id}?start=1000`)).toMatchObject({ window: undefined });
  });
  it("takes a custom range only when it is a real interval", () => {
    expect(parseHash("#/p?range=custom&from=1000&to=5000").range).toEqual({ from: 1000, to: 5000 });
    expect(parseHash("#/p?range=custom&from=5000&to=1000").range).toEqual({ preset: "24h" });
    expect(parseHash("#/p?range=custom&from=x&to=1000").range).toEqual({ preset: "24h" });
    expect(parseHash("#/p?range=7d").range).toEqual({ preset: "7d" });
  });
});

describe("formatHash", () => {
  const roundTrip = (hash: string) => formatHash(parseHash(hash));
  it("writes back every page's state as it was read", () => {
    for (const hash of [
      "#/shop",
      "#/shop?range=7d&env=prod&status=error&model=gpt-4o&name=a+b&live=off",
      `#/shop/trace/${id}?start=1&end=2&env=prod&view=graph&span=${"cd".repeat(8)}`,
      "#/shop/spans?range=custom&from=1000&to=5000&q=hello&attribute=a%3Db&attribute=c%3Dd&status=unset&type=tool",
      "#/shop/costs?range=30d",
    ]) {
      expect(roundTrip(hash)).toBe(hash);
    }
  });
  it("leaves defaults out", () => {
    expect(roundTrip("#/shop?range=24h&live=on&view=tree")).toBe("#/shop");
  });
  it("keeps only the fields of the page shown", () => {
    expect(roundTrip("#/shop/costs?status=error&q=x&view=graph")).toBe("#/shop/costs");
  });
  it("encodes what a project name or a value holds", () => {
    const state = { ...parseHash("#/p"), project: "a/b c", name: "x&y=z#" } as ViewState;
    expect(parseHash(formatHash(state))).toMatchObject({ project: "a/b c", name: "x&y=z#" });
  });
});

describe("moving between pages", () => {
  const state = parseHash("#/shop?range=7d&env=prod&status=error&name=x");
  it("keeps the project, time range and environment and drops the page's own filters", () => {
    expect(pageHref(state, "costs")).toBe("#/shop/costs?range=7d&env=prod");
    expect(pageHref(state, "spans")).toBe("#/shop/spans?range=7d&env=prod");
  });
  it("opens a trace with its list times as the window", () => {
    expect(traceHref(state, id, 5_000_000, 9_000_000)).toBe(`#/shop/trace/${id}?start=4&end=10&range=7d&env=prod`);
    expect(traceHref(state, id)).toBe(`#/shop/trace/${id}?range=7d&env=prod`);
  });
});

describe("the trace list's split view", () => {
  const list = parseHash("#/shop?range=7d&status=error&model=a&model=b&name=x");
  it("keeps the list's state and adds the trace with its window", () => {
    const hash = selectedTraceHref(list, id, 5_000_000, 9_000_000);
    expect(hash).toBe(`#/shop?range=7d&status=error&model=a&model=b&name=x&trace=${id}&start=4&end=10`);
    expect(parseHash(hash)).toMatchObject({ page: "traces", traceId: id, window: { start: "4", end: "10" }, name: "x" });
  });
  it("reads each of a trace's views, and the tree for an unknown one", () => {
    expect(parseHash(`#/p?trace=${id}&view=timeline`).view).toBe("timeline");
    expect(parseHash(`#/p/trace/${id}?view=graph`).view).toBe("graph");
    expect(parseHash(`#/p/trace/${id}?view=pie`).view).toBe("tree");
  });
  it("round-trips the detail's view and span, and drops the span when another trace is chosen", () => {
    const hash = `#/shop?status=error&trace=${id}&start=4&end=10&view=graph&span=${"cd".repeat(8)}`;
    const state = parseHash(hash);
    expect(formatHash(state)).toBe(hash);
    const other = "ef".repeat(16);
    expect(selectedTraceHref(state, other, 5_000_000, 9_000_000)).toBe(
      `#/shop?status=error&trace=${other}&start=4&end=10&view=graph`,
    );
  });
  it("closes the detail", () => {
    const state = parseHash(`#/shop?status=error&trace=${id}&start=4&end=10&span=${"cd".repeat(8)}`);
    expect(selectedTraceHref(state, null)).toBe("#/shop?status=error");
  });
  it("is not read on other pages, and the full-page trace still opens", () => {
    expect(parseHash(`#/shop/spans?trace=${id}`).traceId).toBeNull();
    expect(parseHash(`#/shop/trace/${id}?start=1&end=2`)).toMatchObject({ page: "trace", traceId: id });
  });
});

describe("traceWindow", () => {
  it("widens the trace's times to whole milliseconds with one to spare on each side", () => {
    // times a double holds exactly (multiples of 256 ns at this size), as JSON.parse gives them
    expect(traceWindow(1_700_000_000_123_712_000, 1_700_000_000_456_789_504)).toEqual({
      start: "1700000000122",
      end: "1700000000457",
    });
  });
  it("keeps a start in the last nanoseconds of a millisecond inside the window", () => {
    // JSON.parse("1700000000123999999") is 1700000000124000000: the division lands
    // on ...124 ms, after the real start; the window must still hold it.
    const startNs = JSON.parse("1700000000123999999") as number;
    expect(Number(traceWindow(startNs, startNs)!.start)).toBeLessThanOrEqual(1_700_000_000_123);
  });
  it("is none without both times", () => {
    expect(traceWindow(undefined, 5)).toBeUndefined();
  });
});

describe("the playground opened on a span", () => {
  it("keeps the trace and span in its URL and reads them back", () => {
    const state = parseHash("#/shop?range=7d");
    const href = playgroundFromSpanHref(state, "ab".repeat(16), "cd".repeat(8));
    expect(href).toBe(`#/shop/playground?range=7d&trace=${"ab".repeat(16)}&span=${"cd".repeat(8)}`);
    const back = parseHash(href);
    expect([back.page, back.traceId, back.span, back.chain]).toEqual(["playground", "ab".repeat(16), "cd".repeat(8), null]);
  });
});
