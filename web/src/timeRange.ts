// The time ranges a person picks from, as the API's start/end (epoch ms).

export const RANGES: Record<string, number> = {
  "1h": 3_600_000,
  "24h": 86_400_000,
  "7d": 7 * 86_400_000,
  "30d": 30 * 86_400_000,
};

/** The last `range`, up to a minute from now (clocks of senders run a little ahead). */
export function lastRange(range: string): { start: string; end: string } {
  const now = Date.now();
  return { start: String(now - RANGES[range]), end: String(now + 60_000) };
}
