"""Opening and scrolling one large trace in the browser: how long it takes and which
long tasks (> 50 ms, the browser's own PerformanceObserver('longtask')) hold the page.

A fresh Studio gets one trace of N spans (a 4-ary tree of LLM calls with 200-byte
inputs, sent as OTLP protobuf); Debian's chromium (Playwright) then, each repeat in a
fresh context:

- open: from navigation to the first span row drawn (the API's answer included), and
  the long tasks until then. Timed twice: in the page (first_row_ms: navigation start to
  the row in the DOM, a MutationObserver; first_row_painted_ms: the task after the next
  frame), and from Python (open_ms: page.goto to a wait polling every animation frame;
  Playwright's locator waits poll at 100-500 ms once a wait is past a second, which had
  added up to 500 ms to open_ms before);
- list scroll / timeline scroll: the span list, then the waterfall, scrolled from top to
  bottom in steps of a screen, one per animation frame, and the long tasks meanwhile;
- timeline zoom: ten wheel steps over the axis, and the long tasks meanwhile;
- graph: asked for (past 1,000 spans it is drawn only when asked), the dagre layout in
  its Web Worker until the graph is drawn; long tasks meanwhile (the layout's should
  be none: it is off the page's thread; Cytoscape's drawing is on it).

    python benches/bench_trace_detail.py --spans 10000 --repeats 3

Figures are printed (and written with --json); nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import exit_on_sigterm, log, machine_info, percentile, studio_process, write_json  # noqa: E402

LONG_TASKS = """
window.__longtasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__longtasks.push([e.startTime, e.duration]);
}).observe({ type: "longtask", buffered: true });
"""

# FIRST_ROW % spans: when the first row of the whole trace's span list is in the DOM,
# and the task after the frame that draws it.
FIRST_ROW = """
window.__firstRow = null;
window.__firstRowPainted = null;
new MutationObserver((changes, observer) => {
  if (document.querySelector("%s")) {
    window.__firstRow = performance.now();
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => { window.__firstRowPainted = performance.now(); }));
  }
}).observe(document, { childList: true, subtree: true });
"""


def first_row_selector(spans: int) -> str:
    return f"table.spans[data-rows='{spans}'] tr[data-span-id]"


SCROLL_TO_END = """async (testId) => {
  const el = document.querySelector(`[data-testid=${testId}]`);
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const started = performance.now();
  for (let top = 0; top < el.scrollHeight; top += el.clientHeight) {
    el.scrollTop = top;
    await frame();
  }
  await frame();
  return [started, performance.now()];
}"""


def send_trace(otlp_http: int, spans: int) -> str:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
    from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

    tid = os.urandom(16)
    ids = [os.urandom(8) for _ in range(spans)]
    now = time.time_ns() - 60 * 10**9
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
            start_time_unix_nano=now + i * 100_000,
            end_time_unix_nano=now + i * 100_000 + 50_000 + (spans - i) * 1000,
            attributes=attrs,
        )
        for i in range(spans)
    ]
    for k in range(0, spans, 500):
        body = ExportTraceServiceRequest(
            resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=all_spans[k : k + 500])])]
        ).SerializeToString()
        req = urllib.request.Request(
            f"http://127.0.0.1:{otlp_http}/v1/traces",
            body,
            {"Content-Type": "application/x-protobuf"},
        )
        urllib.request.urlopen(req, timeout=60).read()
    return tid.hex()


def long_tasks_between(page, start: float, end: float) -> list[float]:
    tasks = page.evaluate("window.__longtasks")
    return [d for s, d in tasks if s + d >= start and s <= end]


def measure(page, url: str, spans: int, graph: bool = True) -> dict[str, float]:
    figures: dict[str, float] = {}
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function(
        "() => window.__firstRowPainted !== null", polling="raf", timeout=120_000
    )
    figures["open_ms"] = (time.perf_counter() - started) * 1000
    figures["first_row_ms"] = page.evaluate("window.__firstRow")
    figures["first_row_painted_ms"] = drawn_at = page.evaluate("window.__firstRowPainted")
    tasks = long_tasks_between(page, 0, drawn_at)
    figures["open_longest_task_ms"] = max(tasks, default=0)
    figures["open_long_tasks"] = len(tasks)
    # the trace's API answer (the first read of it): when it was asked and had arrived, its size
    answer = page.evaluate(
        """() => performance.getEntriesByType('resource')
            .filter((e) => e.name.includes('/traces/') && !e.name.includes('/spans/'))
            .map((e) => [e.requestStart, e.responseEnd, e.encodedBodySize, e.decodedBodySize,
                         e.responseStart])[0]"""
    )
    figures["api_asked_at_ms"] = answer[0]
    figures["api_answer_ms"] = answer[1] - answer[0]
    figures["api_first_byte_ms"] = answer[4] - answer[0]
    figures["answer_kib"] = answer[3] / 1024
    figures["drawn_after_answer_ms"] = drawn_at - answer[1]
    figures["open_longest_task_after_answer_ms"] = max(
        long_tasks_between(page, answer[1], drawn_at), default=0
    )

    def scrolled(name: str, test_id: str) -> None:
        start, end = page.evaluate(SCROLL_TO_END, test_id)
        page.wait_for_timeout(200)  # a task still running at the end is reported after it
        tasks = long_tasks_between(page, start, end)
        figures[f"{name}_scroll_ms"] = end - start
        figures[f"{name}_scroll_long_tasks_over_100ms"] = sum(d > 100 for d in tasks)
        figures[f"{name}_scroll_longest_task_ms"] = max(tasks, default=0)

    scrolled("list", "span-scroll")
    page.get_by_role("tab", name="Timeline").click()
    page.get_by_test_id("waterfall").locator("[data-span-id]").first.wait_for()
    scrolled("timeline", "waterfall-scroll")

    axis = page.get_by_test_id("waterfall-axis").bounding_box()
    page.mouse.move(axis["x"] + axis["width"] * 0.3, axis["y"] + axis["height"] / 2)
    start = page.evaluate("performance.now()")
    for _ in range(10):
        page.mouse.wheel(0, -200)
        page.evaluate("new Promise((r) => requestAnimationFrame(() => r()))")
    end = page.evaluate("performance.now()")
    page.wait_for_timeout(200)
    tasks = long_tasks_between(page, start, end)
    figures["zoom_longest_task_ms"] = max(tasks, default=0)

    if not graph:
        return figures
    # when the worker's positions are in: the layout's progress line is replaced by the graph
    page.evaluate(
        """() => new MutationObserver((changes, observer) => {
            if (document.querySelector('[data-testid=span-graph]')) {
              window.__laidOut = performance.now();
              observer.disconnect();
            }
          }).observe(document.body, { childList: true, subtree: true })"""
    )
    page.get_by_role("tab", name="Graph").click()
    asked = time.perf_counter()
    start = page.evaluate("performance.now()")
    if spans > 1000:
        page.get_by_role("button", name="Draw the graph anyway").click()
    # the layout's progress shows while the worker runs; the page answers meanwhile
    page.get_by_test_id("span-graph").wait_for(timeout=600_000)
    laid_out = page.evaluate("window.__laidOut")
    figures["graph_layout_ms"] = laid_out - start
    layout_tasks = long_tasks_between(page, start, laid_out)
    figures["graph_layout_longest_task_ms"] = max(layout_tasks, default=0)
    page.wait_for_selector(f"[data-nodes='{spans}']", timeout=600_000)
    figures["graph_total_ms"] = (time.perf_counter() - asked) * 1000
    end = page.evaluate("performance.now()")
    page.wait_for_timeout(200)
    figures["graph_draw_longest_task_ms"] = max(long_tasks_between(page, laid_out, end), default=0)
    return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--spans", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-graph", action="store_true", help="open, scroll and zoom only")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args(argv)
    exit_on_sigterm()

    from playwright.sync_api import sync_playwright

    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        server, ports = studio_process(Path(tmp) / "studio", Path(tmp) / "server.log")
        server.start(ready_line="ready", timeout=300)
        try:
            trace_id = send_trace(ports["otlp_http"], args.spans)
            url = f"http://127.0.0.1:{ports['api']}/#/default/trace/{trace_id}"
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
                for repeat in range(args.repeats):
                    context = browser.new_context(viewport={"width": 1440, "height": 900})
                    context.add_init_script(LONG_TASKS)
                    context.add_init_script(FIRST_ROW % first_row_selector(args.spans))
                    page = context.new_page()
                    runs.append(measure(page, url, args.spans, graph=not args.no_graph))
                    log(f"repeat {repeat + 1}: {runs[-1]}")
                    context.close()
                browser.close()
        finally:
            server.stop()

    summary = {
        key: {"p50": percentile([r[key] for r in runs], 50), "max": max(r[key] for r in runs)}
        for key in runs[0]
    }
    print(f"{args.spans:,} spans, {args.repeats} repeats (p50 / max):")
    for key, v in summary.items():
        print(f"  {key:40s} {v['p50']:10.1f} {v['max']:10.1f}")
    write_json(
        args.json_out,
        {"machine": machine_info(), "spans": args.spans, "runs": runs, "summary": summary},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
