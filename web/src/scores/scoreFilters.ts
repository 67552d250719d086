// The trace list's score filters as the API takes them: `<name>:<op>[:<value>]`
// (python/gls_engine/scores/score_filter.py), and the ops offered for a data type.
import type { ScoreDataType } from "./scoresApi";

export type ScoreOp = "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "is" | "not" | "exists" | "missing";

export const OP_LABELS: Record<ScoreOp, string> = {
  eq: "=",
  ne: "≠",
  lt: "<",
  le: "≤",
  gt: ">",
  ge: "≥",
  is: "is",
  not: "is not",
  exists: "exists",
  missing: "missing",
};

/** Numbers compare an average; labels and booleans are or are not given. */
export function opsFor(type: ScoreDataType): ScoreOp[] {
  if (type === "numeric") return ["ge", "le", "gt", "lt", "eq", "ne", "exists", "missing"];
  return ["is", "not", "exists", "missing"];
}

export const takesValue = (op: ScoreOp) => op !== "exists" && op !== "missing";

export function scoreFilter(name: string, op: ScoreOp, value: string): string {
  return takesValue(op) ? `${name}:${op}:${value}` : `${name}:${op}`;
}

/** A filter's parts for display (the name has no ':'; a label may). */
export function parseScoreFilter(filter: string): { name: string; op: string; value: string } {
  const [name, op = "", ...rest] = filter.split(":");
  return { name, op, value: rest.join(":") };
}

export function filterText(filter: string): string {
  const { name, op, value } = parseScoreFilter(filter);
  const shown = OP_LABELS[op as ScoreOp] ?? op;
  return value ? `${name} ${shown} ${value}` : `${name} ${shown}`;
}
