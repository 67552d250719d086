import { describe, expect, it } from "vitest";
import { formatHash, pageHref, parseHash } from "../route";
import { facetFilters, listFilters } from "./listFilters";

describe("the trace list's filters in the URL", () => {
  it("round-trips repeated facet values and bounds", () => {
    const hash = "#/shop?status=error&model=gpt-4o&model=gpt-4o-mini&tag=a&tag=b&min_tokens=150&name=x";
    const state = parseHash(hash);
    expect(state.model).toBe("gpt-4o");
    expect(state.listFilters).toEqual({ model: ["gpt-4o", "gpt-4o-mini"], tag: ["a", "b"], min_tokens: ["150"] });
    expect(formatHash(state)).toBe(hash);
  });
  it("keeps a model set by another page's link", () => {
    const state = parseHash(pageHref(parseHash("#/shop"), "traces", { model: "gpt-4o" }));
    expect(state.listFilters).toEqual({ model: ["gpt-4o"] });
    expect(listFilters(state)).toMatchObject({ model: "gpt-4o" });
  });
});

describe("facetFilters", () => {
  it("asks as the shell does when nothing is filtered, disjunctively otherwise", () => {
    const none = listFilters(parseHash("#/shop"));
    expect(facetFilters(none)).toEqual({ status: "", environment: "", model: "" });
    const some = listFilters(parseHash("#/shop?model=a&model=b&chain=c"));
    expect(facetFilters(some)).toEqual({
      status: "",
      name: "",
      environment: "",
      model: ["a", "b"],
      chain: ["c"],
      disjunctive: "true",
    });
  });
});
