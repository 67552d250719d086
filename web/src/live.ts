// The project's live WebSocket (api/live-messages.schema.json): calls onTraces
// for every stored batch, reconnects after a drop with a growing delay.
import { useEffect, useRef, useState } from "react";
import { liveUrl, noteStoredGeneration } from "./api";

export type LiveState = "connecting" | "live" | "offline";

export function useLiveTraces(project: string, enabled: boolean, onTraces: (ids: string[]) => void): LiveState {
  const [state, setState] = useState<LiveState>("connecting");
  const callback = useRef(onTraces);
  callback.current = onTraces;

  useEffect(() => {
    if (!enabled) {
      setState("offline");
      return;
    }
    let socket: WebSocket | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let delay = 500;
    let stopped = false;
    const connect = () => {
      setState("connecting");
      socket = new WebSocket(liveUrl(project));
      socket.onmessage = (event) => {
        const message = JSON.parse(event.data as string);
        if (message.type === "subscribed") {
          setState("live");
          delay = 500;
        } else if (message.type === "traces") {
          noteStoredGeneration(message.generation); // before the refresh it may trigger
          callback.current(message.traces.map((t: { trace_id: string }) => t.trace_id));
        } else if (message.type === "lagged") {
          callback.current([]); // some batches were missed: refresh anyway
        }
      };
      socket.onclose = () => {
        if (stopped) return;
        setState("offline");
        retry = setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10_000);
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      socket?.close();
    };
  }, [project, enabled]);
  return state;
}
