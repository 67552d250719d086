"""Scores in the web UI, in Debian's chromium (Playwright) against a real Studio fed by
the OpenTelemetry SDK's OTLP/HTTP exporter: a person adds a score in the span
inspector (it shows in the inspector and as a header chip, stored as theirs) and
deletes it; the trace list shows a scores column and filters by a score from the
filter panel; a judge's score links to the judge's own trace; hostile names and
comments are shown as text."""

from __future__ import annotations

import time

import pytest
import requests
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from playwright.sync_api import expect

from otlp_helpers import wait_for_trace
from support.openai_compatible_server import TEST_API_KEY, OpenAICompatibleServer, always

PROJECT = "scores-ui"
HOSTILE_HTML = '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>'


def _send(studio, name: str, project: str = PROJECT) -> tuple[str, str]:
    """(trace id, root span id) of a one-span trace sent by the OTel SDK."""
    provider = TracerProvider(resource=Resource.create({"service.name": "scores-ui"}))
    exporter = OTLPSpanExporter(endpoint=studio.otlp_http, headers={"X-GLS-Project": project})
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    start = time.time_ns() - 30 * 10**9
    span = provider.get_tracer("scores-ui").start_span(
        name, start_time=start, attributes={"input.value": "q", "output.value": "a"}
    )
    span.end(end_time=start + 10**6)
    provider.shutdown()
    context = span.get_span_context()
    trace_id = format(context.trace_id, "032x")
    wait_for_trace(studio.api, project, trace_id)
    return trace_id, format(context.span_id, "016x")


def _scores(studio, trace_id: str, project: str = PROJECT) -> list[dict]:
    resp = requests.get(
        f"{studio.api}/api/v1/projects/{project}/traces/{trace_id}/scores", timeout=30
    )
    assert resp.status_code == 200
    return resp.json()["scores"]


def _choose(page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


@pytest.mark.parametrize("hostile", [False, True])
def test_a_person_adds_a_score_and_deletes_it(studio, page, hostile: bool) -> None:
    trace_id, root = _send(studio, f"scored by hand {hostile}")
    name = HOSTILE_HTML if hostile else "helpful"
    comment = HOSTILE_HTML if hostile else "clear answer"
    page.goto(f"{studio.api}/#/{PROJECT}/trace/{trace_id}")
    section = page.get_by_test_id("span-scores")
    expect(section).to_contain_text("No scores yet.")
    form = section.get_by_role("form", name="add a score")
    form.get_by_label("score name").fill(name)
    form.get_by_label("score value").fill("0.8")
    form.get_by_label("score comment").fill(comment)
    form.get_by_label("your name").fill("ana")
    form.get_by_role("button", name="Add score").click()

    row = section.locator("li.score")
    expect(row).to_have_count(1)
    expect(row.locator(".score-name")).to_have_text(name)
    expect(row.locator(".score-value")).to_have_text("0.8")
    expect(row.locator(".score-comment")).to_have_text(comment)
    expect(row).to_contain_text("this span · ana")
    chip = page.get_by_test_id("trace-scores").locator("li.score-chip")
    expect(chip).to_have_text(f"{name}0.8")
    [stored] = _scores(studio, trace_id)
    assert (stored["name"], stored["value"], stored["comment"]) == (name, 0.8, comment)
    assert (stored["source"], stored["author"], stored["span_id"]) == ("human", "ana", root)
    assert page.evaluate("window.__pwned") is None

    # a label on the whole trace, its type chosen in the form
    form.get_by_label("score name").fill(f"tone {hostile}")
    _choose(page, "score type", "Label")
    form.get_by_label("score value").fill("polite")
    _choose(page, "score target", "Whole trace")
    form.get_by_role("button", name="Add score").click()
    expect(row).to_have_count(2)
    labelled = [s for s in _scores(studio, trace_id) if s["name"] == f"tone {hostile}"]
    assert [(s["data_type"], s["value"], s["span_id"]) for s in labelled] == [
        ("categorical", "polite", None)
    ]

    # theirs can be deleted; a score sent by the API cannot be, here
    requests.post(
        f"{studio.api}/api/v1/projects/{PROJECT}/scores",
        json={"trace_id": trace_id, "name": "api-sent", "value": 1},
        timeout=30,
    ).raise_for_status()
    page.reload()
    expect(row).to_have_count(3)
    expect(section.locator("li.score", has_text="api-sent").get_by_role("button")).to_have_count(0)
    section.get_by_role("button", name=f"Delete score {name}").click()
    expect(row).to_have_count(2)
    assert name not in {s["name"] for s in _scores(studio, trace_id)}
    assert page.evaluate("window.__pwned") is None


def test_the_list_shows_scores_and_filters_by_one(studio, page) -> None:
    good, _ = _send(studio, "answered well")
    bad, _ = _send(studio, "answered badly")
    requests.post(
        f"{studio.api}/api/v1/projects/{PROJECT}/scores",
        json={
            "scores": [
                {"trace_id": good, "name": "quality", "value": "good"},
                {"trace_id": bad, "name": "quality", "value": "bad"},
                {"trace_id": good, "name": "latency-ok", "value": 0.5},
                {"trace_id": good, "name": "latency-ok", "value": 1},
                {"trace_id": bad, "name": HOSTILE_HTML, "value": HOSTILE_HTML},
            ]
        },
        timeout=30,
    ).raise_for_status()
    page.goto(f"{studio.api}/#/{PROJECT}")
    good_row = page.locator(f"tr[data-trace-id='{good}']")
    bad_row = page.locator(f"tr[data-trace-id='{bad}']")
    expect(good_row.locator("td.scores")).to_have_text(
        "latency-ok: 0.75 (avg of 2) · quality: good"
    )
    expect(bad_row.locator("td.scores")).to_have_text(
        f"{HOSTILE_HTML}: {HOSTILE_HTML} · quality: bad"
    )

    panel = page.get_by_role("group", name="score filters")
    _choose(page, "score filter name", "quality")
    _choose(page, "score filter value", "good")
    panel.get_by_role("button", name="Filter", exact=True).click()
    expect(bad_row).to_have_count(0)
    expect(good_row).to_be_visible()
    assert "score=quality%3Ais%3Agood" in page.url
    expect(panel.locator(".score-filter")).to_have_text("quality is good×")

    # a numeric filter ANDed with it, then both removed
    _choose(page, "score filter name", "latency-ok")
    _choose(page, "score filter op", ">")
    panel.get_by_label("score filter value").fill("0.8")
    panel.get_by_role("button", name="Filter", exact=True).click()
    expect(good_row).to_have_count(0)
    for text in ("latency-ok > 0.8", "quality is good"):
        panel.get_by_role("button", name=f"Remove score filter {text}").click()
    expect(bad_row).to_be_visible()
    expect(good_row).to_be_visible()
    # a hostile name is offered, chosen and shown as text in the panel too
    _choose(page, "score filter name", HOSTILE_HTML)
    _choose(page, "score filter value", HOSTILE_HTML)
    panel.get_by_role("button", name="Filter", exact=True).click()
    expect(good_row).to_have_count(0)
    expect(panel.locator(".score-filter")).to_have_text(f"{HOSTILE_HTML} is {HOSTILE_HTML}×")
    assert page.evaluate("window.__pwned") is None


def test_the_form_follows_a_score_config(studio, page) -> None:
    trace_id, _ = _send(studio, "configured")
    requests.put(
        f"{studio.api}/api/v1/projects/{PROJECT}/score-configs",
        json={"name": "verdict", "data_type": "categorical", "categories": ["right", "wrong"]},
        timeout=30,
    ).raise_for_status()
    page.goto(f"{studio.api}/#/{PROJECT}/trace/{trace_id}")
    form = page.get_by_test_id("span-scores").get_by_role("form", name="add a score")
    form.get_by_label("score name").fill("verdict")
    # the config's labels are the choices, its type the form's
    expect(form.get_by_role("combobox", name="score type")).to_have_text("Label")
    _choose(page, "score value", "wrong")
    form.get_by_role("button", name="Add score").click()
    expect(page.get_by_test_id("span-scores").locator("li.score")).to_have_count(1)
    assert [(s["name"], s["value"]) for s in _scores(studio, trace_id)] == [("verdict", "wrong")]


def test_an_evaluator_runs_on_the_span_from_the_inspector(studio, page) -> None:
    trace_id, root = _send(studio, "evaluated here")
    page.goto(f"{studio.api}/#/{PROJECT}/trace/{trace_id}")
    form = page.get_by_role("form", name="run an evaluator")
    _choose(page, "evaluator", "exact_match")
    form.get_by_label("expected output").fill("a")  # the span's output
    form.get_by_role("button", name="Evaluate").click()
    row = page.get_by_test_id("span-scores").locator("li.score", has_text="exact_match")
    expect(row).to_contain_text("true")
    expect(row).to_contain_text("this span · exact_match")
    _choose(page, "evaluator", "json_valid")
    form.get_by_role("button", name="Evaluate").click()
    expect(
        page.get_by_test_id("span-scores").locator("li.score", has_text="json_valid")
    ).to_contain_text("false")
    stored = {s["name"]: (s["value"], s["source"], s["span_id"]) for s in _scores(studio, trace_id)}
    assert stored == {
        "exact_match": (True, "evaluator", root),
        "json_valid": (False, "evaluator", root),
    }
    # a judge without the project's judge provider says so
    _choose(page, "evaluator", "toxicity (judge)")
    form.get_by_role("button", name="Evaluate").click()
    expect(form.locator(".error")).to_contain_text("has no judge provider")


def test_performance_groups_by_a_score_label(studio, page) -> None:
    """The Performance page offers each labelled score as a grouping for the metrics
    measured per trace, its groups the API's; for latency it says why it cannot."""
    project_api = f"{studio.api}/api/v1/projects/{PROJECT}"
    traces = [_send(studio, f"graded {i}")[0] for i in range(3)]
    grades = ["pass", "pass", "fail"]
    requests.post(
        f"{project_api}/scores",
        json={
            "scores": [
                {"trace_id": t, "name": "grade", "value": g}
                for t, g in zip(traces, grades, strict=True)
            ]
        },
        timeout=30,
    ).raise_for_status()
    now_ms = time.time_ns() // 10**6
    window = {"start": str(now_ms - 3600_000), "end": str(now_ms + 60_000)}
    answer = requests.get(
        f"{project_api}/analytics/metrics",
        params={**window, "metric": "error_rate", "group_by_score": "grade"},
        timeout=30,
    ).json()
    expected = {g["group"]: g["count"] for g in answer["groups"]}
    assert expected["pass"] >= 2 and expected["fail"] >= 1
    range_query = f"range=custom&from={window['start']}&to={window['end']}"
    page.goto(f"{studio.api}/#/{PROJECT}/performance?{range_query}&metric=error_rate")
    _choose(page, "group by", "By score grade")
    assert "group_by=score%3Agrade" in page.url
    rows = page.locator("table.groups tbody tr")
    expect(rows).to_have_count(len(expected))
    shown = {
        rows.nth(i).locator("td.group-name").inner_text(): int(
            rows.nth(i).locator("td").nth(1).inner_text().replace(",", "")
        )
        for i in range(len(expected))
    }
    assert shown == expected
    expect(page.get_by_text("By score grade", exact=True).first).to_be_visible()
    page.goto(
        f"{studio.api}/#/{PROJECT}/performance?{range_query}&metric=latency&group_by=score%3Agrade"
    )
    expect(page.locator(".score-group-note")).to_contain_text("latency is not grouped by a score")
    expect(page.locator("table.groups")).to_have_count(0)


def test_a_judge_score_links_to_the_judges_own_trace(studio, page) -> None:
    project = "scores-ui-judged"
    with OpenAICompatibleServer(api_key=TEST_API_KEY) as provider:
        provider.on(always, content="EXPLANATION: Polite.\nLABEL: non-toxic")
        put = requests.put(
            f"{studio.api}/api/v1/projects/{project}/judge-provider",
            json={"base_url": provider.base_url, "model": "judge-model", "api_key": TEST_API_KEY},
            timeout=30,
        )
        assert put.status_code == 200
        trace_id, _ = _send(studio, "judged here", project)
        page.goto(f"{studio.api}/#/{project}/trace/{trace_id}")
        form = page.get_by_role("form", name="run an evaluator")
        _choose(page, "evaluator", "toxicity (judge)")
        form.get_by_role("button", name="Evaluate").click()
        row = page.get_by_test_id("span-scores").locator("li.score", has_text="toxicity")
        expect(row).to_contain_text("non-toxic")
    [stored] = _scores(studio, trace_id, project)
    link = row.get_by_role("link", name="judge trace")
    expect(link).to_have_attribute("href", f"#/{project}/trace/{stored['judge_trace_id']}")
    link.click()
    # the judge's trace: its judge span and the provider call below it
    expect(page.get_by_text("judge toxicity").first).to_be_visible()
    expect(page.get_by_text("chat judge-model").first).to_be_visible()
