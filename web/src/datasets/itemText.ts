/** A JSON value on one line for a list cell: strings as they are, the rest as JSON, cut at `max`. */
export function previewText(value: unknown, max = 200): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A value as the editor shows it: pretty JSON (a string too, quoted, so it reads back the same). */
export const editorText = (value: unknown) => (value === undefined ? "" : JSON.stringify(value, null, 2));

/** The editor's text read back: JSON, or an error naming the field. Empty is null. */
export function parseEditorText(field: string, text: string): { value: unknown } | { error: string } {
  if (text.trim() === "") return { value: null };
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { error: `${field} is not JSON (write text in quotes: "like this")` };
  }
}
