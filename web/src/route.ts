// The page is addressed by the URL hash, so every view can be linked to and
// the server needs no route per page:
//   #/<project>                               the trace list
//   #/<project>/trace/<id>?start=..&end=..     one trace (times from the list, epoch ms)
//   #/<project>/spans                         span search
//   #/<project>/costs                         cost and carbon
import { useEffect, useState } from "react";

export type Route =
  | { page: "traces"; project: string | null }
  | { page: "spans"; project: string }
  | { page: "costs"; project: string }
  | { page: "trace"; project: string; traceId: string; window?: { start: string; end: string } };

export function parseRoute(hash: string): Route {
  const [path, query = ""] = hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 3 && parts[1] === "trace") {
    const q = new URLSearchParams(query);
    const start = q.get("start");
    const end = q.get("end");
    const window = start && end ? { start, end } : undefined;
    return { page: "trace", project: parts[0], traceId: parts[2], window };
  }
  if (parts.length === 2 && parts[1] === "spans") return { page: "spans", project: parts[0] };
  if (parts.length === 2 && parts[1] === "costs") return { page: "costs", project: parts[0] };
  return { page: "traces", project: parts[0] ?? null };
}

export function traceHref(project: string, traceId: string, startNs?: number, endNs?: number): string {
  const base = `#/${encodeURIComponent(project)}/trace/${traceId}`;
  if (startNs === undefined || endNs === undefined) return base;
  // Whole milliseconds around the trace, one more on each side: times near
  // 1.7e18 ns lose their last digits in a double, and dividing can round a start
  // of x.999999 ms up to x+1, which would leave the root span out of the window.
  return `${base}?start=${Math.floor(startNs / 1e6) - 1}&end=${Math.floor(endNs / 1e6) + 1}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
