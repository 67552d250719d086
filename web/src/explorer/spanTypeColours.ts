/** The graph's colour per span type; a type not listed is drawn in OTHER_COLOUR.
 * Failures keep their type's colour and get a red ring, so the type stays readable. */
export const SPAN_TYPE_COLOURS: Record<string, string> = {
  llm: "#f59e0b",
  tool: "#0ea5e9",
  agent: "#8b5cf6",
  chain: "#16a34a",
  retriever: "#14b8a6",
  embedding: "#ec4899",
};
export const OTHER_COLOUR = "#64748b";
export const FAILURE_COLOUR = "#dc2626";

export function spanTypeColour(spanType: string): string {
  return SPAN_TYPE_COLOURS[spanType] ?? OTHER_COLOUR;
}
