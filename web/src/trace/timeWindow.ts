// The waterfall's time window: which part of the trace (ms from its start) is in
// view, how a drag or the wheel changes it, and the axis ticks that fit it.

export interface TimeWindow {
  /** ms from the trace's start */
  from: number;
  to: number;
}

/** The narrowest window zoomed into: below a microsecond the bars are all one width. */
export const MIN_WINDOW_MS = 0.001;

/** A window kept inside the trace [0, totalMs] and at least MIN_WINDOW_MS wide. */
export function clampWindow(w: TimeWindow, totalMs: number): TimeWindow {
  const width = Math.min(Math.max(w.to - w.from, MIN_WINDOW_MS), totalMs);
  const from = Math.min(Math.max(w.from, 0), Math.max(totalMs - width, 0));
  return { from, to: from + width };
}

/** Zoomed by `factor` (< 1 in, > 1 out) around the point at `anchor` (0..1 across the window). */
export function zoomAround(w: TimeWindow, anchor: number, factor: number, totalMs: number): TimeWindow {
  const width = w.to - w.from;
  const at = w.from + anchor * width;
  const next = width * factor;
  return clampWindow({ from: at - anchor * next, to: at - anchor * next + next }, totalMs);
}

/** The window between two points of a drag (fractions 0..1 across the current window). */
export function windowBetween(w: TimeWindow, a: number, b: number, totalMs: number): TimeWindow {
  const width = w.to - w.from;
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return clampWindow({ from: w.from + lo * width, to: w.from + hi * width }, totalMs);
}

/** Round tick positions (1, 2 or 5 times a power of ten, in ms) across the window,
 * at most `most` of them: the axis reads 0, 50, 100 ms rather than 0, 47.3, 94.6. */
export function ticks(w: TimeWindow, most = 6): number[] {
  const width = w.to - w.from;
  if (!(width > 0) || most < 1) return [w.from];
  const rough = width / most;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => width / s <= most + 1e-9) ?? 10 * power;
  const out: number[] = [];
  // stepped by index, not by adding: a sum of 0.1s drifts off the round values
  for (let i = Math.ceil(w.from / step - 1e-9); i * step <= w.to + step * 1e-9; i++)
    out.push(Number((i * step).toPrecision(12)) + 0); // + 0: no -0 on the axis
  return out;
}

/** Where a span's bar starts and how wide it is, in percent of the window; null when
 * the span is outside it. Bars cut by the window's edges are clipped to it. */
export function barPlacement(
  startMs: number,
  endMs: number,
  w: TimeWindow,
): { left: number; width: number } | null {
  if (endMs < w.from || startMs > w.to) return null;
  const span = w.to - w.from;
  const left = ((Math.max(startMs, w.from) - w.from) / span) * 100;
  const right = ((Math.min(endMs, w.to) - w.from) / span) * 100;
  return { left, width: Math.max(right - left, 0.3) };
}
