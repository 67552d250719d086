"""Realistic LLM/agent OTLP trace export requests, fast enough not to limit a benchmark.

A few request *templates* are built once with the official `opentelemetry.proto`
messages: 500 spans per request, traces of 8-12 spans (agent -> chain ->
llm / tool / retriever spans), mixing OpenInference attributes
(`openinference.span.kind`, `llm.model_name`, `llm.token_count.*`,
`input.value` / `output.value`) and GenAI semantic conventions (`gen_ai.*`),
~15 attributes per span, input/output text of a few hundred bytes, a resource
with `service.name` and the project.

Every request must carry fresh trace and span ids (the Studio de-duplicates
identical request bodies), so each template remembers the byte offsets of every
trace_id, span_id, parent_span_id, start_time and end_time field in its
serialized form; a request is a copy of the template's bytes with those fields
overwritten (ids from os.urandom, times shifted). No protobuf work per request:
about a millisecond for a 500-span (~0.7 MB) request.

    wl = Workload(projects=["bench"], seed=1)
    body = wl.request()                        # bytes, spans start about now
    body = wl.request(start_ns=t)              # spans start at t (bulk loads)
    for body, spans in wl.bulk_requests(1_000_000, start_ns=a, end_ns=b): ...
"""

from __future__ import annotations

import json
import os
import random
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    InstrumentationScope,
    KeyValue,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

SPANS_PER_REQUEST = 500

MODELS = [
    ("gpt-4o", "openai"),
    ("gpt-4o-mini", "openai"),
    ("claude-3-5-sonnet-20241022", "anthropic"),
    ("claude-3-5-haiku-20241022", "anthropic"),
    ("gemini-1.5-pro", "google"),
    ("mistral-large-latest", "mistral"),
]
TOOLS = ["web_search", "calculator", "sql_query", "get_weather", "send_email", "read_file"]
AGENTS = ["support-agent", "research-agent", "billing-agent", "triage-agent"]
CHAINS = ["answer_question", "summarize_ticket", "plan_and_execute", "rag_pipeline"]
ENVIRONMENTS = ["production", "production", "production", "staging"]
WORDS = (
    "the customer asked about invoice refund policy shipping delay order status account "
    "password reset subscription plan upgrade downgrade billing cycle payment method card "
    "declined warranty return label tracking number carrier package damaged replacement "
    "discount coupon code loyalty points balance transfer escalation priority agent human "
    "handoff summary context document retrieved relevant passage answer grounded citation "
    "according to section paragraph knowledge base article troubleshooting steps restart "
    "device firmware update compatible version release notes latency timeout error retry"
).split()


def _text(rng: random.Random, n_bytes: int) -> str:
    words: list[str] = []
    size = 0
    while size < n_bytes:
        w = rng.choice(WORDS)
        words.append(w)
        size += len(w) + 1
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _av(value: object) -> AnyValue:
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, (list, tuple)):
        return AnyValue(array_value=ArrayValue(values=[_av(v) for v in value]))
    return AnyValue(string_value=str(value))


def _kvs(attrs: dict[str, object]) -> list[KeyValue]:
    return [KeyValue(key=k, value=_av(v)) for k, v in attrs.items()]


# --- span attribute sets: ~15 attributes each --------------------------------------
def _common(rng: random.Random, ctx: dict[str, str]) -> dict[str, object]:
    return {
        "session.id": ctx["session"],
        "user.id": ctx["user"],
        "deployment.environment.name": ctx["env"],
        "metadata": json.dumps({"tenant": ctx["tenant"], "release": "2026.11.3"}),
    }


def _agent_attrs(rng: random.Random, ctx: dict[str, str]) -> dict[str, object]:
    question = _text(rng, rng.randint(150, 400))
    return {
        "openinference.span.kind": "AGENT",
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": ctx["agent"],
        "gen_ai.agent.id": f"agt_{rng.randrange(16**8):08x}",
        "gen_ai.conversation.id": ctx["session"],
        "input.value": question,
        "input.mime_type": "text/plain",
        "output.value": _text(rng, rng.randint(200, 600)),
        "output.mime_type": "text/plain",
        "tag.tags": ["bench", ctx["agent"].split("-")[0]],
        "gls.chain": ctx["chain"],
        **_common(rng, ctx),
    }


def _chain_attrs(rng: random.Random, ctx: dict[str, str]) -> dict[str, object]:
    return {
        "openinference.span.kind": "CHAIN",
        "traceloop.workflow.name": ctx["chain"],
        "input.value": json.dumps({"question": _text(rng, rng.randint(100, 300))}),
        "input.mime_type": "application/json",
        "output.value": _text(rng, rng.randint(150, 400)),
        "output.mime_type": "text/plain",
        "langchain.run_id": f"{rng.randrange(16**32):032x}",
        "chain.step_count": rng.randint(2, 8),
        "retry.count": 0,
        "cache.hit": rng.random() < 0.2,
        "gls.agent": ctx["agent"],
        **_common(rng, ctx),
    }


def _llm_attrs_openinference(rng: random.Random, ctx: dict[str, str]) -> dict[str, object]:
    model, provider = rng.choice(MODELS)
    prompt, completion = rng.randint(200, 4000), rng.randint(20, 800)
    return {
        "openinference.span.kind": "LLM",
        "llm.model_name": model,
        "llm.provider": provider,
        "llm.system": provider,
        "llm.token_count.prompt": prompt,
        "llm.token_count.completion": completion,
        "llm.token_count.total": prompt + completion,
        "llm.token_count.prompt_details.cache_read": rng.choice([0, 0, 128, 1024]),
        "llm.invocation_parameters": json.dumps({"temperature": 0.2, "max_tokens": 1024}),
        "input.value": json.dumps(
            [
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": _text(rng, rng.randint(150, 400))},
            ]
        ),
        "input.mime_type": "application/json",
        "output.value": _text(rng, rng.randint(200, 500)),
        "output.mime_type": "text/plain",
        **_common(rng, ctx),
    }


def _llm_attrs_genai(rng: random.Random, ctx: dict[str, str]) -> dict[str, object]:
    model, provider = rng.choice(MODELS)
    prompt, completion = rng.randint(200, 4000), rng.randint(20, 800)
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": model,
        "gen_ai.response.model": model,
        "gen_ai.request.temperature": 0.2,
        "gen_ai.request.max_tokens": 1024,
        "gen_ai.response.id": f"chatcmpl-{rng.randrange(16**12):012x}",
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.usage.input_tokens": prompt,
        "gen_ai.usage.output_tokens": completion,
        "gen_ai.input.messages": json.dumps(
            [
                {
                    "role": "user",
                    "parts": [{"type": "text", "content": _text(rng, rng.randint(150, 400))}],
                }
            ]
        ),
        "gen_ai.output.messages": json.dumps(
            [
                {
                    "role": "assistant",
                    "parts": [{"type": "text", "content": _text(rng, rng.randint(200, 500))}],
                    "finish_reason": "stop",
                }
            ]
        ),
        **_common(rng, ctx),
    }


def _tool_attrs(rng: random.Random, ctx: dict[str, str]) -> dict[str, object]:
    tool = rng.choice(TOOLS)
    return {
        "openinference.span.kind": "TOOL",
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": tool,
        "gen_ai.tool.call.id": f"call_{rng.randrange(16**12):012x}",
        "tool.name": tool,
        "tool.description": f"Runs {tool.replace('_', ' ')} for the agent.",
        "tool.parameters": json.dumps({"query": _text(rng, 60)}),
        "input.value": json.dumps({"query": _text(rng, rng.randint(60, 200))}),
        "input.mime_type": "application/json",
        "output.value": _text(rng, rng.randint(150, 400)),
        "output.mime_type": "text/plain",
        **_common(rng, ctx),
    }


def _retriever_attrs(rng: random.Random, ctx: dict[str, str]) -> dict[str, object]:
    attrs: dict[str, object] = {
        "openinference.span.kind": "RETRIEVER",
        "input.value": _text(rng, rng.randint(60, 200)),
        "retrieval.top_k": 3,
        "db.system": "qdrant",
        "db.collection.name": "kb-articles",
    }
    for i in range(3):
        attrs[f"retrieval.documents.{i}.document.id"] = f"doc-{rng.randrange(100000)}"
        attrs[f"retrieval.documents.{i}.document.score"] = round(rng.uniform(0.5, 0.99), 4)
        attrs[f"retrieval.documents.{i}.document.content"] = _text(rng, rng.randint(100, 200))
    attrs.update(_common(rng, ctx))
    return attrs


# --- templates ---------------------------------------------------------------------
@dataclass
class _Template:
    data: bytes
    spans: int
    trace_offsets: list[list[int]]  # per trace: offsets of that trace's trace_id fields
    span_offsets: list[int]  # offset of each span's span_id bytes
    parent_offsets: list[tuple[int, int]]  # (offset of parent_span_id bytes, parent's span index)
    time_offsets: list[int]  # offsets of every start/end fixed64
    time_values: list[int]  # template values at those offsets (relative to base 0)
    base_ns: int
    trace_span_index: list[list[int]] = field(default_factory=list)


_TRACE_TAG = b"\x0a\x10"  # Span.trace_id: field 1, length-delimited, 16 bytes
_SPAN_TAG = b"\x12\x08"  # Span.span_id: field 2, 8 bytes
_PARENT_TAG = b"\x22\x08"  # Span.parent_span_id: field 4, 8 bytes
_START_TAG = b"\x39"  # Span.start_time_unix_nano: field 7, fixed64
_END_TAG = b"\x41"  # Span.end_time_unix_nano: field 8, fixed64


def _find_unique(data: bytes, needle: bytes, what: str) -> int:
    at = data.find(needle)
    if at < 0 or data.find(needle, at + 1) >= 0:
        raise RuntimeError(f"template: {what} not found exactly once")
    return at


def _build_template(
    rng: random.Random, project: str, service: str, n_spans: int, spread_ns: int
) -> _Template:
    """One request of n_spans spans; times relative to a base chosen far from any real time."""
    base = 2_000_000_000 * 10**9  # sentinel base (2033); requests shift it
    spans: list[Span] = []
    traces: list[list[int]] = []  # span indexes per trace
    parents: list[int] = []  # parent span index per span, -1 for roots
    trace_ids: list[bytes] = []
    while len(spans) < n_spans:
        size = min(rng.randint(8, 12), n_spans - len(spans))
        tid = os.urandom(16)
        trace_ids.append(tid)
        t0 = base + rng.randrange(spread_ns)
        ctx = {
            "session": f"sess-{rng.randrange(16**10):010x}",
            "user": f"user-{rng.randrange(5000)}",
            "env": rng.choice(ENVIRONMENTS),
            "tenant": f"tenant-{rng.randrange(50)}",
            "agent": rng.choice(AGENTS),
            "chain": rng.choice(CHAINS),
        }
        error_trace = rng.random() < 0.05
        index: list[int] = []
        # root agent span, one chain span under it, the rest under the chain
        plan = ["agent", "chain"]
        kinds = ["llm_oi", "llm_genai", "tool", "retriever", "llm_oi", "tool", "llm_genai"]
        while len(plan) < size:
            plan.append(rng.choice(kinds))
        plan = plan[:size]
        total = rng.randint(2_000, 15_000) * 10**6  # trace duration 2-15 s
        cursor = t0 + 5 * 10**6
        for k, kind in enumerate(plan):
            if kind == "agent":
                attrs, name, parent, start, end = (
                    _agent_attrs(rng, ctx),
                    f"{ctx['agent']}.run",
                    -1,
                    t0,
                    t0 + total,
                )
                skind = 2  # SERVER
            elif kind == "chain":
                attrs, name, parent = _chain_attrs(rng, ctx), ctx["chain"], 0
                start, end, skind = t0 + 2 * 10**6, t0 + total - 2 * 10**6, 1
            else:
                step = max((total - 10 * 10**6) // max(size - 2, 1), 10**6)
                dur = rng.randint(step // 3, step)
                start, end = cursor, cursor + dur
                cursor += step
                parent, skind = 1, 3  # CLIENT
                if kind == "llm_oi":
                    attrs, name = _llm_attrs_openinference(rng, ctx), "ChatCompletion"
                elif kind == "llm_genai":
                    attrs = _llm_attrs_genai(rng, ctx)
                    name = f"chat {attrs['gen_ai.request.model']}"
                elif kind == "tool":
                    attrs = _tool_attrs(rng, ctx)
                    name = f"execute_tool {attrs['tool.name']}"
                else:
                    attrs, name = _retriever_attrs(rng, ctx), "retrieve"
            status = Status(code=1)
            if error_trace and k == len(plan) - 1:
                status = Status(code=2, message="RateLimitError: 429 Too Many Requests")
            index.append(len(spans))
            parents.append(-1 if parent < 0 else index[parent])  # parent's index in the request
            spans.append(
                Span(
                    trace_id=tid,
                    span_id=os.urandom(8),
                    parent_span_id=b"",  # set below, once span ids are known
                    name=name,
                    kind=skind,
                    start_time_unix_nano=start,
                    end_time_unix_nano=end,
                    attributes=_kvs(attrs),
                    status=status,
                )
            )
        traces.append(index)
    for i, p in enumerate(parents):
        if p >= 0:
            spans[i].parent_span_id = spans[p].span_id
    request = ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=Resource(
                    attributes=_kvs(
                        {
                            "service.name": service,
                            "service.version": "1.4.2",
                            "gls.project": project,
                            "openinference.project.name": project,
                            "telemetry.sdk.language": "python",
                            "telemetry.sdk.name": "opentelemetry",
                            "deployment.environment.name": "production",
                        }
                    )
                ),
                scope_spans=[
                    ScopeSpans(
                        scope=InstrumentationScope(
                            name="openinference.instrumentation.openai", version="0.1.18"
                        ),
                        spans=spans,
                    )
                ],
            )
        ]
    )
    data = request.SerializeToString()
    trace_offsets = []
    for tid, index in zip(trace_ids, traces, strict=True):
        offs, at = [], -1
        while (at := data.find(_TRACE_TAG + tid, at + 1)) >= 0:
            offs.append(at + 2)
        if len(offs) != len(index):
            raise RuntimeError("template: trace_id occurrences do not match its spans")
        trace_offsets.append(offs)
    span_offsets = [_find_unique(data, _SPAN_TAG + s.span_id, "span_id") + 2 for s in spans]
    parent_offsets = []
    for i, p in enumerate(parents):
        if p >= 0:
            # parent_span_id (field 4) follows the span's own span_id (field 2)
            at = data.find(_PARENT_TAG + spans[p].span_id, span_offsets[i])
            if at < 0:
                raise RuntimeError("template: parent_span_id not found")
            parent_offsets.append((at + 2, p))
    time_offsets, time_values = [], []
    for s, from_at in zip(spans, span_offsets, strict=True):
        # Search for each time after its span's own span_id, so equal values in
        # different spans cannot be confused.
        for tag, value in ((_START_TAG, s.start_time_unix_nano), (_END_TAG, s.end_time_unix_nano)):
            at = data.find(tag + struct.pack("<Q", value), from_at)
            if at < 0:
                raise RuntimeError("template: time field not found")
            time_offsets.append(at + 1)
            time_values.append(value - base)
    return _Template(
        data,
        len(spans),
        trace_offsets,
        span_offsets,
        parent_offsets,
        time_offsets,
        time_values,
        base,
        traces,
    )


@dataclass
class _JsonTemplate:
    """The same request in the OTLP JSON mapping, with where its ids and times are."""

    text: bytes
    span_positions: list[list[int]]  # per span: where its 16-hex id is (own id, children's parent)
    trace_positions: list[list[int]]  # per trace: where its 32-hex id is
    time_positions: list[int]  # the 19 digits of each start/end, in time_values order


def _json_template(t: _Template) -> _JsonTemplate:
    import base64

    from google.protobuf.json_format import MessageToDict

    doc = MessageToDict(ExportTraceServiceRequest.FromString(t.data), use_integers_for_enums=True)
    for rs in doc["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:  # OTLP JSON ids are hex, not protobuf JSON's base64
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        span[key] = base64.b64decode(span[key]).hex()
    text = json.dumps(doc, separators=(",", ":")).encode()

    def all_at(needle: bytes) -> list[int]:
        found, at = [], -1
        while (at := text.find(needle, at + 1)) >= 0:
            found.append(at)
        return found

    span_positions, time_positions = [], []
    for i, at in enumerate(t.span_offsets):
        hexid = t.data[at : at + 8].hex().encode()
        own = text.find(b'"spanId":"' + hexid)
        children = sum(1 for _, p in t.parent_offsets if p == i)
        positions = all_at(hexid)
        if own < 0 or len(positions) != 1 + children:
            raise RuntimeError("json template: span id occurrences do not match")
        span_positions.append(positions)
        for key in (b'"startTimeUnixNano":"', b'"endTimeUnixNano":"'):
            k = text.find(key, own)
            if k < 0 or text[k + len(key) + 19 : k + len(key) + 20] != b'"':
                raise RuntimeError("json template: time not found or not 19 digits")
            time_positions.append(k + len(key))
    trace_positions = []
    for offs in t.trace_offsets:
        positions = all_at(t.data[offs[0] : offs[0] + 16].hex().encode())
        if len(positions) != len(offs):
            raise RuntimeError("json template: trace id occurrences do not match")
        trace_positions.append(positions)
    return _JsonTemplate(text, span_positions, trace_positions, time_positions)


class Workload:
    """Fresh OTLP protobuf requests from a handful of templates, round-robin."""

    def __init__(
        self,
        projects: list[str] | None = None,
        templates_per_project: int = 2,
        spans_per_request: int = SPANS_PER_REQUEST,
        seed: int = 1,
        spread_s: float = 10.0,
    ) -> None:
        self.projects = projects or ["bench"]
        rng = random.Random(seed)
        self.templates = [
            _build_template(rng, project, f"{project}-svc", spans_per_request, int(spread_s * 1e9))
            for project in self.projects
            for _ in range(templates_per_project)
        ]
        self._next = 0
        self.spans_per_request = spans_per_request
        self.request_bytes = sum(len(t.data) for t in self.templates) // len(self.templates)
        self._pack = struct.Struct("<Q").pack_into
        self._json: list[_JsonTemplate | None] = [None] * len(self.templates)

    def request(
        self,
        start_ns: int | None = None,
        template: int | None = None,
        trace_ids_out: list[tuple[str, bytes]] | None = None,
    ) -> bytes:
        """A new request; its spans start within spread_s after start_ns (default: about now).

        trace_ids_out, if given, receives (project, trace_id) of every trace in it.
        """
        index, t, start_ns, ids, project = self._fresh(template, start_ns)
        buf = bytearray(t.data)
        for i, at in enumerate(t.span_offsets):
            buf[at : at + 8] = ids[8 * i : 8 * i + 8]
        for at, p in t.parent_offsets:
            buf[at : at + 8] = ids[8 * p : 8 * p + 8]
        tid_base = 8 * t.spans
        for k, offs in enumerate(t.trace_offsets):
            tid = ids[tid_base + 16 * k : tid_base + 16 * k + 16]
            for at in offs:
                buf[at : at + 16] = tid
            if trace_ids_out is not None:
                trace_ids_out.append((project, tid))
        pack = self._pack
        for at, rel in zip(t.time_offsets, t.time_values, strict=True):
            pack(buf, at, start_ns + rel)
        return bytes(buf)

    def request_json(
        self, start_ns: int | None = None, trace_ids_out: list[tuple[str, bytes]] | None = None
    ) -> bytes:
        """A new request in the OTLP JSON mapping (hex ids, enum ints, camelCase): the
        same spans as `request`, ids and times written into a JSON template."""
        index, t, start_ns, ids, project = self._fresh(None, start_ns)
        jt = self._json[index]
        if jt is None:
            jt = self._json[index] = _json_template(t)
        buf = bytearray(jt.text)
        hexed = ids.hex().encode()
        for i, positions in enumerate(jt.span_positions):
            h = hexed[16 * i : 16 * i + 16]
            for at in positions:
                buf[at : at + 16] = h
        tid_base = 8 * t.spans
        for k, positions in enumerate(jt.trace_positions):
            tid = ids[tid_base + 16 * k : tid_base + 16 * k + 16]
            h = hexed[2 * (tid_base + 16 * k) : 2 * (tid_base + 16 * k + 16)]
            for at in positions:
                buf[at : at + 32] = h
            if trace_ids_out is not None:
                trace_ids_out.append((project, tid))
        for at, rel in zip(jt.time_positions, t.time_values, strict=True):
            buf[at : at + 19] = b"%019d" % (start_ns + rel)
        return bytes(buf)

    def _fresh(
        self, template: int | None, start_ns: int | None
    ) -> tuple[int, _Template, int, bytes, str]:
        """The template (the next one round-robin unless given), the start time (traces
        that finished a little while ago unless given), fresh random ids for its spans
        then its traces, and its project."""
        if template is None:
            template = self._next
            self._next = (self._next + 1) % len(self.templates)
        t = self.templates[template]
        if start_ns is None:
            start_ns = time.time_ns() - 20 * 10**9
        ids = os.urandom(8 * t.spans + 16 * len(t.trace_offsets))
        project = self.projects[template // (len(self.templates) // len(self.projects))]
        return template, t, start_ns, ids, project

    def bulk_requests(
        self,
        n_spans: int,
        start_ns: int,
        end_ns: int,
        seed: int = 7,
        trace_ids_out: list[tuple[str, bytes]] | None = None,
    ) -> Iterator[tuple[bytes, int]]:
        """Requests holding n_spans spans in all (rounded up to whole requests), in time
        order like live traffic: request i starts at a random time within the i-th of
        equal slices of [start_ns, end_ns). Yields (body, spans)."""
        rng = random.Random(seed)
        n_requests = -(-n_spans // self.spans_per_request)
        slot = (end_ns - start_ns) / n_requests
        for i in range(n_requests):
            start = start_ns + int((i + rng.random()) * slot)
            yield self.request(start_ns=start, trace_ids_out=trace_ids_out), self.spans_per_request


def _selfcheck() -> None:
    """Decode a generated request with the official messages and print a summary."""
    wl = Workload(projects=["p1", "p2"], seed=3)
    t0 = time.perf_counter()
    n = 200
    bodies = [wl.request() for _ in range(n)]
    per_req = (time.perf_counter() - t0) / n
    seen_spans, seen_traces = set(), set()
    attrs = 0
    for body in bodies[:20]:
        req = ExportTraceServiceRequest.FromString(body)
        spans = [s for rs in req.resource_spans for ss in rs.scope_spans for s in ss.spans]
        ids = {s.span_id for s in spans}
        for s in spans:
            assert s.span_id not in seen_spans
            seen_spans.add(s.span_id)
            seen_traces.add(s.trace_id)
            assert not s.parent_span_id or s.parent_span_id in ids, "dangling parent"
            assert s.end_time_unix_nano >= s.start_time_unix_nano
            assert abs(s.start_time_unix_nano - time.time_ns()) < 120 * 10**9
            attrs += len(s.attributes)
    print(
        f"{len(wl.templates)} templates, {wl.request_bytes} bytes per request,"
        f" {per_req * 1e3:.2f} ms per request, {len(seen_traces) / 20:.0f} traces per request,"
        f" {attrs / len(seen_spans):.1f} attributes per span; ids unique, parents resolve"
    )
    # The JSON form: the same request as protobuf, once both are decoded (ids aside).
    from google.protobuf.json_format import Parse

    as_json, as_proto = (
        Workload(projects=["p1", "p2"], seed=3),
        Workload(projects=["p1", "p2"], seed=3),
    )
    for _ in range(len(as_json.templates)):
        start = time.time_ns()
        req = Parse(as_json.request_json(start_ns=start), ExportTraceServiceRequest())
        ref = ExportTraceServiceRequest.FromString(as_proto.request(start_ns=start))
        got = [s for rs in req.resource_spans for ss in rs.scope_spans for s in ss.spans]
        want = [s for rs in ref.resource_spans for ss in rs.scope_spans for s in ss.spans]
        ids = {s.span_id for s in got}
        assert len(ids) == len(got) == len(want)
        assert all(not s.parent_span_id or s.parent_span_id in ids for s in got), "dangling parent"
        for a, b in zip(got, want, strict=True):
            assert (a.name, a.start_time_unix_nano, a.end_time_unix_nano, a.attributes) == (
                b.name,
                b.start_time_unix_nano,
                b.end_time_unix_nano,
                b.attributes,
            )
    print("JSON requests: the same spans as protobuf, ids fresh, parents resolve")


if __name__ == "__main__":
    _selfcheck()
