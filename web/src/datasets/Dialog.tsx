// A modal dialog (Radix Dialog: focus trapped and returned, Escape closes, labelled by its title).
import * as RadixDialog from "@radix-ui/react-dialog";
import { cn } from "../ui/cn";

export function Dialog(props: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description?: string;
  wide?: boolean;
  children: React.ReactNode;
}) {
  return (
    <RadixDialog.Root open={props.open} onOpenChange={props.onOpenChange}>
      <RadixDialog.Portal>
        <RadixDialog.Overlay className="fixed inset-0 z-50 bg-zinc-950/40" />
        <RadixDialog.Content
          aria-describedby={undefined}
          className={cn(
            "fixed top-1/2 left-1/2 z-50 max-h-[85vh] w-[92vw] -translate-x-1/2 -translate-y-1/2 overflow-auto rounded-lg border border-zinc-200 bg-white p-5 shadow-xl dark:border-zinc-800 dark:bg-zinc-900",
            props.wide ? "max-w-4xl" : "max-w-lg",
          )}
        >
          <RadixDialog.Title className="text-base font-semibold">{props.title}</RadixDialog.Title>
          {props.description && (
            <RadixDialog.Description className="mt-1 text-sm text-zinc-500">{props.description}</RadixDialog.Description>
          )}
          <div className="mt-4">{props.children}</div>
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}

/** An error from the API, shown as text in the dialog or page that caused it. */
export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p role="alert" className="mt-2 text-sm text-red-600 dark:text-red-400">
      {error instanceof Error ? error.message : String(error)}
    </p>
  );
}

/** A labelled form field. */
export function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <label className="mb-3 flex flex-col gap-1 text-sm">
      <span className="font-medium text-zinc-600 dark:text-zinc-300">{label}</span>
      {children}
    </label>
  );
}
