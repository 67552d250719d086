"""The chain runner over a real local OpenAI-protocol server: inputs checked,
steps run in order (llm streamed, greenlang, transform, sub-chain), conditions,
failures stopping the run, the trace's spans as the Rust core decodes them,
the debugger's gate, replay and cancellation."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from chains.run_fixtures import DictResolver, EmissionsAgents, KeptTraces, LocalProviders

from gls_engine import _core
from gls_engine.chains.definition import ChainDefinition, parse_chain
from gls_engine.chains.run_context import RunControl, RunResult
from gls_engine.chains.run_events import RunEvents
from gls_engine.chains.runner import ChainRunner
from gls_engine.chains.step_gate import Frame, GateAction
from gls_engine.errors import InvalidParameterError
from gls_engine.self_traces.otlp_encoding import export_request
from gls_engine.self_traces.self_trace import SelfTrace

from support.openai_compatible_server import (
    TEST_API_KEY,
    OpenAICompatibleServer,
    last_user_contains,
)

ASK = {
    "input_schema": {
        "type": "object",
        "properties": {"question": {"type": "string"}, "country": {"type": "string"}},
        "required": ["question"],
    },
    "steps": [
        {
            "id": "ask",
            "type": "llm",
            "provider": "local",
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "{{ question }}"},
            ],
            "parameters": {"temperature": 0.2, "max_tokens": 50},
        }
    ],
}


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer() as s:
        yield s


@pytest.fixture
async def setup(server: OpenAICompatibleServer) -> AsyncIterator[dict[str, Any]]:
    server.reset()
    providers = LocalProviders(server)
    resolver = DictResolver()
    agents = EmissionsAgents()
    traces = KeptTraces()
    runner = ChainRunner(
        resolver=resolver, providers=providers, agents=agents, traces=traces, figures=None
    )
    yield {"runner": runner, "resolver": resolver, "agents": agents, "traces": traces}
    await providers.close()


def decoded(trace: SelfTrace) -> list[dict[str, Any]]:
    batch = _core.decode_traces(
        export_request(trace), received_ns=time.time_ns(), default_project="default"
    )
    assert batch.rejected_spans == 0
    return batch.record_batch().to_pylist()


def attributes(row: dict[str, Any]) -> dict[str, str]:
    return dict(row["attributes"])


def span_events(row: dict[str, Any]) -> list[dict[str, Any]]:
    """name and attributes (as text) of each event of a decoded span."""
    return [
        {
            "name": event["name"],
            "attributes": {
                a["key"]: next(iter(a["value"].values())) for a in event.get("attributes", [])
            },
        }
        for event in json.loads(row["events"] or "[]")
    ]


def by_name(trace: SelfTrace) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in decoded(trace)}


async def run(
    setup: dict[str, Any], document: dict[str, Any] | ChainDefinition, inputs: Any, **kw: Any
) -> RunResult:
    definition = document if isinstance(document, ChainDefinition) else parse_chain(document)
    return await setup["runner"].run(
        definition, inputs, project="chains", chain_name=kw.pop("name", "test"), **kw
    )


async def test_inputs_are_checked_against_the_schema_naming_the_field(setup) -> None:
    with pytest.raises(InvalidParameterError, match=r"inputs: 'question' is a required property"):
        await run(setup, ASK, {"country": "FR"})
    with pytest.raises(InvalidParameterError, match=r"inputs\.question: 3 is not of type 'string'"):
        await run(setup, ASK, {"question": 3})
    assert setup["traces"].traces == []  # nothing ran


async def test_a_template_variable_the_inputs_lack_names_step_and_field(setup) -> None:
    doc = json.loads(json.dumps(ASK))
    doc["steps"][0]["messages"][1]["content"] = "{{ question }} in {{ country }}"
    with pytest.raises(
        InvalidParameterError,
        match=r"steps\[0\] \(ask\)\.messages\[1\]\.content: the inputs have no 'country'",
    ):
        await run(setup, doc, {"question": "hi"})


async def test_an_llm_step_streams_its_tokens_and_is_a_genai_span(setup, server) -> None:
    server.on(last_user_contains("capital"), content="Paris is the capital.", chunk_chars=4)
    events = RunEvents("r1")
    result = await run(setup, ASK, {"question": "The capital of France?"}, events=events)
    assert result.status == "succeeded", result.error
    assert result.output == "Paris is the capital."
    request = server.requests[-1]
    assert request.stream and request.model == "gpt-4o-mini"
    assert request.messages[1]["content"] == "The capital of France?"
    assert request.body["temperature"] == 0.2 and request.body["max_tokens"] == 50
    tokens = [e["text"] for e in events.snapshot() if e["type"] == "token"]
    assert len(tokens) > 1 and "".join(tokens) == "Paris is the capital."
    kinds = [e["type"] for e in events.snapshot() if e["type"] != "token"]
    assert kinds == ["run_started", "step_started", "step_finished", "run_finished"]
    rows = by_name(setup["traces"].traces[0])
    root, llm = rows["chain test"], rows["chat gpt-4o-mini"]
    assert root["span_type"] == "chain" and root["chain"] == "test"
    assert json.loads(root["input"]) == {"question": "The capital of France?"}
    assert llm["parent_span_id"] == root["span_id"]
    assert llm["span_type"] == "llm" and llm["model"] == "gpt-4o-mini"
    assert llm["input_tokens"] == 6 and llm["output_tokens"] == 4  # the server counts words
    assert "Paris is the capital." in llm["output"]
    assert result.steps[0].span_id == llm["span_id"].hex()


async def test_json_output_parses_and_a_failure_stops_the_run(setup, server) -> None:
    doc = json.loads(json.dumps(ASK))
    doc["steps"][0]["output"] = "json"
    doc["steps"].append({"id": "answer", "type": "transform", "expression": "steps.ask.answer"})
    server.on(last_user_contains("good"), content='{"answer": 42}')
    server.on(last_user_contains("bad"), content="not json at all")
    good = await run(setup, doc, {"question": "good"})
    assert good.status == "succeeded" and good.output == 42
    bad = await run(setup, doc, {"question": "bad"})
    assert bad.status == "failed" and bad.error_step == "ask"
    assert "the answer is not JSON" in (bad.error or "")
    assert [s.status for s in bad.steps] == ["failed"]  # `answer` never ran
    rows = by_name(setup["traces"].traces[-1])
    assert rows["chat gpt-4o-mini"]["status_code"] == 2
    assert rows["chain test"]["status_code"] == 2


async def test_tool_calls_are_the_output(setup, server) -> None:
    doc = json.loads(json.dumps(ASK))
    doc["steps"][0]["tools"] = [
        {"type": "function", "function": {"name": "grid", "parameters": {"type": "object"}}}
    ]
    server.on(content="", tool_calls=({"name": "grid", "arguments": {"country": "FR"}},))
    result = await run(setup, doc, {"question": "grid?"})
    assert result.status == "succeeded", result.error
    assert result.output["tool_calls"][0]["name"] == "grid"
    assert result.output["tool_calls"][0]["arguments"] == {"country": "FR"}
    assert server.requests[-1].body["tools"][0]["function"]["name"] == "grid"


GRID = {
    "input_schema": {
        "type": "object",
        "properties": {"kwh": {"type": "number"}, "country": {"type": "string"}},
        "required": ["kwh", "country"],
    },
    "steps": [
        {
            "id": "emissions",
            "type": "greenlang",
            "agent": "Emissions",
            "input_mapping": {"kwh": "inputs.kwh", "country": "inputs.country"},
        },
        {
            "id": "heavy",
            "type": "transform",
            "condition": "steps.emissions.emissions_kg > `100`",
            "expression": "'heavy'",
        },
        {
            "id": "summary",
            "type": "transform",
            "expression": "{kg: steps.emissions.emissions_kg, heavy: steps.heavy}",
        },
    ],
}


async def test_greenlang_and_transform_steps_and_a_false_condition(setup) -> None:
    result = await run(setup, GRID, {"kwh": 1000, "country": "DE"})
    assert result.status == "succeeded", result.error
    assert result.output == {"kg": 381.0, "heavy": "heavy"}
    small = await run(setup, GRID, {"kwh": 10, "country": "FR"})
    assert small.output == {"kg": 0.56, "heavy": None}
    assert [(s.id, s.status, s.skipped_by) for s in small.steps] == [
        ("emissions", "succeeded", None),
        ("heavy", "skipped", "condition"),
        ("summary", "succeeded", None),
    ]
    rows = by_name(setup["traces"].traces[-1])
    agent = rows["agent Emissions"]
    assert agent["span_type"] == "agent" and agent["agent"] == "Emissions"
    assert json.loads(agent["input"]) == {"kwh": 10, "country": "FR"}
    assert json.loads(agent["output"]) == {"emissions_kg": 0.56, "factor": 0.056}
    assert float(attributes(agent)["gls.cpu.seconds"]) > 0
    assert rows["transform summary"]["span_type"] == "chain"
    assert "transform heavy" not in rows  # a skipped step has no span


async def test_a_failed_agent_result_fails_the_step(setup) -> None:
    result = await run(setup, GRID, {"kwh": 1, "country": "XX"})
    assert result.status == "failed" and result.error_step == "emissions"
    assert result.error == "the agent Emissions failed: no grid factor for 'XX'"
    span = by_name(setup["traces"].traces[-1])["agent Emissions"]
    assert span["status_code"] == 2
    assert any(e["name"] == "exception" for e in span_events(span))


async def test_a_sub_chain_runs_nested_with_its_spans_and_frames(setup, server) -> None:
    setup["resolver"].add("answer", ASK, label="production")
    outer = {
        "input_schema": {"type": "object", "properties": {"topic": {"type": "string"}}},
        "steps": [
            {
                "id": "q",
                "type": "transform",
                "expression": "join(' ', ['Tell me about', inputs.topic])",
            },
            {
                "id": "more",
                "type": "chain",
                "chain": "answer",
                "label": "production",
                "input_mapping": {"question": "steps.q"},
            },
        ],
        "output": "{said: steps.more}",
    }
    server.on(content="Carbon is element six.")
    seen: list[tuple[str, tuple[tuple[str, str | None], ...]]] = []

    async def gate(point, run_id, frames: tuple[Frame, ...], step, state):
        seen.append((point, tuple((f.chain_name, f.step_id) for f in frames)))
        return None

    result = await run(setup, outer, {"topic": "carbon"}, name="outer", gate=gate)
    assert result.status == "succeeded", result.error
    assert result.output == {"said": "Carbon is element six."}
    assert [s.path for s in result.steps] == ["q", "more", "more/ask"]
    assert ("before", (("outer", "more"), ("answer", "ask"))) in seen
    rows = by_name(setup["traces"].traces[-1])
    sub = rows["chain answer"]
    assert sub["parent_span_id"] == rows["chain outer"]["span_id"]
    assert rows["chat gpt-4o-mini"]["parent_span_id"] == sub["span_id"]
    assert sub["chain"] == "answer"


async def test_a_chain_running_itself_stops_at_the_depth_limit(setup) -> None:
    loop = {
        "steps": [{"id": "again", "type": "chain", "chain": "loop", "input_mapping": {}}],
    }
    setup["resolver"].add("loop", loop)
    result = await run(setup, loop, {}, name="loop")
    assert result.status == "failed"
    assert "nest deeper than 8" in (result.error or "")
    assert result.error_step == "/".join(["again"] * 8)


async def test_the_gate_skips_edits_and_stops(setup) -> None:
    doc = {
        "input_schema": {"type": "object", "properties": {"n": {"type": "number"}}},
        "steps": [
            {"id": "a", "type": "transform", "expression": "inputs.n"},
            {"id": "b", "type": "transform", "expression": "steps.a"},
            {"id": "c", "type": "transform", "expression": "[steps.a, steps.b]"},
        ],
    }

    async def gate(point, run_id, frames, step, state):
        if point == "before" and step.id == "b":
            return GateAction.skip()
        if point == "after" and step.id == "a":
            return GateAction.edit({"inputs": state["inputs"], "steps": {"a": 99}})
        return None

    result = await run(setup, doc, {"n": 1}, gate=gate)
    assert result.status == "succeeded", result.error
    assert result.output == [99, None]
    assert [(s.id, s.status, s.skipped_by) for s in result.steps][1] == ("b", "skipped", "debugger")
    root = by_name(setup["traces"].traces[-1])["chain test"]
    edit = next(e for e in span_events(root) if e["name"] == "gls.debug.state_edit")
    assert json.loads(edit["attributes"]["gls.debug.changes"]) == {"steps.a": {"from": 1, "to": 99}}

    async def stopper(point, run_id, frames, step, state):
        return GateAction.stop("enough") if step.id == "b" else None

    stopped = await run(setup, doc, {"n": 1}, gate=stopper)
    assert (stopped.status, stopped.error, stopped.error_step) == ("cancelled", "enough", "b")
    assert [s.id for s in stopped.steps] == ["a"]
    assert len(setup["traces"].traces) == 2  # the stopped run's trace too


async def test_a_replayed_llm_step_calls_no_provider(setup, server) -> None:
    setup["resolver"].add("answer", ASK)
    doc = {
        "input_schema": ASK["input_schema"],
        "steps": [
            *ASK["steps"],
            {
                "id": "more",
                "type": "chain",
                "chain": "answer",
                "input_mapping": {"question": "steps.ask"},
            },
        ],
    }
    server.on(content="live answer")
    result = await run(setup, doc, {"question": "q?"}, replay={"ask": "recorded answer"})
    assert result.status == "succeeded", result.error
    assert result.output == "live answer"
    assert len(server.requests) == 1  # more/ask only
    assert server.requests[0].last_user_message == "recorded answer"
    assert [s.replayed for s in result.steps] == [True, False, False]
    replayed = [r for r in decoded(setup["traces"].traces[-1]) if attributes(r).get("gls.replayed")]
    assert len(replayed) == 1 and replayed[0]["model"] == "" and replayed[0]["input_tokens"] is None
    server.reset()
    both = await run(setup, doc, {"question": "q?"}, replay={"ask": "a", "more/ask": "b"})
    assert both.output == "b" and server.requests == []


async def test_a_cancelled_run_keeps_its_trace_with_the_step_marked(setup, server) -> None:
    server.on(content="slow " * 50, chunk_chars=5, chunk_delay_s=0.05)
    control = RunControl("run-c")
    events = RunEvents("run-c")
    task = asyncio.create_task(
        run(setup, ASK, {"question": "slowly"}, control=control, events=events)
    )
    while not any(e["type"] == "token" for e in events.snapshot()):
        await asyncio.sleep(0.01)
    control.stop_reason = "cancelled"
    task.cancel()
    result = await task
    assert result.status == "cancelled" and result.error_step == "ask"
    assert result.steps[0].status == "cancelled"
    rows = by_name(setup["traces"].traces[-1])
    assert rows["chat gpt-4o-mini"]["status_code"] == 2
    assert "cancelled" in rows["chat gpt-4o-mini"]["status_message"]
    assert events.snapshot()[-1]["type"] == "run_finished"


async def test_a_provider_echoing_the_key_leaves_it_out_of_the_run_and_its_trace() -> None:
    with OpenAICompatibleServer(api_key="sk-the-right-one") as strict:  # 401s echo the key sent
        providers = LocalProviders(strict)
        traces = KeptTraces()
        runner = ChainRunner(
            resolver=None, providers=providers, agents=None, traces=traces, figures=None
        )
        try:
            result = await runner.run(
                parse_chain(ASK), {"question": "q"}, project="p", chain_name="c"
            )
        finally:
            await providers.close()
    assert result.status == "failed" and "401" in (result.error or "")
    recorded = json.dumps(
        [result.error, [s.to_json() for s in result.steps], result.logs]
    ) + export_request(traces.traces[0]).decode("utf-8", "replace")
    assert TEST_API_KEY not in recorded
