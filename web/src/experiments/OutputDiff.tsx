// A run's output against the item's expected output: words deleted and inserted (text), a
// JSON Patch's operations (json), or equal / not (value). Everything is shown as text.
import { attributeText } from "../format";
import type { ExperimentOutputDiff } from "./experimentsApi";

export function OutputDiff({ diff }: { diff: ExperimentOutputDiff | null }) {
  if (!diff) return <span className="text-xs text-zinc-400">no expected output</span>;
  if (diff.equal) return <span className="output-diff equal text-xs text-emerald-700 dark:text-emerald-400">matches the expected output</span>;
  if (diff.kind === "text" && diff.parts)
    return (
      <p className="output-diff text-xs leading-5 whitespace-pre-wrap" data-testid="output-diff">
        {diff.parts.map((p, i) =>
          p.op === "equal" ? (
            <span key={i}>{p.text}</span>
          ) : p.op === "delete" ? (
            <del key={i} className="bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300">
              {p.text}
            </del>
          ) : (
            <ins key={i} className="bg-emerald-100 text-emerald-800 no-underline dark:bg-emerald-950 dark:text-emerald-300">
              {p.text}
            </ins>
          ),
        )}
        {diff.truncated && <span className="text-zinc-400"> … (cut)</span>}
      </p>
    );
  if (diff.kind === "json" && diff.patch)
    return (
      <ul className="output-diff font-mono text-xs" data-testid="output-diff">
        {diff.patch.map((op, i) => (
          <li key={i}>{attributeText(op)}</li>
        ))}
      </ul>
    );
  return <span className="output-diff text-xs text-red-700 dark:text-red-400">differs from the expected output</span>;
}
