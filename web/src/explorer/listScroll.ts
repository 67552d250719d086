// How the virtualised trace list keeps its place: rows of one fixed height, so a
// row's offset is its index times that height and nothing needs measuring.

/** The list's scroll position once its rows changed (a live refresh, a page
 * appended), so the row at the top of the view stays where it was: rows inserted
 * above it push the position down by their height. At the very top the position
 * stays 0, so new traces show at the top. A top row that is gone leaves it as is. */
export function anchoredScrollTop(previousIds: readonly string[], ids: readonly string[], scrollTop: number, rowPx: number): number {
  if (scrollTop < 1 || previousIds.length === 0) return scrollTop;
  const topIndex = Math.min(Math.floor(scrollTop / rowPx), previousIds.length - 1);
  const newIndex = ids.indexOf(previousIds[topIndex]);
  if (newIndex < 0 || newIndex === topIndex) return scrollTop;
  return scrollTop + (newIndex - topIndex) * rowPx;
}

/** Whether the next page should be asked for: the rows drawn reach within
 * `ahead` rows of the last one loaded, and no read is under way (a live refresh
 * in flight would be cancelled by it). */
export function wantsNextPage(lastDrawnIndex: number, loaded: number, ahead: number, hasNextPage: boolean, fetching: boolean): boolean {
  return hasNextPage && !fetching && lastDrawnIndex >= loaded - 1 - ahead;
}

/** The row a key moves to: up and down by one, Home and End, page up and down by
 * `pageRows`; from nothing chosen, down starts at the first row. Null: not a move key. */
export function movedIndex(key: string, current: number, count: number, pageRows: number): number | null {
  if (count === 0) return null;
  const last = count - 1;
  const clamp = (i: number) => Math.max(0, Math.min(last, i));
  switch (key) {
    case "ArrowDown":
      return current < 0 ? 0 : clamp(current + 1);
    case "ArrowUp":
      return current < 0 ? 0 : clamp(current - 1);
    case "PageDown":
      return clamp(Math.max(current, 0) + pageRows);
    case "PageUp":
      return clamp(Math.max(current, 0) - pageRows);
    case "Home":
      return 0;
    case "End":
      return last;
    default:
      return null;
  }
}
