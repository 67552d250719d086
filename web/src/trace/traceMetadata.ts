// The trace's metadata chips: who and where (user, session, environment, service),
// its tags, and the resource attributes of the service that sent its root span.
import type { Span, TraceOutline } from "../api";

export interface TraceMetadata {
  users: string[];
  sessions: string[];
  environments: string[];
  services: string[];
  tags: string[];
  /** The root span's resource attributes but service.name (a chip of its own) and the SDK's. */
  resource: [string, string][];
}

const asText = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

/** The span the trace is named after and opens on: its first root. */
export function rootSpanId(trace: TraceOutline): string | null {
  const ids = trace.spans.span_id;
  return ids[trace.roots[0] ?? 0] ?? null;
}

/** The outline's distinct values (the server's), and the resource of `wholeRoot`, the
 * root span with every field: the outline has no resource, so its chips wait for it. */
export function traceMetadata(trace: TraceOutline, wholeRoot?: Span): TraceMetadata {
  const resource = wholeRoot && wholeRoot.span_id === rootSpanId(trace) ? resourceAttributes(wholeRoot) : {};
  return {
    ...trace.metadata,
    resource: Object.entries(resource)
      // the SDK's own description and instance ids say nothing about the run: the inspector lists them
      .filter(([key]) => key !== "service.name" && !key.startsWith("telemetry.sdk.") && key !== "service.instance.id")
      .map(([key, value]) => [key, asText(value)]),
  };
}


/** A span's resource attributes (the API serves them under resource.attributes). */
export function resourceAttributes(span: Span): Record<string, unknown> {
  const resource = span.resource as { attributes?: Record<string, unknown> } | undefined;
  return resource?.attributes ?? {};
}
