import { useEffect, useRef, useState } from "react";
import { Button } from "../ui/Button";

const SAID_FOR_MS = 2000;

/** Copies the page's address: every view's state is in the URL, so it reopens what is on screen. */
export function ShareButton() {
  const [said, setSaid] = useState<"" | "Link copied" | "Copy failed">("");
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const share = async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      setSaid("Link copied");
    } catch {
      // no clipboard permission (or no secure context): say so rather than pretend
      setSaid("Copy failed");
    }
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setSaid(""), SAID_FOR_MS);
  };
  return (
    <span className="inline-flex items-center gap-2">
      <Button size="sm" onClick={share}>
        Share
      </Button>
      <span role="status" className="text-xs text-zinc-500">
        {said}
      </span>
    </span>
  );
}
