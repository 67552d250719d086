"""The web UI in a real browser (Debian's chromium driven by Playwright) against a
real Studio process fed by the OpenTelemetry SDK's OTLP/HTTP exporter.

scripts/test.sh installs chromium; GLS_CHROMIUM names another binary.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import requests
from genai_prices import Usage, calc_price
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode
from playwright.sync_api import expect

from otlp_helpers import (
    get_trace,
    make_request,
    make_span,
    new_span_id,
    new_trace_id,
    post_protobuf,
    wait_for_trace,
)

PROJECT = "web-ui"
HOSTILE = '<img src=x onerror="window.__pwned = 1"> \'; DROP TABLE spans; --'
QUESTION = "Which of our agents emitted the most CO2 this week?"


# --- the figures as web/src/format.ts writes them --------------------------------------
# Expected texts are made here from the API's numbers (or genai-prices'), so a page
# that shows another number, or none, fails.


def _significant(value: float, digits: int = 3) -> str:
    """JavaScript's toLocaleString("en-US", {maximumSignificantDigits}): rounded half
    away from zero, no trailing zeros, thousands separated by commas."""
    exact = Decimal(repr(value))
    last_digit = Decimal(1).scaleb(exact.adjusted() - digits + 1)
    text = f"{exact.quantize(last_digit, rounding=ROUND_HALF_UP):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _usd(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "$0"
    if value < 0.01:
        return f"${_significant(value, 2)}"
    return f"${value:.2f}"


def _grams(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "0 g"
    if value < 0.001:
        return f"{_significant(value * 1e6)} µg"
    if value < 1:
        return f"{_significant(value * 1000)} mg"
    if value < 1000:
        return f"{_significant(value)} g"
    return f"{_significant(value / 1000)} kg"


def _kwh(value: float) -> str:
    if value < 0.001:
        return f"{_significant(value * 1e6)} mWh"
    if value < 1:
        return f"{_significant(value * 1000)} Wh"
    return f"{_significant(value)} kWh"


def test_figure_formats_follow_format_ts() -> None:
    """The helpers above, on the examples format.ts names and a few more."""
    assert [_significant(v) for v in (0.00052, 523.4, 1250.0, 1234.5, 0.0012345, 99.95)] == [
        "0.00052",
        "523",
        "1,250",
        "1,230",
        "0.00123",
        "100",
    ]
    assert [_usd(v) for v in (None, 0, 0.004512, 0.0045, 12.345)] == [
        "—",
        "$0",
        "$0.0045",
        "$0.0045",
        "$12.35",
    ]
    assert [_grams(v) for v in (0.0000123, 0.5, 12.0, 2500.0)] == [
        "12.3 µg",
        "500 mg",
        "12 g",
        "2.5 kg",
    ]
    assert [_kwh(v) for v in (0.00012, 0.5, 3.0)] == ["120 mWh", "500 Wh", "3 kWh"]


def _choose(page, label: str, option: str) -> None:
    """Picks an option of a select (Radix: a button opening a list of options)."""
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def _genai_price_usd(model: str, start_unix_nano: int, **usage: int) -> float:
    at = dt.datetime.fromtimestamp(start_unix_nano / 1e9, tz=dt.UTC)
    price = calc_price(
        Usage(**usage), model, provider_id="openai", genai_request_timestamp=at
    ).total_price
    return float(price)


def _send_agent_trace(studio, name: str) -> str:
    """An agent run as an instrumented app sends it: a chain, an LLM call with
    GenAI attributes, a failing tool call carrying a hostile string."""
    provider = TracerProvider(resource=Resource.create({"service.name": "trip-agent"}))
    exporter = OTLPSpanExporter(endpoint=studio.otlp_http, headers={"X-GLS-Project": PROJECT})
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("web-ui-test")
    with tracer.start_as_current_span(name, attributes={"gls.span.type": "chain"}) as root:
        with tracer.start_as_current_span(
            "chat gpt-4o",
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 1200,
                "gen_ai.usage.output_tokens": 300,
                "input.value": QUESTION,
            },
        ):
            pass
        with tracer.start_as_current_span(
            "search_emissions", attributes={"openinference.span.kind": "TOOL", "query": HOSTILE}
        ) as tool:
            tool.set_status(Status(StatusCode.ERROR, "emissions API timed out"))
        trace_id = format(root.get_span_context().trace_id, "032x")
    provider.shutdown()
    return trace_id


def test_the_list_shows_the_trace_with_its_cost_and_carbon_and_opens_it(studio, page) -> None:
    trace_id = _send_agent_trace(studio, "carbon report")
    stored = get_trace(studio.api, PROJECT, trace_id)
    llm = next(s for s in stored["spans"] if s["model"] == "gpt-4o")
    # Priced by genai-prices for the call's tokens: the only cost in the trace.
    llm_cost = _genai_price_usd(
        "gpt-4o", llm["start_time_unix_nano"], input_tokens=1200, output_tokens=300
    )
    assert llm["cost"]["total_usd"] == pytest.approx(llm_cost, rel=1e-9)
    listed = requests.get(
        f"{studio.api}/api/v1/projects/{PROJECT}/traces", params={"limit": 100}, timeout=30
    ).json()
    summary = next(t for t in listed["traces"] if t["trace_id"] == trace_id)
    assert summary["carbon"]["carbon_g"] > 0

    page.goto(f"{studio.api}/#/{PROJECT}")
    row = page.locator(f"tr[data-trace-id='{trace_id}']")
    expect(row.locator("td.name")).to_have_text("carbon report")
    expect(row.locator("td.status")).to_have_text("1 error")
    expect(row.locator("td.spans")).to_have_text("3")
    expect(row.locator("td.tokens")).to_have_text("1,500")
    expect(row.locator("td.cost")).to_have_text(_usd(llm_cost))
    expect(row.locator("td.carbon")).to_have_text(_grams(summary["carbon"]["carbon_g"]))
    expect(row.locator("td.models")).to_have_text("gpt-4o")

    row.get_by_role("link", name="carbon report").click()
    # The trace opens beside the list, within the list's start and end (epoch ms in the URL).
    expect(page.locator("table.spans tr[data-span-id]")).to_have_count(3)
    assert f"trace={trace_id}" in page.url and "&start=" in page.url and "&end=" in page.url
    # Tree order: the root, then its children by start time, each a row.
    names = page.locator("table.spans td.name").all_inner_texts()
    assert names == ["carbon report", "chat gpt-4o", "search_emissions"]

    # The same trace as a graph (Cytoscape, loaded on first use): a node per span,
    # an edge per parent link; the span panel stays.
    page.get_by_role("tab", name="Graph").click()
    graph = page.get_by_test_id("span-graph")
    expect(graph).to_have_attribute("data-nodes", "3")
    expect(graph).to_have_attribute("data-edges", "2")
    expect(graph.locator("canvas").first).to_be_visible()
    expect(page.get_by_test_id("span-detail")).to_contain_text("carbon report")
    # the view mode is the URL's: the reloaded page opens on the graph again
    assert "view=graph" in page.url
    page.reload()
    expect(graph).to_have_attribute("data-nodes", "3")
    page.get_by_role("tab", name="List").click()

    # the footer's totals are the server's (tests/web/test_trace_detail.py checks each)
    totals = page.get_by_test_id("trace-totals")
    expect(totals.locator("[data-metric=cost] .value")).to_have_text(_usd(llm_cost))
    expect(totals.locator("[data-metric=carbon] .value")).to_have_text(
        f"{_grams(stored['totals']['carbon_g']['value'])} CO₂e"
    )
    page.locator(f"tr[data-span-id='{llm['span_id']}']").click()
    detail = page.get_by_test_id("span-detail")
    expect(detail).to_contain_text("gpt-4o (openai)")
    expect(detail).to_contain_text("in 1,200 · out 300")
    expect(page.get_by_test_id("span-cost")).to_have_text(f"{_usd(llm_cost)} (priced)")
    energy, carbon = llm["carbon"]["energy_kwh"], llm["carbon"]["carbon_g"]
    expect(detail.locator("dd").filter(has_text="Wh")).to_have_text(
        f"{_kwh(energy['value'])} ({_kwh(energy['min'])} – {_kwh(energy['max'])})"
    )
    expect(page.get_by_test_id("span-carbon")).to_have_text(
        f"{_grams(carbon['value'])} CO₂e ({_grams(carbon['min'])} – {_grams(carbon['max'])})"
        f" in {llm['carbon']['zone']}"
    )
    expect(page.get_by_test_id("span-input")).to_have_text(QUESTION)
    # so is the selected span: reloaded (or the link shared), the same span is shown
    assert f"span={llm['span_id']}" in page.url
    page.reload()
    expect(page.get_by_test_id("span-input")).to_have_text(QUESTION)
    expect(page.locator(f"tr[data-span-id='{llm['span_id']}']")).to_have_class(
        re.compile("selected")
    )

    # The hostile attribute is shown as text, byte for byte, and never runs.
    tool = next(s for s in stored["spans"] if s["name"] == "search_emissions")
    page.locator(f"tr[data-span-id='{tool['span_id']}']").click()
    expect(detail).to_contain_text("emissions API timed out")
    expect(detail.locator("table.attributes td", has_text="DROP TABLE")).to_have_text(HOSTILE)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img").count() == 0


def test_a_new_trace_appears_without_reloading(studio, page) -> None:
    _send_agent_trace(studio, "first run")
    page.goto(f"{studio.api}/#/{PROJECT}")
    expect(page.get_by_test_id("live-state")).to_have_text("live")
    trace_id = _send_agent_trace(studio, "arrived while watching")
    expect(page.locator(f"tr[data-trace-id='{trace_id}']")).to_contain_text(
        "arrived while watching", timeout=10_000
    )


def test_past_the_first_page_new_traces_wait_behind_a_button(studio, page) -> None:
    project = "web-ui-paging"
    spans = [make_span(new_trace_id(), name=f"batch job {i}") for i in range(60)]
    resp = post_protobuf(studio.otlp_http, make_request(spans), {"X-GLS-Project": project})
    assert resp.status_code == 200, resp.text
    page.goto(f"{studio.api}/#/{project}")
    expect(page.get_by_test_id("live-state")).to_have_text("live")
    # the rows loaded (only those in view are drawn)
    rows = page.get_by_role("grid", name="traces")
    expect(rows).to_have_attribute("data-rows", "50")
    # scrolled to the end, the next page loads
    page.get_by_test_id("trace-scroll").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    expect(rows).to_have_attribute("data-rows", "60")

    scroller = page.get_by_test_id("trace-scroll")
    top_row = """el => {
        const box = el.getBoundingClientRect();
        const head = el.querySelector('thead').getBoundingClientRect().height;
        const row = document.elementFromPoint(box.left + 150, box.top + head + 2).closest('tr');
        return [row.dataset.traceId, row.getBoundingClientRect().top];
    }"""
    before = scroller.evaluate(top_row)

    late = new_trace_id()
    resp = post_protobuf(
        studio.otlp_http,
        make_request([make_span(late, name="late job")]),
        {"X-GLS-Project": project},
    )
    assert resp.status_code == 200, resp.text
    waiting = page.get_by_role("button", name="1 new trace: show the newest")
    expect(waiting).to_be_visible(timeout=10_000)
    expect(rows).to_have_attribute("data-rows", "60")  # the pages read so far stay as they were
    assert scroller.evaluate(top_row) == before  # and the rows in view did not move
    waiting.click()
    expect(page.locator(f"tr[data-trace-id='{late.hex()}']")).to_contain_text("late job")
    expect(rows).to_have_attribute("data-rows", "50")
    assert scroller.evaluate("el => el.scrollTop") == 0


def test_span_search_by_attribute_and_text_opens_the_trace(studio, page) -> None:
    trace_id = _send_agent_trace(studio, "search me")
    page.goto(f"{studio.api}/#/{PROJECT}/spans")
    page.get_by_label("attributes").fill(f"query={HOSTILE}")
    _choose(page, "span type", "tool")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("table.found-spans tbody tr")
    expect(rows.first).to_contain_text("search_emissions")
    # every match is a tool span carrying that exact value; this trace's among them
    expect(rows.filter(has_text="chat gpt-4o")).to_have_count(0)
    link = page.locator(f"a[href*='{trace_id}']")
    expect(link).to_have_count(1)

    page.get_by_label("attributes").fill("")
    _choose(page, "span type", "Any type")
    page.get_by_label("text").fill("most CO2 this week")
    page.get_by_role("button", name="Search").click()
    expect(rows.filter(has_text="chat gpt-4o").first).to_be_visible()
    expect(rows.filter(has_text="search_emissions")).to_have_count(0)

    page.locator(f"a[href*='{trace_id}']").click()
    expect(page.locator("table.spans tr[data-span-id]")).to_have_count(3)
    expect(page.locator("table.spans td.name").first).to_have_text("search me")


def test_cost_and_carbon_page_shows_what_the_analytics_api_says(studio, page) -> None:
    project = "web-ui-costs"
    tid, root = new_trace_id(), new_span_id()
    llm = {"gen_ai.system": "openai", "gen_ai.usage.input_tokens": 1000}
    spans = [
        make_span(tid, span_id=root, name="report", attributes={"gls.chain": "weekly-report"}),
        make_span(
            tid,
            parent=root,
            name="chat",
            attributes={**llm, "gen_ai.request.model": "gpt-4o", "gen_ai.usage.output_tokens": 200},
        ),
        make_span(
            tid,
            parent=root,
            name="chat in-house",
            attributes={**llm, "gen_ai.request.model": "our-finetune-7b"},
        ),
    ]
    resp = post_protobuf(studio.otlp_http, make_request(spans), {"X-GLS-Project": project})
    assert resp.status_code == 200, resp.text
    api = requests.get(f"{studio.api}/api/v1/projects/{project}/analytics/costs", timeout=30).json()
    totals = api["totals"]
    assert totals["llm_calls"] == 2 and totals["unpriced_llm_calls"] == 1

    page.goto(f"{studio.api}/#/{project}/costs")
    # The only priced call: gpt-4o, 1,000 in and 200 out (genai-prices).
    gpt4o = _genai_price_usd("gpt-4o", time.time_ns(), input_tokens=1000, output_tokens=200)
    assert totals["cost_usd"] == pytest.approx(gpt4o, rel=1e-9)
    expect(page.get_by_test_id("total-cost").locator("strong")).to_have_text(_usd(gpt4o))
    expect(page.get_by_test_id("llm-calls")).to_contain_text("2")
    expect(page.get_by_test_id("llm-calls")).to_contain_text("1 unpriced")
    total_carbon = page.get_by_test_id("total-carbon")
    expect(total_carbon.locator("strong")).to_have_text(f"{_grams(totals['carbon_g'])} CO₂e")
    expect(total_carbon).to_contain_text(
        f"{_kwh(totals['energy_kwh'])}; embodied {_grams(totals['embodied_carbon_g'])}"
    )
    models = page.locator("table.by-model tbody tr")
    expect(models).to_have_count(2)
    expect(models.filter(has_text="gpt-4o")).to_contain_text("1,000 / 200")
    expect(models.filter(has_text="gpt-4o").locator("td.model-cost")).to_have_text(_usd(gpt4o))
    # unpriced: its cost is unknown, not $0
    expect(models.filter(has_text="our-finetune-7b").locator("td.model-cost")).to_have_text("—")
    expect(page.locator("table.by-chain tbody tr").first).to_contain_text("weekly-report")
    expect(page.get_by_test_id("cost-chart").locator("canvas")).to_have_count(1)
    # a cheaper model is evaluated from experiments now (experiments/cheaper_model.py);
    # a lower-carbon hour is still not (no hourly grid intensities)
    expect(page.locator(".not-evaluated")).to_contain_text("lower carbon hour")
    expect(page.locator(".not-evaluated")).not_to_contain_text("cheaper model")

    csv = requests.get(
        studio.api + page.get_by_role("link", name="Export CSV").get_attribute("href"), timeout=30
    )
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert "gpt-4o" in csv.text


def test_a_trace_with_parent_loops_shows_every_span(studio, page) -> None:
    """Senders choose the ids: spans that are each other's parents, and one that is its
    own, are still all shown (as marked roots), and the page does not hang."""
    tid = new_trace_id()
    root, a, b, c = (new_span_id() for _ in range(4))
    spans = [
        make_span(tid, span_id=root, name="root"),
        make_span(tid, span_id=a, parent=b, name="loop a"),
        make_span(tid, span_id=b, parent=a, name="loop b"),
        make_span(tid, span_id=c, parent=c, name="own parent"),
    ]
    resp = post_protobuf(studio.otlp_http, make_request(spans), {"X-GLS-Project": PROJECT})
    assert resp.status_code == 200, resp.text
    page.goto(f"{studio.api}/#/{PROJECT}/trace/{tid.hex()}")
    names = page.locator("table.spans td.name")
    expect(names).to_have_count(4)
    assert names.nth(0).inner_text() == "root"
    looped = page.locator("table.spans tr", has_text="parent loop")
    expect(looped).to_have_count(2)  # one per loop: the rest of a loop hangs below it
    page.get_by_role("tab", name="Graph").click()
    expect(page.get_by_test_id("span-graph")).to_have_attribute("data-nodes", "4")


def test_a_trace_of_thousands_of_spans_is_drawn_as_it_scrolls(studio, page) -> None:
    """Past 400 spans only the rows in view are drawn; scrolling brings the others,
    down to the last, which opens like any other."""
    tid, root = new_trace_id(), new_span_id()
    start = time.time_ns() - 10**9
    spans = [make_span(tid, span_id=root, name="batch", start_ns=start, duration_ns=10**8)]
    spans += [
        make_span(tid, parent=root, name=f"item {i}", start_ns=start + i * 1000)
        for i in range(1, 1500)
    ]
    for k in range(0, len(spans), 500):
        request = make_request(spans[k : k + 500])
        assert (
            post_protobuf(studio.otlp_http, request, {"X-GLS-Project": PROJECT}).status_code == 200
        )
    page.goto(f"{studio.api}/#/{PROJECT}/trace/{tid.hex()}")
    table = page.locator("table.spans")
    expect(table).to_have_attribute("data-rows", "1500")
    drawn = page.locator("table.spans tr[data-span-id]")
    expect(drawn.first).to_contain_text("batch")
    assert drawn.count() < 200
    scroller = page.get_by_test_id("span-scroll")
    scroller.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    last = page.locator("table.spans tr[data-span-id]", has_text="item 1499")
    expect(last).to_be_visible()
    last.click()
    expect(page.get_by_test_id("span-detail")).to_contain_text("item 1499")
    # halfway down shows the rows of halfway, one unbroken run of them (not a gap)
    scroller.evaluate("el => { el.scrollTop = el.scrollHeight / 2; }")

    def drawn_items() -> list[int]:
        names = page.locator("table.spans tr[data-span-id] td.name").all_inner_texts()
        return [int(n.split()[-1]) for n in names if n.strip().startswith("item ")]

    def halfway_drawn() -> bool:
        items = drawn_items()
        return (
            bool(items)
            and 650 <= items[len(items) // 2] <= 850
            and items == list(range(items[0], items[-1] + 1))
        )

    deadline = time.monotonic() + 10
    while not halfway_drawn() and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert halfway_drawn(), drawn_items()
    # the graph of so many spans (seconds of layout) is drawn only when asked
    page.get_by_role("tab", name="Graph").click()
    expect(page.get_by_test_id("graph-too-large")).to_contain_text("1,500 spans")
    expect(page.get_by_test_id("span-graph")).to_have_count(0)
    page.get_by_role("button", name="Draw the graph anyway").click()
    expect(page.get_by_test_id("span-graph")).to_have_attribute(
        "data-nodes", "1500", timeout=60_000
    )


def test_filters_narrow_the_list(studio, page) -> None:
    ok_id = _send_agent_trace(studio, "filter me")
    page.goto(f"{studio.api}/#/{PROJECT}")
    expect(page.locator(f"tr[data-trace-id='{ok_id}']")).to_be_visible()
    page.get_by_label("name contains").fill("no trace has this name")
    expect(page.locator("table.traces tbody tr")).to_have_count(0)
    expect(page.locator(".empty")).to_contain_text("No traces in this range")
    page.get_by_label("name contains").fill("filter me")
    expect(page.locator(f"tr[data-trace-id='{ok_id}']")).to_be_visible()


def test_a_bad_or_unknown_trace_link_says_what_is_wrong(studio, page) -> None:
    page.goto(f"{studio.api}/#/{PROJECT}/trace/{'ab' * 16}")
    expect(page.locator(".error")).to_contain_text(f"trace {'ab' * 16} not found")
    page.goto(f"{studio.api}/#/{PROJECT}/trace/not-a-trace-id")
    page.reload()
    expect(page.locator(".error")).to_contain_text("trace_id")


def test_api_clients_still_get_json_and_assets_stay_in_their_folder(studio) -> None:
    index = requests.get(studio.api + "/", timeout=10)
    assert index.headers["Content-Type"].startswith("application/json")
    page = requests.get(studio.api + "/", headers={"Accept": "text/html"}, timeout=10)
    assert page.headers["Content-Type"].startswith("text/html") and '<div id="root">' in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    asset = page.text.split('src="')[1].split('"')[0]
    served = requests.get(studio.api + asset, timeout=10)
    assert served.status_code == 200 and "immutable" in served.headers["Cache-Control"]
    for probe in ("/assets/..%2Fwebui.py", "/assets/..%2F..%2Fapp.py", "/assets/nothing.js"):
        resp = requests.get(studio.api + probe, timeout=10)
        assert resp.status_code == 404, probe
        assert resp.json()["error"]["code"] == "not_found"


def _utc_minute(unix_nano: int) -> str:
    """A datetime-local input's value for a time, in UTC (the range picker's zone)."""
    return dt.datetime.fromtimestamp(unix_nano / 1e9, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M")


def test_the_shell_keeps_project_range_environment_and_theme_in_the_url(studio, page) -> None:
    """The header's choices are the URL's: they narrow every page, survive a reload
    and travel with the navigation; the theme is kept in localStorage."""
    project = "web-ui-shell"
    now = time.time_ns()
    sent = {}
    for name, environment, start in (
        ("staging run", "staging", now - 10**9),
        ("production run", "production", now - 10**9),
        ("old staging run", "staging", now - 2 * 3600 * 10**9),
    ):
        tid = new_trace_id()
        sent[name] = tid.hex()
        request = make_request(
            [make_span(tid, name=name, start_ns=start)],
            resource={"service.name": "shop", "deployment.environment": environment},
        )
        resp = post_protobuf(studio.otlp_http, request, {"X-GLS-Project": project})
        assert resp.status_code == 200, resp.text
    other = "web-ui-shell-other"
    resp = post_protobuf(
        studio.otlp_http,
        make_request([make_span(new_trace_id(), name="elsewhere")]),
        {"X-GLS-Project": other},
    )
    assert resp.status_code == 200, resp.text

    def row(name: str):
        return page.locator(f"tr[data-trace-id='{sent[name]}']")

    page.goto(f"{studio.api}/#/{project}")
    for name in sent:
        expect(row(name)).to_be_visible()

    # the environments are those seen in the data, with their trace counts
    _choose(page, "environment", "staging (2)")
    assert "env=staging" in page.url
    expect(row("production run")).to_have_count(0)
    expect(row("staging run")).to_be_visible()
    expect(row("old staging run")).to_be_visible()

    page.get_by_role("button", name="time range").click()
    page.get_by_role("button", name="Last hour").click()
    assert "range=1h" in page.url
    expect(row("old staging run")).to_have_count(0)
    expect(row("staging run")).to_be_visible()

    # a custom range (UTC minutes) around the old run only
    page.get_by_role("button", name="time range").click()
    minute = 60 * 10**9
    old = now - 2 * 3600 * 10**9
    page.get_by_label("from").fill(_utc_minute(old - 5 * minute))
    page.get_by_label("to", exact=True).fill(_utc_minute(old + 5 * minute))
    page.get_by_role("button", name="Apply").click()
    assert "range=custom" in page.url
    expect(row("old staging run")).to_be_visible()
    expect(row("staging run")).to_have_count(0)

    # the reloaded page is the same view; the navigation keeps range and environment
    page.reload()
    expect(row("old staging run")).to_be_visible()
    expect(row("staging run")).to_have_count(0)
    expect(page.get_by_role("combobox", name="environment")).to_contain_text("staging")
    page.get_by_role("navigation", name="pages").get_by_role("link", name="Spans").click()
    assert "/spans?" in page.url and "range=custom" in page.url and "env=staging" in page.url
    found = page.locator("table.found-spans tbody tr")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("old staging run")

    # the project selector lists the projects and opens another
    _choose(page, "project", other)
    assert page.url.split("#")[1].startswith(f"/{other}/spans")
    expect(found.filter(has_text="elsewhere")).to_have_count(0)  # custom range kept: outside it

    # dark, chosen in the theme menu, stays after a reload
    page.get_by_role("button", name="theme").click()
    page.get_by_role("menuitemradio", name="Dark").click()
    expect(page.locator("html")).to_have_class("dark")
    page.reload()
    expect(page.locator("html")).to_have_class("dark")
    assert page.evaluate("localStorage.getItem('gls-theme')") == "dark"


def test_the_notification_centre_shows_the_servers_notifications_and_their_traces(
    studio, page
) -> None:
    """An error-rate spike (three failed traces, none before) is in the header's
    notification centre as the API words it, and opens the failed traces."""
    project = "web-ui-alerts"
    failed = [new_trace_id() for _ in range(3)]
    spans = [make_span(t, name="failing job", status_code=2) for t in failed]
    spans.append(make_span(new_trace_id(), name="fine job"))
    resp = post_protobuf(studio.otlp_http, make_request(spans), {"X-GLS-Project": project})
    assert resp.status_code == 200, resp.text
    api = requests.get(
        f"{studio.api}/api/v1/notifications", params={"project": project}, timeout=30
    ).json()
    spike = next(n for n in api["items"] if n["kind"] == "error_rate_spike")

    page.goto(f"{studio.api}/#/{project}")
    expect(page.get_by_test_id("notification-count")).to_have_text(str(len(api["items"])))
    page.get_by_role("button", name="notifications").click()
    item = page.get_by_test_id("notifications").locator("li[data-kind='error_rate_spike']")
    expect(item).to_contain_text(spike["message"])
    expect(item).to_contain_text(spike["severity"])
    item.get_by_role("link", name="Show the traces").click()
    assert "status=error" in page.url and "range=custom" in page.url
    rows = page.locator("table.traces tbody tr")
    expect(rows).to_have_count(3)
    for trace_id in failed:
        expect(page.locator(f"tr[data-trace-id='{trace_id.hex()}']")).to_be_visible()


def _graph_nodes(page) -> dict[str, dict]:
    """Each node's span type, classes and rendered position, from the Cytoscape
    instance the graph's container holds (cytoscape keeps it there as _cyreg)."""
    return page.get_by_test_id("span-graph").evaluate(
        """el => Object.fromEntries(el._cyreg.cy.nodes().map(n => [n.id(), {
            x: n.renderedPosition().x, y: n.renderedPosition().y,
            type: n.data('type'), failed: n.hasClass('failed'), colour: n.data('colour'),
        }]))"""
    )


def test_the_graph_is_a_top_down_dag_coloured_by_type_and_a_click_selects(studio, page) -> None:
    trace_id = _send_agent_trace(studio, "graph me")
    stored = get_trace(studio.api, PROJECT, trace_id)
    by_name = {s["name"]: s for s in stored["spans"]}
    page.goto(f"{studio.api}/#/{PROJECT}/trace/{trace_id}?view=graph")
    graph = page.get_by_test_id("span-graph")
    expect(graph).to_have_attribute("data-nodes", "3")
    expect(graph).to_have_attribute("data-edges", "2")

    nodes = _graph_nodes(page)
    root, llm, tool = (
        by_name[n]["span_id"] for n in ("graph me", "chat gpt-4o", "search_emissions")
    )
    # dagre, top to bottom: the children one rank below the root, side by side
    assert nodes[llm]["y"] > nodes[root]["y"] and nodes[tool]["y"] > nodes[root]["y"]
    assert nodes[llm]["y"] == pytest.approx(nodes[tool]["y"])
    assert nodes[llm]["x"] != pytest.approx(nodes[tool]["x"])
    # coloured by span type; only the failed tool call is marked
    assert {nodes[i]["type"] for i in (root, llm, tool)} == {"chain", "llm", "tool"}
    assert len({nodes[i]["colour"] for i in (root, llm, tool)}) == 3
    assert [i for i in (root, llm, tool) if nodes[i]["failed"]] == [tool]
    legend = page.get_by_role("list", name="graph legend")
    expect(legend.locator("li")).to_have_text(["llm", "tool", "chain", "failed"])

    # a click on the LLM node selects its span: the panel and the URL follow
    graph.click(position={"x": nodes[llm]["x"], "y": nodes[llm]["y"]})
    expect(page.get_by_test_id("span-input")).to_have_text(QUESTION)
    assert f"span={llm}" in page.url


def _send_ok_trace(studio, name: str) -> str:
    """A single span that succeeds."""
    provider = TracerProvider(resource=Resource.create({"service.name": "trip-agent"}))
    exporter = OTLPSpanExporter(endpoint=studio.otlp_http, headers={"X-GLS-Project": PROJECT})
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("web-ui-test").start_as_current_span(name) as root:
        trace_id = format(root.get_span_context().trace_id, "032x")
    provider.shutdown()
    return trace_id


def test_share_copies_the_view_and_exports_download_what_the_api_has(studio, browser) -> None:
    trace_id = _send_agent_trace(studio, "share me")
    ok_id = _send_ok_trace(studio, "fine run")
    stored = get_trace(studio.api, PROJECT, trace_id)
    llm = next(s for s in stored["spans"] if s["model"] == "gpt-4o")
    context = browser.new_context(
        permissions=["clipboard-read", "clipboard-write"], accept_downloads=True
    )
    try:
        page = context.new_page()
        page.goto(f"{studio.api}/#/{PROJECT}")
        page.locator(f"tr[data-trace-id='{trace_id}']").get_by_role("link").click()
        page.get_by_role("tab", name="Graph").click()
        page.goto(page.url.replace("view=graph", f"view=graph&span={llm['span_id']}"))
        expect(page.get_by_test_id("span-input")).to_have_text(QUESTION)

        # Share copies the address of what is on screen; opened elsewhere, it shows the same
        page.get_by_role("button", name="Share").click()
        expect(page.get_by_role("status").filter(has_text="Link copied")).to_be_visible()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == page.url
        other = context.new_page()
        other.goto(copied)
        expect(other.get_by_test_id("span-graph")).to_have_attribute("data-nodes", "3")
        expect(other.get_by_test_id("span-input")).to_have_text(QUESTION)
        other.close()

        # the trace as JSON: what the API answers for it
        with page.expect_download() as json_download:
            page.get_by_role("link", name="Export JSON").click()
        as_json = json.loads(Path(json_download.value.path()).read_text())
        assert as_json["trace_id"] == trace_id
        assert as_json["spans"] == stored["spans"]

        # as OTLP JSON: posted to /v1/traces (into another project), the same spans are stored
        with page.expect_download() as otlp_download:
            page.get_by_role("link", name="Export OTLP JSON").click()
        otlp = Path(otlp_download.value.path()).read_bytes()
        copy_project = "web-ui-copy"
        resp = requests.post(
            studio.otlp_http,
            data=otlp,
            headers={"Content-Type": "application/json", "X-GLS-Project": copy_project},
            timeout=60,
        )
        assert resp.status_code == 200, resp.text
        copy = wait_for_trace(studio.api, copy_project, trace_id, spans=3)

        def comparable(spans: list[dict]) -> list[dict]:
            # everything but where and when this Studio received them
            received = {"project", "ingested_at_unix_nano"}
            return sorted(
                ({k: v for k, v in s.items() if k not in received} for s in spans),
                key=lambda s: s["span_id"],
            )

        assert comparable(copy["spans"]) == comparable(stored["spans"])

        # the list as CSV: the rows the list shows, with its filters
        page.goto(f"{studio.api}/#/{PROJECT}?status=error")
        rows = page.locator("table.traces tbody tr")
        # the list stays mounted from the split view: the unfiltered rows show (busy) until the answer
        expect(page.get_by_role("grid", name="traces")).to_have_attribute("aria-busy", "false")
        expect(rows.first).to_be_visible()
        shown = rows.evaluate_all("rs => rs.map(r => r.dataset.traceId)")
        with page.expect_download() as csv_download:
            page.get_by_role("link", name="Export CSV").click()
        table = list(csv.DictReader(io.StringIO(Path(csv_download.value.path()).read_text())))
        assert [r["trace_id"] for r in table] == shown
        assert trace_id in shown and ok_id not in shown
        assert {r["status"] for r in table} == {"error"}
    finally:
        context.close()


def _send_llm_trace(studio, project: str, name: str, model: str | None, tokens: int) -> str:
    """A root span with, when `model` is given, one LLM call of `tokens` input tokens."""
    provider = TracerProvider(resource=Resource.create({"service.name": "facet-app"}))
    exporter = OTLPSpanExporter(endpoint=studio.otlp_http, headers={"X-GLS-Project": project})
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("web-ui-test")
    with tracer.start_as_current_span(name, attributes={"gls.span.type": "chain"}) as root:
        if model:
            attributes = {
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": model,
                "gen_ai.usage.input_tokens": tokens,
                "gen_ai.usage.output_tokens": 0,
            }
            with tracer.start_as_current_span(f"chat {model}", attributes=attributes):
                pass
        trace_id = format(root.get_span_context().trace_id, "032x")
    provider.shutdown()
    return trace_id


def test_the_filter_panel_counts_narrow_the_list_and_live_in_the_url(studio, page) -> None:
    project = "web-ui-facets"
    sent = {
        "big": _send_llm_trace(studio, project, "big", "gpt-4o", 5000),
        "small": _send_llm_trace(studio, project, "small", "gpt-4o", 100),
        "mini": _send_llm_trace(studio, project, "mini", "gpt-4o-mini", 200),
        "plain": _send_llm_trace(studio, project, "plain", None, 0),
    }
    page.goto(f"{studio.api}/#/{project}")
    rows = page.locator("table.traces tbody tr")
    expect(rows).to_have_count(4)
    panel = page.get_by_role("group", name="Model")

    def count_of(section, value: str):
        return section.locator("label", has_text=re.compile(rf"^{re.escape(value)}\s*\d")).locator(
            ".facet-count"
        )

    expect(count_of(panel, "gpt-4o")).to_have_text("2")
    expect(count_of(panel, "gpt-4o-mini")).to_have_text("1")

    # a tick narrows the list to as many rows as its count said
    panel.get_by_label("gpt-4o", exact=True).check()
    expect(rows).to_have_count(2)
    assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.traceId)")) == {
        sent["big"],
        sent["small"],
    }
    # multi-select: the other model keeps its count (the panel's counts ignore their
    # own facet) and ticking it adds its rows
    expect(count_of(panel, "gpt-4o-mini")).to_have_text("1")
    panel.get_by_label("gpt-4o-mini", exact=True).check()
    expect(rows).to_have_count(3)
    assert "model=gpt-4o&model=gpt-4o-mini" in page.url

    # a bound that is not a number is marked and not sent (the API would refuse it)
    page.get_by_label("Tokens min").fill("lots")
    page.get_by_label("Tokens min").press("Enter")
    expect(page.get_by_label("Tokens min")).to_have_attribute("aria-invalid", "true")
    assert "min_tokens" not in page.url
    expect(rows).to_have_count(3)
    # a bound narrows it further; reloaded, the URL gives the same list
    page.get_by_label("Tokens min").fill("150")
    page.get_by_label("Tokens min").press("Enter")
    expect(rows).to_have_count(2)
    assert "min_tokens=150" in page.url
    page.reload()
    expect(rows).to_have_count(2)
    assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.traceId)")) == {
        sent["big"],
        sent["mini"],
    }
    expect(
        page.get_by_role("group", name="Model").get_by_label("gpt-4o", exact=True)
    ).to_be_checked()
