// Exceptions a span recorded: OTel span events named "exception" with the
// exception.* attributes (type, message, stacktrace, escaped).
import type { FullSpan } from "../api";

export interface RecordedException {
  type: string;
  message: string;
  stacktrace: string;
  escaped: boolean;
  timeUnixNano: string;
}

const text = (value: unknown) => (value === undefined || value === null ? "" : String(value));

export function spanExceptions(span: Pick<FullSpan, "events">): RecordedException[] {
  return span.events
    .filter((e) => e.name === "exception")
    .map((e) => ({
      type: text(e.attributes["exception.type"]),
      message: text(e.attributes["exception.message"]),
      stacktrace: text(e.attributes["exception.stacktrace"]),
      escaped: e.attributes["exception.escaped"] === true || e.attributes["exception.escaped"] === "true",
      timeUnixNano: e.timeUnixNano,
    }));
}
