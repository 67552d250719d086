"""The Studio's own traces as the Rust core decodes them (the ingest's first step):
a root with children under one resource (project, environment, the Studio as the
service), parent links, GenAI attributes read as the LLM columns, an error's
status and exception event, and an LLM call traced through a real local
OpenAI-compatible server (TracedChatClient), its failure included."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from gls_engine import _core
from gls_engine.evaluators.openai_client import OpenAICompatibleClient
from gls_engine.evaluators.provider_errors import PermanentProviderError
from gls_engine.self_traces.genai_attributes import provider_name
from gls_engine.self_traces.otlp_encoding import export_request
from gls_engine.self_traces.self_trace import SelfTrace
from gls_engine.self_traces.traced_chat_client import TracedChatClient

from support.openai_compatible_server import TEST_API_KEY, OpenAICompatibleServer


def decoded(trace: SelfTrace) -> dict[str, dict[str, Any]]:
    """span name -> its decoded row."""
    batch = _core.decode_traces(
        export_request(trace), received_ns=time.time_ns(), default_project="default"
    )
    assert batch.rejected_spans == 0
    return {row["name"]: row for row in batch.record_batch().to_pylist()}


def test_a_root_and_its_children_under_one_resource() -> None:
    trace = SelfTrace("chains", "gls-chain-runner", scope="tests")
    root = trace.start_span("run chain", attributes={"gls.span.type": "chain", "none": None})
    step = trace.start_span("step 1", parent=root, attributes={"gls.span.type": "tool"})
    step.fail("the tool broke", "ToolError")
    step.end()
    trace.start_span("step 2", parent=root)  # left open: ended when sent
    rows = decoded(trace)
    assert set(rows) == {"run chain", "step 1", "step 2"}
    assert {r["trace_id"] for r in rows.values()} == {trace.trace_id}
    assert rows["step 1"]["parent_span_id"] == rows["run chain"]["span_id"] == root.span_id
    assert rows["step 2"]["parent_span_id"] == root.span_id
    for row in rows.values():
        assert (row["project"], row["environment"], row["service_name"]) == (
            "chains",
            "gls-chain-runner",
            "greenlang-studio",
        )
        assert row["duration_ns"] >= 0 and row["end_time"] >= row["start_time"]
    assert (rows["run chain"]["span_type"], rows["step 1"]["span_type"]) == ("chain", "tool")
    assert (rows["step 1"]["status_code"], rows["step 1"]["status_message"]) == (
        2,
        "the tool broke",
    )
    (event,) = json.loads(rows["step 1"]["events"])
    assert event["name"] == "exception"
    assert dict(rows["run chain"]["attributes"]) == {"gls.span.type": "chain"}  # None left out


def test_an_llm_call_is_a_genai_span() -> None:
    trace = SelfTrace("p", "gls-evaluator", scope="tests")
    root = trace.start_span("judge x")

    async def run() -> None:
        with OpenAICompatibleServer(api_key=TEST_API_KEY) as server:
            server.on(lambda r: True, content="LABEL: yes", times=1)
            server.fail_next(400, message="bad model")
            async with OpenAICompatibleClient(server.base_url, TEST_API_KEY) as client:
                traced = TracedChatClient(client, server.base_url, trace, root)
                # fail_next comes first: a 400, permanent, after one attempt
                with pytest.raises(PermanentProviderError):
                    await traced.complete([{"role": "user", "content": "hi"}], "m-fail")
                await traced.complete(
                    [{"role": "system", "content": "judge"}, {"role": "user", "content": "hi"}],
                    "gpt-4o-mini",
                    temperature=0.0,
                )

    asyncio.run(run())
    rows = decoded(trace)
    ok, failed = rows["chat gpt-4o-mini"], rows["chat m-fail"]
    assert (ok["span_type"], ok["model"], ok["status_code"]) == ("llm", "gpt-4o-mini", 1)
    assert ok["input_tokens"] > 0 and ok["output_tokens"] > 0
    assert json.loads(ok["input"])[0] == {
        "role": "system",
        "parts": [{"type": "text", "content": "judge"}],
    }
    assert json.loads(ok["output"])[0]["parts"][0]["content"] == "LABEL: yes"
    assert ok["parent_span_id"] == failed["parent_span_id"] == root.span_id
    assert (failed["status_code"], failed["model"]) == (2, "m-fail")
    attributes = dict(failed["attributes"])
    assert (attributes["gls.llm.attempts"], attributes["http.response.status_code"]) == (
        "1",
        "400",
    )
    assert TEST_API_KEY not in json.dumps(rows, default=str)


def test_provider_names_come_from_known_hosts_only() -> None:
    assert provider_name("https://api.openai.com/v1") == "openai"
    assert provider_name("https://acme.openai.azure.com/openai/v1") == "azure.ai.openai"
    assert provider_name("http://127.0.0.1:8000/v1") is None  # a local vLLM: unknown
