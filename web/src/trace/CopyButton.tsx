import { useEffect, useRef, useState } from "react";
import { Button } from "../ui/Button";
import { Tooltip } from "../ui/Tooltip";

const SAID_FOR_MS = 2000;

/** Copies `value` to the clipboard; the tooltip says what is copied, the status whether it was. */
export function CopyButton({ value, what, children }: { value: string; what: string; children: React.ReactNode }) {
  const [said, setSaid] = useState("");
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setSaid("Copied");
    } catch {
      setSaid("Copy failed"); // no clipboard permission: say so rather than pretend
    }
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setSaid(""), SAID_FOR_MS);
  };
  return (
    <span className="inline-flex items-center gap-1">
      <Tooltip content={`Copy the full ${what}: ${value}`}>
        <Button size="sm" variant="ghost" className="h-6 px-1.5 font-mono" onClick={copy} aria-label={`Copy ${what}`}>
          {children}
          <CopyIcon />
        </Button>
      </Tooltip>
      <span role="status" className="text-xs text-zinc-500">
        {said}
      </span>
    </span>
  );
}

function CopyIcon() {
  return (
    <svg width="12" height="12" viewBox="0 0 16 16" aria-hidden="true" className="text-zinc-400">
      <rect x="5" y="5" width="9" height="9" rx="1.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
      <path d="M11 3.5V3a1 1 0 0 0-1-1H3a1 1 0 0 0-1 1v7a1 1 0 0 0 1 1h.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
