import { describe, expect, it } from "vitest";
import { formatHash, pageHref, parseHash } from "../route";

describe("chain and playground URLs", () => {
  it("reads the chains list, one chain and its diffed versions", () => {
    expect(parseHash("#/p/chains")).toMatchObject({ page: "chains", project: "p", chain: null });
    expect(parseHash("#/p/chains/my%20chain?from=1&to=3")).toMatchObject({
      page: "chain",
      chain: "my chain",
      diffFrom: "1",
      diffTo: "3",
    });
  });
  it("reads the playground's chain, version and tab", () => {
    expect(parseHash("#/p/playground")).toMatchObject({ page: "playground", chain: null, version: "", playTab: "input" });
    expect(parseHash("#/p/playground?chain=advisor&version=2&tab=compare")).toMatchObject({
      page: "playground",
      chain: "advisor",
      version: "2",
      playTab: "compare",
    });
    expect(parseHash("#/p/playground?tab=nothing").playTab).toBe("input");
  });
  it("writes them back as read", () => {
    for (const hash of [
      "#/p/chains",
      "#/p/chains/advisor?from=1&to=2",
      "#/p/playground",
      "#/p/playground?chain=advisor&version=2&tab=trace",
    ]) {
      expect(formatHash(parseHash(hash))).toBe(hash);
    }
  });
  it("leaves a draft's version out and opens pages at their defaults", () => {
    expect(formatHash({ ...parseHash("#/p/playground"), version: "3" })).toBe("#/p/playground");
    const state = parseHash("#/p/playground?chain=a&tab=output");
    expect(pageHref(state, "chains")).toBe("#/p/chains");
    expect(pageHref(state, "chain", { chain: "a/b" })).toBe("#/p/chains/a%2Fb");
  });
});
