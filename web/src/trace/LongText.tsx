import { useState } from "react";
import { count } from "../format";
import { cn } from "../ui/cn";

/** Past this many characters or lines a text is shown cut, with a button for the rest. */
const CHARS = 600;
const LINES = 12;

export function cutText(text: string): string | null {
  let cut = text.length > CHARS ? CHARS : -1;
  let newlines = 0;
  for (let i = 0; i < Math.min(text.length, CHARS); i++)
    if (text.charCodeAt(i) === 10 && ++newlines === LINES) {
      cut = i;
      break;
    }
  return cut < 0 ? null : text.slice(0, cut);
}

/** A text as text (never markup), cut when long, with "Show all". */
export function LongText({ text, className, testId }: { text: string; className?: string; testId?: string }) {
  const [all, setAll] = useState(false);
  const cut = all ? null : cutText(text);
  // shown whole, a long text scrolls in its own box rather than stretching the page
  const boxed = all && text.length > CHARS;
  return (
    <>
      <span
        className={cn(className, boxed && "block max-h-96 overflow-auto")}
        data-testid={testId}
        data-cut={cut !== null ? "" : undefined}
      >
        {cut ?? text}
        {cut !== null && "…"}
      </span>
      {cut !== null && (
        <button
          type="button"
          className="show-all ml-1 text-xs font-medium text-brand-700 hover:underline dark:text-brand-100"
          onClick={() => setAll(true)}
        >
          Show all ({count(text.length)} characters)
        </button>
      )}
    </>
  );
}
