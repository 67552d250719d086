// The selected span whole: the trace view reads the trace in outline (no inputs,
// attributes, events, resource), and the inspector asks the one span it shows.
import { useQuery } from "@tanstack/react-query";
import { getSpan } from "../api";
import { keys } from "../queries";

/** Keyed below the trace's own key, so whatever refreshes the trace refreshes its spans. */
export const spanDetailKey = (
  project: string,
  traceId: string,
  spanId: string,
  window?: { start: string; end: string },
) => [...keys.trace(project, traceId, window), "span", spanId] as const;

export const useSpanDetail = (
  project: string,
  traceId: string,
  spanId: string | null,
  window?: { start: string; end: string },
) =>
  useQuery({
    queryKey: spanDetailKey(project, traceId, spanId ?? "", window),
    queryFn: ({ signal }) => getSpan(project, traceId, spanId ?? "", window, signal),
    enabled: spanId !== null,
    // as the trace: spans arrive late, and a span's own fields do not change
    staleTime: 30_000,
  });
