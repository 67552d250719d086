"""Experiments in the web UI, in Debian's chromium (Playwright) against a real Studio fed
by the Python SDK (sdk/python): two variants of a task run over a dataset, each run a
trace with a priced LLM call; an experiment's page shows its totals, aggregates and per
item every repetition's output with its diff, scores with their explanation and the
trace one click away; the comparison says which variant is better, by how much, with the
interval and p-value, and marks the items that improved; picked from the dataset's Test
Results tab; hostile outputs shown as text."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from greenlang_studio import Client, EvaluationResult
from playwright.sync_api import expect

from browser_fixtures import save_screenshot

PROJECT = "experiments-ui"
HOSTILE_HTML = '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>'
CAPITALS = {
    "France": "Paris",
    "Japan": "Tokyo",
    "Peru": "Lima",
    "Kenya": "Nairobi",
    "Chile": "Santiago",
    "Norway": "Oslo",
    "Egypt": "Cairo",
    "Spain": "Madrid",
    "Italy": "Rome",
    "Ghana": "Accra",
    "Nepal": "Kathmandu",
    "Cuba": "Havana",
}
# the baseline gets these wrong; the candidate none
BASELINE_WRONG = {"Peru", "Kenya", "Chile", "Norway", "Egypt", "Spain", "Ghana", "Cuba"}


def _task(client: Client, answer: Any, model: str):
    def task(question: dict[str, str]) -> str:
        with client.tracer.start_as_current_span(
            f"chat {model}",
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": model,
                "gen_ai.usage.input_tokens": 100,
                "gen_ai.usage.output_tokens": 10,
            },
        ):
            return answer(question["country"])

    return task


def _says_a_city(output: str, expected: str) -> EvaluationResult:
    return EvaluationResult(
        score=float(output == expected), explanation=f"judged {output!r} against {expected!r}"
    )


def _settled(client: Client, experiment_id: str, runs: int) -> None:
    """Every run's trace arrived (the exporter batches), so the figures are there."""
    deadline = time.monotonic() + 60
    while True:
        results = list(client.get_experiment(experiment_id).results())
        if len(results) == runs and all(r["cost_usd"] for r in results):
            return
        assert time.monotonic() < deadline
        time.sleep(0.2)


def _choose(page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


@pytest.fixture(scope="module")
def experiments(studio) -> tuple[str, str]:
    client = Client(studio.api, project=PROJECT)
    dataset = client.create_dataset("capitals", description="capital cities")
    dataset.add_items(
        [
            {"id": c.lower(), "input": {"country": c}, "expected": city}
            for c, city in CAPITALS.items()
        ]
    )

    def baseline_answer(country: str) -> str:
        if country == "Cuba":
            return HOSTILE_HTML
        return (
            f"the capital is {CAPITALS[country]}"
            if country in BASELINE_WRONG
            else CAPITALS[country]
        )

    baseline = client.run_experiment(
        "capitals",
        _task(client, baseline_answer, "gpt-4o"),
        evaluators=["exact_match", _says_a_city],
        repetitions=2,
        name="prompt v1",
    )
    candidate = client.run_experiment(
        "capitals",
        _task(client, lambda country: CAPITALS[country], "gpt-4o-mini"),
        evaluators=["exact_match", _says_a_city],
        repetitions=2,
        name="prompt v2",
    )
    for e in (baseline, candidate):
        _settled(client, e.id, 2 * len(CAPITALS))
    return baseline.id, candidate.id


def test_an_experiments_results_show_totals_outputs_diffs_scores_and_traces(
    studio, page, experiments
) -> None:
    baseline, _ = experiments
    page.goto(f"{studio.api}/#/{PROJECT}/experiments/{baseline}")
    expect(page.get_by_test_id("experiment-name")).to_have_text("prompt v1")
    totals = page.get_by_test_id("experiment-totals")
    expect(totals).to_contain_text("24 / 24")
    expect(totals).to_contain_text("$")
    aggregates = page.get_by_test_id("experiment-aggregates")
    expect(aggregates.locator("tr.score-spread", has_text="exact_match")).to_contain_text("0.333")
    expect(aggregates.locator("tr.metric-spread", has_text="latency")).to_be_visible()

    results = page.get_by_test_id("experiment-results")
    items = results.locator("li.result-item")
    expect(items).to_have_count(len(CAPITALS))
    peru = items.filter(has_text="peru")
    runs = peru.locator(".run-result")
    expect(runs).to_have_count(2)  # each repetition shown
    expect(runs.locator(".repetition")).to_have_text(["repetition 1", "repetition 2"])
    first = runs.first
    expect(first.locator(".run-output")).to_have_text("the capital is Lima")
    # the diff against "Lima": the words the output added
    expect(first.locator("ins")).to_have_text("the capital is ")
    expect(first.locator("del")).to_have_count(0)
    expect(
        first.locator(".run-score", has_text="_says_a_city").locator(".score-explanation")
    ).to_have_text("judged 'the capital is Lima' against 'Lima'")
    # the Python evaluator ran in a trace of its own: its score links it, exact_match's none
    judge_link = first.locator(".run-score", has_text="_says_a_city").locator("a.judge-trace-link")
    expect(judge_link).to_have_text("judge trace")
    expect(judge_link).to_have_attribute("href", re.compile(rf"^#/{PROJECT}/trace/[0-9a-f]{{32}}$"))
    expect(
        first.locator(".run-score", has_text="exact_match").locator("a.judge-trace-link")
    ).to_have_count(0)
    # hostile output as text
    cuba = items.filter(has_text="cuba").locator(".run-output").first
    expect(cuba).to_have_text(HOSTILE_HTML)
    assert page.evaluate("window.__pwned") is None

    first.locator("a.trace-link").click()
    expect(page.locator("main")).to_contain_text("experiment run", timeout=30_000)
    assert "/trace/" in page.url


def test_two_experiments_compared_from_the_test_results_tab_with_their_significance(
    studio, page, experiments
) -> None:
    baseline, candidate = experiments
    page.goto(f"{studio.api}/#/{PROJECT}/datasets/capitals?tab=results")
    tab = page.get_by_test_id("dataset-results")
    expect(tab.locator("tr.experiment-row")).to_have_count(2)
    tab.get_by_label("pick prompt v1").check()
    tab.get_by_label("pick prompt v2").check()
    tab.get_by_role("button", name="Compare 2").click()
    assert f"ids={baseline}%2C{candidate}" in page.url

    tests = page.get_by_test_id("comparison-tests")
    exact = tests.locator('tr.paired-test[data-metric="exact_match"]')
    # the comparison reads every run's trace figures: seconds on the shared cores
    expect(exact.locator(".verdict")).to_have_text("better", timeout=60_000)
    # 8 of 12 items went from 0 to 1: differences' mean 0.667, sd 0.492, t = 4.69 on 11
    # degrees of freedom (p = 0.0007), CI 0.667 -+ 2.201 x 0.142
    expect(exact.locator(".sentence")).to_have_text(
        "prompt v2 is 0.667 better (95% CI 0.354 to 0.98, p < 0.001)"
    )
    expect(exact).to_contain_text("8 / 0")
    items = page.get_by_test_id("comparison-items").locator("tr.comparison-item")
    expect(items).to_have_count(len(CAPITALS))
    improved = items.filter(has_text="peru").locator(
        f'td.comparison-side[data-experiment="{candidate}"]'
    )
    expect(improved.locator(".mark.improvement", has_text="exact_match")).to_be_visible()
    expect(items.filter(has_text="france").locator(".mark", has_text="exact_match")).to_have_count(
        0
    )
    expect(page.get_by_test_id("score-means-exact_match").locator("canvas").first).to_be_visible()

    # only the items a candidate improved on for a score, kept in the URL; none regressed
    _choose(page, "show items", "Improved on exact_match")
    expect(items).to_have_count(len(BASELINE_WRONG))
    assert "show=improvement%3Aexact_match" in page.url
    _choose(page, "show items", "Regressed on exact_match")
    expect(page.get_by_test_id("items-count")).to_have_text("0 of 12 loaded items")
    assert page.evaluate("window.__pwned") is None


# the testing pages, each with the text it draws once loaded, saved light and dark as
# tests/web/test_page_screenshots.py saves the others
SCREENSHOTS = {
    "datasets": ("/datasets", "capitals"),
    "dataset-overview": ("/datasets/capitals", "Items by split"),
    "dataset-data": ("/datasets/capitals?tab=data&item=peru", "Expected"),
    "dataset-results": ("/datasets/capitals?tab=results", "prompt v2"),
    "dataset-versions": ("/datasets/capitals?tab=versions", "v1"),
    "experiments": ("/experiments", "prompt v1"),
    "experiment": ("/experiments/{baseline}", "Results by item"),
    "comparison": ("/experiments/compare?ids={baseline},{candidate}", "Items side by side"),
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(SCREENSHOTS))
def test_every_testing_page_draws_and_is_saved_as_a_screenshot(
    studio, browser, experiments, name: str, scheme: str
) -> None:
    baseline, candidate = experiments
    path, text = SCREENSHOTS[name]
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    try:
        page.goto(f"{studio.api}/#/{PROJECT}{path.format(baseline=baseline, candidate=candidate)}")
        expect(page.locator("main")).to_contain_text(text, timeout=30_000)
        page.wait_for_load_state("networkidle")
        saved = save_screenshot(page, f"page.{name}.{scheme}")
        assert saved.stat().st_size > 10_000, "the screenshot is blank"
    finally:
        context.close()
    assert errors == [], f"errors on the page: {errors}"
