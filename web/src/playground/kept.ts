// State the playground keeps while the person looks elsewhere in the app (a run's
// trace, a dataset) and comes back: the draft being built, its inputs, its runs. Kept
// in memory for the page's life, per project; a reload starts from the URL (chain and
// version) again.
import { Dispatch, SetStateAction, useEffect, useState } from "react";

const kept = new Map<string, unknown>();

export function useKept<T>(project: string, name: string, initial: T | (() => T)): [T, Dispatch<SetStateAction<T>>] {
  const key = `${project}\u0000${name}`;
  const [value, setValue] = useState<T>(() =>
    kept.has(key) ? (kept.get(key) as T) : typeof initial === "function" ? (initial as () => T)() : initial,
  );
  useEffect(() => {
    kept.set(key, value);
  }, [key, value]);
  return [value, setValue];
}
