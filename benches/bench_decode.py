"""Decode throughput of the Rust core, and of Python doing part of the same work.

Generates realistic LLM-app spans (a mix of OpenInference and GenAI semconv,
~15 attributes each, input/output text of a few hundred bytes, 500 spans per
request) as OTLP protobuf bytes, then times on the same bytes, single thread, best
of --repeat:

* Rust full decode: `_core.decode_traces(body, ...).record_batch()`: wire read,
  validation, semantic-convention normalisation, all 66 Arrow columns of the span
  schema handed to pyarrow; also with cost/carbon enrichment, and on gzip'd bodies.
* Python parse + 14 columns: `ExportTraceServiceRequest.FromString` (upb), then 14 of
  the same 66 columns built with pyarrow, with the span schema's types (ids, name,
  kind, service, times, duration, status, input and output moved out of the
  attributes, attributes as a sorted text map), checked equal to the Rust decoder's
  on the first body; no validation, no other normalisation. Less work than the Rust
  row, so Rust / this is a lower bound of the ratio for equal work.
* Python parse only: `FromString` and a walk over the spans; builds no columns, so
  Rust / this compares a full decode with a parse and is not like for like.

There is no wire-parse-only entry point to the Rust core from Python; for the Rust
decoder's own phases use `--dump DIR` and rust/examples/profile_decode.rs.

    python benches/bench_decode.py [--spans 200000] [--per-request 500] [--json out.json]
"""

from __future__ import annotations

import argparse
import os

# pyarrow pulls in numpy, whose OpenBLAS threads busy-wait and steal a core
# from a single-threaded benchmark on a small machine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import gzip
import json
import random
import struct
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from gls_engine import _core

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import loadavg, machine_info, write_json  # noqa: E402

FULL_DECODE = (
    "wire read, validation, semantic-convention normalisation, all 66 Arrow columns"
    " (`decode_traces(...).record_batch()`)"
)
PYTHON_14_COLUMNS = (
    "upb `FromString`, then 14 of the 66 columns with pyarrow (ids, name, kind, service,"
    " times, duration, status, input, output, attributes as text); no validation or normalisation"
)

WORDS = (
    "the quick brown fox jumps over a lazy dog while the agent plans its next tool call "
    "retrieving documents about carbon intensity of data centres and token prices"
).split()


def _text(rng: random.Random, n_bytes: int) -> str:
    out: list[str] = []
    size = 0
    while size < n_bytes:
        w = rng.choice(WORDS)
        out.append(w)
        size += len(w) + 1
    return " ".join(out)


def _kv(key: str, value) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    if isinstance(value, float):
        return KeyValue(key=key, value=AnyValue(double_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


def _openinference_attrs(rng: random.Random, i: int) -> list[KeyValue]:
    prompt = _text(rng, rng.randint(200, 600))
    answer = _text(rng, rng.randint(150, 400))
    return [
        _kv("openinference.span.kind", "LLM"),
        _kv("llm.model_name", rng.choice(["gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet"])),
        _kv("llm.provider", "openai"),
        _kv("llm.system", "openai"),
        _kv("llm.token_count.prompt", rng.randint(50, 4000)),
        _kv("llm.token_count.completion", rng.randint(10, 800)),
        _kv("llm.token_count.total", rng.randint(60, 4800)),
        _kv("llm.invocation_parameters", '{"temperature": 0.2, "max_tokens": 512}'),
        _kv("input.value", json.dumps({"messages": [{"role": "user", "content": prompt}]})),
        _kv("input.mime_type", "application/json"),
        _kv("output.value", answer),
        _kv("output.mime_type", "text/plain"),
        _kv("session.id", f"session-{i % 97}"),
        _kv("user.id", f"user-{i % 13}"),
        _kv("metadata", '{"route": "/chat", "tenant": "acme"}'),
    ]


def _genai_attrs(rng: random.Random, i: int) -> list[KeyValue]:
    prompt = _text(rng, rng.randint(200, 600))
    answer = _text(rng, rng.randint(150, 400))
    return [
        _kv("gen_ai.operation.name", "chat"),
        _kv("gen_ai.provider.name", "anthropic"),
        _kv("gen_ai.request.model", "claude-3-5-sonnet"),
        _kv("gen_ai.response.model", "claude-3-5-sonnet-20241022"),
        _kv("gen_ai.request.temperature", 0.7),
        _kv("gen_ai.request.max_tokens", 1024),
        _kv("gen_ai.usage.input_tokens", rng.randint(50, 4000)),
        _kv("gen_ai.usage.output_tokens", rng.randint(10, 800)),
        _kv("gen_ai.usage.cache_read.input_tokens", rng.randint(0, 2000)),
        _kv("gen_ai.response.finish_reasons", "stop"),
        _kv("gen_ai.response.id", f"msg_{rng.getrandbits(64):016x}"),
        _kv(
            "gen_ai.input.messages",
            json.dumps([{"role": "user", "parts": [{"type": "text", "content": prompt}]}]),
        ),
        _kv(
            "gen_ai.output.messages",
            json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": answer}]}]),
        ),
        _kv("gen_ai.conversation.id", f"conv-{i % 89}"),
        _kv("server.address", "api.anthropic.com"),
    ]


def make_requests(n_spans: int, per_request: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    now = time.time_ns()
    bodies: list[bytes] = []
    made = 0
    while made < n_spans:
        k = min(per_request, n_spans - made)
        spans = []
        trace_id = rng.randbytes(16)
        for j in range(k):
            i = made + j
            if j % 10 == 0:
                trace_id = rng.randbytes(16)
            start = now - rng.randint(10**9, 10**11)
            attrs = _openinference_attrs(rng, i) if i % 2 == 0 else _genai_attrs(rng, i)
            spans.append(
                Span(
                    trace_id=trace_id,
                    span_id=rng.randbytes(8),
                    parent_span_id=rng.randbytes(8) if j % 10 else b"",
                    name="chat " + ("gpt-4o-mini" if i % 2 == 0 else "claude-3-5-sonnet"),
                    kind=Span.SPAN_KIND_CLIENT,
                    start_time_unix_nano=start,
                    end_time_unix_nano=start + rng.randint(10**7, 10**10),
                    attributes=attrs,
                    status=Status(code=Status.STATUS_CODE_OK),
                )
            )
        req = ExportTraceServiceRequest(
            resource_spans=[
                ResourceSpans(
                    resource=Resource(
                        attributes=[
                            _kv("service.name", "rag-api"),
                            _kv("deployment.environment.name", "prod"),
                            _kv("telemetry.sdk.language", "python"),
                            _kv("telemetry.sdk.name", "opentelemetry"),
                            _kv("telemetry.sdk.version", "1.27.0"),
                        ]
                    ),
                    scope_spans=[
                        ScopeSpans(
                            scope=InstrumentationScope(
                                name="openinference.instrumentation.openai", version="0.1.0"
                            ),
                            spans=spans,
                        )
                    ],
                )
            ]
        )
        bodies.append(req.SerializeToString())
        made += k
    return bodies


def bench_rust(
    bodies: list[bytes], received_ns: int, gz: bool = False, enricher: _core.Enricher | None = None
) -> float:
    t0 = time.perf_counter()
    n = 0
    for b in bodies:
        d = _core.decode_traces(b, gzip=gz, received_ns=received_ns, enricher=enricher)
        n += d.record_batch().num_rows
    return n / (time.perf_counter() - t0)


def bench_python_parse(bodies: list[bytes]) -> float:
    t0 = time.perf_counter()
    n = 0
    for b in bodies:
        req = ExportTraceServiceRequest.FromString(b)
        for rs in req.resource_spans:
            for ss in rs.scope_spans:
                for span in ss.spans:
                    n += 1 if span.name else 1
    return n / (time.perf_counter() - t0)


PYTHON_COLUMNS = (
    "trace_id",
    "span_id",
    "parent_span_id",
    "name",
    "kind",
    "service_name",
    "start_time",
    "end_time",
    "duration_ns",
    "status_code",
    "status_message",
    "input",
    "output",
    "attributes",
)
NO_PARENT = bytes(8)
# Moved out of the attributes into input / output, as the Rust normaliser does for them
# (it knows more keys; these are the ones make_requests writes).
INPUT_KEYS = ("input.value", "gen_ai.input.messages")
OUTPUT_KEYS = ("output.value", "gen_ai.output.messages")


def _value_text(value: AnyValue) -> str:
    which = value.WhichOneof("value")
    if which == "string_value":
        return value.string_value
    if which == "bool_value":
        return "true" if value.bool_value else "false"
    if which == "int_value":
        return str(value.int_value)
    if which == "double_value":
        return repr(value.double_value)
    return str(getattr(value, which)) if which else ""


def python_columns(body: bytes, schema: pa.Schema) -> pa.RecordBatch:
    """14 of the span schema's columns from a protobuf body, in Python."""
    req = ExportTraceServiceRequest.FromString(body)
    cols: dict[str, list[object]] = {name: [] for name in PYTHON_COLUMNS}
    for rs in req.resource_spans:
        service = next(
            (kv.value.string_value for kv in rs.resource.attributes if kv.key == "service.name"),
            "",
        )
        for ss in rs.scope_spans:
            for span in ss.spans:
                cols["trace_id"].append(span.trace_id)
                cols["span_id"].append(span.span_id)
                cols["parent_span_id"].append(span.parent_span_id or NO_PARENT)
                cols["name"].append(span.name)
                cols["kind"].append(span.kind)
                cols["service_name"].append(service)
                cols["start_time"].append(span.start_time_unix_nano)
                cols["end_time"].append(span.end_time_unix_nano)
                cols["duration_ns"].append(span.end_time_unix_nano - span.start_time_unix_nano)
                cols["status_code"].append(span.status.code)
                cols["status_message"].append(span.status.message)
                attrs = {kv.key: _value_text(kv.value) for kv in span.attributes}
                cols["input"].append(next((attrs.pop(k) for k in INPUT_KEYS if k in attrs), ""))
                cols["output"].append(next((attrs.pop(k) for k in OUTPUT_KEYS if k in attrs), ""))
                cols["attributes"].append(sorted(attrs.items()))
    arrays = [pa.array(cols[f.name], type=f.type) for f in schema]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def python_schema() -> pa.Schema:
    return pa.schema([_core.span_schema().field(name) for name in PYTHON_COLUMNS])


def columns_differing(body: bytes, received_ns: int) -> list[str]:
    """The columns where Python's batch differs from the Rust decoder's on `body` (none:
    the Python row builds exactly these columns of the Rust row's output)."""
    python = python_columns(body, python_schema())
    rust = _core.decode_traces(body, received_ns=received_ns).record_batch()
    return [n for n in PYTHON_COLUMNS if not python.column(n).equals(rust.column(n))]


def bench_python_columns(bodies: list[bytes]) -> float:
    schema = python_schema()
    t0 = time.perf_counter()
    n = 0
    for b in bodies:
        n += python_columns(b, schema).num_rows
    return n / (time.perf_counter() - t0)


def dump(out: Path, bodies: list[bytes]) -> int:
    from gls_engine.carbon.data import impact_data_json
    from gls_engine.costs.prices import export_price_data

    out.mkdir(parents=True, exist_ok=True)
    with open(out / "bodies.bin", "wb") as f:
        for body in bodies:
            f.write(struct.pack("<I", len(body)) + body)
    (out / "prices.json").write_text(export_price_data().json)
    (out / "impacts.json").write_text(impact_data_json())
    print(
        f"wrote {len(bodies)} bodies and the enrichment data to {out}: cargo run --release"
        f" --example profile_decode -- {out / 'bodies.bin'} 5, with"
        f" ENRICH={out / 'prices.json'}:{out / 'impacts.json'} for enrichment"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--spans", type=int, default=200_000)
    ap.add_argument("--per-request", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs")
    ap.add_argument("--json", metavar="PATH", help="write the results as JSON to PATH")
    ap.add_argument(
        "--dump",
        metavar="DIR",
        help="write the bodies (bodies.bin, u32 LE length + body) and the enrichment"
        " data (prices.json, impacts.json) for rust/examples/profile_decode.rs,"
        " then stop",
    )
    args = ap.parse_args(argv)

    bodies = make_requests(args.spans, args.per_request)
    if args.dump:
        return dump(Path(args.dump), bodies)
    total_bytes = sum(len(b) for b in bodies)
    n_spans = args.spans
    received = time.time_ns()
    gz_bodies = [gzip.compress(b, 6) for b in bodies]
    # warm up
    bench_rust(bodies[:2], received)
    rust = max(bench_rust(bodies, received) for _ in range(args.repeat))
    # with cost / energy / carbon / quality (issue 4); caches warmed by one pass first
    from gls_engine.config import settings_for_tests
    from gls_engine.ingest.enrichment import Enrichment

    with tempfile.TemporaryDirectory() as tmp:
        enricher = Enrichment.load(settings_for_tests(data_dir=tmp)).current
    bench_rust(bodies, received, enricher=enricher)
    rust_enriched = max(bench_rust(bodies, received, enricher=enricher) for _ in range(args.repeat))
    rust_gz = max(bench_rust(gz_bodies, received, gz=True) for _ in range(args.repeat))
    differing = columns_differing(bodies[0], received)
    python_columns_rate = max(bench_python_columns(bodies) for _ in range(args.repeat))
    python_parse = max(bench_python_parse(bodies) for _ in range(args.repeat))
    rows = [
        ("Rust full decode", FULL_DECODE, rust),
        (
            "Rust full decode + enrichment",
            "the same, plus cost, energy, carbon, quality",
            rust_enriched,
        ),
        ("Rust full decode, gzipped bodies", "the same after inflating (level 6)", rust_gz),
        ("Python parse + 14 columns (upb + pyarrow)", PYTHON_14_COLUMNS, python_columns_rate),
        (
            "Python parse only (upb, no columns)",
            "upb `FromString` and a walk over the spans; no columns",
            python_parse,
        ),
    ]
    comparison = (
        f"Rust full decode / Python parse + 14 columns: {rust / python_columns_rate:.1f}x"
        " (Python does less: a lower bound for equal work); Rust full decode / Python parse"
        f" only: {rust / python_parse:.2f}x (not like for like: a full decode against a parse"
        " that builds nothing)."
    )
    res = {
        "bench": "decode",
        "machine": machine_info(),
        "command": "python benches/bench_decode.py " + " ".join(argv or sys.argv[1:]),
        "spans": n_spans,
        "requests": len(bodies),
        "spans_per_request": args.per_request,
        "bytes_per_span": round(total_bytes / n_spans, 1),
        "rows": [{"name": n, "does": d, "spans_per_s": round(v)} for n, d, v in rows],
        "enrichment_us_per_span": round((1 / rust_enriched - 1 / rust) * 1e6, 3),
        "ratio_rust_over_python_columns": round(rust / python_columns_rate, 2),
        "ratio_rust_over_python_parse_only": round(rust / python_parse, 2),
        "comparison": comparison,
        "python_columns_equal_rust": not differing,
        "rust_mb_per_s": round(rust * total_bytes / n_spans / 1e6, 1),
    }
    print(
        f"{n_spans} spans in {len(bodies)} requests, {res['bytes_per_span']} bytes/span (protobuf);"
        f" Rust {res['rust_mb_per_s']} MB/s, enrichment +{res['enrichment_us_per_span']} us/span"
    )
    for name, does, rate in rows:
        print(f"{name:42s} {rate:>12,.0f} spans/s  {does}")
    print(comparison)
    print(
        f"the Python row's {len(PYTHON_COLUMNS)} columns equal the Rust decoder's on the first body"
        if not differing
        else f"the Python row's columns differ from the Rust decoder's: {', '.join(differing)}"
    )
    res["machine"]["loadavg_at_end"] = loadavg()
    write_json(args.json, res)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
