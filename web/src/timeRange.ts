// The time ranges a person picks from, as the API's start/end (epoch ms).
import type { TimeRange } from "./route";

export const PRESETS: Record<string, { ms: number; label: string }> = {
  "15m": { ms: 15 * 60_000, label: "Last 15 minutes" },
  "1h": { ms: 3_600_000, label: "Last hour" },
  "24h": { ms: 86_400_000, label: "Last 24 hours" },
  "7d": { ms: 7 * 86_400_000, label: "Last 7 days" },
  "30d": { ms: 30 * 86_400_000, label: "Last 30 days" },
};

/** The last `range`, up to a minute from now (clocks of senders run a little ahead). */
export function lastRange(range: string): { start: string; end: string } {
  const now = Date.now();
  const ms = PRESETS[range]?.ms ?? PRESETS["24h"].ms;
  return { start: String(now - ms), end: String(now + 60_000) };
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
