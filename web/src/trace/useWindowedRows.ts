// The trace detail's long lists (the span tree, the waterfall) drawn only where they
// are seen: past WINDOW_FROM rows, @tanstack/react-virtual gives the rows in view (and
// OVERSCAN either side); below it every row is drawn, at the same positions.
import type { RefObject } from "react";
import { useVirtualizer, type Virtualizer } from "@tanstack/react-virtual";

/** Rows above this many are windowed, so a trace of thousands of spans opens and
 * scrolls as fast as a small one. */
export const WINDOW_FROM = 400;
const OVERSCAN = 10;

export interface WindowedRows {
  windowed: boolean;
  virtualizer: Virtualizer<HTMLDivElement, Element>;
  /** The rows to draw: their index and top, in px. */
  items: { index: number; start: number }[];
  /** The height of all the rows, drawn or not. */
  totalPx: number;
}

export function useWindowedRows(count: number, box: RefObject<HTMLDivElement | null>, rowPx: number): WindowedRows {
  const windowed = count > WINDOW_FROM;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => box.current,
    estimateSize: () => rowPx,
    overscan: OVERSCAN,
    enabled: windowed,
  });
  const items = windowed
    ? virtualizer.getVirtualItems()
    : Array.from({ length: count }, (_, index) => ({ index, start: index * rowPx }));
  return { windowed, virtualizer, items, totalPx: windowed ? virtualizer.getTotalSize() : count * rowPx };
}
