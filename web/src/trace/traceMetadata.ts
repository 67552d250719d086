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

export function traceMetadata(trace: Trace): TraceMetadata {
  const spans = trace.spans;
  const root: Span | undefined = spans.find((s) => s.span_id === trace.root_span_ids[0]) ?? spans[0];
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
