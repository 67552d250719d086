import { useCallback, useEffect, useRef, useState } from "react";
import type { LayoutEdge, LayoutNode, Positions } from "./graphNodes";

export type LayoutState =
  | { state: "running"; elapsedMs: number }
  | { state: "done"; positions: Positions; tookMs: number }
  | { state: "cancelled" }
  | { state: "failed"; message: string };

const TICK_MS = 250;

/** The graph laid out by dagre in a Web Worker (built by Vite as its own file, allowed by the
 * page's CSP as a same-origin script): the page stays responsive, and cancel ends the worker. */
export function useGraphLayout(nodes: LayoutNode[], edges: LayoutEdge[]) {
  const [layout, setLayout] = useState<LayoutState>({ state: "running", elapsedMs: 0 });
  const worker = useRef<Worker | null>(null);
  const [run, setRun] = useState(0);

  useEffect(() => {
    const started = performance.now();
    setLayout({ state: "running", elapsedMs: 0 });
    const w = new Worker(new URL("./graphLayout.worker.ts", import.meta.url), { type: "module" });
    worker.current = w;
    const ticker = setInterval(
      () => setLayout((l) => (l.state === "running" ? { state: "running", elapsedMs: performance.now() - started } : l)),
      TICK_MS,
    );
    const stop = () => {
      clearInterval(ticker);
      w.terminate();
    };
    w.onmessage = (event: MessageEvent<Positions>) => {
      stop();
      setLayout({ state: "done", positions: event.data, tookMs: performance.now() - started });
    };
    w.onerror = (event) => {
      stop();
      setLayout({ state: "failed", message: event.message || "the layout failed" });
    };
    w.postMessage({ nodes, edges });
    return stop;
  }, [nodes, edges, run]);

  const cancel = useCallback(() => {
    worker.current?.terminate();
    setLayout({ state: "cancelled" });
  }, []);
  const retry = useCallback(() => setRun((r) => r + 1), []);
  return { layout, cancel, retry };
}
