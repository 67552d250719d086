// The time ranges a person picks from, as the API's start/end (epoch ms).
import type { TimeRange } from "./route";

// `stepMs`: the bounds are whole steps, so everyone looking at the same range
// within a step asks the same question and the server answers it once for all
// (python/gls_engine/storage/read_gate.py); the end is a minute past the step.
export const PRESETS: Record<string, { ms: number; label: string; stepMs: number }> = {
  "15m": { ms: 15 * 60_000, label: "Last 15 minutes", stepMs: 5_000 },
  "1h": { ms: 3_600_000, label: "Last hour", stepMs: 10_000 },
  "24h": { ms: 86_400_000, label: "Last 24 hours", stepMs: 60_000 },
  "7d": { ms: 7 * 86_400_000, label: "Last 7 days", stepMs: 300_000 },
  "30d": { ms: 30 * 86_400_000, label: "Last 30 days", stepMs: 900_000 },
};

/** The last `range` in whole steps: from the step holding now minus the range, to a
 * minute past the step holding now (clocks of senders run a little ahead). */
export function lastRange(range: string): { start: string; end: string } {
  const now = Date.now();
  const { ms, stepMs } = PRESETS[range] ?? PRESETS["24h"];
  const start = Math.floor((now - ms) / stepMs) * stepMs;
  const end = Math.ceil(now / stepMs) * stepMs + 60_000;
  return { start: String(start), end: String(end) };
}

/** The start and end to ask the API for, at the moment of asking. */
export function rangeBounds(range: TimeRange): { start: string; end: string } {
  return "preset" in range ? lastRange(range.preset) : { start: String(range.from), end: String(range.to) };
}

/** The range as its picker shows it. */
export function rangeLabel(range: TimeRange): string {
  if ("preset" in range) return PRESETS[range.preset]?.label ?? PRESETS["24h"].label;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");
  return `${day(range.from)} – ${day(range.to)} UTC`;
}

/** A datetime-local input's value (UTC, minutes) and back. */
export const toInputValue = (ms: number) => new Date(ms).toISOString().slice(0, 16);
export const fromInputValue = (value: string) => Date.parse(`${value}:00Z`);
