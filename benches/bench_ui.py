"""The web UI in a browser over the bench_query.py data dir: how long a person waits.

Starts the Studio on the data dir that `bench_query.py --spans N` loaded, then drives
Debian's chromium (Playwright) through what a person does, each in a fresh browser
context (cold: no cached assets) unless said:

- list: open http://.../#/<project> until the first page of traces is drawn;
- open trace: once the list has settled (facets and project list in), click the
  k-th trace row's name until its span tree is drawn beside the list (the split
  view; the UI passes the trace's start and end, so the API reads only its days;
  the list is virtualised, so the k-th is among the rows drawn);
- timeline: the opened trace's Timeline tab clicked until its waterfall is in the
  DOM, timed in the page (no round trip: the trace is in the page);
- filter: the status facet's "error" clicked until the list holds only failed
  traces (a round trip);
- list, warm: the same page again in the same context (assets cached);
- with --big-trace N (default 5000): one trace of N spans in a fresh Studio, its
  tree drawn, then its graph;
- with --scroll-rows N: the list of 7 days loaded to N rows by scrolling, then
  scrolled a step per frame (a wheel's 200 px, a fast drag's 4,000 px, random
  jumps): each frame's time and the long tasks (> 50 ms) meanwhile.

    python benches/bench_query.py --spans 10000000 --load-only   # once
    python benches/bench_ui.py --spans 10000000 --visits 40
    python benches/bench_ui.py --visits 0 --big-trace 0 --scroll-rows 100000

Stop other Studios on that data dir first (chDB: one process per data dir). Nothing
is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    KEEP_EVERY_DAY,
    exit_on_sigterm,
    log,
    machine_info,
    percentile,
    studio_process,
    write_json,
)

TIME_PRESS_TO_WATERFALL = """() => {
  window.__clickAt = 0; window.__drawnAt = 0;
  // from the press: Radix tabs switch on mousedown, before the click event
  document.addEventListener('pointerdown', () => { window.__clickAt = performance.now(); },
                            {capture: true, once: true});
  // drawn: in the DOM and laid out (an inactive tab's panel may be kept hidden)
  new MutationObserver((changes, observer) => {
    const waterfall = document.querySelector('[data-testid=waterfall]');
    if (window.__clickAt && waterfall && waterfall.getClientRects().length > 0) {
      window.__drawnAt = performance.now(); observer.disconnect();
    }
  }).observe(document.body, {childList: true, subtree: true, attributes: true});
}"""

# the list has settled (not busy) and every row drawn is a failed trace
ONLY_FAILED_LISTED = """() => {
  const grid = document.querySelector('[aria-label="traces"]');
  const rows = [...document.querySelectorAll('table.traces tbody tr[data-trace-id]')];
  return grid && grid.getAttribute('aria-busy') === 'false' && rows.length > 0
    && rows.every(r => r.classList.contains('failed'));
}"""


# The list's scrolling element, then frames timed in the page (requestAnimationFrame
# stamps) while the list is scrolled one step per frame, and the long tasks meanwhile.
FIND_SCROLLER = """() => {
  let el = document.querySelector('table.traces');
  while (el && !(el.scrollHeight > el.clientHeight + 1
                 && /(auto|scroll)/.test(getComputedStyle(el).overflowY))) el = el.parentElement;
  window.__scroller = el;
  window.__longtasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longtasks.push(e.duration);
  }).observe({ type: 'longtask' });
  return !!el;
}"""
SCROLL_FRAMES = """async ({ step, frames, seed }) => {
  const sc = window.__scroller;
  const frame = () => new Promise((r) => requestAnimationFrame((t) => r(t)));
  let x = seed;  // a small LCG: the same jumps in every run
  const random = () => { x = (x * 1103515245 + 12345) % 2147483648; return x / 2147483648; };
  window.__longtasks = [];
  sc.scrollTop = 0;
  let last = await frame();
  const durations = [];
  for (let i = 0; i < frames; i++) {
    const room = sc.scrollHeight - sc.clientHeight;
    sc.scrollTop = step > 0 ? (sc.scrollTop + step) % room : random() * room;
    const now = await frame();
    durations.push(now - last);
    last = now;
  }
  return { durations, longtasks: window.__longtasks.slice() };
}"""


def list_scroll(browser, base: str, project: str, rows: int, frames: int) -> dict[str, list[float]]:
    """The trace list of 7 days loaded to `rows` rows by scrolling to its end, then
    scrolled one step a frame: a wheel (200 px), a fast drag (4,000 px) and jumps to
    random places (the scrollbar dragged): frame times and long tasks, in ms."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.goto(f"{base}/#/{project}?range=7d")
    page.locator("table.traces tbody tr[data-trace-id]").first.wait_for(timeout=120_000)
    assert page.evaluate(FIND_SCROLLER), "no scrolling element around the list"
    loaded, stalled, started = 0, 0, time.perf_counter()
    while loaded < rows and stalled < 40:
        page.evaluate("() => { window.__scroller.scrollTop = window.__scroller.scrollHeight; }")
        page.wait_for_timeout(100)
        now = int(page.locator("table.traces").get_attribute("data-rows") or 0)
        stalled = stalled + 1 if now == loaded else 0
        loaded = now
    log(f"list loaded to {loaded:,} rows in {time.perf_counter() - started:.0f} s")
    out: dict[str, list[float]] = {"list_rows_loaded": [float(loaded)]}
    for name, step in (("wheel_200px", 200), ("drag_4000px", 4000), ("jumps", 0)):
        got = page.evaluate(SCROLL_FRAMES, {"step": step, "frames": frames, "seed": 7})
        out[f"scroll_{name}_frame"] = got["durations"]
        out[f"scroll_{name}_longtask"] = got["longtasks"] or [0.0]
    context.close()
    return out


def big_trace(browser, spans: int, repeats: int) -> dict[str, list[float]]:
    """Opening one trace of `spans` spans (a 4-ary tree of LLM calls with 200-byte
    inputs) in a fresh Studio: the tree drawn, then the graph drawn, in ms."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
    from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

    tid = os.urandom(16)
    ids = [os.urandom(8) for _ in range(spans)]
    now = time.time_ns()
    attrs = [
        KeyValue(key="gen_ai.request.model", value=AnyValue(string_value="gpt-4o")),
        KeyValue(key="gen_ai.usage.input_tokens", value=AnyValue(int_value=10)),
        KeyValue(key="input.value", value=AnyValue(string_value="x" * 200)),
    ]
    all_spans = [
        Span(
            trace_id=tid,
            span_id=ids[i],
            parent_span_id=ids[(i - 1) // 4] if i else b"",
            name=f"step {i}",
            start_time_unix_nano=now + i * 1000,
            end_time_unix_nano=now + i * 1000 + 500,
            attributes=attrs,
        )
        for i in range(spans)
    ]
    times: dict[str, list[float]] = {"big_trace_tree": [], "big_trace_graph": []}
    with tempfile.TemporaryDirectory() as tmp:
        server, ports = studio_process(Path(tmp) / "studio", Path(tmp) / "server.log")
        server.start(ready_line="ready", timeout=300)
        try:
            for k in range(0, spans, 500):
                body = ExportTraceServiceRequest(
                    resource_spans=[
                        ResourceSpans(scope_spans=[ScopeSpans(spans=all_spans[k : k + 500])])
                    ]
                ).SerializeToString()
                req = urllib.request.Request(
                    f"http://127.0.0.1:{ports['otlp_http']}/v1/traces",
                    body,
                    {"Content-Type": "application/x-protobuf"},
                )
                urllib.request.urlopen(req, timeout=60).read()
            url = f"http://127.0.0.1:{ports['api']}/#/default/trace/{tid.hex()}"
            for _ in range(repeats):
                context = browser.new_context()
                page = context.new_page()
                started = time.perf_counter()
                page.goto(url)
                page.locator(f"table.spans[data-rows='{spans}'] tr[data-span-id]").first.wait_for(
                    timeout=120_000
                )
                drawn = time.perf_counter()
                page.get_by_role("tab", name="Graph").click()
                # Past 1,000 spans the graph is drawn only when asked (dagre's layout
                # of thousands of nodes takes tens of seconds).
                draw_anyway = page.get_by_role("button", name="Draw the graph anyway")
                if spans > 1000:
                    draw_anyway.click()
                page.wait_for_selector(f"[data-nodes='{spans}']", timeout=300_000)
                graphed = time.perf_counter()
                times["big_trace_tree"].append((drawn - started) * 1000)
                times["big_trace_graph"].append((graphed - drawn) * 1000)
                context.close()
        finally:
            server.stop()
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--spans", type=int, default=10_000_000, help="which bench_query.py data dir")
    ap.add_argument("--data-dir", help="default ~/.cache/gls-bench/query-<spans>")
    ap.add_argument("--visits", type=int, default=40, help="page visits measured (default 40)")
    ap.add_argument("--warmup", type=int, default=4)
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    ap.add_argument(
        "--big-trace",
        type=int,
        default=5000,
        metavar="SPANS",
        help="also open one trace of this many spans, tree and graph (0: skip)",
    )
    ap.add_argument("--big-repeats", type=int, default=5)
    ap.add_argument(
        "--scroll-rows",
        type=int,
        default=0,
        metavar="ROWS",
        help="also load the trace list to this many rows and time scrolling it (0: skip)",
    )
    ap.add_argument("--scroll-frames", type=int, default=200)
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args(argv)
    exit_on_sigterm()

    from playwright.sync_api import sync_playwright

    root = Path(args.data_dir or Path.home() / ".cache" / "gls-bench" / f"query-{args.spans}")
    meta = json.loads((root / "meta.json").read_text())
    projects = meta["projects"]
    server, ports = studio_process(root / "studio", root / "ui-server.log", *KEEP_EVERY_DAY)
    server.start(ready_line="ready", timeout=600)
    base = f"http://127.0.0.1:{ports['api']}"
    times: dict[str, list[float]] = {
        "list_cold": [],
        "open_trace": [],
        "timeline": [],
        "filter": [],
        "list_warm": [],
    }
    spans_seen: list[int] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            for visit in range(args.warmup + args.visits):
                measured = visit >= args.warmup
                context = browser.new_context()
                page = context.new_page()
                project = projects[visit % len(projects)]
                started = time.perf_counter()
                page.goto(f"{base}/#/{project}")
                page.locator("table.traces tbody tr").first.wait_for()
                listed = time.perf_counter()
                # A person reads before clicking: let the facet counts and the
                # project list (asked for 1.5 s after load) come in first.
                page.get_by_text(re.compile(r"^[0-9,]+ traces$")).wait_for()
                page.wait_for_timeout(1700)
                page.wait_for_load_state("networkidle")
                # the rows drawn (in view and a margin): the list is virtualised
                links = page.locator("table.traces tbody tr[data-trace-id] td.name a")
                clicked = time.perf_counter()
                links.nth(visit % min(links.count(), 50)).click()
                page.locator("table.spans tr[data-span-id]").first.wait_for()
                opened = time.perf_counter()
                spans_seen.append(page.locator("table.spans tr[data-span-id]").count())
                # timed in the page, from the press to the waterfall laid out:
                # Playwright's own round trips would be most of a no-round-trip step
                page.evaluate(TIME_PRESS_TO_WATERFALL)
                page.get_by_role("tab", name="Timeline").click()
                page.get_by_test_id("waterfall").wait_for()
                timeline_ms = page.evaluate("() => window.__drawnAt - window.__clickAt")
                filters = page.get_by_role("complementary", name="filters")
                filtered_at = time.perf_counter()
                filters.get_by_label("error", exact=True).click()
                page.wait_for_function(ONLY_FAILED_LISTED, timeout=60_000)
                filtered = time.perf_counter()
                page.goto(f"{base}/#/{project}")
                page.reload()
                page.locator("table.traces tbody tr").first.wait_for()
                relisted = time.perf_counter()
                if measured:
                    times["list_cold"].append((listed - started) * 1000)
                    times["open_trace"].append((opened - clicked) * 1000)
                    times["timeline"].append(timeline_ms)
                    times["filter"].append((filtered - filtered_at) * 1000)
                    times["list_warm"].append((relisted - filtered) * 1000)
                context.close()
            if args.scroll_rows:
                times.update(
                    list_scroll(browser, base, projects[0], args.scroll_rows, args.scroll_frames)
                )
            server.stop()
            if args.big_trace:
                times.update(big_trace(browser, args.big_trace, args.big_repeats))
            browser.close()
    finally:
        server.stop()

    dist = Path(__file__).resolve().parents[1] / "python" / "gls_engine" / "webui_dist"
    page_html = (dist / "index.html").read_text()
    assets = list((dist / "assets").iterdir())
    bundle = sum(f.stat().st_size for f in assets if f.name in page_html)  # what a visit loads
    lazy = sum(f.stat().st_size for f in assets if f.name not in page_html)  # e.g. the graph view
    print(
        f"{meta['spans']:,} spans, {len(projects)} projects over {meta['days']} days; "
        f"UI assets {bundle / 1024:.0f} KiB loaded (+{lazy / 1024:.0f} KiB on demand); "
        f"{len(spans_seen)} visits, "
        f"{sum(spans_seen) / max(len(spans_seen), 1):.1f} spans per opened trace"
    )
    print(f"{'step':28s} {'p50 ms':>8s} {'p90 ms':>8s} {'p99 ms':>8s} {'max ms':>8s}")
    for name, values in times.items():
        if values:
            print(
                f"{name:28s} {percentile(values, 50):8.1f} {percentile(values, 90):8.1f}"
                f" {percentile(values, 99):8.1f} {max(values):8.1f}"
            )
    write_json(
        args.json_out,
        {
            "bench": "ui",
            "machine": machine_info(),
            "data_dir": str(root),
            "spans": meta["spans"],
            "assets_bytes": bundle,
            "lazy_assets_bytes": lazy,
            "times_ms": times,
        },
    )
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
