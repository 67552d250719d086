"""Debugging a production trace by replaying it: a chain run's trace (LLM ->
GreenLang's real GridFactorAgent -> LLM) and a foreign trace (two LLM calls sent
by the OpenTelemetry SDK) rebuilt as runs whose recorded LLM answers up to a
span are answered without calling the provider, the rest live against the
local OpenAI-protocol server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from experiments.experiment_requests import call
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

from inprocess_studio import InProcessStudio
from otlp_helpers import wait_for_trace
from support.openai_compatible_server import (
    TEST_API_KEY,
    OpenAICompatibleServer,
    last_user_contains,
)

PROJECT = "replays"
BASE = f"/api/v1/projects/{PROJECT}"

ADVISOR = {
    "input_schema": {
        "type": "object",
        "properties": {"question": {"type": "string"}, "country": {"type": "string"}},
        "required": ["question", "country"],
    },
    "steps": [
        {
            "id": "ask",
            "type": "llm",
            "provider": "local",
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "{{ question }}"}],
            "parameters": {"temperature": 0},
        },
        {
            "id": "grid",
            "type": "greenlang",
            "agent": "GridFactorAgent",
            "input_mapping": {
                "country": "inputs.country",
                "fuel_type": "'electricity'",
                "unit": "'kWh'",
            },
        },
        {
            "id": "advise",
            "type": "llm",
            "provider": "local",
            "model": "gpt-4o-mini",
            "messages": [
                {
                    "role": "user",
                    "content": "Advice for {{ country }} at {{ steps.grid.emission_factor }}:"
                    " {{ steps.ask }}",
                }
            ],
        },
    ],
    "output": "{ask: steps.ask, advice: steps.advise, factor: steps.grid.emission_factor}",
}


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer(api_key=TEST_API_KEY) as s:
        yield s


@pytest.fixture(scope="module")
def studio(
    tmp_path_factory: pytest.TempPathFactory, server: OpenAICompatibleServer
) -> Iterator[InProcessStudio]:
    s = InProcessStudio(tmp_path_factory.mktemp("replay") / "data").start()
    call(
        "POST",
        s.api,
        f"{BASE}/llm-providers",
        201,
        json_body={"name": "local", "base_url": server.base_url, "api_key": TEST_API_KEY},
    )
    call("POST", s.api, f"{BASE}/chains", 201, json_body={"name": "advisor", "definition": ADVISOR})
    yield s
    s.stop()


def run_count(studio: InProcessStudio) -> int:
    return len(call("GET", studio.api, f"{BASE}/chain-runs", 200, params={"limit": 200})["runs"])


def replay(studio: InProcessStudio, expect: int = 200, **body: Any) -> Any:
    return call(
        "POST", studio.api, f"{BASE}/chain-runs/replay", expect, json_body={"wait": True, **body}
    )


@pytest.fixture(scope="module")
def live_run(studio: InProcessStudio, server: OpenAICompatibleServer) -> dict[str, Any]:
    server.reset()
    server.on(last_user_contains("heat pump"), content="Heat pumps pay off.")
    server.on(last_user_contains("Advice for"), content="Go electric.")
    [run] = call(
        "POST",
        studio.api,
        f"{BASE}/chain-runs",
        200,
        json_body={
            "chain": "advisor",
            "inputs": {"question": "Is a heat pump worth it?", "country": "IN"},
            "wait": True,
        },
    )["runs"]
    assert run["status"] == "succeeded", run["error"]
    assert len(server.requests) == 2
    return run


def test_a_chain_trace_replays_until_its_first_llm_step_with_an_edited_input(
    studio: InProcessStudio, server: OpenAICompatibleServer, live_run: dict[str, Any]
) -> None:
    ask_span = live_run["steps"][0]["span_id"]
    server.reset()
    server.on(last_user_contains("Advice for US"), content="Stay with the grid.")
    answer = replay(
        studio,
        trace_id=live_run["trace_id"],
        until_span_id=ask_span,
        inputs_override={"country": "US"},
    )
    [run] = answer["runs"]
    assert run["status"] == "succeeded", run["error"]
    assert (run["source"], run["chain"], run["version"]) == ("replay", "advisor", 1)
    assert run["inputs"] == {"question": "Is a heat pump worth it?", "country": "US"}
    summary = answer["replay"]
    assert summary["kind"] == "chain" and summary["source_run_id"] == live_run["id"]
    assert summary["replayed"] == [{"path": "ask", "span_id": ask_span}]
    assert summary["live"] == ["advise"]
    # one request: the second LLM step, fed the recorded first answer and the edit
    [request] = server.requests
    assert request.last_user_message.startswith("Advice for US at ")
    assert request.last_user_message.endswith(": Heat pumps pay off.")
    assert run["output"]["ask"] == live_run["output"]["ask"] == "Heat pumps pay off."
    assert run["output"]["advice"] == "Stay with the grid."
    assert run["output"]["factor"] != live_run["output"]["factor"]  # GreenLang ran live on US
    ask, grid, advise = run["steps"]
    assert ask["replayed"] is True and not advise.get("replayed")
    assert not ask["cost_usd"] and advise["cost_usd"] > 0  # a replayed answer costs nothing
    rows = studio.sql(
        "SELECT lower(hex(span_id)) AS span, model, cost_usd, attributes['gls.replayed'] AS r"
        " FROM spans WHERE project = {p:String} AND trace_id = unhex({t:String})",
        p=PROJECT,
        t=run["trace_id"],
    )
    stored = {r["span"]: r for r in rows}
    assert stored[ask["span_id"]]["r"] == "true" and stored[ask["span_id"]]["model"] == ""
    assert stored[advise["span_id"]]["r"] == ""


def test_a_whole_chain_trace_replays_with_no_provider_call_and_edited_outputs(
    studio: InProcessStudio, server: OpenAICompatibleServer, live_run: dict[str, Any]
) -> None:
    server.reset()
    answer = replay(studio, trace_id=live_run["trace_id"], outputs={"advise": "Edited advice."})
    [run] = answer["runs"]
    assert run["status"] == "succeeded", run["error"]
    assert server.requests == []
    assert run["output"] == {**live_run["output"], "advice": "Edited advice."}
    assert answer["replay"]["live"] == []
    # a replay's own trace replays too (its answers were recorded as replayed spans)
    again = replay(studio, trace_id=run["trace_id"])["runs"][0]
    assert again["output"] == run["output"] and server.requests == []


def test_state_edits_replace_a_steps_output_after_it_runs(
    studio: InProcessStudio, server: OpenAICompatibleServer, live_run: dict[str, Any]
) -> None:
    server.reset()
    server.on(last_user_contains("Advice for IN at 0.5:"), content="Edited grid seen.")
    answer = replay(
        studio,
        trace_id=live_run["trace_id"],
        until_span_id=live_run["steps"][0]["span_id"],
        outputs={"grid": {"emission_factor": 0.5}},
    )
    [run] = answer["runs"]
    assert run["status"] == "succeeded", run["error"]
    assert answer["replay"]["edited"] == ["grid"]
    assert [r.last_user_message for r in server.requests] == [
        "Advice for IN at 0.5: Heat pumps pay off."
    ]
    assert run["output"]["factor"] == 0.5 and run["output"]["advice"] == "Edited grid seen."
    # the edit is on the trace, as a debugger's is
    [root] = [
        s
        for s in call("GET", studio.api, f"{BASE}/traces/{run['trace_id']}", 200)["spans"]
        if s["parent_span_id"] is None
    ]
    [event] = [e for e in root["events"] if e["name"] == "gls.debug.state_edit"]
    assert json.loads(event["attributes"]["gls.debug.changes"])["steps.grid"]["to"] == {
        "emission_factor": 0.5
    }
    # a live LLM step given its output makes no call either
    server.reset()
    answer = replay(
        studio,
        trace_id=live_run["trace_id"],
        until_span_id=live_run["steps"][0]["span_id"],
        outputs={"advise": "No call."},
    )
    assert answer["runs"][0]["output"]["advice"] == "No call." and server.requests == []
    assert answer["replay"]["live"] == []


def test_a_playground_draft_s_trace_replays_from_its_run_record(
    studio: InProcessStudio, server: OpenAICompatibleServer
) -> None:
    draft = {"steps": [ADVISOR["steps"][0]], "input_schema": ADVISOR["input_schema"]}
    server.reset()
    server.on(last_user_contains("draft"), content="Drafted.")
    [run] = call(
        "POST",
        studio.api,
        f"{BASE}/chain-runs",
        200,
        json_body={
            "definition": draft,
            "inputs": {"question": "A draft?", "country": "IN"},
            "wait": True,
            "source": "playground",
        },
    )["runs"]
    server.reset()
    answer = replay(studio, trace_id=run["trace_id"])
    [again] = answer["runs"]
    assert again["output"] == "Drafted." and server.requests == []
    assert again["chain"] is None and again["definition"] == run["definition"]
    assert answer["replay"]["source_run_id"] == run["id"]


def test_a_foreign_trace_of_two_llm_calls_replays_until_the_first(
    studio: InProcessStudio, server: OpenAICompatibleServer
) -> None:
    provider = TracerProvider()
    provider.add_span_processor(
        SimpleSpanProcessor(
            OTLPSpanExporter(endpoint=f"{studio.api}/v1/traces", headers={"X-GLS-Project": PROJECT})
        )
    )
    tracer = provider.get_tracer("my-agent")
    calls = [
        ("Plan a trip to Lyon {{ now }}", "Day 1: old town."),
        ("Now shorten: Day 1: old town.", "Old town."),
    ]
    span_ids = []
    with tracer.start_as_current_span("agent run") as root:
        for question, answer in calls:
            with tracer.start_as_current_span(
                "chat gpt-4o-mini",
                kind=SpanKind.CLIENT,
                attributes={
                    "gen_ai.operation.name": "chat",
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.request.temperature": 0.5,
                    "gen_ai.input.messages": json.dumps(
                        [{"role": "user", "parts": [{"type": "text", "content": question}]}]
                    ),
                    "gen_ai.output.messages": json.dumps(
                        [{"role": "assistant", "parts": [{"type": "text", "content": answer}]}]
                    ),
                },
            ) as span:
                span_ids.append(format(span.get_span_context().span_id, "016x"))
        with tracer.start_as_current_span(
            "chat gpt-4o-mini",
            kind=SpanKind.CLIENT,
            attributes={"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini"},
        ) as bare:  # an LLM call whose messages were not recorded
            bare_id = format(bare.get_span_context().span_id, "016x")
        trace_id = format(root.get_span_context().trace_id, "032x")
    provider.shutdown()
    wait_for_trace(studio.api, PROJECT, trace_id, spans=4)
    server.reset()
    server.on(content="Lyon, briefly.")
    answer = replay(studio, trace_id=trace_id, until_span_id=span_ids[0])
    [run] = answer["runs"]
    assert run["status"] == "succeeded", run["error"]
    assert answer["replay"]["kind"] == "spans"
    assert answer["replay"]["replayed"] == [{"path": "llm_1", "span_id": span_ids[0]}]
    assert answer["replay"]["live"] == ["llm_2"]
    [left_out] = answer["replay"]["unparsed"]
    assert (
        left_out["attribute"] == f"span {bare_id}"
        and "without recorded messages" in (left_out["reason"])
    )
    [request] = server.requests
    assert request.messages == [{"role": "user", "content": calls[1][0]}]
    assert request.body["temperature"] == 0.5 and request.model == "gpt-4o-mini"
    assert run["output"] == "Lyon, briefly."  # the last step's, live
    first, second = run["steps"]
    assert first["replayed"] is True and not first["cost_usd"]
    assert second["cost_usd"] > 0


def test_bad_replays_are_refused_naming_the_field_and_record_nothing(
    studio: InProcessStudio, live_run: dict[str, Any]
) -> None:
    before = run_count(studio)
    missing = replay(studio, 404, trace_id="ab" * 16)
    assert missing["error"]["message"].startswith("trace_id: trace abab")
    grid_span = live_run["steps"][1]["span_id"]
    not_llm = replay(studio, 400, trace_id=live_run["trace_id"], until_span_id=grid_span)
    assert not_llm["error"]["message"].startswith(f"until_span_id: span {grid_span} is not")
    bad_output = replay(studio, 400, trace_id=live_run["trace_id"], outputs={"nope": 1})
    assert bad_output["error"]["message"].startswith("outputs.nope:")
    bad_input = replay(studio, 400, trace_id=live_run["trace_id"], inputs_override={"country": 3})
    assert bad_input["error"]["message"].startswith("inputs_override.country:")
    unknown = replay(studio, 400, trace_id=live_run["trace_id"], until="x")
    assert "until" in unknown["error"]["message"]
    no_provider = replay(studio, 404, trace_id=live_run["trace_id"], provider="nope")
    assert no_provider["error"]["message"].startswith("provider:")
    assert run_count(studio) == before
