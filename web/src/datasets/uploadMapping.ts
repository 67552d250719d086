// The upload's column mapping, worked out in the browser from the file's header before
// anything is sent, by the server's own defaults (api/openapi.yaml, uploadDatasetFile):
// input is the column `input`, else every column no other role takes; expected the first
// of expected / expected_output / output; metadata `metadata`; split `split`; id `id`.
import type { UploadMapping } from "./datasetsApi";

export type UploadFormat = "csv" | "jsonl" | "parquet";
export type Role = "input" | "expected" | "metadata" | "split" | "id" | "ignore";
export const ROLES: Role[] = ["input", "expected", "metadata", "split", "id", "ignore"];

/** The format a file's name says, or null. */
export function formatOf(fileName: string): UploadFormat | null {
  const name = fileName.toLowerCase();
  if (name.endsWith(".csv")) return "csv";
  if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return "jsonl";
  if (name.endsWith(".parquet")) return "parquet";
  return null;
}

/** The first record of CSV text (RFC 4180 quoting: "" inside quotes, commas and newlines
 * in quoted cells), a BOM dropped; null when the text holds no whole first line. */
export function csvHeader(text: string): string[] | null {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      cells.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      cells.push(cell);
      return cells;
    } else cell += c;
  }
  return null;
}

/** The keys of the first JSON Lines object, or null if the first line is not one. */
export function jsonlHeader(text: string): string[] | null {
  const line = text.replace(/^\uFEFF/, "").split("\n", 1)[0];
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? Object.keys(value) : null;
  } catch {
    return null;
  }
}

/** Each column's role as the server would give it with nothing named. */
export function defaultRoles(columns: string[]): Record<string, Role> {
  const roles: Record<string, Role> = {};
  const expected = ["expected", "expected_output", "output"].find((c) => columns.includes(c));
  for (const c of columns) {
    if (c === expected) roles[c] = "expected";
    else if (c === "metadata") roles[c] = "metadata";
    else if (c === "split") roles[c] = "split";
    else if (c === "id") roles[c] = "id";
    else if (columns.includes("input")) roles[c] = c === "input" ? "input" : "ignore";
    else roles[c] = "input";
  }
  return roles;
}

/** The upload's query parameters for the roles chosen; `json` the columns holding JSON text. */
export function mappingParams(roles: Record<string, Role>, json: string[] = []): Partial<UploadMapping> {
  const of = (role: Role) => Object.keys(roles).filter((c) => roles[c] === role);
  const params: Partial<UploadMapping> = {
    input_columns: of("input").join(","),
    expected_columns: of("expected").join(","),
    metadata_columns: of("metadata").join(","),
  };
  const [split] = of("split");
  const [id] = of("id");
  if (split) params.split_column = split;
  if (id) params.id_column = id;
  const jsonColumns = json.filter((c) => roles[c] && roles[c] !== "ignore");
  if (jsonColumns.length) params.json_columns = jsonColumns.join(",");
  return params;
}

/** What is wrong with the roles before sending, or null. */
export function mappingProblem(roles: Record<string, Role>): string | null {
  const of = (role: Role) => Object.values(roles).filter((r) => r === role).length;
  if (of("input") === 0) return "Choose at least one input column.";
  if (of("split") > 1) return "Only one column can be the split.";
  if (of("id") > 1) return "Only one column can be the id.";
  return null;
}

/** The job's progress, 0-1 (bytes read of the file's bytes). */
export function jobProgress(job: { bytes_read: number; bytes_total: number; state: string }): number {
  if (job.state === "succeeded") return 1;
  return job.bytes_total > 0 ? Math.min(1, job.bytes_read / job.bytes_total) : 0;
}

/** A failed job's error as a person reads it: the row and column first. */
export function jobErrorText(error: { message: string; row: number | null; column: string | null } | null): string {
  if (!error) return "";
  const where = [error.row !== null ? `row ${error.row.toLocaleString("en-US")}` : "", error.column !== null ? `column "${error.column}"` : ""]
    .filter(Boolean)
    .join(", ");
  return where ? `${where}: ${error.message}` : error.message;
}
