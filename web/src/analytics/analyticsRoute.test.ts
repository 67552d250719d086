import { describe, expect, it } from "vitest";
import { formatHash, pageHref, parseHash } from "../route";

describe("the analytics selections in the URL", () => {
  it("reads the analytics pages from the path", () => {
    for (const page of ["performance", "tokens", "carbon", "costs"]) {
      expect(parseHash(`#/shop/${page}`)).toMatchObject({ page, project: "shop" });
    }
  });
  it("gives the defaults for what the URL leaves out", () => {
    expect(parseHash("#/p/performance")).toMatchObject({ metric: "latency", aggregation: "p90", groupBy: "" });
  });
  it("writes the performance page's selections, defaults left out, and reads them back", () => {
    const hash = "#/p/performance?metric=error_rate&agg=p99&group_by=model";
    const state = parseHash(hash);
    expect(state).toMatchObject({ metric: "error_rate", aggregation: "p99", groupBy: "model" });
    expect(formatHash(state)).toBe(hash);
    expect(formatHash(parseHash("#/p/performance?metric=latency&agg=p90"))).toBe("#/p/performance");
  });
  it("keeps the grouping of the cost and carbon pages, not the metric", () => {
    expect(formatHash(parseHash("#/p/costs?group_by=chain&metric=tokens"))).toBe("#/p/costs?group_by=chain");
    expect(formatHash(parseHash("#/p/carbon?group_by=agent"))).toBe("#/p/carbon?group_by=agent");
    expect(formatHash(parseHash("#/p/tokens?group_by=agent"))).toBe("#/p/tokens");
  });
  it("leaves the selections behind when moving to another page", () => {
    const state = parseHash("#/p/performance?metric=cost&range=7d");
    expect(pageHref(state, "tokens")).toBe("#/p/tokens?range=7d");
  });
});
