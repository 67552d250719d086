// The trace the trace view draws: its outline by columns (api/openapi.yaml TraceOutline),
// about a tenth of the bytes of its spans as objects; the inspector asks its span whole.
import { useQuery } from "@tanstack/react-query";
import { getTraceOutline } from "../api";
import { keys } from "../queries";

/** Keyed below the trace's own key, as its spans are (useSpanDetail). */
export const useTraceOutline = (project: string, traceId: string, window?: { start: string; end: string }) =>
  useQuery({
    queryKey: [...keys.trace(project, traceId, window), "outline"] as const,
    queryFn: ({ signal }) => {
      const answer = getTraceOutline(project, traceId, window, signal);
      setTimeout(warmNumberFormat);
      return answer;
    },
    // spans do arrive late (a batch exporter's last flush), so the trace is
    // refreshed in the background like the rest
    staleTime: 30_000,
  });

/** The first number formatted in a page loads ICU's data (~30 ms in chromium): done
 * while the server answers, not in the task that draws the trace once it has. */
function warmNumberFormat(): void {
  (0).toLocaleString("en-US");
}
