"""The Analytics hub pages in Debian's chromium against a real Studio fed by the
OpenTelemetry SDK's OTLP/HTTP exporter: every figure on a page is the text the
analytics API's own answer gives (asked with the same start and end: the pages'
custom range), hostile group names are shown as text, and each page is saved as
a screenshot (in light and dark) to look at.
"""

from __future__ import annotations

import re
import tempfile
import time
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import requests
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, Status, StatusCode
from playwright.sync_api import Page, expect
from test_trace_explorer import _grams, _kwh, _usd

HOSTILE = '<img src=x onerror="window.__pwned = 1"> مرحبا 🚀'
SCREENS = Path(tempfile.gettempdir()) / "gls-analytics-screens"

# chain -> (trace latencies in ms, failed?)
TRACES = {
    "checkout": ([120, 180, 240], False),
    "search": ([900, 1500], True),
    HOSTILE: ([60], False),
}


def _send_trace(
    tracer,
    chain: str,
    t0: int,
    ms: int,
    input_tokens: int,
    cached: int,
    failed: bool,
    model: str = "gpt-4o",
):
    """A chain span around a priced LLM call; explicit start and end times make the
    latency known. The call ends here; the chain span and its end time are returned
    for _end_roots."""
    root = tracer.start_span(
        chain, start_time=t0, attributes={"gls.chain": chain, "gls.span.type": "chain"}
    )
    with trace.use_span(root, end_on_exit=False):
        llm = tracer.start_span(
            f"chat {model}",
            start_time=t0 + 10**6,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": model,
                "gen_ai.usage.input_tokens": input_tokens,
                "gen_ai.usage.output_tokens": 200,
                "gen_ai.usage.cache_read.input_tokens": cached,
            },
        )
        llm.end(end_time=t0 + (ms - 1) * 10**6)
    if failed:
        root.set_status(Status(StatusCode.ERROR, "search backend down"))
    return root, t0 + ms * 10**6


def _end_roots(provider: TracerProvider, roots: list[tuple[Span, int]]) -> None:
    """Every LLM call sent in one request, then every chain span in another: each
    trace in two inserts (as when each span was its own request), two in all."""
    assert provider.force_flush()
    for root, end_ns in roots:
        root.end(end_time=end_ns)
    provider.shutdown()


def _send_traces(studio, project: str) -> tuple[int, int]:
    """Traces of three chains (one named with HTML, RTL text and emoji) in the last
    hour, a search trace failing, and one trace in the hour before (the previous
    period, so changes show). Returns the last hour (epoch ms) to ask for."""
    provider = TracerProvider(resource=Resource.create({"service.name": "shop"}))
    exporter = OTLPSpanExporter(endpoint=studio.otlp_http, headers={"X-GLS-Project": project})
    provider.add_span_processor(BatchSpanProcessor(exporter))
    tracer = provider.get_tracer("analytics-test")
    now_ns = time.time_ns()
    start = now_ns - 10 * 60 * 10**9
    roots = []
    for chain, (latencies, fails) in TRACES.items():
        for i, ms in enumerate(latencies):
            t0 = start + i * 10**9
            roots.append(
                _send_trace(tracer, chain, t0, ms, 1000 + 100 * i, 400 * i, fails and i == 0)
            )
    roots.append(_send_trace(tracer, "checkout", now_ns - 90 * 60 * 10**9, 300, 3000, 0, False))
    _end_roots(provider, roots)
    now_ms = now_ns // 10**6
    return now_ms - 3_600_000, now_ms + 60_000


def _significant_fraction(value: float, digits: int) -> str:
    """toLocaleString("en-US", {maximumFractionDigits}): half away from zero."""
    text = f"{Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _duration(ms: float) -> str:
    if ms < 1:
        return f"{ms * 1000:.0f} µs"
    if ms < 1000:
        return f"{ms:.1f} ms" if ms < 10 else f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.2f} s"
    return f"{ms / 60_000:.1f} min"


def _api(studio, project: str, what: str, **params) -> dict:
    resp = requests.get(
        f"{studio.api}/api/v1/projects/{project}/analytics/{what}", params=params, timeout=60
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def _screenshot(page: Page, name: str) -> None:
    SCREENS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header over the top, not midway
    page.wait_for_timeout(300)  # canvases drawn
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def _hover(page: Page, test_id: str, window: dict, iso: str) -> None:
    """The pointer over a uPlot chart at time `iso` (the chart's x axis spans the window)."""
    over = page.get_by_test_id(test_id).locator(".u-over")
    box = over.bounding_box()
    assert box is not None
    lo, hi = (_epoch_s(window[k]) for k in ("start", "end"))
    x = box["x"] + box["width"] * (_epoch_s(iso) - lo) / (hi - lo)
    page.mouse.move(x, box["y"] + box["height"] / 2)


def _epoch_s(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _legend(page: Page, test_id: str):
    """The chart's legend rows of its series (the time row left out)."""
    return page.get_by_test_id(test_id).locator(".u-legend tr.u-series:not(:first-child)")


def _dark(page: Page) -> None:
    page.evaluate("localStorage.setItem('gls-theme', 'dark')")


def test_performance_page_shows_what_the_analytics_api_says(studio, page) -> None:
    project = "web-analytics-perf"
    start, end = _send_traces(studio, project)
    window = {"start": str(start), "end": str(end)}
    latency = _api(studio, project, "metrics", metric="latency", **window)["summary"]
    errors = _api(studio, project, "metrics", metric="error_rate", **window)["summary"]
    throughput = _api(studio, project, "metrics", metric="throughput", **window)["summary"]
    cost = _api(studio, project, "metrics", metric="cost", **window)["summary"]
    by_chain = _api(
        studio, project, "metrics", metric="latency", group_by="chain", limit="20", **window
    )
    leaders = _api(studio, project, "leaders", metric="latency", group_by="chain", **window)
    histogram = _api(studio, project, "histogram", metric="latency", bins="30", **window)
    assert latency["count"] == 6 and errors["errors"] == 1 and cost["count"] == 6

    page.goto(
        f"{studio.api}/#/{project}/performance?range=custom&from={start}&to={end}&group_by=chain"
    )
    expect(page.get_by_test_id("avg-latency").locator("strong")).to_have_text(
        _duration(latency["avg"])
    )
    change = latency["change"]["avg"]
    expect(page.get_by_test_id("avg-latency").locator(".change")).to_have_text(
        f"{'▲' if change > 0 else '▼'} {abs(change * 100):.0f}%"
    )
    expect(page.get_by_test_id("success-rate").locator("strong")).to_have_text(
        f"{(1 - errors['rate']) * 100:.1f}%"
    )
    expect(page.get_by_test_id("success-rate")).to_contain_text("1 of 6 traces failed")
    expect(page.get_by_test_id("throughput").locator("strong")).to_have_text(
        f"{_significant_fraction(throughput['per_minute'], 2)}/min"
    )
    expect(page.get_by_test_id("total-cost").locator("strong")).to_have_text(_usd(cost["sum"]))
    expect(page.get_by_test_id("metric-summary")).to_have_text(
        _duration(by_chain["summary"]["p90"])
    )
    expect(page.get_by_test_id("metric-chart").locator("canvas")).to_have_count(1)

    rows = page.locator("table.groups tbody tr")
    expect(rows).to_have_count(len(by_chain["groups"]))
    for i, group in enumerate(by_chain["groups"]):
        expect(rows.nth(i).locator(".group-name")).to_have_text(group["group"])
        expect(rows.nth(i).locator(".group-value")).to_have_text(_duration(group["p90"]))
    # the hostile chain name is text: no image element made of it, nothing run
    assert page.evaluate("window.__pwned") is None
    expect(page.locator("table.groups img")).to_have_count(0)

    # the groups over time: one line per group the API gives a series, its values on hover
    drawn = _api(
        studio,
        project,
        "metrics",
        metric="latency",
        group_by="chain",
        limit="20",
        series_groups="10",
        **window,
    )
    series = drawn["group_series"]
    assert [g["group"] for g in series] == [g["group"] for g in drawn["groups"]]
    legend = _legend(page, "group-chart")
    expect(legend.locator(".u-label")).to_have_text([g["group"] for g in series])
    expect(page.locator("[data-testid=group-chart] img")).to_have_count(0)
    steps = sorted({p["t"] for g in series for p in g["series"]})
    for t in steps:
        _hover(page, "group-chart", drawn["window"], t)
        for i, group in enumerate(series):
            point = next((p for p in group["series"] if p["t"] == t), None)
            if point is not None:  # a group without this step: uPlot shows its nearest
                expect(legend.nth(i).locator(".u-value")).to_have_text(_duration(point["p90"]))

    for test_id, ranked in (
        ("top-performers", leaders["top"]),
        ("needs-attention", leaders["needs_attention"]),
    ):
        ranked_rows = page.get_by_test_id(test_id).locator("tbody tr")
        expect(ranked_rows).to_have_count(len(ranked))
        for i, group in enumerate(ranked):
            expect(ranked_rows.nth(i).locator(".group-name")).to_have_text(group["group"])
            expect(ranked_rows.nth(i).locator(".ranked-value")).to_have_text(
                _duration(group["value"])
            )

    expect(page.get_by_text(f"{histogram['count']} traces", exact=True)).to_be_visible()
    expect(page.get_by_test_id("latency-histogram").locator("canvas")).to_have_count(1)
    _screenshot(page, "performance-light")

    # another metric, chosen on the page, goes into the URL and reads the API's figure
    page.get_by_role("combobox", name="metric").click()
    page.get_by_role("option", name="Error rate", exact=True).click()
    expect(page).to_have_url(re.compile(r"metric=error_rate"))
    rate = _api(
        studio, project, "metrics", metric="error_rate", group_by="chain", limit="20", **window
    )
    expect(page.get_by_test_id("metric-summary")).to_have_text(
        f"{rate['summary']['rate'] * 100:.1f}%"
    )
    _dark(page)
    page.reload()
    expect(page.get_by_test_id("metric-summary")).to_have_text(
        f"{rate['summary']['rate'] * 100:.1f}%"
    )
    _screenshot(page, "performance-dark")


def _change(now: float, before: float) -> str:
    change = (now - before) / before
    return f"{'▲' if change > 0 else '▼'} {abs(change * 100):.0f}%"


def _average(value: float | None) -> str:
    return "—" if value is None else _significant_fraction(value, 1)


def test_tokens_page_shows_what_the_token_analyzer_says(studio, page) -> None:
    project = "web-analytics-tokens"
    start, end = _send_traces(studio, project)
    tokens = _api(studio, project, "tokens", start=str(start), end=str(end))
    totals = tokens["totals"]
    assert totals["llm_calls"] == 6 and totals["cached_tokens"] == 400 * (0 + 1 + 2 + 0 + 1 + 0)

    page.goto(f"{studio.api}/#/{project}/tokens?range=custom&from={start}&to={end}")
    expect(page.get_by_test_id("total-tokens").locator("strong")).to_have_text(
        f"{totals['total_tokens']:,}"
    )
    expect(page.get_by_test_id("average-tokens").locator("strong")).to_have_text(
        _average(tokens["average_per_call"]["total_tokens"])
    )
    before = _api(
        studio,
        project,
        "tokens",
        start=tokens["window"]["previous_start"],
        end=tokens["window"]["start"],
    )
    assert before["totals"]["llm_calls"] == 1
    now_avg = tokens["average_per_call"]["total_tokens"]
    before_avg = before["average_per_call"]["total_tokens"]
    expect(page.get_by_test_id("average-tokens").locator(".change")).to_have_text(
        _change(now_avg, before_avg)
    )
    expect(page.get_by_test_id("total-tokens").locator(".change")).to_have_text(
        _change(totals["total_tokens"], before["totals"]["total_tokens"])
    )
    efficiency = totals["cached_tokens"] / totals["input_tokens"]
    expect(page.get_by_test_id("efficiency").locator("strong")).to_have_text(
        f"{efficiency * 100:.1f}%"
    )
    expect(page.get_by_test_id("efficiency")).to_contain_text("Cached input tokens / input tokens")
    for kind, key in (
        ("input", "input_tokens"),
        ("output", "output_tokens"),
        ("system", "system_tokens"),
        ("cached", "cached_tokens"),
        ("reasoning", "reasoning_tokens"),
    ):
        expect(page.locator(f"table.distribution tr[data-kind={kind}] td.tokens")).to_have_text(
            f"{totals[key]:,}"
        )
    waste = tokens["waste"]
    for kind, saving in (
        ("uncached_system_prompt", waste["uncached_system_prompt"]["system_tokens"]),
        ("repeated_calls", waste["repeated_calls"]["input_tokens"]),
        ("output_ratio_outliers", waste["output_ratio_outliers"]["output_tokens"]),
        ("near_context_limit", waste["near_context_limit"]["input_tokens"]),
    ):
        row = page.locator(f"table.waste tr[data-kind={kind}]")
        expect(row.locator("td.calls")).to_have_text(f"{waste[kind]['calls']:,}")
        expect(row.locator("td.saving")).to_have_text(f"{saving:,}")
        expect(row).to_contain_text(waste[kind]["definition"])
    expect(page.locator("table.token-models td.model")).to_have_text(
        [m["model"] for m in tokens["by_model"]]
    )
    expect(page.get_by_test_id("token-distribution").locator("canvas")).to_have_count(1)
    _screenshot(page, "tokens-light")
    _dark(page)
    page.reload()
    expect(page.get_by_test_id("total-tokens").locator("strong")).to_have_text(
        f"{totals['total_tokens']:,}"
    )
    _screenshot(page, "tokens-dark")


def test_carbon_page_shows_what_the_cost_analysis_says(studio, page) -> None:
    project = "web-analytics-carbon"
    start, end = _send_traces(studio, project)
    costs = _api(studio, project, "costs", start=str(start), end=str(end), group_by="chain")
    totals = costs["totals"]
    assert totals["llm_calls"] == 6 and totals["carbon_g"] > 0 and totals["embodied_carbon_g"] > 0

    page.goto(f"{studio.api}/#/{project}/carbon?range=custom&from={start}&to={end}&group_by=chain")
    expect(page.get_by_test_id("usage-carbon").locator("strong")).to_have_text(
        f"{_grams(totals['carbon_g'])} CO₂e"
    )
    expect(page.get_by_test_id("energy").locator("strong")).to_have_text(_kwh(totals["energy_kwh"]))
    expect(page.get_by_test_id("embodied-carbon").locator("strong")).to_have_text(
        f"{_grams(totals['embodied_carbon_g'])} CO₂e"
    )
    carbon = costs["carbon"]
    assert carbon["totals"]["carbon_g_min"] < carbon["totals"]["carbon_g_max"]
    expect(page.get_by_test_id("carbon-range")).to_have_text(
        f"range {_grams(carbon['totals']['carbon_g_min'])} – {_grams(carbon['totals']['carbon_g_max'])}"
    )
    expect(page.get_by_test_id("embodied-range")).to_have_text(
        f"range {_grams(carbon['totals']['embodied_carbon_g_min'])} –"
        f" {_grams(carbon['totals']['embodied_carbon_g_max'])}"
    )
    expect(page.get_by_test_id("energy-range")).to_have_text(
        f"range {_kwh(carbon['totals']['energy_kwh_min'])} – {_kwh(carbon['totals']['energy_kwh_max'])}"
    )
    # the band: the usage line between its max and min series, each step's values on hover
    legend = _legend(page, "carbon-chart")
    expect(legend.locator(".u-label")).to_have_text(
        ["usage (gCO₂e)", "usage max", "usage min", "embodied (gCO₂e)"]
    )
    for point, ranged in zip(costs["series"], carbon["series"], strict=True):
        if ranged["spans"] == 0:
            continue
        _hover(page, "carbon-chart", costs["window"], point["t"])
        expect(legend.nth(0).locator(".u-value")).to_have_text(_grams(point["carbon_g"]))
        expect(legend.nth(1).locator(".u-value")).to_have_text(_grams(ranged["carbon_g_max"]))
        expect(legend.nth(2).locator(".u-value")).to_have_text(_grams(ranged["carbon_g_min"]))
    zones = page.locator("table.carbon-by-zone tbody tr")
    expect(zones).to_have_count(len(carbon["by_zone"]))
    assert carbon["by_zone"] and all(z["zone"] for z in carbon["by_zone"])
    for i, zone in enumerate(carbon["by_zone"]):
        expect(zones.nth(i).locator("td.name")).to_have_text(zone["zone"])
        expect(zones.nth(i).locator("td.energy")).to_have_text(_kwh(zone["energy_kwh"]))
        expect(zones.nth(i).locator("td.carbon")).to_have_text(_grams(zone["carbon_g"]))
        expect(zones.nth(i).locator("td.range")).to_have_text(
            f"{_grams(zone['carbon_g_min'])} – {_grams(zone['carbon_g_max'])}"
        )
    models = page.locator("table.carbon-by-model tbody tr")
    expect(models).to_have_count(len(costs["by_model"]))
    for i, model in enumerate(costs["by_model"]):
        expect(models.nth(i).locator("td.carbon")).to_have_text(_grams(model["carbon_g"]))
        expect(models.nth(i).locator("td.energy")).to_have_text(_kwh(model["energy_kwh"]))
    chains = page.locator("table.carbon-by-chain tbody tr")
    expect(chains).to_have_count(len(costs["by_chain"]))
    for i, chain in enumerate(costs["by_chain"]):
        expect(chains.nth(i).locator("td.name")).to_have_text(chain["chain"])
        expect(chains.nth(i).locator("td.carbon")).to_have_text(_grams(chain["carbon_g"]))
    assert page.evaluate("window.__pwned") is None
    expect(page.locator("table.carbon-by-chain img")).to_have_count(0)
    for chart in ("carbon-chart", "energy-chart", "carbon-groups-chart"):
        expect(page.get_by_test_id(chart).locator("canvas")).to_have_count(1)
    _screenshot(page, "carbon-light")
    _dark(page)
    page.reload()
    expect(page.get_by_test_id("energy").locator("strong")).to_have_text(_kwh(totals["energy_kwh"]))
    _screenshot(page, "carbon-dark")


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


def test_cost_page_shows_what_the_cost_analysis_says(studio, page) -> None:
    project = "web-analytics-cost"
    start, end = _send_traces(studio, project)
    # a second model whose cost moved otherwise than gpt-4o's (its own trend)
    provider = TracerProvider(resource=Resource.create({"service.name": "shop"}))
    provider.add_span_processor(
        BatchSpanProcessor(
            OTLPSpanExporter(endpoint=studio.otlp_http, headers={"X-GLS-Project": project})
        )
    )
    tracer = provider.get_tracer("analytics-test")
    now_ns = time.time_ns()
    roots = [
        _send_trace(tracer, "search", now_ns - 5 * 60 * 10**9, 400, 9000, 0, False, "gpt-4o-mini"),
        _send_trace(tracer, "search", now_ns - 80 * 60 * 10**9, 400, 1000, 0, False, "gpt-4o-mini"),
    ]
    _end_roots(provider, roots)
    window = {"start": str(start), "end": str(end)}
    costs = _api(studio, project, "costs", group_by="chain", **window)
    advice = _api(studio, project, "suggestions", **window)
    totals = costs["totals"]
    assert totals["llm_calls"] == 7 and totals["cost_usd"] > 0

    page.goto(f"{studio.api}/#/{project}/costs?range=custom&from={start}&to={end}&group_by=chain")
    for test_id, key, share in (
        ("total-cost", "cost_usd", None),
        ("llm-cost", "llm_cost_usd", "llm"),
        ("infrastructure-cost", "infrastructure_cost_usd", "infrastructure"),
        ("data-cost", "data_cost_usd", "data"),
    ):
        card = page.get_by_test_id(test_id)
        expect(card.locator("strong")).to_have_text(_usd(totals[key]))
        if share:
            expect(card.locator(".share")).to_have_text(
                f"{_percent(totals['split'][share])} of total"
            )
    expect(page.get_by_test_id("llm-calls")).to_have_text("7 calls, 0 unpriced")
    chains = page.locator("table.by-chain tbody tr")
    expect(chains).to_have_count(len(costs["by_chain"]))
    for i, chain in enumerate(costs["by_chain"]):
        expect(chains.nth(i).locator("td.chain")).to_have_text(chain["chain"])
        expect(chains.nth(i).locator("td.chain-average")).to_have_text(
            _usd(chain["avg_cost_per_execution_usd"])
        )
    assert page.evaluate("window.__pwned") is None
    expect(page.locator("table.by-chain img")).to_have_count(0)
    expect(page.get_by_test_id("cost-chart").locator("canvas")).to_have_count(1)

    saving_usd = sum(s["monthly_saving_usd"] for s in advice["suggestions"])
    saving_g = sum(s["monthly_saving_co2e_g"] for s in advice["suggestions"])
    expect(page.get_by_test_id("total-saving")).to_have_text(
        f"up to {_usd(saving_usd)} and {_grams(saving_g)} CO₂e a month"
    )

    # the detailed table: LLM calls open into the models
    llm_row = page.locator("table.cost-detail tr[data-resource=llm]")
    expect(llm_row.locator("td.cost")).to_have_text(_usd(totals["llm_cost_usd"]))
    expect(page.locator("table.cost-detail tr.detail-child")).to_have_count(0)
    llm_row.get_by_role("button").click()
    children = page.locator("table.cost-detail tr.detail-child")
    expect(children).to_have_count(len(costs["by_model"]))
    expect(children.first.locator("td.cost")).to_have_text(_usd(costs["by_model"][0]["cost_usd"]))
    # each model's trend against its own cost in the period before
    assert [m["model"] for m in costs["by_model"]] == ["gpt-4o", "gpt-4o-mini"]
    changes = {_change(m["cost_usd"], m["previous_cost_usd"]) for m in costs["by_model"]}
    assert (
        len(changes) == 2
        and _change(totals["llm_cost_usd"], costs["previous"]["llm_cost_usd"]) not in changes
    )
    for i, model in enumerate(costs["by_model"]):
        expect(children.nth(i).locator("td.trend")).to_have_text(
            _change(model["cost_usd"], model["previous_cost_usd"])
        )

    csv = requests.get(
        studio.api + page.get_by_role("link", name="Export CSV").get_attribute("href"), timeout=30
    )
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert sum(1 for line in csv.text.splitlines()[1:] if "gpt-4o" in line) >= 1
    _screenshot(page, "cost-light")
    _dark(page)
    page.reload()
    expect(page.get_by_test_id("total-cost").locator("strong")).to_have_text(
        _usd(totals["cost_usd"])
    )
    _screenshot(page, "cost-dark")


def test_every_analytics_page_keeps_to_the_shells_environment(studio, page) -> None:
    """With an environment in the URL (the shell's selector), each page shows the
    API's figures for that environment, which differ from every environment's."""
    project = "web-analytics-environment"
    now_ns = time.time_ns()
    for env, latencies in (("prod", [100, 300, 500]), ("staging", [2000, 4000])):
        provider = TracerProvider(
            resource=Resource.create({"service.name": "shop", "deployment.environment": env})
        )
        provider.add_span_processor(
            BatchSpanProcessor(
                OTLPSpanExporter(endpoint=studio.otlp_http, headers={"X-GLS-Project": project})
            )
        )
        tracer = provider.get_tracer("analytics-test")
        roots = []
        for i, ms in enumerate(latencies):
            t0 = now_ns - (10 + i) * 60 * 10**9
            roots.append(
                _send_trace(tracer, "checkout", t0, ms, 1000 * (i + 1), 0, env == "staging")
            )
        _end_roots(provider, roots)
    start, end = now_ns // 10**6 - 3_600_000, now_ns // 10**6 + 60_000
    window = {"start": str(start), "end": str(end)}
    prod = {"environment": "prod", **window}
    range_query = f"range=custom&from={start}&to={end}&env=prod"

    costs = _api(studio, project, "costs", **prod)
    every = _api(studio, project, "costs", **window)
    assert costs["totals"]["llm_calls"] == 3 and every["totals"]["llm_calls"] == 5
    asked: list[str] = []  # the suggestions the page asks for
    page.on("request", lambda r: "/analytics/suggestions" in r.url and asked.append(r.url))
    page.goto(f"{studio.api}/#/{project}/costs?{range_query}")
    expect(page.get_by_test_id("total-cost").locator("strong")).to_have_text(
        _usd(costs["totals"]["cost_usd"])
    )
    expect(page.get_by_test_id("llm-calls")).to_have_text("3 calls, 0 unpriced")
    assert "environment=prod" in page.get_by_role("link", name="Export CSV").get_attribute("href")
    advice = _api(studio, project, "suggestions", **prod)
    assert advice["environment"] == "prod"
    expect(page.get_by_test_id("total-saving")).to_have_text(
        f"up to {_usd(sum(s['monthly_saving_usd'] for s in advice['suggestions']))} and"
        f" {_grams(sum(s['monthly_saving_co2e_g'] for s in advice['suggestions']))} CO₂e a month"
    )
    assert asked and all("environment=prod" in url for url in asked), asked

    page.goto(f"{studio.api}/#/{project}/carbon?{range_query}")
    expect(page.get_by_test_id("usage-carbon").locator("strong")).to_have_text(
        f"{_grams(costs['totals']['carbon_g'])} CO₂e"
    )
    assert _grams(costs["totals"]["carbon_g"]) != _grams(every["totals"]["carbon_g"])

    tokens = _api(studio, project, "tokens", **prod)
    assert tokens["totals"]["llm_calls"] == 3
    page.goto(f"{studio.api}/#/{project}/tokens?{range_query}")
    expect(page.get_by_test_id("total-tokens").locator("strong")).to_have_text(
        f"{tokens['totals']['total_tokens']:,}"
    )

    latency = _api(studio, project, "metrics", metric="latency", **prod)["summary"]
    errors = _api(studio, project, "metrics", metric="error_rate", **prod)["summary"]
    assert latency["count"] == 3 and errors["errors"] == 0
    page.goto(f"{studio.api}/#/{project}/performance?{range_query}")
    expect(page.get_by_test_id("avg-latency").locator("strong")).to_have_text(
        _duration(latency["avg"])
    )
    expect(page.get_by_test_id("success-rate")).to_contain_text("0 of 3 traces failed")
    _screenshot(page, "performance-environment")

    # tokens by chain are per trace (the LLM calls name no chain): the trace's chain
    by_chain = _api(
        studio, project, "metrics", metric="tokens", scope="trace", group_by="chain", **prod
    )
    assert [(g["group"], g["count"]) for g in by_chain["groups"]] == [("checkout", 3)]
    page.goto(f"{studio.api}/#/{project}/performance?{range_query}&metric=tokens&group_by=chain")
    rows = page.locator("table.groups tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".group-name")).to_have_text("checkout")
    expect(rows.first.locator(".group-value")).to_have_text(
        f"{round(by_chain['groups'][0]['p90']):,}"
    )
    expect(page.locator(".scope-note")).to_contain_text("per trace")
