import { useState } from "react";
import type { RecordedException } from "./exceptions";

/** Each exception the span recorded: type, message and its stack trace (long ones folded). */
export function ExceptionList({ exceptions }: { exceptions: RecordedException[] }) {
  return (
    <ul className="flex flex-col gap-2" data-testid="span-exceptions">
      {exceptions.map((e, i) => (
        <li key={i} className="exception rounded-md border border-red-200 bg-red-50 p-2 dark:border-red-900 dark:bg-red-950/40">
          <p className="text-sm text-red-800 dark:text-red-300">
            <strong className="exception-type font-semibold">{e.type || "exception"}</strong>
            {e.message && <span className="exception-message">: {e.message}</span>}
            {e.escaped && <span className="ml-1 text-xs text-red-600">(escaped the span)</span>}
          </p>
          {e.stacktrace && <StackTrace text={e.stacktrace} />}
        </li>
      ))}
    </ul>
  );
}

const SHOWN_LINES = 20;

function StackTrace({ text }: { text: string }) {
  const lines = text.split("\n");
  const [all, setAll] = useState(lines.length <= SHOWN_LINES);
  return (
    <>
      <pre
        className="stacktrace mt-1 max-h-96 overflow-auto rounded bg-white p-2 font-mono text-[11px] leading-4 whitespace-pre text-zinc-800 dark:bg-zinc-950 dark:text-zinc-200"
        data-testid="stacktrace"
      >
        {all ? text : lines.slice(-SHOWN_LINES).join("\n")}
      </pre>
      {!all && (
        <button type="button" className="show-all text-xs font-medium text-red-700 hover:underline" onClick={() => setAll(true)}>
          Show all {lines.length} lines (the last {SHOWN_LINES} are shown)
        </button>
      )}
    </>
  );
}
