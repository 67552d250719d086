import { describe, expect, it } from "vitest";
import { anchoredScrollTop, movedIndex, wantsNextPage } from "./listScroll";

const ids = (...names: string[]) => names;

describe("anchoredScrollTop", () => {
  const before = ids("a", "b", "c", "d", "e");
  it("pushes the view down by the rows inserted above the top row", () => {
    // c at the top (index 2), 4 px into it; two new rows arrive at the top
    expect(anchoredScrollTop(before, ids("x", "y", ...before), 2 * 30 + 4, 30)).toBe(4 * 30 + 4);
  });
  it("stays at the very top, so new traces show", () => {
    expect(anchoredScrollTop(before, ids("x", ...before), 0, 30)).toBe(0);
  });
  it("does not move for rows appended below, or a top row that is gone", () => {
    expect(anchoredScrollTop(before, [...before, "f", "g"], 65, 30)).toBe(65);
    expect(anchoredScrollTop(before, ids("p", "q", "r", "s"), 65, 30)).toBe(65);
  });
  it("follows a top row that moved up (rows above it left the first page)", () => {
    expect(anchoredScrollTop(before, ids("b", "c", "d"), 60, 30)).toBe(30);
  });
});

describe("wantsNextPage", () => {
  it("asks near the end only, when there is more and nothing is being read", () => {
    expect(wantsNextPage(44, 50, 5, true, false)).toBe(true);
    expect(wantsNextPage(43, 50, 5, true, false)).toBe(false);
    expect(wantsNextPage(49, 50, 5, false, false)).toBe(false);
    expect(wantsNextPage(49, 50, 5, true, true)).toBe(false);
  });
});

describe("movedIndex", () => {
  it("moves by one, a page, or to either end, within the rows", () => {
    expect(movedIndex("ArrowDown", -1, 10, 5)).toBe(0);
    expect(movedIndex("ArrowDown", 3, 10, 5)).toBe(4);
    expect(movedIndex("ArrowDown", 9, 10, 5)).toBe(9);
    expect(movedIndex("ArrowUp", 0, 10, 5)).toBe(0);
    expect(movedIndex("PageDown", 7, 10, 5)).toBe(9);
    expect(movedIndex("PageUp", 7, 10, 5)).toBe(2);
    expect(movedIndex("End", 0, 10, 5)).toBe(9);
    expect(movedIndex("Home", 5, 10, 5)).toBe(0);
  });
  it("ignores other keys and an empty list", () => {
    expect(movedIndex("a", 3, 10, 5)).toBeNull();
    expect(movedIndex("ArrowDown", -1, 0, 5)).toBeNull();
  });
});
