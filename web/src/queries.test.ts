import { InfiniteQueryObserver, QueryClient } from "@tanstack/react-query";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keys, tracePagesOptions } from "./queries";

const filters = { status: "", model: "", name: "", environment: "" };

/** fetch that never answers, keeping each request's URL and signal. */
function pendingFetch() {
  const calls: { url: string; signal: AbortSignal }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn((url: string, init: RequestInit) => {
      calls.push({ url, signal: init.signal! });
      return new Promise<Response>(() => {});
    }),
  );
  return calls;
}

describe("trace list queries", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("cancel the request of a filter that changed before it answered", async () => {
    const calls = pendingFetch();
    const client = new QueryClient();
    const observer = new InfiniteQueryObserver(client, tracePagesOptions("shop", { preset: "1h" }, filters));
    const stop = observer.subscribe(() => {});
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0].url).toContain("/api/v1/projects/shop/traces?");

    observer.setOptions(tracePagesOptions("shop", { preset: "1h" }, { ...filters, status: "error" }));
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1].url).toContain("status=error");
    await vi.waitFor(() => expect(calls[0].signal.aborted).toBe(true));
    expect(calls[1].signal.aborted).toBe(false);
    stop();
  });

  it("are keyed by the URL state: the same state shares one request", async () => {
    const calls = pendingFetch();
    const client = new QueryClient();
    const a = new InfiniteQueryObserver(client, tracePagesOptions("shop", { preset: "7d" }, filters));
    const b = new InfiniteQueryObserver(client, tracePagesOptions("shop", { preset: "7d" }, { ...filters }));
    const stops = [a.subscribe(() => {}), b.subscribe(() => {})];
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(keys.traces("shop", { preset: "7d" }, filters)).toEqual(["traces", "shop", "7d", filters]);
    expect(keys.traces("shop", { from: 1, to: 2 }, filters)[2]).toBe("1-2");
    stops.forEach((stop) => stop());
  });
});
