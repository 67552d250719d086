import { describe, expect, it } from "vitest";
import type { Span, TraceOutline } from "../api";
import { rootSpanId, traceMetadata } from "./traceMetadata";

// the spec types a resource as an object of anything; the API serves it as { attributes }
const resource = {
  attributes: { "service.name": "svc", "deployment.region": "eu", "telemetry.sdk.name": "otel" },
} as unknown as Span["resource"];
const whole = (spanId: string) => ({ span_id: spanId, resource }) as Span;

const metadata = { users: ["u1", "u2"], sessions: [], environments: ["prod", "dev"], services: ["svc"], tags: ["x"] };
// Only the fields traceMetadata reads; the rest of an outline does not matter here.
const outline = (ids: string[], roots: number[]) => ({ spans: { span_id: ids }, roots, metadata }) as unknown as TraceOutline;

describe("traceMetadata", () => {
  it("has no resource chips until the whole root span is given", () => {
    const t = outline(["b", "a"], [1]);
    expect(traceMetadata(t).resource).toEqual([]);
    expect(traceMetadata(t, whole("a")).resource).toEqual([["deployment.region", "eu"]]);
  });

  it("ignores a whole span that is not the root (the inspector's, a stale one)", () => {
    expect(traceMetadata(outline(["a", "b"], [0]), whole("b")).resource).toEqual([]);
  });

  it("takes the first root, else the first span", () => {
    expect(rootSpanId(outline(["a", "b"], [1]))).toBe("b");
    expect(rootSpanId(outline(["a"], []))).toBe("a");
    expect(rootSpanId(outline([], []))).toBeNull();
  });

  it("keeps the other chips as the server lists them", () => {
    const meta = traceMetadata(outline(["a"], [0]));
    expect(meta.users).toEqual(["u1", "u2"]);
    expect(meta.environments).toEqual(["prod", "dev"]);
    expect(meta.tags).toEqual(["x"]);
  });
});
