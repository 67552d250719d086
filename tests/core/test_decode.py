"""Tests of the Rust core `gls_engine._core.decode_traces` (docs/span-schema.md).

Requests are built with the Python `opentelemetry.proto` messages; the
resulting pyarrow batch is checked column by column.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import time

import pyarrow as pa
import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    InstrumentationScope,
    KeyValueList,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from gls_engine import _core

from otlp_helpers import any_value as av
from otlp_helpers import key_values as kvs

NOW = time.time_ns()
TID = bytes(range(1, 17))
SID = bytes(range(1, 9))
PID = bytes(range(9, 17))


# ---------------------------------------------------------------- helpers


def span(attrs: dict | None = None, **kw) -> Span:
    args = dict(
        trace_id=TID,
        span_id=SID,
        name="op",
        kind=Span.SPAN_KIND_INTERNAL,
        start_time_unix_nano=NOW - 2_000_000_000,
        end_time_unix_nano=NOW - 1_000_000_000,
        attributes=kvs(attrs or {}),
    )
    args.update(kw)
    return Span(**args)


def request(
    *spans: Span, resource: dict | None = None, scope: InstrumentationScope | None = None
) -> ExportTraceServiceRequest:
    return ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=Resource(
                    attributes=kvs(resource if resource is not None else {"service.name": "svc"})
                ),
                scope_spans=[ScopeSpans(scope=scope, spans=list(spans))],
            )
        ]
    )


def to_json(req: ExportTraceServiceRequest) -> bytes:
    """OTLP/JSON: json_format plus the OTLP fix-ups (hex ids)."""
    d = json_format.MessageToDict(req)

    def fix(o):
        if isinstance(o, dict):
            for k, v in list(o.items()):
                if k in ("traceId", "spanId", "parentSpanId") and isinstance(v, str):
                    o[k] = base64.b64decode(v).hex()
                else:
                    fix(v)
        elif isinstance(o, list):
            for x in o:
                fix(x)

    fix(d)
    return json.dumps(d).encode()


def decode(req, **kw) -> _core.DecodedBatch:
    body = req if isinstance(req, bytes) else req.SerializeToString()
    kw.setdefault("received_ns", NOW)
    return _core.decode_traces(body, **kw)


def rows(req, **kw) -> list[dict]:
    return decode(req, **kw).record_batch().to_pylist()


def one(req, **kw) -> dict:
    r = rows(req, **kw)
    assert len(r) == 1
    return r[0]


def attr_value(text: str, code: int | None) -> AnyValue:
    """attributes/attribute_types pair -> AnyValue (the schema doc's table)."""
    if code is None:
        return AnyValue(string_value=text)
    if code == 1:
        assert text in ("true", "false")
        return AnyValue(bool_value=text == "true")
    if code == 2:
        return AnyValue(int_value=int(text))
    if code == 3:
        return AnyValue(double_value=float(text))
    if code == 4:
        return AnyValue(bytes_value=base64.b64decode(text, validate=True))
    if code == 5:
        return AnyValue(array_value=json_format.Parse(text, ArrayValue()))
    if code == 6:
        return AnyValue(kvlist_value=json_format.Parse(text, KeyValueList()))
    if code == 7:
        assert text == ""
        return AnyValue()
    raise AssertionError(code)


# ------------------------------------------------------------------ schema


def test_schema_and_empty_request():
    schema = _core.span_schema()
    assert isinstance(schema, pa.Schema)
    assert schema.names[:3] == ["project", "trace_id", "span_id"]
    # the decoder's own columns end at ingested_at; enrichment's follow
    enriched = schema.names[schema.names.index("ingested_at") + 1 :]
    assert enriched[:3] == ["llm_cost_usd", "llm_input_cost_usd", "llm_output_cost_usd"]
    assert enriched[-2:] == ["quality_passed", "quality_checks"]
    assert len(schema) == 44 + 22
    names = schema.names
    assert names[names.index("output") + 1 : names.index("output") + 3] == [
        "input_key",
        "output_key",
    ]
    assert schema.field("input_key").type == pa.string() and not schema.field("input_key").nullable
    assert schema.field("trace_id").type == pa.binary(16)
    assert schema.field("start_time").type == pa.timestamp("ns", tz="UTC")
    assert schema.field("input_tokens").nullable
    assert schema.field("tags").type == pa.list_(pa.field("item", pa.string(), nullable=False))
    attrs_t = schema.field("attributes").type
    assert isinstance(attrs_t, pa.MapType) and attrs_t.keys_sorted
    for body in (b"", ExportTraceServiceRequest().SerializeToString()):
        d = _core.decode_traces(body, received_ns=NOW)
        assert (d.accepted_spans, d.rejected_spans, d.rejection_message, d.projects, len(d)) == (
            0,
            0,
            "",
            [],
            0,
        )
        b = d.record_batch()
        assert b.num_rows == 0 and b.schema == schema
    assert _core.decode_traces(b"{}", json=True, received_ns=NOW).record_batch().schema == schema


def test_basic_columns():
    sp = span(
        {"k": "v"},
        parent_span_id=PID,
        trace_state="vendor=1",
        flags=0x101,
        kind=Span.SPAN_KIND_CLIENT,
        status=Status(code=Status.STATUS_CODE_ERROR, message="boom"),
        dropped_attributes_count=1,
        dropped_events_count=2,
        dropped_links_count=3,
        events=[
            Span.Event(
                time_unix_nano=NOW - 1_500_000_000,
                name="exception",
                attributes=kvs({"exception.message": "bad"}),
                dropped_attributes_count=4,
            )
        ],
        links=[
            Span.Link(
                trace_id=bytes(15) + b"\x01",
                span_id=bytes(7) + b"\x02",
                trace_state="a=b",
                attributes=kvs({"l": 1}),
                flags=1,
            )
        ],
    )
    req = request(
        sp,
        resource={"service.name": "checkout", "host.name": "h1"},
        scope=InstrumentationScope(name="my.lib", version="1.2.3", attributes=kvs({"s": True})),
    )
    d = decode(req)
    assert (d.accepted_spans, d.rejected_spans, d.rejection_message, d.projects) == (
        1,
        0,
        "",
        ["default"],
    )
    batch = d.record_batch()
    assert batch.schema == _core.span_schema()
    assert d.record_batch().equals(batch)  # callable more than once
    r = batch.to_pylist()[0]
    assert r["project"] == "default"
    assert (r["trace_id"], r["span_id"], r["parent_span_id"]) == (TID, SID, PID)
    assert r["trace_state"] == "vendor=1"
    assert r["flags"] == 0x101
    assert r["name"] == "op"
    assert r["kind"] == 3
    assert r["span_type"] == "span"
    assert (r["service_name"], r["scope_name"], r["scope_version"]) == (
        "checkout",
        "my.lib",
        "1.2.3",
    )
    start = batch.column("start_time").cast(pa.int64())[0].as_py()
    end = batch.column("end_time").cast(pa.int64())[0].as_py()
    assert (start, end) == (NOW - 2_000_000_000, NOW - 1_000_000_000)
    assert r["duration_ns"] == 1_000_000_000
    assert (r["status_code"], r["status_message"]) == (2, "boom")
    assert (r["model"], r["provider"], r["chain"], r["agent"], r["user_id"], r["session_id"]) == (
        "",
    ) * 6
    assert r["input_tokens"] is None and r["total_tokens"] is None
    assert r["tags"] == [] and r["input"] == "" and r["output"] == ""
    assert r["input_key"] == "" and r["output_key"] == ""
    assert r["attributes"] == [("k", "v")]
    assert r["attribute_types"] == []
    assert json.loads(r["resource_attributes"]) == [
        {"key": "service.name", "value": {"stringValue": "checkout"}},
        {"key": "host.name", "value": {"stringValue": "h1"}},
    ]
    assert json.loads(r["scope_attributes"]) == [{"key": "s", "value": {"boolValue": True}}]
    assert json.loads(r["events"]) == [
        {
            "timeUnixNano": str(NOW - 1_500_000_000),
            "name": "exception",
            "attributes": [{"key": "exception.message", "value": {"stringValue": "bad"}}],
            "droppedAttributesCount": 4,
        }
    ]
    assert json.loads(r["links"]) == [
        {
            "traceId": "00" * 15 + "01",
            "spanId": "00" * 7 + "02",
            "traceState": "a=b",
            "attributes": [{"key": "l", "value": {"intValue": "1"}}],
            "flags": 1,
        }
    ]
    # events/links parse back into the protobuf messages
    ev = json_format.ParseDict(json.loads(r["events"])[0], Span.Event())
    assert ev == sp.events[0]
    assert (r["dropped_attributes_count"], r["dropped_events_count"], r["dropped_links_count"]) == (
        1,
        2,
        3,
    )
    assert batch.column("ingested_at").cast(pa.int64())[0].as_py() == NOW


def test_root_span_parent_is_zero_and_no_scope():
    req = ExportTraceServiceRequest(
        resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=[span()])])]
    )
    r = one(req)
    assert r["parent_span_id"] == bytes(8)
    assert (r["service_name"], r["scope_name"], r["scope_version"]) == ("", "", "")
    assert (r["resource_attributes"], r["scope_attributes"], r["events"], r["links"]) == (
        "[]",
        "[]",
        "[]",
        "[]",
    )


def test_many_spans_across_resources():
    spans_a = [span(span_id=i.to_bytes(8, "big"), name=f"a{i}") for i in range(1, 301)]
    spans_b = [span(span_id=i.to_bytes(8, "big"), name=f"b{i}") for i in range(1, 201)]
    req = ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=Resource(attributes=kvs({"service.name": "A", "gls.project": "pa"})),
                scope_spans=[ScopeSpans(spans=spans_a[:100]), ScopeSpans(spans=spans_a[100:])],
            ),
            ResourceSpans(
                resource=Resource(attributes=kvs({"service.name": "B"})),
                scope_spans=[ScopeSpans(spans=spans_b)],
            ),
        ]
    )
    d = decode(req)
    assert d.accepted_spans == 500 and d.projects == ["pa", "default"]
    b = d.record_batch()
    assert b.column("name").to_pylist() == [f"a{i}" for i in range(1, 301)] + [
        f"b{i}" for i in range(1, 201)
    ]
    assert b.column("service_name").to_pylist() == ["A"] * 300 + ["B"] * 200
    assert b.column("project").to_pylist() == ["pa"] * 300 + ["default"] * 200


# ------------------------------------------------------------ conventions


def test_openinference():
    r = one(
        request(
            span(
                {
                    "openinference.span.kind": "LLM",
                    "llm.model_name": "gpt-4o-mini",
                    "llm.provider": "openai",
                    "llm.token_count.prompt": 120,
                    "llm.token_count.completion": 30,
                    "llm.token_count.prompt_details.cache_read": 100,
                    "llm.token_count.completion_details.reasoning": 7,
                    "input.value": '{"messages": [{"role": "user", "content": "hi"}]}',
                    "output.value": "hello!",
                    "session.id": "s-1",
                    "user.id": "u-1",
                    "tag.tags": ["a", "b"],
                    "metadata": '{"x": 1}',
                }
            )
        )
    )
    assert r["span_type"] == "llm"
    assert (r["model"], r["provider"]) == ("gpt-4o-mini", "openai")
    assert (
        r["input_tokens"],
        r["output_tokens"],
        r["cached_tokens"],
        r["reasoning_tokens"],
        r["total_tokens"],
    ) == (120, 30, 100, 7, 150)
    assert r["input"] == '{"messages": [{"role": "user", "content": "hi"}]}'
    assert r["output"] == "hello!"
    assert (r["session_id"], r["user_id"]) == ("s-1", "u-1")
    assert r["tags"] == ["a", "b"]
    # normalised columns are copies: every attribute stays, except the input /
    # output text taken verbatim from one string attribute (stored once)
    assert dict(r["attributes"])["llm.model_name"] == "gpt-4o-mini"
    assert len(r["attributes"]) == 11
    assert (r["input_key"], r["output_key"]) == ("input.value", "output.value")
    assert "input.value" not in dict(r["attributes"]) and "output.value" not in dict(
        r["attributes"]
    )
    for kind in [
        "CHAIN",
        "TOOL",
        "RETRIEVER",
        "EMBEDDING",
        "AGENT",
        "RERANKER",
        "GUARDRAIL",
        "EVALUATOR",
        "PROMPT",
    ]:
        assert one(request(span({"openinference.span.kind": kind})))["span_type"] == kind.lower()


def test_openllmetry():
    r = one(
        request(
            span(
                {
                    "traceloop.span.kind": "workflow",
                    "traceloop.workflow.name": "rag",
                    "llm.request.type": "chat",
                    "gen_ai.system": "openai",
                    "gen_ai.request.model": "gpt-4",
                    "gen_ai.response.model": "gpt-4-0613",
                    "gen_ai.usage.prompt_tokens": 11,
                    "gen_ai.usage.completion_tokens": 5.0,
                    "llm.usage.total_tokens": "16",
                    "gen_ai.prompt.1.role": "user",
                    "gen_ai.prompt.1.content": "what is 'x'?",
                    "gen_ai.prompt.0.role": "system",
                    "gen_ai.prompt.0.content": "be brief",
                    "gen_ai.completion.0.role": "assistant",
                    "gen_ai.completion.0.content": "x is x",
                    "traceloop.association.properties.user_id": "u7",
                    "traceloop.association.properties.session_id": "s7",
                }
            )
        )
    )
    assert r["span_type"] == "chain"
    assert r["chain"] == "rag"
    assert (r["model"], r["provider"]) == ("gpt-4-0613", "openai")
    assert (r["input_tokens"], r["output_tokens"], r["total_tokens"]) == (11, 5, 16)
    assert json.loads(r["input"]) == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "what is 'x'?"},
    ]
    assert json.loads(r["output"]) == [{"role": "assistant", "content": "x is x"}]
    # assembled: no key, the gen_ai.prompt/completion.{i}.* attributes all stay
    assert (r["input_key"], r["output_key"]) == ("", "")
    assert (
        len(
            [
                k
                for k, _ in r["attributes"]
                if k.startswith(("gen_ai.prompt.", "gen_ai.completion."))
            ]
        )
        == 6
    )
    assert (r["user_id"], r["session_id"]) == ("u7", "s7")
    assert one(request(span({"traceloop.span.kind": "task"})))["span_type"] == "chain"
    assert one(request(span({"llm.request.type": "embedding"})))["span_type"] == "embedding"
    r = one(
        request(span({"traceloop.entity.input": "in", "traceloop.entity.output": "out", "k": "v"}))
    )
    assert (r["input"], r["output"], r["input_key"], r["output_key"]) == (
        "in",
        "out",
        "traceloop.entity.input",
        "traceloop.entity.output",
    )
    assert r["attributes"] == [("k", "v")]


def test_genai_semconv():
    r = one(
        request(
            span(
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.provider.name": "anthropic",
                    "gen_ai.request.model": "claude-3-5-sonnet",
                    "gen_ai.usage.input_tokens": 1000,
                    "gen_ai.usage.output_tokens": 200,
                    "gen_ai.usage.cache_read.input_tokens": 800,
                    "gen_ai.usage.reasoning.output_tokens": 50,
                    "gen_ai.input.messages": '[{"role":"user"}]',
                    "gen_ai.output.messages": '[{"role":"assistant"}]',
                    "gen_ai.conversation.id": "conv-1",
                    "gen_ai.agent.name": "planner",
                    "deployment.environment.name": "staging",
                }
            ),
            resource={"service.name": "s", "deployment.environment.name": "prod"},
        )
    )
    assert r["span_type"] == "llm"
    assert (r["model"], r["provider"]) == ("claude-3-5-sonnet", "anthropic")
    assert (
        r["input_tokens"],
        r["output_tokens"],
        r["cached_tokens"],
        r["reasoning_tokens"],
        r["total_tokens"],
    ) == (1000, 200, 800, 50, 1200)
    assert (r["input"], r["output"]) == ('[{"role":"user"}]', '[{"role":"assistant"}]')
    assert (r["input_key"], r["output_key"]) == ("gen_ai.input.messages", "gen_ai.output.messages")
    assert not {"gen_ai.input.messages", "gen_ai.output.messages"} & set(dict(r["attributes"]))
    assert (r["session_id"], r["agent"], r["environment"]) == ("conv-1", "planner", "staging")
    for op, t in [
        ("text_completion", "llm"),
        ("generate_content", "llm"),
        ("embeddings", "embedding"),
        ("execute_tool", "tool"),
        ("invoke_agent", "agent"),
        ("create_agent", "agent"),
    ]:
        assert one(request(span({"gen_ai.operation.name": op})))["span_type"] == t
    assert one(request(span({"gen_ai.system": "openai"})))["span_type"] == "llm"


def test_gls_keys_precedence_and_environment_from_resource():
    r = one(
        request(
            span(
                {
                    "gls.span.type": "Eval",
                    "openinference.span.kind": "LLM",
                    "gls.chain": "c",
                    "traceloop.workflow.name": "w",
                    "agent.name": "a2",
                    "gls.agent": "a1",
                    "gls.user": "gu",
                    "user.id": "uid",
                    "gls.session": "gs",
                    "gls.tags": '["x", "y"]',
                    "langfuse.trace.tags": '["z"]',
                }
            ),
            resource={"deployment.environment": "dev"},
        )
    )
    assert r["span_type"] == "eval"
    assert (r["chain"], r["agent"], r["user_id"], r["session_id"]) == ("c", "a1", "uid", "gs")
    assert r["tags"] == ["x", "y"]
    assert r["environment"] == "dev"


def test_token_rules():
    r = one(
        request(
            span(
                {
                    "gen_ai.usage.input_tokens": -3,
                    "gen_ai.usage.output_tokens": "many",
                    "llm.token_count.total": 1.5,
                }
            )
        )
    )
    assert (r["input_tokens"], r["output_tokens"], r["total_tokens"]) == (None, None, None)
    assert dict(r["attributes"])["gen_ai.usage.input_tokens"] == "-3"  # the attribute stays
    r = one(request(span({"gen_ai.usage.input_tokens": "42", "gen_ai.usage.output_tokens": 8.0})))
    assert (r["input_tokens"], r["output_tokens"], r["total_tokens"]) == (42, 8, 50)


# ------------------------------------------------------ attribute text codec

ROUND_TRIP = {
    "str": "plain",
    "empty": "",
    "nul": "a\x00b\x00",
    "sql": '\'; DROP TABLE spans; -- SELECT * FROM t WHERE x = "1"',
    "html": "<script>alert('x')</script>&amp;",
    "unicode": "héllo wörld ✓ 😀 \u2028 中文",
    "ctrl": "tab\tnl\ncr\r\x1b",
    "bool_t": True,
    "bool_f": False,
    "int": -(2**63),
    "int_max": 2**63 - 1,
    "double": 1.5,
    "big": 1e300,
    "tiny": 5e-324,
    "negzero": -0.0,
    "inf": math.inf,
    "ninf": -math.inf,
    "bytes": b"\x00\xffbinary\n",
    "no_bytes": b"",
    "array": ["a", 1, 2.5, True, None, b"\x01", ["nested", {"k": "v"}]],
    "empty_array": [],
    "kvlist": {"a": 1, "b": {"c": [1, 2]}, "": "empty key", "nul\x00key": "x"},
    "unset": None,
}


@pytest.mark.parametrize("json_body", [False, True])
def test_attribute_text_round_trip(json_body):
    sp = span(ROUND_TRIP | {"nan": math.nan})
    req = request(sp)
    body = to_json(req) if json_body else req.SerializeToString()
    r = one(body, json=json_body)
    texts = dict(r["attributes"])
    types = dict(r["attribute_types"])
    assert [k for k, _ in r["attributes"]] == sorted(texts)  # keys sorted
    assert set(types) <= set(texts)
    for key, value in ROUND_TRIP.items():
        back = attr_value(texts[key], types.get(key))
        assert back == av(value), key
    nan = attr_value(texts["nan"], types["nan"])
    assert math.isnan(nan.double_value)
    assert texts["nan"] == "NaN" and texts["inf"] == "Infinity" and texts["ninf"] == "-Infinity"
    assert texts["big"] == "1e300" and texts["double"] == "1.5"
    assert texts["bool_t"] == "true" and types["bool_t"] == 1
    assert texts["bytes"] == base64.b64encode(b"\x00\xffbinary\n").decode() and types["bytes"] == 4
    assert json.loads(texts["array"])["values"][0] == {"stringValue": "a"}
    assert (
        types["array"] == 5
        and types["kvlist"] == 6
        and types["unset"] == 7
        and texts["unset"] == ""
    )
    assert "str" not in types and "nul" not in types


def test_huge_value_and_duplicate_keys():
    big = "x" * (5 * 1024 * 1024) + "\x00end"
    sp = span()
    sp.attributes.extend(kvs({"input.value": big, "dup": "first"}))
    sp.attributes.extend(kvs({"dup": 2}))
    r = one(request(sp))
    attrs = dict(r["attributes"])
    assert r["input"] == big and r["input_key"] == "input.value"  # stored once
    assert attrs["dup"] == "2" and dict(r["attribute_types"])["dup"] == 2
    assert [k for k, _ in r["attributes"]] == ["dup"]


def test_input_output_key_rules():
    """input_key/output_key name the one string attribute the text was taken from verbatim."""

    def io(sp):
        r = one(request(sp))
        return (
            r["input"],
            r["input_key"],
            r["output"],
            r["output_key"],
            dict(r["attributes"]),
            dict(r["attribute_types"]),
        )

    # the best-ranked non-empty key is taken and left out; lower-ranked keys stay
    inp, ik, out, ok, attrs, _ = io(
        span(
            {
                "input.value": "",
                "gen_ai.prompt": "p",
                "gen_ai.completion": "c",
                "traceloop.entity.input": "t",
            }
        )
    )
    assert (inp, ik, out, ok) == ("t", "traceloop.entity.input", "c", "gen_ai.completion")
    assert attrs == {"input.value": "", "gen_ai.prompt": "p"}
    # non-string values keep their attribute (and type), no key
    inp, ik, out, ok, attrs, types = io(span({"input.value": 42, "output.value": ["a"]}))
    assert (inp, ik, ok) == ("42", "", "")
    assert set(attrs) == {"input.value", "output.value"} and types == {
        "input.value": 2,
        "output.value": 5,
    }
    # duplicate key, last value empty: the map keeps "" so the attribute stays
    sp = span({"output.value": "first"})
    sp.attributes.extend(kvs({"output.value": ""}))
    assert io(sp)[2:5] == ("first", "", {"output.value": ""})
    # duplicate key, last value chosen: left out
    sp = span({"output.value": "old"})
    sp.attributes.extend(kvs({"output.value": "new"}))
    assert io(sp)[2:5] == ("new", "output.value", {})
    # the JSON path gives the same batch
    req = request(span({"input.value": "in", "gen_ai.output.messages": "[]", "x": 1}))
    a = decode(req).record_batch()
    assert a.equals(decode(to_json(req), json=True).record_batch())
    assert a.column("input_key").to_pylist() == ["input.value"]


# ------------------------------------------------------------- JSON body


def test_json_matches_protobuf():
    sp = span(
        {"openinference.span.kind": "LLM", "llm.token_count.prompt": 3, "x": [1, "a"], "d": 2.5},
        parent_span_id=PID,
        status=Status(code=1),
        events=[Span.Event(time_unix_nano=NOW - 1_200_000_000, name="e")],
        links=[Span.Link(trace_id=TID, span_id=PID)],
    )
    req = request(
        sp, span(span_id=PID, name="second"), resource={"service.name": "s", "gls.project": "p1"}
    )
    a = decode(req).record_batch()
    b = decode(to_json(req), json=True).record_batch()
    assert a.equals(b)


def test_json_variants():
    body = json.dumps(
        {
            "resource_spans": [
                {
                    "scope_spans": [
                        {
                            "spans": [
                                {
                                    "trace_id": TID.hex().upper(),
                                    "span_id": SID.hex(),
                                    "name": "snake",
                                    "kind": "SPAN_KIND_SERVER",
                                    "start_time_unix_nano": NOW - 10,
                                    "end_time_unix_nano": str(NOW),
                                    "attributes": [
                                        {"key": "n", "value": {"intValue": 5}},
                                        {"key": "s", "value": {"string_value": "v"}},
                                    ],
                                    "status": {"code": "STATUS_CODE_OK"},
                                    "unknownField": {"deep": [1, {"x": None}]},
                                }
                            ]
                        }
                    ]
                }
            ]
        }
    ).encode()
    r = one(body, json=True)
    assert (r["name"], r["kind"], r["status_code"], r["trace_id"]) == ("snake", 2, 1, TID)
    assert dict(r["attributes"]) == {"n": "5", "s": "v"}


# ------------------------------------------------------------- projects


def test_project_rules():
    res = {"gls.project": "from-gls", "openinference.project.name": "from-phoenix"}
    assert one(request(span(), resource=res))["project"] == "from-gls"
    assert one(request(span(), resource={"openinference.project.name": "phx"}))["project"] == "phx"
    assert one(request(span(), resource=res), project_override="hdr")["project"] == "hdr"
    d = decode(request(span()), default_project="mine")
    assert d.projects == ["mine"] and d.record_batch().column("project").to_pylist() == ["mine"]
    d = decode(request(span(), span(span_id=PID), resource={"gls.project": "bad project!"}))
    assert (d.accepted_spans, d.rejected_spans) == (0, 2)
    assert d.rejection_message == (
        "rejected 2 of 2 spans: 2 invalid project name (must be 1-128 characters of [A-Za-z0-9._-])"
    )
    assert decode(request(span(), resource={"gls.project": "x" * 129})).rejected_spans == 1
    assert decode(request(span()), project_override="no/slash").rejected_spans == 1
    with pytest.raises(_core.CoreError) as ei:
        decode(request(span()), default_project="not valid")
    assert not isinstance(ei.value, _core.DecodeError)


# ------------------------------------------------------------ rejections


def test_rejections_and_message():
    day = 86_400 * 10**9
    bad = [
        span(trace_id=bytes(16)),
        span(trace_id=b"\x01" * 15),
        span(span_id=bytes(8)),
        span(span_id=b"\x01" * 9),
        span(parent_span_id=b"\x01" * 4),
        span(start_time_unix_nano=0),
        span(start_time_unix_nano=631_152_000 * 10**9 - 1),
        span(start_time_unix_nano=NOW + day + 1, end_time_unix_nano=NOW + day + 2),
        span(end_time_unix_nano=NOW - 3_000_000_000),
        span(end_time_unix_nano=NOW + day + 1),
    ]
    good = [span(span_id=i.to_bytes(8, "big")) for i in range(1, 4)]
    d = decode(request(*bad, *good))
    assert (d.accepted_spans, d.rejected_spans) == (3, 10)
    assert d.rejection_message == (
        "rejected 10 of 13 spans: 2 invalid trace_id (must be 16 bytes, not all zero); "
        "2 invalid span_id (must be 8 bytes, not all zero); "
        "1 invalid parent_span_id (must be empty or 8 bytes); "
        "3 invalid start_time (zero, before 1990-01-01 or more than 1 day after receipt); "
        "1 end_time before start_time; 1 end_time more than 1 day after receipt"
    )
    assert d.record_batch().num_rows == 3
    # boundary: exactly one day after receipt is fine, parent of 8 zero bytes is fine
    ok = span(start_time_unix_nano=NOW, end_time_unix_nano=NOW + day, parent_span_id=bytes(8))
    assert decode(request(ok)).accepted_spans == 1


# ----------------------------------------------------------------- errors


def test_gzip():
    req = request(span({"k": "v"}))
    raw = req.SerializeToString()
    d = decode(gzip.compress(raw), gzip=True)
    assert d.accepted_spans == 1
    dj = decode(gzip.compress(to_json(req)), gzip=True, json=True)
    assert dj.record_batch().equals(d.record_batch())
    with pytest.raises(_core.DecodeError, match="^invalid gzip stream: "):
        decode(raw, gzip=True)
    with pytest.raises(_core.DecodeError, match="^invalid gzip stream: "):
        decode(gzip.compress(raw)[:-10], gzip=True)


def test_gzip_bomb_and_body_limit():
    bomb = gzip.compress(b"\x00" * (64 * 1024 * 1024), 9)
    assert len(bomb) < 100_000
    with pytest.raises(_core.BodyTooLargeError) as ei:
        decode(bomb, gzip=True, max_body_bytes=1024 * 1024)
    assert isinstance(ei.value, _core.DecodeError) and isinstance(ei.value, ValueError)
    raw = request(span()).SerializeToString()
    with pytest.raises(_core.BodyTooLargeError):
        decode(raw, max_body_bytes=len(raw) - 1)
    assert decode(raw, max_body_bytes=len(raw)).accepted_spans == 1
    assert decode(gzip.compress(raw), gzip=True, max_body_bytes=len(raw)).accepted_spans == 1


def test_bad_protobuf():
    raw = request(span({"k": "v" * 100})).SerializeToString()
    for body in (raw[:-5], b"\xff" * 20, b"\x0a\xff\xff\xff\xff\x0f"):
        with pytest.raises(_core.DecodeError, match="^invalid protobuf: "):
            decode(body)


def test_invalid_utf8_in_protobuf():
    marker = "MARKERMARKER"
    for field in ("name", "attr_key", "attr_value", "resource"):
        if field == "name":
            req = request(span(name=marker))
        elif field == "attr_key":
            req = request(span({marker: "v"}))
        elif field == "attr_value":
            req = request(span({"k": marker}))
        else:
            req = request(span(), resource={"service.name": marker})
        body = req.SerializeToString().replace(
            marker.encode(), b"\xff\xfe" + b"x" * (len(marker) - 2)
        )
        with pytest.raises(_core.DecodeError, match="^string field is not valid UTF-8"):
            decode(body)


def test_bad_json():
    with pytest.raises(_core.DecodeError, match=r"^invalid JSON at line 1 column \d+: "):
        decode(b'{"resourceSpans": tru}', json=True)
    with pytest.raises(_core.DecodeError, match="^invalid JSON at line 2 column"):
        decode(b'{"resourceSpans": [\n  {"scopeSpans": 5}]}', json=True)
    with pytest.raises(_core.DecodeError, match="invalid JSON"):
        decode(b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"\xff"}]}]}]}', json=True)
    with pytest.raises(_core.DecodeError, match="hex"):
        decode(b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}', json=True)


def nested(levels: int) -> AnyValue:
    v = AnyValue(string_value="leaf")
    for _ in range(levels - 1):
        v = AnyValue(array_value=ArrayValue(values=[v]))
    return v


def nested_json(levels: int) -> dict:
    v: dict = {"stringValue": "leaf"}
    for _ in range(levels - 1):
        v = {"arrayValue": {"values": [v]}}
    return v


def json_body_with(value: dict) -> bytes:
    sp = {
        "traceId": TID.hex(),
        "spanId": SID.hex(),
        "startTimeUnixNano": str(NOW - 10),
        "endTimeUnixNano": str(NOW),
        "attributes": [{"key": "deep", "value": value}],
    }
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [sp]}]}]}).encode()


def test_nesting_limit_json():
    # (python protobuf cannot even build 64 levels: upb's depth limit is 100 messages)
    r = one(json_body_with(nested_json(64)), json=True)
    assert json.loads(dict(r["attributes"])["deep"]) == nested_json(64)["arrayValue"]
    with pytest.raises(_core.DecodeError, match="^attribute value nested deeper than 64 levels$"):
        decode(json_body_with(nested_json(65)), json=True)
    # far deeper than any stack would take
    deep = '{"arrayValue":{"values":[' * 50_000 + "{}" + "]}}" * 50_000
    body = (
        '{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":'
        + deep
        + "}]}]}]}]}"
    )
    with pytest.raises(_core.DecodeError, match="nested deeper than 64"):
        decode(body.encode(), json=True)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _ld(tag: int, payload: bytes) -> bytes:
    return bytes([tag]) + _varint(len(payload)) + payload


def _deep_protobuf_body(levels: int) -> bytes:
    """A request whose one span has an attribute `deep` nested `levels` AnyValue
    levels (arrays around a string), encoded by hand in linear time (python
    protobuf refuses to go past ~45 levels)."""
    leaf = _ld(0x0A, b"leaf")  # AnyValue.string_value
    sizes = [len(leaf)]  # encoded AnyValue size per level, innermost first
    for _ in range(levels - 1):
        arr = 1 + len(_varint(sizes[-1])) + sizes[-1]  # ArrayValue.values = 1
        sizes.append(1 + len(_varint(arr)) + arr)  # AnyValue.array_value = 5
    parts = []
    for inner in reversed(sizes[:-1]):
        arr = 1 + len(_varint(inner)) + inner
        parts.append(b"\x2a" + _varint(arr) + b"\x0a" + _varint(inner))
    value = b"".join(parts) + leaf
    kv = _ld(0x0A, b"deep") + _ld(0x12, value)
    span_bytes = span().SerializeToString() + _ld(0x4A, kv)
    return _ld(0x0A, _ld(0x12, _ld(0x12, span_bytes)))


def test_nesting_limit_protobuf():
    # an explicit 64-level AnyValue limit, as for JSON (no longer prost's
    # recursion limit, which refused ~47 levels inside a span)
    r = one(request(span({"deep": nested(40)})))
    assert attr_value(dict(r["attributes"])["deep"], 5) == nested(40)
    r = one(_deep_protobuf_body(64))
    text = dict(r["attributes"])["deep"]
    assert text.count('"arrayValue"') == 62 and text.count('"stringValue":"leaf"') == 1
    for levels in (65, 1000, 100_000):  # hostile nesting errors cleanly
        with pytest.raises(
            _core.DecodeError, match="^attribute value nested deeper than 64 levels$"
        ):
            decode(_deep_protobuf_body(levels))


def test_encode_export_response():
    assert _core.encode_export_response() == b""
    assert _core.encode_export_response(json=True) == b"{}"
    resp = ExportTraceServiceResponse.FromString(_core.encode_export_response(3, "bad ids"))
    assert (resp.partial_success.rejected_spans, resp.partial_success.error_message) == (
        3,
        "bad ids",
    )
    assert json.loads(_core.encode_export_response(3, "bad ids", json=True)) == {
        "partialSuccess": {"rejectedSpans": "3", "errorMessage": "bad ids"}
    }
    parsed = json_format.Parse(
        _core.encode_export_response(2, "x", json=True), ExportTraceServiceResponse()
    )
    assert parsed.partial_success.rejected_spans == 2


def test_version_and_exports():
    assert _core.__version__
    assert issubclass(_core.DecodeError, _core.CoreError) and issubclass(
        _core.DecodeError, ValueError
    )
    assert issubclass(_core.BodyTooLargeError, _core.DecodeError)
    with pytest.raises(TypeError):
        _core.decode_traces(b"")  # received_ns is required
