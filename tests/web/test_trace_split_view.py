"""The Traces explorer's split view and its virtualised list, in Debian's chromium
(Playwright) against a real Studio: a trace chosen in the list opens beside it and
its URL reopens the same view; the keyboard moves through the list; thousands of
traces load page by page as the list scrolls with only a window of rows in the
DOM; a live arrival does not move the rows the person is reading.
"""

from __future__ import annotations

import time

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode
from playwright.sync_api import expect

from otlp_helpers import make_request, make_span, new_trace_id, post_protobuf

WIDE = {"width": 1440, "height": 900}


def _send_sdk_trace(studio, project: str, name: str, failed: bool = False) -> str:
    """A root and a child span through the OpenTelemetry SDK's OTLP/HTTP exporter."""
    provider = TracerProvider(resource=Resource.create({"service.name": "split-view"}))
    exporter = OTLPSpanExporter(endpoint=studio.otlp_http, headers={"X-GLS-Project": project})
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("split-view-test")
    with tracer.start_as_current_span(name) as root:
        with tracer.start_as_current_span(f"{name} step") as step:
            if failed:
                step.set_status(Status(StatusCode.ERROR, "step failed"))
        trace_id = format(root.get_span_context().trace_id, "032x")
    provider.shutdown()
    return trace_id


def _send_traces(studio, project: str, names: list[str], newest_ns: int) -> list[str]:
    """One span per trace, the first name the newest (1 ms apart), in requests of
    1,000 spans; the trace ids in the list's order (newest first)."""
    ids = [new_trace_id() for _ in names]
    spans = [
        make_span(tid, name=name, start_ns=newest_ns - i * 10**6)
        for i, (tid, name) in enumerate(zip(ids, names, strict=True))
    ]
    for k in range(0, len(spans), 1000):
        resp = post_protobuf(
            studio.otlp_http, make_request(spans[k : k + 1000]), {"X-GLS-Project": project}
        )
        assert resp.status_code == 200, resp.text
    return [t.hex() for t in ids]


def _row(page, trace_id: str):
    return page.locator(f"table.traces tr[data-trace-id='{trace_id}']")


def test_a_chosen_trace_opens_beside_the_list_and_its_url_reopens_the_view(studio, browser) -> None:
    project = "split-view"
    failed = _send_sdk_trace(studio, project, "refund request", failed=True)
    ok = _send_sdk_trace(studio, project, "order lookup")
    context = browser.new_context(viewport=WIDE)
    try:
        page = context.new_page()
        page.goto(f"{studio.api}/#/{project}?range=1h")
        expect(_row(page, failed).locator("td.status")).to_have_text("1 error")
        expect(_row(page, ok).locator("td.status")).to_have_text("ok")
        pane = page.get_by_test_id("trace-pane")
        expect(pane).to_have_count(0)

        # a click on the row (not its link) opens the trace beside the list
        _row(page, failed).locator("td.duration").click()
        expect(pane).to_contain_text("refund request step")
        url = page.url
        assert f"trace={failed}" in url and "start=" in url and "end=" in url
        assert "range=1h" in url  # the list's own state stays
        expect(_row(page, failed)).to_have_attribute("aria-selected", "true")
        expect(_row(page, ok)).to_be_visible()
        listed = page.get_by_test_id("trace-scroll").bounding_box()
        beside = pane.bounding_box()
        assert listed and beside and beside["x"] >= listed["x"] + listed["width"]

        # another row: the pane follows, the list stays where it was
        _row(page, ok).get_by_role("link", name="order lookup").click()
        expect(pane).to_contain_text("order lookup step")
        expect(_row(page, ok)).to_have_attribute("aria-selected", "true")
        expect(_row(page, failed)).to_have_attribute("aria-selected", "false")
        # Back returns to the trace chosen before
        page.go_back()
        expect(pane).to_contain_text("refund request step")
        url = page.url

        # the URL, opened elsewhere, is the same view: the list and the same trace beside it
        other = context.new_page()
        other.goto(url)
        expect(other.get_by_test_id("trace-pane")).to_contain_text("refund request step")
        expect(_row(other, failed)).to_have_attribute("aria-selected", "true")
        expect(_row(other, ok)).to_be_visible()
        other.close()

        # closed, the list is alone again
        page.get_by_role("button", name="close the trace").click()
        expect(pane).to_have_count(0)
        assert "trace=" not in page.url and "range=1h" in page.url

        # the full-page route of older links and shares still opens the trace alone
        page.goto(f"{studio.api}/#/{project}/trace/{ok}")
        expect(page.get_by_text("order lookup step").first).to_be_visible()
        expect(page.locator("table.traces")).to_have_count(0)
    finally:
        context.close()


def test_the_keyboard_moves_through_the_list_and_opens_traces(studio, browser) -> None:
    project = "split-view-keys"
    names = [f"keyed run {i}" for i in range(5)]
    ids = _send_traces(studio, project, names, time.time_ns() - 10**9)
    context = browser.new_context(viewport=WIDE)
    try:
        page = context.new_page()
        page.goto(f"{studio.api}/#/{project}")
        grid = page.get_by_role("grid", name="traces")
        expect(grid).to_have_attribute("data-rows", "5")
        grid.focus()
        grid.press("ArrowDown")
        grid.press("ArrowDown")
        expect(grid).to_have_attribute("aria-activedescendant", f"trace-row-{ids[1]}")
        grid.press("Enter")
        pane = page.get_by_test_id("trace-pane")
        expect(pane).to_contain_text("keyed run 1")
        assert f"trace={ids[1]}" in page.url
        # with a trace open, the detail follows the arrow keys
        grid.press("ArrowDown")
        expect(_row(page, ids[2])).to_have_attribute("aria-selected", "true")
        expect(pane).to_contain_text("keyed run 2")
        grid.press("End")
        expect(_row(page, ids[4])).to_have_attribute("aria-selected", "true")
        grid.press("ArrowUp")
        expect(_row(page, ids[3])).to_have_attribute("aria-selected", "true")
        assert f"trace={ids[3]}" in page.url
        # Escape closes the detail
        grid.press("Escape")
        expect(pane).to_have_count(0)
        assert "trace=" not in page.url
    finally:
        context.close()


def test_thousands_of_traces_load_as_the_list_scrolls_with_a_window_of_rows(
    studio, browser
) -> None:
    project = "split-view-many"
    total = 3000
    ids = _send_traces(studio, project, [f"bulk {i}" for i in range(total)], time.time_ns() - 10**9)
    context = browser.new_context(viewport=WIDE)
    try:
        page = context.new_page()
        page.goto(f"{studio.api}/#/{project}")
        grid = page.get_by_role("grid", name="traces")
        expect(grid).to_have_attribute("data-rows", "50")
        expect(page.get_by_text(f"{total:,} traces", exact=True)).to_be_visible()
        drawn = page.locator("table.traces tr[data-trace-id]")
        scroller = page.get_by_test_id("trace-scroll")
        # pages after the first are of 200 rows: one more each time the end is reached
        for before, loaded in ((50, 250), (250, 450), (450, 650), (650, 850)):
            scroller.evaluate("el => { el.scrollTop = el.scrollHeight; }")
            expect(grid).to_have_attribute("data-rows", str(loaded))
            # only the rows in view and a margin are in the DOM
            assert drawn.count() < 60
            expect(_row(page, ids[before - 1])).to_be_visible()
            expect(_row(page, ids[0])).to_have_count(0)
        expect(page.get_by_test_id("loaded")).to_have_text(f"850 of {total:,} loaded")
        # the rows come in the list's order, each once: a row in the middle is where it belongs
        scroller.evaluate(f"el => {{ el.scrollTop = 520 * {_row_px(page)}; }}")
        expect(_row(page, ids[525])).to_be_visible()
        assert _row(page, ids[525]).get_attribute("aria-rowindex") == "526"

        # stacked on a narrow screen, the list keeps a height of its own: one page, a window of rows
        page.set_viewport_size({"width": 900, "height": 900})
        page.reload()
        expect(grid).to_have_attribute("data-rows", "50")
        expect(drawn.first).to_be_visible()
        assert drawn.count() < 60
    finally:
        context.close()


def _row_px(page) -> float:
    return page.locator("table.traces tr[data-trace-id]").first.bounding_box()["height"]


TOP_ROW = """el => {
    const box = el.getBoundingClientRect();
    const head = el.querySelector('thead').getBoundingClientRect().height;
    const row = document.elementFromPoint(box.left + 150, box.top + head + 2).closest('tr[data-trace-id]');
    return [row.dataset.traceId, row.getBoundingClientRect().top];
}"""


def test_a_live_arrival_does_not_move_the_rows_in_view(studio, browser) -> None:
    """Scrolled down, a new trace at the top of the list leaves the row at the top of
    the view where it was; at the top of the list, the new trace shows first."""
    project = "split-view-live"
    now = time.time_ns()
    _send_traces(studio, project, [f"steady {i}" for i in range(40)], now - 60 * 10**9)
    context = browser.new_context(viewport=WIDE)
    try:
        page = context.new_page()
        page.goto(f"{studio.api}/#/{project}")
        expect(page.get_by_test_id("live-state")).to_have_text("live")
        grid = page.get_by_role("grid", name="traces")
        expect(grid).to_have_attribute("data-rows", "40")
        scroller = page.get_by_test_id("trace-scroll")
        # ten and a half rows down: the top row is partly hidden under the header
        scroller.evaluate(f"el => {{ el.scrollTop = 10.5 * {_row_px(page)}; }}")
        page.wait_for_function(
            "n => document.querySelector('[data-testid=trace-scroll]').scrollTop > n", arg=10
        )
        before = scroller.evaluate(TOP_ROW)

        first_new = _send_traces(studio, project, ["arrived below"], now)[0]
        expect(grid).to_have_attribute("data-rows", "41", timeout=15_000)
        after = scroller.evaluate(TOP_ROW)
        assert after[0] == before[0]
        assert abs(after[1] - before[1]) < 1

        # at the top, new traces show at the top
        scroller.evaluate("el => { el.scrollTop = 0; }")
        expect(_row(page, first_new)).to_be_visible()
        second_new = _send_traces(studio, project, ["arrived on top"], now + 10**6)[0]
        expect(grid).to_have_attribute("data-rows", "42", timeout=15_000)
        assert scroller.evaluate(TOP_ROW)[0] == second_new
    finally:
        context.close()
