// The time range of every page: presets, or a custom start and end (UTC), in the URL.
import { useState } from "react";
import { navigate, TimeRange } from "./route";
import { fromInputValue, PRESETS, rangeBounds, rangeLabel, toInputValue } from "./timeRange";
import { Button } from "./ui/Button";
import { cn } from "./ui/cn";
import { Input } from "./ui/Input";
import { Popover } from "./ui/Popover";
import { Chevron } from "./ui/Select";

export function RangePicker({ range }: { range: TimeRange }) {
  const [open, setOpen] = useState(false);
  const bounds = rangeBounds(range);
  const [from, setFrom] = useState(toInputValue(Number(bounds.start)));
  const [to, setTo] = useState(toInputValue(Number(bounds.end)));
  const custom = { from: fromInputValue(from), to: fromInputValue(to) };
  const valid = Number.isFinite(custom.from) && Number.isFinite(custom.to) && custom.from < custom.to;
  const pick = (next: TimeRange) => {
    navigate({ range: next });
    setOpen(false);
  };
  return (
    <Popover
      open={open}
      onOpenChange={(o) => {
        if (o) {
          const b = rangeBounds(range);
          setFrom(toInputValue(Number(b.start)));
          setTo(toInputValue(Number(b.end)));
        }
        setOpen(o);
      }}
      trigger={
        <Button aria-label="time range" size="sm">
          <svg width="14" height="14" viewBox="0 0 24 24" aria-hidden="true">
            <circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" strokeWidth="1.8" />
            <path d="M12 7v5l3 2" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
          </svg>
          {rangeLabel(range)}
          <Chevron />
        </Button>
      }
      className="w-72"
    >
      <div className="flex flex-col gap-0.5">
        {Object.entries(PRESETS).map(([key, { label }]) => (
          <button
            key={key}
            type="button"
            onClick={() => pick({ preset: key })}
            className={cn(
              "rounded px-2 py-1.5 text-left hover:bg-zinc-100 dark:hover:bg-zinc-800",
              "preset" in range && range.preset === key && "bg-zinc-100 font-medium dark:bg-zinc-800",
            )}
          >
            {label}
          </button>
        ))}
      </div>
      <form
        className="mt-3 flex flex-col gap-2 border-t border-zinc-200 pt-3 dark:border-zinc-800"
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) pick(custom);
        }}
      >
        <p className="text-xs font-medium text-zinc-500">Custom range (UTC)</p>
        <label className="flex flex-col gap-1 text-xs text-zinc-500">
          From
          <Input type="datetime-local" aria-label="from" value={from} onChange={(e) => setFrom(e.target.value)} className="w-full" />
        </label>
        <label className="flex flex-col gap-1 text-xs text-zinc-500">
          To
          <Input type="datetime-local" aria-label="to" value={to} onChange={(e) => setTo(e.target.value)} className="w-full" />
        </label>
        <Button type="submit" variant="primary" size="sm" disabled={!valid}>
          Apply
        </Button>
      </form>
    </Popover>
  );
}
