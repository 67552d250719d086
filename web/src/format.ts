// Figures as people read them. Unknown stays visibly unknown ("—"), never 0.

export const UNKNOWN = "—";

/** Three significant digits, never in exponent form (0.00052, 523, 1,250). */
const sig = (value: number, digits = 3) => value.toLocaleString("en-US", { maximumSignificantDigits: digits });

export const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;

export function duration(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return UNKNOWN;
  if (value === 0) return "$0";
  if (value < 0.01) return `$${sig(value, 2)}`;
  return `$${value.toFixed(2)}`;
}

export function grams(value: number | null | undefined): string {
  if (value === null || value === undefined) return UNKNOWN;
  if (value === 0) return "0 g";
  if (value < 0.001) return `${sig(value * 1e6)} µg`;
  if (value < 1) return `${sig(value * 1000)} mg`;
  if (value < 1000) return `${sig(value)} g`;
  return `${sig(value / 1000)} kg`;
}

export function kwh(value: number | null | undefined): string {
  if (value === null || value === undefined) return UNKNOWN;
  if (value < 0.001) return `${sig(value * 1e6)} mWh`;
  if (value < 1) return `${sig(value * 1000)} Wh`;
  return `${sig(value)} kWh`;
}

export function count(value: number | null | undefined): string {
  if (value === null || value === undefined) return UNKNOWN;
  return value.toLocaleString("en-US");
}

export function time(unixNano: number): string {
  const d = new Date(unixNano / 1e6);
  return d.toISOString().replace("T", " ").slice(0, 23);
}

/** Any attribute value as text: strings as they are, the rest as JSON. */
export function attributeText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
