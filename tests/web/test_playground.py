"""The Playground in Debian's chromium (Playwright) against a real Studio and a real
local OpenAI-protocol server (tests/support/openai_compatible_server.py) that streams
its answers: a person adds a provider with its key, builds a two-step chain (an LLM
call, then GreenLang's GridFactorAgent) in the step builder with Monaco, runs it and
sees the answer stream in, the per-step cost and carbon, opens the trace; saves it as
a chain with the `production` label; runs the saved chain twice and compares the
runs; saves a run as a test in a dataset and finds the item there. A template syntax
error is shown at its step and field. The `page` fixture fails on any script error
or CSP violation, so Monaco and its workers load under the page's policy."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Page, expect

from support.openai_compatible_server import (
    TEST_API_KEY,
    OpenAICompatibleServer,
    last_user_contains,
)

PROJECT = "playground-ui"
ANSWER = "Yes, where the grid is clean: a heat pump moves three units of heat per unit of power."


@pytest.fixture(scope="module")
def llm() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer(api_key=TEST_API_KEY) as server:
        yield server


def _api(studio, path: str) -> str:
    return f"{studio.api}/api/v1/projects/{PROJECT}{path}"


def set_editor(page: Page, scope, label: str, text: str) -> None:
    """Replaces a Monaco editor's text, as a person selecting all and typing would
    (inserted whole, so Monaco's auto-closing of brackets does not add to it)."""
    editor = scope.get_by_role("textbox", name=label)
    editor.focus()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def choose(page: Page, scope, label: str, option: str) -> None:
    scope.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def add_provider(page: Page, studio, llm: OpenAICompatibleServer) -> None:
    page.goto(f"{studio.api}/#/{PROJECT}/chains")
    providers = page.get_by_test_id("providers")
    providers.get_by_role("button", name="Add provider").click()
    form = page.get_by_role("form", name="provider")
    form.get_by_label("provider name").fill("local")
    form.get_by_label("base URL").fill(llm.base_url)
    key = form.get_by_label("API key")
    expect(key).to_have_attribute("type", "password")
    key.fill(TEST_API_KEY)
    form.get_by_role("button", name="Add").click()
    row = providers.locator("tr.provider-row", has_text="local")
    # only the hint comes back, never the key
    expect(row.get_by_test_id("key-hint")).to_have_text("sk-test-...tY4b")
    assert TEST_API_KEY not in page.content()


def build_two_step_chain(page: Page) -> None:
    """In the playground's draft: the LLM step's template and model, a GreenLang step
    after it with its input mapping, the input schema and the chain's output."""
    page.get_by_role("navigation", name="pages").get_by_role("link", name="Playground").click()
    ask = page.get_by_test_id("step-0")
    expect(ask.locator(".monaco-editor").first).to_be_visible()  # Monaco loaded
    expect(ask.get_by_role("combobox", name="provider")).to_have_text("local")
    ask.get_by_label("model").fill("gpt-4o-mini")
    set_editor(page, ask, "message 2 template", "{{ question }} (in {{ country }})")

    page.get_by_role("group", name="add a step").get_by_role("button", name="+ GreenLang").click()
    grid = page.get_by_test_id("step-1")
    grid.get_by_label("step id").fill("grid")
    choose(page, grid, "agent", "GridFactorAgent")
    # the agent's input fields, from GET /greenlang/agents
    grid.get_by_label("mapping of country").fill("inputs.country")
    grid.get_by_label("mapping of fuel_type").fill("'electricity'")
    grid.get_by_label("mapping of unit").fill("'kWh'")

    set_editor(
        page,
        page.get_by_test_id("input-tab"),
        "input schema",
        '{"type": "object", "properties": {"question": {"type": "string"},'
        ' "country": {"type": "string", "description": "ISO code"}},'
        ' "required": ["question", "country"]}',
    )
    set_editor(
        page, page, "chain output", "{answer: steps.ask, factor: steps.grid.emission_factor}"
    )
    expect(page.get_by_test_id("validation")).to_have_attribute(
        "data-state", "valid", timeout=15_000
    )
    # the form follows the schema
    page.get_by_label("input question").fill("Is a heat pump worth it?")
    page.get_by_label("input country").fill("IN")


def test_a_person_builds_runs_saves_and_compares_a_chain(studio, page: Page, llm) -> None:
    llm.on(last_user_contains("heat pump"), content=ANSWER, chunk_chars=6, chunk_delay_s=0.12)
    requests.post(_api(studio, "/datasets"), json={"name": "regressions"}, timeout=30)
    add_provider(page, studio, llm)
    build_two_step_chain(page)

    page.get_by_role("button", name="Run", exact=True).click()
    assert "tab=output" in page.url
    run = page.get_by_test_id("run").first
    output = run.get_by_test_id("run-output")
    # tokens show as they stream: part of the answer while the run is still going
    page.wait_for_function(
        """() => {
          const run = document.querySelector('[data-testid=run]');
          const text = run?.querySelector('[data-testid=run-output]')?.textContent ?? '';
          return run?.dataset.status === 'running' && text.startsWith('Yes, ') && !text.includes('per unit');
        }""",
        timeout=20_000,
    )
    expect(run).to_have_attribute("data-status", "succeeded", timeout=30_000)
    expect(output).to_contain_text('"answer": "' + ANSWER)
    expect(output).to_contain_text('"factor"')
    assert llm.requests[-1].stream and llm.requests[-1].last_user_message.endswith("(in IN)")
    expect(run.get_by_test_id("run-figures")).to_contain_text("CO₂e")

    page.get_by_role("tab", name="Trace").click()
    metrics = page.get_by_role("table", name="step metrics")
    ask_row = metrics.locator("tr.metric-row[data-step=ask]")
    grid_row = metrics.locator("tr.metric-row[data-step=grid]")
    expect(ask_row.locator(".step-cost")).to_contain_text("$")
    expect(ask_row.locator(".step-carbon")).to_contain_text("g")
    expect(grid_row.locator(".step-carbon")).to_contain_text("g")
    expect(grid_row.locator(".step-cost")).to_have_text("$0")  # an agent calls no priced model
    assert "tab=trace" in page.url
    page.get_by_role("link", name="Open the trace").click()
    expect(page.get_by_text("agent GridFactorAgent").first).to_be_visible(timeout=15_000)
    expect(page.get_by_text("chat gpt-4o-mini").first).to_be_visible()
    assert "/trace/" in page.url and "start=" in page.url  # only the run's days are read
    page.go_back()

    # saved as a chain, labelled production
    page.get_by_role("button", name="Save", exact=True).click()
    form = page.get_by_role("form", name="save chain")
    form.get_by_label("chain name").fill("advisor")
    form.get_by_label("version message").fill("first: answer, then the grid")
    form.get_by_label("save label").fill("production")
    form.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"playground\?chain=advisor&version=1"))
    stored = requests.get(_api(studio, "/chains/advisor?label=production"), timeout=30).json()
    assert stored["version"] == 1
    assert [s["type"] for s in stored["definition"]["steps"]] == ["llm", "greenlang"]
    assert stored["definition"]["steps"][1]["input_mapping"]["country"] == "inputs.country"
    expect(page.get_by_role("combobox", name="version")).to_have_text("v1 · production")

    # the saved chain run twice, different answers: compared
    llm.reset()
    llm.on(last_user_contains("heat pump"), content="No.", times=1)
    llm.on(last_user_contains("heat pump"), content=ANSWER)
    page.get_by_role("tab", name="Input").click()
    page.get_by_label("input question").fill("Is a heat pump worth it?")
    page.get_by_label("input country").fill("IN")
    page.get_by_label("repeat").fill("2")
    page.get_by_role("button", name="Run", exact=True).click()
    runs = page.get_by_test_id("run")
    expect(runs).to_have_count(2)
    expect(runs.nth(0)).to_have_attribute("data-status", "succeeded", timeout=30_000)
    expect(runs.nth(1)).to_have_attribute("data-status", "succeeded", timeout=30_000)
    page.get_by_role("tab", name="Compare").click()
    compared = page.get_by_role("table", name="runs compared")
    expect(compared.locator("tr.compare-row")).to_have_count(2)
    expect(compared.get_by_text("baseline", exact=True)).to_have_count(1)
    expect(compared.locator("del.diff-delete, ins.diff-insert").first).to_be_visible()

    # a run saved as a test, found in the dataset
    page.get_by_role("tab", name="Output").click()
    runs.nth(0).click()
    page.get_by_role("button", name="Save test").click()
    dialog = page.get_by_role("dialog", name="Save the run as a test")
    expect(dialog.get_by_role("combobox", name="dataset")).to_have_text("regressions")
    dialog.get_by_role("button", name="Save test").click()
    expect(dialog.get_by_role("status")).to_contain_text("as version 1")
    dialog.get_by_role("link", name="regressions").click()
    data = page.get_by_test_id("dataset-data")
    expect(data.locator(".dataset-item")).to_have_count(1)
    expect(data.locator(".dataset-item")).to_contain_text("heat pump")

    # the chain and its label on the chains page
    page.goto(f"{studio.api}/#/{PROJECT}/chains")
    row = page.locator("tr.chain-row", has_text="advisor")
    expect(row).to_contain_text("v1")
    expect(row).to_contain_text("production → v1")
    assert TEST_API_KEY not in page.content()


def test_a_template_syntax_error_is_shown_at_its_step_and_field(studio, page: Page, llm) -> None:
    requests.put(
        _api(studio, "/llm-providers/local"),
        json={"base_url": llm.base_url, "api_key": TEST_API_KEY},
        timeout=30,
    )
    page.goto(f"{studio.api}/#/{PROJECT}/playground")
    ask = page.get_by_test_id("step-0")
    expect(ask.locator(".monaco-editor").first).to_be_visible()
    expect(page.get_by_test_id("validation")).to_have_attribute(
        "data-state", "valid", timeout=15_000
    )
    set_editor(page, ask, "message 2 template", "Tell me about {{ question")
    error = ask.get_by_test_id("message-1").locator(".field-error")
    expect(error).to_contain_text("steps[0] (ask).messages[1].content", timeout=15_000)
    expect(page.get_by_test_id("validation")).to_have_text("1 error")
    # put right, the error goes
    set_editor(page, ask, "message 2 template", "Tell me about {{ question }}")
    expect(page.get_by_test_id("validation")).to_have_attribute(
        "data-state", "valid", timeout=15_000
    )
    expect(ask.locator(".field-error")).to_have_count(0)


def test_a_greenlang_workflow_is_imported_into_the_builder(studio, page: Page) -> None:
    page.goto(f"{studio.api}/#/{PROJECT}/playground")
    expect(page.get_by_test_id("step-0").locator(".monaco-editor").first).to_be_visible()
    page.get_by_role("button", name="Import GreenLang workflow").click()
    dialog = page.get_by_role("dialog", name="Import a GreenLang workflow")
    dialog.get_by_role("button", name="Import").click()  # its example: one FuelAgent step
    expect(dialog).to_have_count(0)
    step = page.get_by_test_id("step-0")
    expect(step.get_by_label("step id")).to_have_value("burn")
    expect(step.get_by_role("combobox", name="agent")).to_have_text("FuelAgent")
    expect(step.get_by_label("mapping of fuel_type")).to_have_value("inputs.fuel")
    expect(page.get_by_test_id("validation")).to_have_attribute(
        "data-state", "valid", timeout=15_000
    )
    expect(page.get_by_label("input fuel")).to_be_visible()


def test_variants_run_side_by_side_with_their_own_model(studio, page: Page, llm) -> None:
    requests.put(
        _api(studio, "/llm-providers/local"),
        json={"base_url": llm.base_url, "api_key": TEST_API_KEY},
        timeout=30,
    )
    llm.reset()
    page.goto(f"{studio.api}/#/{PROJECT}/playground")
    expect(page.get_by_test_id("validation")).to_have_attribute(
        "data-state", "valid", timeout=15_000
    )
    page.get_by_label("input question").fill("Which grid is cleanest?")
    page.get_by_role("button", name="Add variant").click()
    page.get_by_label("variant 2 model").fill("gpt-4o")
    page.get_by_label("variant 2 parameters").fill('{"temperature": 0.9}')
    page.get_by_role("button", name="Run", exact=True).click()
    columns = page.locator("section.variant-column")
    expect(columns).to_have_count(2)
    expect(columns.nth(1)).to_contain_text("variant 2: gpt-4o")
    for n in range(2):
        expect(columns.nth(n).get_by_test_id("run")).to_have_attribute(
            "data-status", "succeeded", timeout=30_000
        )
        # the local server echoes the question: each column shows its own answer
        expect(columns.nth(n).get_by_test_id("run-output")).to_have_text("Which grid is cleanest?")
    sent = sorted((r.model, r.body.get("temperature")) for r in llm.requests)
    assert sent == [("gpt-4o", 0.9), ("gpt-4o-mini", 0.2)]


def test_a_running_run_is_stopped(studio, page: Page, llm) -> None:
    requests.put(
        _api(studio, "/llm-providers/local"),
        json={"base_url": llm.base_url, "api_key": TEST_API_KEY},
        timeout=30,
    )
    llm.reset()
    llm.on(last_user_contains("slowly"), content="never seen", delay_s=20)
    page.goto(f"{studio.api}/#/{PROJECT}/playground")
    expect(page.get_by_test_id("validation")).to_have_attribute(
        "data-state", "valid", timeout=15_000
    )
    page.get_by_label("input question").fill("Answer slowly")
    page.get_by_role("button", name="Run", exact=True).click()
    run = page.get_by_test_id("run")
    expect(run).to_have_attribute("data-status", "running", timeout=15_000)
    page.get_by_role("button", name="Stop").click()
    expect(run).to_have_attribute("data-status", "cancelled", timeout=15_000)
    expect(page.get_by_role("button", name="Run", exact=True)).to_be_enabled()


def test_a_production_llm_span_opens_in_the_playground_and_its_trace_replays_to_it(
    studio, page: Page, llm
) -> None:
    """An application's LLM call (the OpenTelemetry SDK, GenAI attributes) opened from the
    span inspector: the playground's draft holds its messages and model, shows the
    recorded answer, and a run sends the provider the same messages; "Replay to here"
    answers from the recording without calling the provider."""
    import json
    import time

    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    if not requests.get(_api(studio, "/llm-providers/local"), timeout=30).ok:
        requests.post(
            _api(studio, "/llm-providers"),
            json={"name": "local", "base_url": llm.base_url, "api_key": TEST_API_KEY},
            timeout=30,
        ).raise_for_status()
    provider = TracerProvider(resource=Resource.create({"service.name": "advisor-app"}))
    provider.add_span_processor(
        SimpleSpanProcessor(
            OTLPSpanExporter(endpoint=studio.otlp_http, headers={"X-GLS-Project": PROJECT})
        )
    )
    question = "Should the office switch to LED lighting? {{ not a template }}"
    with provider.get_tracer("app").start_as_current_span("chat gpt-4o-mini") as span:
        span.set_attributes(
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.request.temperature": 0.3,
                "gen_ai.input.messages": json.dumps(
                    [{"role": "user", "parts": [{"type": "text", "content": question}]}]
                ),
                "gen_ai.output.messages": json.dumps(
                    [{"role": "assistant", "parts": [{"type": "text", "content": "Yes: LEDs."}]}]
                ),
                "gen_ai.usage.input_tokens": 12,
                "gen_ai.usage.output_tokens": 2,
            }
        )
        trace_id = format(span.get_span_context().trace_id, "032x")
        span_id = format(span.get_span_context().span_id, "016x")
    provider.shutdown()
    deadline = time.monotonic() + 30
    while not requests.get(_api(studio, f"/traces/{trace_id}"), timeout=30).ok:
        assert time.monotonic() < deadline, "the application's trace was not stored"
        time.sleep(0.2)

    page.goto(f"{studio.api}/#/{PROJECT}/trace/{trace_id}?span={span_id}")
    inspector = page.get_by_test_id("span-detail")
    actions = inspector.get_by_test_id("span-chain-actions")
    actions.get_by_role("link", name="Open in Playground").click()
    expect(page.get_by_test_id("opened-span")).to_contain_text("gen_ai attributes")
    expect(page.get_by_test_id("opened-span").locator(".recorded-output")).to_have_text(
        "Yes: LEDs."
    )
    assert f"trace={trace_id}" in page.url and f"span={span_id}" in page.url
    step = page.get_by_test_id("step-0")
    expect(step.get_by_label("model")).to_have_value("gpt-4o-mini")
    expect(page.get_by_test_id("validation")).to_have_attribute(
        "data-state", "valid", timeout=15_000
    )
    llm.on(last_user_contains("LED lighting"), content="Yes, and soon.")
    before = len(llm.requests)
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_test_id("run").first.get_by_test_id("run-output")).to_contain_text(
        "Yes, and soon.", timeout=30_000
    )
    sent = llm.requests[before]
    assert sent.messages == [{"role": "user", "content": question}]  # the text, not a template
    assert sent.model == "gpt-4o-mini"

    page.go_back()
    actions = page.get_by_test_id("span-detail").get_by_test_id("span-chain-actions")
    calls = len(llm.requests)
    actions.get_by_role("button", name="Replay to here").click()
    result = actions.locator(".replay-result")
    expect(result).to_contain_text("succeeded: 1 replayed, 0 live", timeout=30_000)
    assert len(llm.requests) == calls  # answered from the recording
    result.get_by_role("link", name="the replay's trace").click()
    # the replay's own trace: another id, its LLM step answered from the recording
    expect(page.get_by_test_id("trace-header")).to_be_visible(timeout=30_000)
    assert trace_id not in page.url
