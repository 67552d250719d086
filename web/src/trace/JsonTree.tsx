import { useState } from "react";
import { cn } from "../ui/cn";
import { LongText } from "./LongText";

/** The JSON a text holds, when it is an object or an array; undefined otherwise. */
export function jsonIn(text: string): object | undefined {
  const t = text.trimStart();
  if (t[0] !== "{" && t[0] !== "[") return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Levels open when first shown (unless folded); deeper ones wait for a click. */
const OPEN_LEVELS = 2;

/** A JSON value pretty-printed as a tree: objects and arrays fold at their toggle,
 * long strings are cut with "Show all". Everything is text: keys and values never become markup. */
export function JsonTree({ value, testId, folded = false }: { value: unknown; testId?: string; folded?: boolean }) {
  return (
    <div className="json-tree font-mono text-xs leading-5" data-testid={testId}>
      <JsonNode value={value} level={0} openLevels={folded ? 0 : OPEN_LEVELS} />
    </div>
  );
}

function JsonNode(props: { name?: string; value: unknown; level: number; openLevels: number }) {
  const { name, value, level, openLevels } = props;
  const [open, setOpen] = useState(level < openLevels);
  const key = name !== undefined && <span className="text-violet-700 dark:text-violet-300">{name}: </span>;
  if (typeof value !== "object" || value === null)
    return (
      <div className="pl-4">
        {key}
        <Scalar value={value} />
      </div>
    );
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [String(i), v])
    : Object.entries(value as Record<string, unknown>);
  const [start, end] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  const summary = Array.isArray(value) ? `${entries.length} items` : `${entries.length} keys`;
  return (
    <div className={cn(level > 0 && "pl-4")}>
      <button
        type="button"
        className="fold -ml-4 inline-flex w-4 justify-center text-zinc-400 hover:text-zinc-700 dark:hover:text-zinc-200"
        aria-expanded={open}
        aria-label={open ? "Fold" : "Unfold"}
        onClick={() => setOpen(!open)}
      >
        {open ? "▾" : "▸"}
      </button>
      {key}
      {start}
      {open ? (
        <>
          {entries.map(([k, v]) => (
            <JsonNode key={k} name={k} value={v} level={level + 1} openLevels={openLevels} />
          ))}
          {end}
        </>
      ) : (
        <button type="button" className="text-zinc-400 hover:underline" onClick={() => setOpen(true)}>
          {` ${summary} ${end}`}
        </button>
      )}
    </div>
  );
}

function Scalar({ value }: { value: unknown }) {
  if (typeof value === "string")
    return (
      <span className="text-emerald-700 dark:text-emerald-300">
        &quot;
        <LongText text={value} className="whitespace-pre-wrap" />
        &quot;
      </span>
    );
  return <span className="text-sky-700 dark:text-sky-300">{String(value)}</span>;
}
