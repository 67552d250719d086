// The test inputs' form, generated from the chain's input schema: one field per
// top-level property (strings as text, numbers and integers as numbers, booleans as a
// checkbox, enums as a choice, anything else as JSON text), and the values the run is
// sent. The raw JSON mode edits the same inputs as one document.

export type FieldKind = "string" | "number" | "integer" | "boolean" | "enum" | "json";

export interface FormField {
  name: string;
  kind: FieldKind;
  required: boolean;
  description: string;
  options: string[];
}

type Schema = { properties?: Record<string, Record<string, unknown>>; required?: unknown };

/** The form's fields; an unreadable schema has none (the raw JSON mode still works). */
export function formFields(schemaText: string): FormField[] {
  let schema: Schema;
  try {
    schema = JSON.parse(schemaText);
  } catch {
    return [];
  }
  if (!schema || typeof schema !== "object" || !schema.properties || typeof schema.properties !== "object") return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  return Object.entries(schema.properties).map(([name, prop]) => {
    const type = prop?.type;
    const options = Array.isArray(prop?.enum) ? prop.enum.map(String) : [];
    const kind: FieldKind = options.length
      ? "enum"
      : type === "string" || type === "number" || type === "integer" || type === "boolean"
        ? type
        : type === undefined && !prop?.properties && !prop?.items
          ? "string"
          : "json";
    return { name, kind, required: required.has(name), description: typeof prop?.description === "string" ? prop.description : "", options };
  });
}

/** Each field's text as the form shows it, from inputs. */
export function formValues(fields: FormField[], inputs: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const f of fields) {
    const v = inputs[f.name];
    values[f.name] = v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v);
  }
  return values;
}

/** The inputs the form's values make, and the fields whose value does not read as their
 * type. An empty optional field is left out; an empty required one is sent empty (the
 * server names what is missing). */
export function inputsFromForm(
  fields: FormField[],
  values: Record<string, string>,
): { inputs: Record<string, unknown>; problems: Record<string, string> } {
  const inputs: Record<string, unknown> = {};
  const problems: Record<string, string> = {};
  for (const f of fields) {
    const raw = values[f.name] ?? "";
    if (raw === "" && !f.required) continue;
    switch (f.kind) {
      case "string":
      case "enum":
        inputs[f.name] = raw;
        break;
      case "boolean":
        inputs[f.name] = raw === "true";
        break;
      case "number":
      case "integer": {
        const n = Number(raw);
        if (raw.trim() === "" || !Number.isFinite(n) || (f.kind === "integer" && !Number.isInteger(n)))
          problems[f.name] = f.kind === "integer" ? "a whole number" : "a number";
        else inputs[f.name] = n;
        break;
      }
      case "json":
        try {
          inputs[f.name] = JSON.parse(raw);
        } catch {
          problems[f.name] = "JSON";
        }
        break;
    }
  }
  return { inputs, problems };
}

/** The raw JSON mode's document as inputs, or why not. */
export function inputsFromJson(text: string): { inputs: Record<string, unknown> } | { problem: string } {
  try {
    const value = JSON.parse(text);
    if (!value || typeof value !== "object" || Array.isArray(value)) return { problem: "the inputs must be a JSON object" };
    return { inputs: value };
  } catch (e) {
    return { problem: `not JSON: ${(e as Error).message}` };
  }
}
