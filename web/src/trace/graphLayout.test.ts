import { describe, expect, it } from "vitest";
import { layoutGraph } from "./graphLayout";

describe("layoutGraph", () => {
  it("puts children a rank below their parent, side by side, apart enough for their labels", () => {
    const at = layoutGraph(
      [
        { id: "root", label: "root\n10 ms" },
        { id: "a", label: "a rather long span name\n2 ms" },
        { id: "b", label: "another long span name\n3 ms" },
      ],
      [
        { source: "root", target: "a" },
        { source: "root", target: "b" },
      ],
    );
    expect(at.a.y).toBeGreaterThan(at.root.y);
    expect(at.a.y).toBe(at.b.y);
    expect(Math.abs(at.a.x - at.b.x)).toBeGreaterThan(23 * 6);
  });
});
