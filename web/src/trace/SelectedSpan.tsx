import { SpanTypeBadge } from "../ui/Badge";
import { Card } from "../ui/Card";
import { SpanInspector } from "./SpanInspector";
import type { DrawnSpan } from "./spanTree";
import { useSpanDetail } from "./useSpanDetail";

/** The inspector of the selected span: the trace came in outline, so the span is asked
 * whole; meanwhile its name and type from the outline, and a line saying it is coming. */
export function SelectedSpan({
  project,
  traceId,
  window,
  span,
}: {
  project: string;
  traceId: string;
  window?: { start: string; end: string };
  span: Pick<DrawnSpan, "spanId" | "name" | "spanType">;
}) {
  const detail = useSpanDetail(project, traceId, span.spanId, window);
  if (detail.data) return <SpanInspector span={detail.data} />;
  return (
    <Card className="detail overflow-hidden" data-testid="span-detail-loading" aria-label="span inspector" aria-busy={!detail.error}>
      <div className="flex items-center gap-2 px-4 py-3">
        <h2 className="min-w-0 truncate font-semibold" title={span.name}>
          {span.name}
        </h2>
        <SpanTypeBadge type={span.spanType} />
      </div>
      {detail.error ? (
        <p className="error border-t border-zinc-200 px-4 py-3 text-sm text-red-600 dark:border-zinc-800 dark:text-red-400">
          {detail.error.message}
        </p>
      ) : (
        <p className="border-t border-zinc-200 px-4 py-3 text-sm text-zinc-500 dark:border-zinc-800">Loading the span…</p>
      )}
    </Card>
  );
}
