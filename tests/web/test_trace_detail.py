"""The trace detail (one opened trace) in Debian's chromium (Playwright) against a real
Studio fed by the OpenTelemetry SDK's OTLP/HTTP exporter: the header with its copied
id and metadata chips, the footer's totals as the API serves them, the collapsible
span list, the zoomable waterfall, the graph's node inspector, chat messages of each
convention, exceptions with their stack traces, and hostile values shown as text.
"""

from __future__ import annotations

import json
import re

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode
from playwright.sync_api import expect
from test_trace_explorer import _grams, _kwh, _usd

from otlp_helpers import get_trace

PROJECT = "trace-detail"
HOSTILE_HTML = '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>'
RTL = "\u202eevil\u202c مرحبا بالعالم"
EMOJI = "🌍🔥👩‍💻"
LONG = "lorem ipsum " * 9000  # 108 KB


def _duration(ms: float) -> str:
    """web/src/format.ts duration()."""
    if ms < 1:
        return f"{ms * 1000:.0f} µs"
    if ms < 1000:
        return f"{ms:.{1 if ms < 10 else 0}f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.2f} s"
    return f"{ms / 60_000:.1f} min"


def _count(n: int) -> str:
    return f"{n:,}"


def _tracer(studio, project: str = PROJECT) -> tuple[TracerProvider, object]:
    provider = TracerProvider(
        resource=Resource.create(
            {
                "service.name": "trip-agent",
                "deployment.environment": "staging",
                "host.name": "worker-7",
            }
        )
    )
    exporter = OTLPSpanExporter(endpoint=studio.otlp_http, headers={"X-GLS-Project": project})
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, provider.get_tracer("trace-detail-test")


GENAI_INPUT = [
    {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]},
    {
        "role": "assistant",
        "parts": [
            {
                "type": "tool_call",
                "id": "call_1",
                "name": "get_weather",
                "arguments": {"city": "Paris"},
            }
        ],
    },
    {
        "role": "tool",
        "parts": [{"type": "tool_call_response", "id": "call_1", "response": "rainy"}],
    },
]
GENAI_OUTPUT = [
    {"role": "assistant", "parts": [{"type": "text", "content": "It is rainy in Paris."}]}
]


def _send_detail_trace(studio, name: str = "plan trip") -> str:
    """An agent run with an LLM call of each message convention, a tool call that
    raises, and a nested retrieval; user, session, tags and a resource."""
    provider, tracer = _tracer(studio)
    with tracer.start_as_current_span(
        name,
        attributes={
            "gls.span.type": "chain",
            "user.id": "ada",
            "session.id": "sess-42",
            "tag.tags": ["beta", "eu"],
        },
    ) as root:
        with tracer.start_as_current_span(
            "genai chat",
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 100,
                "gen_ai.usage.output_tokens": 20,
                "gen_ai.system_instructions": json.dumps(
                    [{"type": "text", "content": "You are a travel agent."}]
                ),
                "gen_ai.input.messages": json.dumps(GENAI_INPUT),
                "gen_ai.output.messages": json.dumps(GENAI_OUTPUT),
            },
        ):
            pass
        with tracer.start_as_current_span(
            "openllmetry chat",
            attributes={
                "llm.request.type": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.usage.prompt_tokens": 50,
                "gen_ai.usage.completion_tokens": 10,
                "gen_ai.prompt.0.role": "system",
                "gen_ai.prompt.0.content": "Be brief.",
                "gen_ai.prompt.1.role": "user",
                "gen_ai.prompt.1.content": "Hotels in Lyon?",
                "gen_ai.completion.0.role": "assistant",
                "gen_ai.completion.0.finish_reason": "tool_calls",
                "gen_ai.completion.0.tool_calls.0.id": "call_9",
                "gen_ai.completion.0.tool_calls.0.name": "find_hotels",
                "gen_ai.completion.0.tool_calls.0.arguments": '{"city": "Lyon"}',
                "llm.request.functions.0.name": "find_hotels",
                "llm.request.functions.0.description": "Hotels in a city",
            },
        ):
            pass
        with tracer.start_as_current_span(
            "openinference chat",
            attributes={
                "openinference.span.kind": "LLM",
                "llm.model_name": "gpt-4o",
                "llm.input_messages.0.message.role": "user",
                "llm.input_messages.0.message.content": "Trains to Nice?",
                "llm.output_messages.0.message.role": "assistant",
                "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_5",
                "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "find_trains",
                "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"to": "Nice"}',
            },
        ):
            pass
        with tracer.start_as_current_span(
            "book hotel", attributes={"openinference.span.kind": "TOOL"}
        ) as tool:
            try:
                raise TimeoutError("booking API timed out")
            except TimeoutError as e:
                tool.record_exception(e)
                tool.set_status(Status(StatusCode.ERROR, "booking failed"))
            with tracer.start_as_current_span(
                "retrieve rooms", attributes={"openinference.span.kind": "RETRIEVER"}
            ):
                with tracer.start_as_current_span("rank rooms"):
                    pass
        trace_id = format(root.get_span_context().trace_id, "032x")
    provider.shutdown()
    return trace_id


@pytest.fixture(scope="module")
def detail_trace(studio) -> dict:
    return get_trace(studio.api, PROJECT, _send_detail_trace(studio))


def _open(page, studio, trace: dict, query: str = "") -> None:
    page.goto(f"{studio.api}/#/{PROJECT}/trace/{trace['trace_id']}{query}")
    expect(page.get_by_test_id("trace-header")).to_be_visible()


def _span_id(trace: dict, name: str) -> str:
    return next(s["span_id"] for s in trace["spans"] if s["name"] == name)


def test_the_header_shows_the_short_id_copied_whole_and_the_metadata_chips(
    studio, browser, detail_trace
) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        _open(page, studio, detail_trace)
        header = page.get_by_test_id("trace-header")
        expect(header.get_by_role("heading")).to_have_text("plan trip")
        trace_id = detail_trace["trace_id"]
        copy = page.get_by_role("button", name="Copy trace id")
        expect(copy).to_have_text(trace_id[:8])
        copy.hover()
        expect(page.get_by_role("tooltip")).to_contain_text(trace_id)
        copy.click()
        expect(header.get_by_role("status").filter(has_text="Copied")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == trace_id
        expect(page.get_by_test_id("trace-status")).to_have_text("1 error")
        expect(page.get_by_test_id("trace-duration")).to_have_text(
            _duration(detail_trace["duration_ms"])
        )
        expect(page.get_by_test_id("trace-tokens")).to_have_text(
            f"{_count(detail_trace['totals']['tokens']['total'])} tokens"
        )

        chips = page.get_by_role("list", name="trace metadata")
        for label, value in [
            ("user", "ada"),
            ("session", "sess-42"),
            ("env", "staging"),
            ("service", "trip-agent"),
            ("tag", "beta"),
            ("tag", "eu"),
            ("host.name", "worker-7"),
        ]:
            expect(chips.locator(f"li[data-chip='{label}']", has_text=value)).to_have_count(1)
        # a tag chip opens the trace list filtered by it, which lists this trace
        chips.locator("li[data-chip=tag]", has_text="beta").get_by_role("link").click()
        assert "tag=beta" in page.url
        expect(page.locator(f"tr[data-trace-id='{trace_id}']")).to_be_visible()
    finally:
        context.close()


def test_the_footer_shows_the_servers_totals(studio, page, detail_trace) -> None:
    _open(page, studio, detail_trace)
    totals = detail_trace["totals"]
    footer = page.get_by_test_id("trace-totals")

    def value(metric: str):
        return footer.locator(f"[data-metric={metric}] .value")

    expect(value("duration")).to_have_text(_duration(totals["duration_ms"]))
    expect(value("llm-calls")).to_have_text(_count(totals["llm_calls"]))
    assert totals["llm_calls"] == 3
    expect(value("tokens")).to_have_text(_count(totals["tokens"]["total"]))
    # one call (OpenInference, no token counts) cannot be priced: the cost is unknown, with why
    assert totals["cost"]["known"] is False
    expect(value("cost")).to_have_text("—")
    expect(footer.locator("[data-metric=cost] .note")).to_have_text(
        f"{totals['cost']['unpriced_llm_calls']} LLM call not priced"
        f" (at least {_usd(totals['cost']['total_usd'])})"
    )
    carbon = totals["carbon_g"]
    expect(value("carbon")).to_have_text(f"{_grams(carbon['value'])} CO₂e")
    expect(footer.locator("[data-metric=carbon] .note")).to_have_text(
        f"{_grams(carbon['min'])} – {_grams(carbon['max'])}"
    )
    expect(value("energy")).to_have_text(_kwh(totals["energy_kwh"]["value"]))
    embodied = totals["embodied_carbon_g"]
    expect(value("embodied")).to_have_text(f"{_grams(embodied['value'])} CO₂e" if embodied else "—")
    quality = totals["data_quality"]
    expect(value("quality")).to_have_text(f"{round(quality['score'] * 100)}%")
    expect(footer.locator("[data-metric=quality] .note")).to_have_text(
        f"{quality['passed_checks']} of {quality['applicable_checks']} checks"
    )


def test_a_subtree_collapses_and_expands(studio, page, detail_trace) -> None:
    _open(page, studio, detail_trace)
    rows = page.locator("table.spans tr[data-span-id]")
    expect(rows).to_have_count(7)
    book = page.locator(f"tr[data-span-id='{_span_id(detail_trace, 'book hotel')}']")
    book.get_by_role("button", name="Collapse").click()
    # its two descendants are gone, the rest stays; the row says how many are folded
    expect(rows).to_have_count(5)
    expect(page.locator("table.spans td.name", has_text="retrieve rooms")).to_have_count(0)
    expect(book).to_contain_text("+2")
    book.get_by_role("button", name="Expand").click()
    expect(rows).to_have_count(7)
    page.get_by_role("button", name="Collapse all").click()
    expect(rows).to_have_count(1)
    page.get_by_role("button", name="Expand all").click()
    expect(rows).to_have_count(7)
    # from the keyboard: the arrows fold and unfold the focused row, Enter selects it
    book.focus()
    page.keyboard.press("ArrowLeft")
    expect(rows).to_have_count(5)
    page.keyboard.press("ArrowRight")
    expect(rows).to_have_count(7)
    page.keyboard.press("Enter")
    expect(book).to_have_class(re.compile("selected"))


def _ticks(page) -> list[str]:
    return page.get_by_test_id("waterfall-axis").locator(".tick").all_inner_texts()


def test_the_waterfall_zooms_by_drag_and_wheel_and_its_axis_follows(
    studio, page, detail_trace
) -> None:
    _open(page, studio, detail_trace, "?view=timeline")
    page.get_by_role("tab", name="Timeline").click()
    waterfall = page.get_by_test_id("waterfall")
    expect(waterfall.locator("[data-span-id]")).to_have_count(7)
    total = float(waterfall.get_attribute("data-to"))
    assert total == pytest.approx(detail_trace["duration_ms"], rel=1e-6)
    before = _ticks(page)

    # a drag across the bars from 20% to 40% of the axis zooms into that window
    axis = page.get_by_test_id("waterfall-axis").bounding_box()
    rows = page.get_by_test_id("waterfall-scroll").bounding_box()
    y = rows["y"] + 10
    page.mouse.move(axis["x"] + axis["width"] * 0.2, y)
    page.mouse.down()
    page.mouse.move(axis["x"] + axis["width"] * 0.3, y, steps=3)
    page.mouse.move(axis["x"] + axis["width"] * 0.4, y, steps=3)
    page.mouse.up()
    page.wait_for_function(
        f"() => document.querySelector('[data-testid=waterfall]').dataset.to < {total * 0.99}"
    )
    start, end = (
        float(waterfall.get_attribute("data-from")),
        float(waterfall.get_attribute("data-to")),
    )
    assert start == pytest.approx(total * 0.2, rel=0.02)
    assert end == pytest.approx(total * 0.4, rel=0.02)
    assert _ticks(page) != before
    expect(page.get_by_test_id("waterfall-window")).to_contain_text(f"of {_duration(total)}")

    # the wheel over the axis zooms in further around the pointer
    page.mouse.move(axis["x"] + axis["width"] * 0.5, axis["y"] + axis["height"] / 2)
    page.mouse.wheel(0, -300)
    page.wait_for_function(
        f"() => {{ const w = document.querySelector('[data-testid=waterfall]');"
        f" return w.dataset.to - w.dataset.from < {(end - start) * 0.99}; }}"
    )

    page.get_by_role("button", name="Reset zoom").click()
    expect(page.get_by_test_id("waterfall-window")).to_have_text(f"all {_duration(total)}")
    assert _ticks(page) == before


def test_a_click_on_a_graph_node_opens_its_span_in_the_inspector(
    studio, page, detail_trace
) -> None:
    _open(page, studio, detail_trace, "?view=graph")
    graph = page.get_by_test_id("span-graph")
    expect(graph).to_have_attribute("data-nodes", "7")
    target = _span_id(detail_trace, "book hotel")
    at = graph.evaluate(f"el => el._cyreg.cy.getElementById('{target}').renderedPosition()")
    graph.click(position={"x": at["x"], "y": at["y"]})
    inspector = page.get_by_test_id("span-detail")
    expect(inspector.get_by_role("heading", level=2)).to_have_text("book hotel")
    assert f"span={target}" in page.url
    # the node is drawn selected
    page.wait_for_function(
        f"() => document.querySelector('[data-testid=span-graph]')._cyreg.cy"
        f".getElementById('{target}').selected()"
    )


def _messages(page) -> list[tuple[str, str]]:
    items = page.get_by_test_id("span-messages").locator("li.message")
    return [(item.get_attribute("data-role"), item.inner_text()) for item in items.all()]


@pytest.mark.parametrize(
    ("span_name", "convention", "roles", "texts"),
    [
        (
            "genai chat",
            "gen_ai",
            ["system", "user", "assistant", "tool", "assistant"],
            ["You are a travel agent.", "Weather in Paris?", "get_weather", "rainy", "It is rainy"],
        ),
        (
            "openllmetry chat",
            "gen_ai.prompt",
            ["system", "user", "assistant"],
            ["Be brief.", "Hotels in Lyon?", "find_hotels"],
        ),
        (
            "openinference chat",
            "openinference",
            ["user", "assistant"],
            ["Trains to Nice?", "find_trains"],
        ),
    ],
)
def test_chat_messages_show_with_their_roles_in_each_convention(
    studio, page, detail_trace, span_name, convention, roles, texts
) -> None:
    _open(page, studio, detail_trace, f"?span={_span_id(detail_trace, span_name)}")
    messages = page.get_by_test_id("span-messages")
    expect(messages).to_have_attribute("data-convention", convention)
    expect(messages.locator("li.message")).to_have_count(len(roles))
    shown = _messages(page)
    assert [role for role, _ in shown] == roles
    for (_, text), expected in zip(shown, texts, strict=True):
        assert expected in text
    # tool calls show their arguments as a JSON tree
    expect(messages.locator(".tool-call .json-tree").first).to_be_visible()


def test_an_exception_shows_with_its_stack_trace(studio, page, detail_trace) -> None:
    _open(page, studio, detail_trace, f"?span={_span_id(detail_trace, 'book hotel')}")
    exceptions = page.get_by_test_id("span-exceptions")
    expect(exceptions.locator(".exception-type")).to_have_text("TimeoutError")
    expect(exceptions.locator(".exception-message")).to_have_text(": booking API timed out")
    stack = page.get_by_test_id("stacktrace")
    expect(stack).to_contain_text("Traceback (most recent call last)")
    expect(stack).to_contain_text("raise TimeoutError")


def test_hostile_names_and_values_are_shown_as_text(studio, page) -> None:
    provider, tracer = _tracer(studio)
    with tracer.start_as_current_span(
        HOSTILE_HTML,
        attributes={
            "tag.tags": [HOSTILE_HTML, EMOJI],
            "user.id": RTL,
            "note": HOSTILE_HTML,
            "json": json.dumps({"<b>key</b>": HOSTILE_HTML, "emoji": EMOJI}),
            "long": LONG,
            "gen_ai.prompt.0.role": "user",
            "gen_ai.prompt.0.content": HOSTILE_HTML,
        },
    ) as root:
        trace_id = format(root.get_span_context().trace_id, "032x")
    provider.shutdown()
    trace = get_trace(studio.api, PROJECT, trace_id)
    _open(page, studio, trace)

    expect(page.get_by_test_id("trace-header").get_by_role("heading")).to_have_text(HOSTILE_HTML)
    chips = page.get_by_role("list", name="trace metadata")
    expect(chips.locator("li[data-chip=tag]").first).to_contain_text(HOSTILE_HTML)
    expect(chips.locator("li[data-chip=tag]").nth(1)).to_contain_text(EMOJI)
    expect(chips.locator("li[data-chip=user]")).to_contain_text(RTL)
    detail = page.get_by_test_id("span-detail")
    expect(detail.locator("table.attributes tr", has_text="note").locator("td")).to_have_text(
        HOSTILE_HTML
    )
    # a JSON attribute is a tree whose keys and values stay text
    tree = detail.locator("table.attributes tr", has_text="emoji").locator(".json-tree")
    expect(tree).to_contain_text("<b>key</b>")
    expect(tree).to_contain_text(EMOJI)
    # the user message holds the markup as text
    expect(page.get_by_test_id("span-messages").locator("li.message .content")).to_have_text(
        HOSTILE_HTML
    )
    # 108 KB are cut, with a button for the rest
    long_row = detail.locator("table.attributes tr", has_text="lorem")
    assert len(long_row.locator("td").inner_text()) < 2000
    long_row.get_by_role("button", name=re.compile("Show all")).click()
    assert len(long_row.locator("td").inner_text()) >= len(LONG.strip())
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img").count() == 0
    assert page.locator("main script, section script").count() == 0


def test_narrow_the_inspector_goes_below_and_a_graph_click_brings_it_into_view(
    studio, page, detail_trace
) -> None:
    """Half a screen wide (the list's side pane, or a small window) the detail stacks:
    its layout follows its own width, not the window's."""
    page.set_viewport_size({"width": 760, "height": 700})
    _open(page, studio, detail_trace, "?view=graph")
    graph = page.get_by_test_id("span-graph")
    expect(graph).to_have_attribute("data-nodes", "7")
    inspector = page.get_by_test_id("span-detail")
    assert (
        inspector.bounding_box()["y"] > graph.bounding_box()["y"] + graph.bounding_box()["height"]
    )
    target = _span_id(detail_trace, "rank rooms")
    at = graph.evaluate(f"el => el._cyreg.cy.getElementById('{target}').renderedPosition()")
    graph.click(position={"x": at["x"], "y": at["y"]})
    expect(inspector.get_by_role("heading", level=2)).to_have_text("rank rooms")
    expect(inspector.get_by_role("heading", level=2)).to_be_in_viewport()
