// The time ranges a person picks from, as the API's start/end (epoch ms).

const RANGES: Record<string, number> = {
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

/** The picker of the last 1 h / 24 h / 7 d / 30 d. */
export function RangeSelect({ value, onChange }: { value: string; onChange: (range: string) => void }) {
  return (
    <select aria-label="time range" value={value} onChange={(e) => onChange(e.target.value)}>
      {Object.keys(RANGES).map((r) => (
        <option key={r} value={r}>
          last {r}
        </option>
      ))}
    </select>
  );
}
