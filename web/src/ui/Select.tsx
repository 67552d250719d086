import * as RadixSelect from "@radix-ui/react-select";
import { cn } from "./cn";

export interface Option {
  value: string;
  label: string;
}

// Radix reserves the empty value for "nothing chosen"; an option meaning "any"
// is stored as "" by the caller and travels through Radix as this.
const ANY = "__any__";

/** A labelled pick-one list (Radix Select: keyboard, typeahead and focus handled). */
export function Select(props: {
  label: string;
  value: string;
  options: Option[];
  onValueChange: (value: string) => void;
  onOpenChange?: (open: boolean) => void;
  className?: string;
  triggerClassName?: string;
  icon?: React.ReactNode;
}) {
  return (
    <RadixSelect.Root
      value={props.value === "" ? ANY : props.value}
      onValueChange={(v) => props.onValueChange(v === ANY ? "" : v)}
      onOpenChange={props.onOpenChange}
    >
      <RadixSelect.Trigger
        aria-label={props.label}
        className={cn(
          "inline-flex h-8 max-w-64 min-w-0 items-center gap-1.5 rounded-md border border-zinc-200 bg-white px-2.5 text-sm shadow-xs",
          "hover:bg-zinc-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500/40 data-[placeholder]:text-zinc-400",
          "dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800",
          props.triggerClassName,
        )}
      >
        {props.icon}
        <span className="truncate">
          <RadixSelect.Value />
        </span>
        <RadixSelect.Icon className="ml-auto text-zinc-400">
          <Chevron />
        </RadixSelect.Icon>
      </RadixSelect.Trigger>
      <RadixSelect.Portal>
        <RadixSelect.Content
          position="popper"
          sideOffset={4}
          className={cn(
            "z-50 max-h-[min(24rem,var(--radix-select-content-available-height))] min-w-[var(--radix-select-trigger-width)] overflow-hidden rounded-md border border-zinc-200 bg-white p-1 text-sm shadow-lg",
            "dark:border-zinc-700 dark:bg-zinc-900",
            props.className,
          )}
        >
          <RadixSelect.Viewport>
            {props.options.map((o) => (
              <RadixSelect.Item
                key={o.value}
                value={o.value === "" ? ANY : o.value}
                className="relative flex cursor-default items-center rounded px-2 py-1.5 pr-7 outline-none select-none data-[highlighted]:bg-zinc-100 data-[state=checked]:font-medium dark:data-[highlighted]:bg-zinc-800"
              >
                <RadixSelect.ItemText>{o.label}</RadixSelect.ItemText>
                <RadixSelect.ItemIndicator className="absolute right-2 text-brand-600">✓</RadixSelect.ItemIndicator>
              </RadixSelect.Item>
            ))}
          </RadixSelect.Viewport>
        </RadixSelect.Content>
      </RadixSelect.Portal>
    </RadixSelect.Root>
  );
}

export function Chevron() {
  return (
    <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
      <path d="M3 4.5 6 7.5 9 4.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
