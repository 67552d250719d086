// Where a refusal of POST .../chains/validate (or a save) points: the server names the
// step and field first (`steps[0] (ask).messages[1].content: line 1: ...`), so the
// builder can show the message at that step and field rather than only at the top.

export interface Located {
  /** the step's index, or null for the chain's own fields (input_schema, output) */
  step: number | null;
  /** the step's id as the message names it */
  stepId: string | null;
  /** the field's path inside the step or chain: `messages[1].content`, `input_mapping.country`, `` */
  field: string;
  message: string;
}

const STEP = /^steps\[(\d+)\](?: \(([^)]*)\))?/;
const PATH = /^\.?([A-Za-z_][A-Za-z0-9_]*(?:\[\d+\]|\.[A-Za-z_][A-Za-z0-9_-]*)*)/;

export function locateError(message: string): Located {
  const step = STEP.exec(message);
  const rest = step ? message.slice(step[0].length) : message;
  const path = PATH.exec(rest);
  // a chain-level message names its field first too (`output: ...`, `input_schema must ...`);
  // anything else is about the whole definition
  const field = path && (step || /^(input_schema|output|steps|description)\b/.test(path[1])) ? path[1] : "";
  return {
    step: step ? Number(step[1]) : null,
    stepId: step?.[2] ?? null,
    field,
    message,
  };
}

/** The first part of a field path (`messages`, `input_mapping`, `parameters`). */
export const fieldRoot = (field: string) => field.split(/[.[]/)[0];

/** The index in a `messages[1]...` path, or null. */
export function messageIndex(field: string): number | null {
  const m = /^messages\[(\d+)\]/.exec(field);
  return m ? Number(m[1]) : null;
}

/** The key in an `input_mapping.country` path, or null. */
export function mappingField(field: string): string | null {
  const m = /^input_mapping\.(.+)$/.exec(field);
  return m ? m[1] : null;
}
