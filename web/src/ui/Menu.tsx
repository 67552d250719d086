import * as RadixMenu from "@radix-ui/react-dropdown-menu";

/** A menu of one choice among several (Radix DropdownMenu radio group). */
export function ChoiceMenu(props: {
  trigger: React.ReactNode;
  label: string;
  value: string;
  choices: { value: string; label: string }[];
  onValueChange: (value: string) => void;
}) {
  return (
    <RadixMenu.Root>
      <RadixMenu.Trigger asChild>{props.trigger}</RadixMenu.Trigger>
      <RadixMenu.Portal>
        <RadixMenu.Content
          align="end"
          sideOffset={6}
          className="z-50 min-w-36 rounded-md border border-zinc-200 bg-white p-1 text-sm shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
        >
          <RadixMenu.Label className="px-2 py-1 text-xs text-zinc-500">{props.label}</RadixMenu.Label>
          <RadixMenu.RadioGroup value={props.value} onValueChange={props.onValueChange}>
            {props.choices.map((c) => (
              <RadixMenu.RadioItem
                key={c.value}
                value={c.value}
                className="relative flex cursor-default items-center rounded px-2 py-1.5 pl-6 outline-none select-none data-[highlighted]:bg-zinc-100 dark:data-[highlighted]:bg-zinc-800"
              >
                <RadixMenu.ItemIndicator className="absolute left-2 text-brand-600">•</RadixMenu.ItemIndicator>
                {c.label}
              </RadixMenu.RadioItem>
            ))}
          </RadixMenu.RadioGroup>
        </RadixMenu.Content>
      </RadixMenu.Portal>
    </RadixMenu.Root>
  );
}
