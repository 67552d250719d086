import type { TraceOutline } from "../api";
import { count, duration, grams, kwh, plural, usd, UNKNOWN } from "../format";
import { Tooltip } from "../ui/Tooltip";

type Range = { value: number; min: number; max: number } | null;

const range = (r: Range, unit: (v: number) => string) => (r ? `${unit(r.min)} – ${unit(r.max)}` : "");

/** The trace's totals as the server sums them (never summed here): an unknown stays unknown, with why. */
export function TraceFooter({ trace }: { trace: Pick<TraceOutline, "totals"> }) {
  const t = trace.totals;
  const quality = t.data_quality.score;
  return (
    <dl
      className="grid grid-cols-2 gap-px overflow-hidden rounded-lg border border-zinc-200 bg-zinc-200 text-sm @xl:grid-cols-4 @5xl:grid-cols-8 dark:border-zinc-800 dark:bg-zinc-800"
      data-testid="trace-totals"
    >
      <Metric name="Duration" id="duration" value={duration(t.duration_ms)} />
      <Metric name="LLM calls" id="llm-calls" value={count(t.llm_calls)} />
      <Metric
        name="Tokens"
        id="tokens"
        value={count(t.tokens.total)}
        note={`in ${count(t.tokens.input)} · out ${count(t.tokens.output)}${
          t.tokens.spans_without_counts ? ` · ${plural(t.tokens.spans_without_counts, "call")} without counts` : ""
        }`}
      />
      <Metric
        name="Cost"
        id="cost"
        value={t.cost.known ? usd(t.cost.total_usd) : UNKNOWN}
        note={
          t.cost.known
            ? `LLM ${usd(t.cost.llm_usd)}`
            : `${plural(t.cost.unpriced_llm_calls, "LLM call")} not priced (at least ${usd(t.cost.total_usd)})`
        }
      />
      <Metric
        name="Carbon"
        id="carbon"
        value={t.carbon_g ? `${grams(t.carbon_g.value)} CO₂e` : UNKNOWN}
        note={range(t.carbon_g, grams)}
      />
      <Metric
        name="Energy"
        id="energy"
        value={kwh(t.energy_kwh?.value)}
        note={t.spans_without_energy ? `${plural(t.spans_without_energy, "span")} without an estimate` : range(t.energy_kwh, kwh)}
      />
      <Metric
        name="Embodied"
        id="embodied"
        value={t.embodied_carbon_g ? `${grams(t.embodied_carbon_g.value)} CO₂e` : UNKNOWN}
        note={t.embodied_carbon_g ? `hardware, apart · ${range(t.embodied_carbon_g, grams)}` : "hardware, apart"}
      />
      <Metric
        name="Data quality"
        id="quality"
        value={quality === null ? UNKNOWN : `${Math.round(quality * 100)}%`}
        note={`${count(t.data_quality.passed_checks)} of ${count(t.data_quality.applicable_checks)} checks`}
        hint="Checks per span: model known, tokens reported, cost known, carbon known, attributes valid."
      />
    </dl>
  );
}

function Metric(props: { name: string; id: string; value: string; note?: string; hint?: string }) {
  return (
    <div className="flex min-w-0 flex-col gap-0.5 bg-white px-3 py-2 dark:bg-zinc-900" data-metric={props.id}>
      <dt className="text-[11px] font-medium tracking-wide text-zinc-500 uppercase">
        {props.hint ? (
          <Tooltip content={props.hint}>
            <span className="cursor-help">{props.name}</span>
          </Tooltip>
        ) : (
          props.name
        )}
      </dt>
      <dd className="value font-semibold tabular-nums">{props.value}</dd>
      {props.note && (
        <dd className="note truncate text-xs text-zinc-500 tabular-nums" title={props.note}>
          {props.note}
        </dd>
      )}
    </div>
  );
}
