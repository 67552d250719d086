// The filter panel's Scores section: the chosen score filters (each removable), and
// a name, an op for its type and a value to add one. Names come from the project's
// score names (GET .../scores/names).
import { useState } from "react";
import { navigate, type ViewState } from "../route";
import { Button } from "../ui/Button";
import { Input } from "../ui/Input";
import { Select } from "../ui/Select";
import { filterText, OP_LABELS, opsFor, scoreFilter, takesValue, type ScoreOp } from "./scoreFilters";
import { useScoreNames } from "./useScores";

export function ScoreFilterSection({ state, project }: { state: ViewState; project: string }) {
  const names = useScoreNames(project);
  const chosen = state.listFilters.score ?? [];
  const [name, setName] = useState("");
  const [op, setOp] = useState<ScoreOp | "">("");
  const [value, setValue] = useState("");
  const known = names.data?.find((n) => n.name === name);
  if (!names.data?.length && chosen.length === 0) return null;
  const ops = known ? opsFor(known.data_type) : [];
  const chosenOp = op && ops.includes(op) ? op : (ops[0] ?? "");
  const valid = known && chosenOp && (!takesValue(chosenOp) || (value.trim() !== "" && (known.data_type !== "numeric" || Number.isFinite(Number(value)))));
  const write = (filters: string[]) => navigate({ listFilters: { ...state.listFilters, score: filters } });
  const add = (event: React.FormEvent) => {
    event.preventDefault();
    if (!valid || !known || !chosenOp) return;
    const filter = scoreFilter(known.name, chosenOp, value.trim());
    if (!chosen.includes(filter)) write([...chosen, filter]);
    setValue("");
  };
  return (
    <fieldset className="facet flex flex-col gap-1" data-facet="score" aria-label="score filters">
      <legend className="mb-1 text-xs font-semibold tracking-wide text-zinc-500 uppercase">Scores</legend>
      {chosen.length > 0 && (
        <ul className="flex flex-wrap gap-1">
          {chosen.map((f) => (
            <li key={f} className="score-filter inline-flex items-center gap-1 rounded-full border border-violet-300 px-2 text-xs">
              <bdi>{filterText(f)}</bdi>
              <button type="button" aria-label={`Remove score filter ${filterText(f)}`} className="text-zinc-500 hover:text-zinc-900" onClick={() => write(chosen.filter((c) => c !== f))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="flex flex-col gap-1" onSubmit={add} aria-label="add a score filter">
        <Select
          label="score filter name"
          value={name}
          options={(names.data ?? []).map((n) => ({ value: n.name, label: n.name }))}
          onValueChange={(v) => {
            setName(v);
            setOp("");
            setValue("");
          }}
          triggerClassName="w-full max-w-none"
        />
        {known && (
          <div className="flex gap-1">
            <Select label="score filter op" value={chosenOp} options={ops.map((o) => ({ value: o, label: OP_LABELS[o] }))} onValueChange={(v) => setOp(v as ScoreOp)} />
            {chosenOp && takesValue(chosenOp) &&
              (known.data_type === "numeric" ? (
                <Input aria-label="score filter value" inputMode="decimal" className="w-full min-w-0" value={value} onChange={(e) => setValue(e.target.value)} />
              ) : (
                <Select
                  label="score filter value"
                  value={value}
                  options={(known.data_type === "boolean" ? ["true", "false"] : known.labels.map((l) => l.label)).map((l) => ({ value: l, label: l }))}
                  onValueChange={setValue}
                  triggerClassName="min-w-0 flex-1"
                />
              ))}
          </div>
        )}
        {known && (
          <Button type="submit" size="sm" disabled={!valid} className="self-start">
            Filter
          </Button>
        )}
      </form>
    </fieldset>
  );
}
