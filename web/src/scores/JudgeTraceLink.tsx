// A judge score's link to the judge's own trace: the Studio traces each call its LLM
// judges make into the project (environment gls-evaluator), so the prompt, the
// answer, the tokens and the cost of a score are one click away.
import { traceHref, useViewState } from "../route";
import { cn } from "../ui/cn";

export function JudgeTraceLink({ traceId, className }: { traceId: string | null | undefined; className?: string }) {
  const state = useViewState();
  if (!traceId) return null;
  return (
    <a
      className={cn("judge-trace-link text-xs font-medium text-brand-700 hover:underline dark:text-brand-400", className)}
      href={traceHref(state, traceId)}
      title="The judge's own call: its prompt, answer, tokens and cost"
    >
      judge trace
    </a>
  );
}
