// The trace's metadata chips: who and where (user, session, environment, service),
// its tags, and the resource attributes of the service that sent its root span.
import type { Span, Trace } from "../api";

export interface TraceMetadata {
  users: string[];
  sessions: string[];
  environments: string[];
  services: string[];
  tags: string[];
  /** The root span's resource attributes but service.name (a chip of its own) and the SDK's. */
  resource: [string, string][];
}

/** Distinct non-empty values in first-seen order. */
function distinct(values: Iterable<string>): string[] {
  return [...new Set([...values].filter(Boolean))];
}

const asText = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

/** The span the trace is named after and opens on: its first root. */
export function rootSpanId(trace: Trace): string | null {
  return trace.root_span_ids[0] ?? trace.spans[0]?.span_id ?? null;
}

/** `wholeRoot`: the root span with every field; a trace in outline has no resource,
 * so its resource chips wait for it. */
export function traceMetadata(trace: Trace, wholeRoot?: Span): TraceMetadata {
  const spans = trace.spans;
  const rootId = rootSpanId(trace);
  const root: Span | undefined =
    wholeRoot?.span_id === rootId ? wholeRoot : spans.find((s) => s.span_id === rootId);
  const resource = root ? resourceAttributes(root) : {};
  return {
    users: distinct(spans.map((s) => s.user_id)),
    sessions: distinct(spans.map((s) => s.session_id)),
    environments: distinct(spans.map((s) => s.environment)),
    services: distinct(spans.map((s) => s.service_name)),
    tags: distinct(spans.flatMap((s) => s.tags)),
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
