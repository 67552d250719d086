import { forwardRef } from "react";
import { TraceView } from "../TraceView";
import { navigate, pageHref, traceSelection, ViewState } from "../route";
import { Button } from "../ui/Button";

/** The split view's right side: the chosen trace's detail beside the list (the
 * same view as the trace's own page), with a way to close it or open it full page.
 * A size container, so the detail can lay itself out by the pane's width. */
export const TraceDetailPane = forwardRef<HTMLElement, { state: ViewState; project: string; traceId: string }>(
  function TraceDetailPane({ state, project, traceId }, ref) {
    const fullPage = pageHref(state, "trace", { traceId, window: state.window, view: state.view, span: state.span });
    return (
      <aside
        ref={ref}
        aria-label="trace detail"
        data-testid="trace-pane"
        className="trace-pane @container min-h-0 lg:col-span-2 xl:col-span-1 min-w-0 overflow-y-auto rounded-lg border border-zinc-200 bg-white p-4 shadow-sm dark:border-zinc-800 dark:bg-zinc-900"
      >
        <div className="mb-1 flex items-center justify-end gap-2">
          <a
            href={fullPage}
            className="text-xs text-zinc-500 hover:text-zinc-900 hover:underline dark:hover:text-white"
          >
            Open full page
          </a>
          <Button
            variant="ghost"
            size="sm"
            aria-label="close the trace"
            title="Close (Esc in the list)"
            onClick={() => navigate(traceSelection(null), "push")}
          >
            ✕
          </Button>
        </div>
        <TraceView key={traceId} state={state} project={project} traceId={traceId} embedded />
      </aside>
    );
  },
);
