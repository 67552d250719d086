import * as RadixPopover from "@radix-ui/react-popover";
import { cn } from "./cn";

/** A panel opened from a trigger (Radix Popover: focus, Escape and outside clicks handled). */
export function Popover(props: {
  trigger: React.ReactNode;
  children: React.ReactNode;
  open?: boolean;
  onOpenChange?: (open: boolean) => void;
  align?: "start" | "center" | "end";
  className?: string;
}) {
  return (
    <RadixPopover.Root open={props.open} onOpenChange={props.onOpenChange}>
      <RadixPopover.Trigger asChild>{props.trigger}</RadixPopover.Trigger>
      <RadixPopover.Portal>
        <RadixPopover.Content
          align={props.align ?? "end"}
          sideOffset={6}
          className={cn(
            "z-50 rounded-lg border border-zinc-200 bg-white p-3 text-sm shadow-xl focus:outline-none dark:border-zinc-700 dark:bg-zinc-900",
            props.className,
          )}
        >
          {props.children}
        </RadixPopover.Content>
      </RadixPopover.Portal>
    </RadixPopover.Root>
  );
}

export const PopoverClose = RadixPopover.Close;
