import { InfiniteQueryObserver, QueryClient } from "@tanstack/react-query";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "./api";
import { keepFirstTracePage, keys, shouldRetry, tracePagesOptions } from "./queries";

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

/** fetch answering every trace-list page with no rows and a cursor, keeping the URLs asked. */
function pagedFetch() {
  const urls: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string) => {
      urls.push(url);
      return new Response(JSON.stringify({ traces: [], next_cursor: `after-${urls.length}` }), { status: 200 });
    }),
  );
  return urls;
}

describe("the trace list's pages", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("are 50 rows first, then 200 from the cursor", async () => {
    const urls = pagedFetch();
    const observer = new InfiniteQueryObserver(new QueryClient(), tracePagesOptions("shop", { preset: "1h" }, filters));
    const stop = observer.subscribe(() => {});
    await vi.waitFor(() => expect(observer.getCurrentResult().hasNextPage).toBe(true));
    await observer.fetchNextPage();
    expect(new URL(urls[0], "http://x").searchParams.get("limit")).toBe("50");
    const second = new URL(urls[1], "http://x").searchParams;
    expect([second.get("limit"), second.get("cursor")]).toEqual(["200", "after-1"]);
    stop();
  });

  it("are cut to the first, so a refresh reads one page and not every page scrolled through", async () => {
    const urls = pagedFetch();
    const client = new QueryClient();
    const observer = new InfiniteQueryObserver(client, tracePagesOptions("shop", { preset: "1h" }, filters));
    const stop = observer.subscribe(() => {});
    await vi.waitFor(() => expect(observer.getCurrentResult().hasNextPage).toBe(true));
    await observer.fetchNextPage();
    await observer.fetchNextPage();
    expect(observer.getCurrentResult().data?.pages).toHaveLength(3);
    keepFirstTracePage(client, "shop", { preset: "1h" }, filters);
    expect(observer.getCurrentResult().data?.pages).toHaveLength(1);
    await observer.refetch();
    expect(urls).toHaveLength(4);
    expect(new URL(urls[3], "http://x").searchParams.get("cursor")).toBeNull();
    stop();
  });
});

describe("shouldRetry", () => {
  it("asks again after a 429 or a 5xx, never after another 4xx, and twice at most", () => {
    expect(shouldRetry(0, new ApiError(429, "resource_exhausted", "busy"))).toBe(true);
    expect(shouldRetry(1, new ApiError(503, "unavailable", "later"))).toBe(true);
    expect(shouldRetry(0, new ApiError(400, "invalid_parameter", "bad"))).toBe(false);
    expect(shouldRetry(0, new ApiError(404, "not_found", "gone"))).toBe(false);
    expect(shouldRetry(2, new ApiError(429, "resource_exhausted", "busy"))).toBe(false);
    expect(shouldRetry(0, new TypeError("network"))).toBe(true);
  });
});
