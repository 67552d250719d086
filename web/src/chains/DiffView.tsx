// Parts of a diff (playground/textDiff.ts) as text: deletions struck in red, insertions
// in green. Everything is text (React escapes it).
import type { DiffPart } from "../playground/textDiff";
import { cn } from "../ui/cn";

export function DiffView({ parts, block, label }: { parts: DiffPart[]; block?: boolean; label?: string }) {
  return (
    <pre
      aria-label={label}
      data-testid="diff"
      className={cn("font-mono text-xs leading-5 whitespace-pre-wrap", block && "rounded-md bg-zinc-50 p-3 dark:bg-zinc-950")}
    >
      {parts.map((p, i) =>
        p.op === "equal" ? (
          <span key={i}>{p.text}</span>
        ) : p.op === "delete" ? (
          <del key={i} className="diff-delete bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300">
            {p.text}
          </del>
        ) : (
          <ins key={i} className="diff-insert bg-emerald-100 text-emerald-800 no-underline dark:bg-emerald-950 dark:text-emerald-300">
            {p.text}
          </ins>
        ),
      )}
    </pre>
  );
}
