"""The trace detail reads the trace's outline by columns and the selected span whole, in
Debian's chromium (Playwright) against a real Studio fed by the OpenTelemetry SDK: the
trace is asked once, at .../traces/{trace_id}/outline (no attributes, no resource), the
inspector's attributes and the header's resource chips come from the span endpoint, and
the inspector says the span is loading while it comes.
"""

from __future__ import annotations

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from playwright.sync_api import expect

from otlp_helpers import get_trace

PROJECT = "trace-outline-view"


@pytest.fixture(scope="module")
def sent(studio) -> dict:
    provider = TracerProvider(
        resource=Resource.create({"service.name": "planner", "host.name": "worker-9"})
    )
    exporter = OTLPSpanExporter(endpoint=studio.otlp_http, headers={"X-GLS-Project": PROJECT})
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("outline-view-test")
    with tracer.start_as_current_span("plan trip") as root:
        with tracer.start_as_current_span("look up", attributes={"city": "Lisbon"}):
            pass
        with tracer.start_as_current_span("book", attributes={"hotel": "Alfama"}):
            pass
    provider.shutdown()
    trace_id = format(root.get_span_context().trace_id, "032x")
    return get_trace(studio.api, PROJECT, trace_id)


def _span_id(sent: dict, name: str) -> str:
    return next(s["span_id"] for s in sent["spans"] if s["name"] == name)


def test_the_trace_comes_in_outline_and_the_selected_span_whole(studio, page, sent) -> None:
    outlines: list[dict] = []
    traces_asked: list[str] = []
    spans_asked: list[str] = []

    def seen(response) -> None:
        if f"/traces/{sent['trace_id']}" in response.url and "/spans/" not in response.url:
            traces_asked.append(response.url)
        if f"/traces/{sent['trace_id']}/outline" in response.url:
            outlines.append(response.json())
        if "/spans/" in response.url:
            spans_asked.append(response.url.rsplit("/", 1)[-1].split("?")[0])

    page.on("response", seen)
    page.goto(f"{studio.api}/#/{PROJECT}/trace/{sent['trace_id']}")
    inspector = page.get_by_test_id("span-detail")
    expect(inspector.get_by_role("heading", level=2)).to_have_text("plan trip")
    # the root span whole gives the resource chips and the inspector: one request
    chips = page.get_by_role("list", name="trace metadata")
    expect(chips.locator("li[data-chip='host.name']")).to_contain_text("worker-9")
    assert spans_asked == [_span_id(sent, "plan trip")]
    assert len(outlines) == 1 and len(traces_asked) == 1
    assert outlines[0]["spans"]["name"]["values"] == ["plan trip", "look up", "book"]
    assert not {"attributes", "resource", "input", "output"} & set(outlines[0]["spans"])

    page.locator("table.spans tr", has_text="look up").click()
    expect(inspector.get_by_role("heading", level=2)).to_have_text("look up")
    expect(inspector.locator("table.attributes").first).to_contain_text("Lisbon")
    assert spans_asked[-1] == _span_id(sent, "look up")


def test_the_inspector_says_the_span_is_loading_while_it_comes(studio, page, sent) -> None:
    book = _span_id(sent, "book")
    # the span's answer held back (never answered): the inspector waits for it
    page.route(f"**/spans/{book}*", lambda route: None)
    page.goto(f"{studio.api}/#/{PROJECT}/trace/{sent['trace_id']}?span={book}")
    loading = page.get_by_test_id("span-detail-loading")
    expect(loading).to_contain_text("book")
    expect(loading).to_contain_text("Loading the span")
    expect(loading).to_have_attribute("aria-busy", "true")
    expect(page.get_by_test_id("span-detail")).to_have_count(0)
    # the rest of the page works from the outline meanwhile
    expect(page.locator("table.spans td.name")).to_have_count(3)
