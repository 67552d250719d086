// Addresses of the API's file exports (each answers with Content-Disposition:
// attachment), so the browser downloads them from a plain link.
import { withQuery } from "../api";

const projectPath = (project: string) => `/api/v1/projects/${encodeURIComponent(project)}`;

export type TraceExportFormat = "json" | "otlp";

/** One trace as a file; its list times (when known) keep the read to the days they cover. */
export const traceExportUrl = (
  project: string,
  traceId: string,
  format: TraceExportFormat,
  window: { start: string; end: string } | undefined,
) => withQuery(`${projectPath(project)}/traces/${encodeURIComponent(traceId)}/export`, { format, ...window });

/** The trace list as CSV: the same range and filters as the list on screen. */
export const traceListCsvUrl = (project: string, params: Record<string, string | string[] | undefined>) =>
  withQuery(`${projectPath(project)}/traces/export.csv`, params);
