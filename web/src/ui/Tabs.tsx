import * as RadixTabs from "@radix-ui/react-tabs";
import { cn } from "./cn";

/** Segmented tabs (Radix Tabs: roles, arrow keys and focus handled). */
export function Tabs(props: {
  label: string;
  value: string;
  tabs: { value: string; label: string }[];
  onValueChange: (value: string) => void;
  children?: React.ReactNode;
}) {
  return (
    <RadixTabs.Root value={props.value} onValueChange={props.onValueChange} activationMode="manual">
      <RadixTabs.List
        aria-label={props.label}
        className="inline-flex rounded-md bg-zinc-100 p-0.5 text-sm dark:bg-zinc-800"
      >
        {props.tabs.map((t) => (
          <RadixTabs.Trigger
            key={t.value}
            value={t.value}
            className={cn(
              "rounded px-3 py-1 font-medium text-zinc-600 dark:text-zinc-400",
              "data-[state=active]:bg-white data-[state=active]:text-zinc-900 data-[state=active]:shadow-sm",
              "dark:data-[state=active]:bg-zinc-950 dark:data-[state=active]:text-white",
            )}
          >
            {t.label}
          </RadixTabs.Trigger>
        ))}
      </RadixTabs.List>
      {props.children}
    </RadixTabs.Root>
  );
}

export const TabPanel = RadixTabs.Content;
