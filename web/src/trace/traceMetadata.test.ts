import { describe, expect, it } from "vitest";
import type { Span, Trace } from "../api";
import { rootSpanId, traceMetadata } from "./traceMetadata";

// Only the fields traceMetadata reads; the rest of a span does not matter here.
const span = (spanId: string, extra: Partial<Span> = {}) =>
  ({ span_id: spanId, user_id: "", session_id: "", environment: "prod", service_name: "svc", tags: [], ...extra }) as Span;

// the spec types a resource as an object of anything; the API serves it as { attributes }
const resource = {
  attributes: { "service.name": "svc", "deployment.region": "eu", "telemetry.sdk.name": "otel" },
} as unknown as Span["resource"];

const trace = (spans: Span[], roots: string[]) => ({ spans, root_span_ids: roots }) as unknown as Trace;

describe("traceMetadata", () => {
  it("reads the resource chips from the root span of a full trace", () => {
    const t = trace([span("a", { resource }), span("b")], ["a"]);
    expect(traceMetadata(t).resource).toEqual([["deployment.region", "eu"]]);
  });

  it("has no resource chips from an outline until the whole root span is given", () => {
    const t = trace([span("b"), span("a")], ["a"]);
    expect(traceMetadata(t).resource).toEqual([]);
    expect(traceMetadata(t, span("a", { resource })).resource).toEqual([["deployment.region", "eu"]]);
  });

  it("ignores a whole span that is not the root (the inspector's, a stale one)", () => {
    const t = trace([span("a"), span("b")], ["a"]);
    expect(traceMetadata(t, span("b", { resource })).resource).toEqual([]);
  });

  it("takes the first root, else the first span", () => {
    expect(rootSpanId(trace([span("a"), span("b")], ["b"]))).toBe("b");
    expect(rootSpanId(trace([span("a")], []))).toBe("a");
    expect(rootSpanId(trace([], []))).toBeNull();
  });

  it("keeps the other chips from the outline's spans", () => {
    const t = trace([span("a", { user_id: "u1", tags: ["x"] }), span("b", { user_id: "u2", environment: "dev" })], ["a"]);
    const meta = traceMetadata(t);
    expect(meta.users).toEqual(["u1", "u2"]);
    expect(meta.environments).toEqual(["prod", "dev"]);
    expect(meta.tags).toEqual(["x"]);
  });
});
