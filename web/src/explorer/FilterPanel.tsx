import { useEffect, useState } from "react";
import { Facets, FacetCount } from "../api";
import { count } from "../format";
import { navigate, ViewState } from "../route";
import { cn } from "../ui/cn";
import { Input } from "../ui/Input";
import { ScoreFilterSection } from "../scores/ScoreFilterSection";

/** A facet of the counts and the list parameter it filters; `single` when the state holds one value. */
type Section = { title: string; facet: keyof Facets; param: string; single?: "status" | "environment" };

const SECTIONS: Section[] = [
  { title: "Status", facet: "status", param: "status", single: "status" },
  { title: "Span type", facet: "span_type", param: "span_type" },
  { title: "Model", facet: "model", param: "model" },
  { title: "Environment", facet: "environment", param: "environment", single: "environment" },
  { title: "Chain", facet: "chain", param: "chain" },
  { title: "Agent", facet: "agent", param: "agent" },
  { title: "Service", facet: "service", param: "service" },
  { title: "User", facet: "user", param: "user_id" },
  { title: "Session", facet: "session", param: "session_id" },
  { title: "Tags", facet: "tag", param: "tag" },
];

const RANGES = [
  { title: "Duration (ms)", range: "duration_ms", min: "min_duration_ms", max: "max_duration_ms" },
  { title: "Tokens", range: "total_tokens", min: "min_tokens", max: "max_tokens" },
  { title: "Cost (USD)", range: "cost_usd", min: "min_cost_usd", max: "max_cost_usd" },
] as const;

const SHOWN_AT_FIRST = 8;

/** The values a section has chosen. */
export function chosen(state: ViewState, section: Section): string[] {
  if (section.single) return state[section.single] ? [state[section.single]] : [];
  return state.listFilters[section.param] ?? [];
}

function choose(state: ViewState, section: Section, value: string, on: boolean) {
  if (section.single) {
    navigate({ [section.single]: on ? value : "" });
    return;
  }
  const before = state.listFilters[section.param] ?? [];
  const values = on ? [...before, value] : before.filter((v) => v !== value);
  const listFilters = { ...state.listFilters, [section.param]: values };
  // state.model mirrors the first model (links from elsewhere set only it)
  navigate(section.param === "model" ? { listFilters, model: values[0] ?? "" } : { listFilters });
}

/** The left panel of the trace list: each facet's values with their trace counts
 * (over what the other filters select), ticked to filter, and min/max bounds. */
export function FilterPanel({ state, facets }: { state: ViewState; facets: Facets | undefined }) {
  return (
    <aside className="filters flex flex-col gap-4 text-sm" aria-label="filters">
      {SECTIONS.map((section) => (
        <FacetSection
          key={section.param}
          section={section}
          counts={(facets?.[section.facet] as FacetCount[] | undefined) ?? []}
          selected={chosen(state, section)}
          onChoose={(value, on) => choose(state, section, value, on)}
        />
      ))}
      {state.project && <ScoreFilterSection state={state} project={state.project} />}
      {RANGES.map((r) => (
        <fieldset key={r.range} className="flex flex-col gap-1">
          <legend className="mb-1 text-xs font-semibold tracking-wide text-zinc-500 uppercase">{r.title}</legend>
          <div className="flex gap-1">
            <Bound state={state} param={r.min} label={`${r.title} min`} hint={facets?.ranges[r.range].min} />
            <Bound state={state} param={r.max} label={`${r.title} max`} hint={facets?.ranges[r.range].max} />
          </div>
        </fieldset>
      ))}
    </aside>
  );
}

function FacetSection(props: {
  section: Section;
  counts: FacetCount[];
  selected: string[];
  onChoose: (value: string, on: boolean) => void;
}) {
  const { section, counts, selected, onChoose } = props;
  const [all, setAll] = useState(false);
  // a chosen value the counts no longer list stays, so it can be unticked
  // an empty value cannot be asked for (the API reads an empty parameter as "any"), so it is not offered
  const rows = [...counts.filter((c) => c.value !== ""), ...selected.filter((v) => !counts.some((c) => c.value === v)).map((value) => ({ value, count: 0 }))];
  if (rows.length === 0) return null;
  const shown = all ? rows : rows.slice(0, SHOWN_AT_FIRST);
  return (
    <fieldset className="facet flex flex-col gap-0.5" data-facet={section.param}>
      <legend className="mb-1 text-xs font-semibold tracking-wide text-zinc-500 uppercase">{section.title}</legend>
      {shown.map((c) => (
        <label
          key={c.value}
          className={cn(
            "flex cursor-pointer items-center gap-2 rounded px-1 py-0.5 hover:bg-zinc-100 dark:hover:bg-zinc-800",
            selected.includes(c.value) && "font-medium",
          )}
        >
          <input
            type={section.single ? "radio" : "checkbox"}
            aria-label={c.value}
            name={section.single ? `facet-${section.param}` : undefined}
            checked={selected.includes(c.value)}
            onChange={() => onChoose(c.value, !selected.includes(c.value))}
            onClick={(e) => {
              // a ticked radio is unticked by clicking it again (one value, or any)
              if (section.single && selected.includes(c.value)) {
                e.preventDefault();
                onChoose(c.value, false);
              }
            }}
          />
          <span className="min-w-0 flex-1 truncate" title={c.value}>
            {c.value}
          </span>
          <span className="facet-count text-xs text-zinc-500 tabular-nums">{count(c.count)}</span>
        </label>
      ))}
      {rows.length > SHOWN_AT_FIRST && (
        <button type="button" className="self-start px-1 text-xs text-brand-600 hover:underline" onClick={() => setAll(!all)}>
          {all ? "Fewer" : `All ${rows.length}`}
        </button>
      )}
    </fieldset>
  );
}

/** A min or max bound: written to the URL when the field is left or Enter is pressed. */
function Bound({ state, param, label, hint }: { state: ViewState; param: string; label: string; hint: number | null | undefined }) {
  const value = state.listFilters[param]?.[0] ?? "";
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const trimmed = text.trim();
  // the API refuses a bound that is not a number >= 0 (400): such a text stays here, marked, and is not sent
  const valid = trimmed === "" || (Number.isFinite(Number(trimmed)) && Number(trimmed) >= 0);
  const write = () => {
    if (trimmed === value || !valid) return;
    navigate({ listFilters: { ...state.listFilters, [param]: trimmed ? [trimmed] : [] } });
  };
  return (
    <Input
      aria-label={label}
      aria-invalid={!valid}
      inputMode="decimal"
      className={cn("w-full min-w-0", !valid && "border-red-500")}
      placeholder={hint === null || hint === undefined ? (label.endsWith("min") ? "min" : "max") : String(Number(hint.toPrecision(4)))}
      value={text}
      onChange={(e) => setText(e.target.value)}
      onBlur={write}
      onKeyDown={(e) => e.key === "Enter" && write()}
    />
  );
}
