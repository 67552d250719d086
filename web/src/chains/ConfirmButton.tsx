// A button whose action is asked once more in a dialog first (deletions).
import { useState } from "react";
import { Dialog, ErrorText } from "../datasets/Dialog";
import { Button, ButtonVariant } from "../ui/Button";

export function ConfirmButton(props: {
  label: string;
  title: string;
  description: string;
  confirm: string;
  onConfirm: () => Promise<unknown>;
  variant?: ButtonVariant;
  ariaLabel?: string;
}) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <Button size="sm" variant={props.variant ?? "secondary"} aria-label={props.ariaLabel} onClick={() => setOpen(true)}>
        {props.label}
      </Button>
      <Dialog open={open} onOpenChange={setOpen} title={props.title} description={props.description}>
        <ErrorText error={error} />
        <div className="mt-4 flex justify-end gap-2">
          <Button onClick={() => setOpen(false)}>Cancel</Button>
          <Button
            variant="primary"
            className="bg-red-600 hover:bg-red-700"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                await props.onConfirm();
                setOpen(false);
              } catch (e) {
                setError(e);
              } finally {
                setBusy(false);
              }
            }}
          >
            {props.confirm}
          </Button>
        </div>
      </Dialog>
    </>
  );
}
