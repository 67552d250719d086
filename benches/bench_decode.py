"""Decode throughput of the Rust core vs. the Python protobuf decoder.

Generates realistic LLM-app spans (a mix of OpenInference and GenAI semconv,
~15 attributes each, input/output text of a few hundred bytes, 500 spans per
request) as OTLP protobuf bytes, then times on the same bytes, single thread:

* rust:   gls_engine._core.decode_traces(body, ...).record_batch()
* python: ExportTraceServiceRequest.FromString(body) + iterating the spans

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

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from gls_engine import _core

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


def bench_python(bodies: list[bytes]) -> float:
    t0 = time.perf_counter()
    n = 0
    for b in bodies:
        req = ExportTraceServiceRequest.FromString(b)
        for rs in req.resource_spans:
            for ss in rs.scope_spans:
                for span in ss.spans:
                    n += 1 if span.name else 1
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
    python = max(bench_python(bodies) for _ in range(args.repeat))
    res = {
        "spans": n_spans,
        "requests": len(bodies),
        "spans_per_request": args.per_request,
        "bytes_per_span": round(total_bytes / n_spans, 1),
        "rust_spans_per_s": round(rust),
        "rust_gzip_spans_per_s": round(rust_gz),
        "rust_enriched_spans_per_s": round(rust_enriched),
        "enrichment_us_per_span": round((1 / rust_enriched - 1 / rust) * 1e6, 3),
        "python_spans_per_s": round(python),
        "ratio_rust_over_python": round(rust / python, 2),
        "rust_mb_per_s": round(rust * total_bytes / n_spans / 1e6, 1),
        "cpu": os.cpu_count(),
        "python": sys.version.split()[0],
    }
    print(
        f"{n_spans} spans in {len(bodies)} requests, {res['bytes_per_span']} bytes/span (protobuf)"
    )
    print(
        f"rust  decode_traces + record_batch : {rust:>12,.0f} spans/s  ({res['rust_mb_per_s']} MB/s)"
    )
    print(f"rust  same, gzip bodies            : {rust_gz:>12,.0f} spans/s")
    print(
        f"rust  with cost/carbon enrichment  : {rust_enriched:>12,.0f} spans/s"
        f"  (+{res['enrichment_us_per_span']} us/span)"
    )
    print(f"python FromString + iterate spans  : {python:>12,.0f} spans/s")
    print(f"ratio rust / python                : {res['ratio_rust_over_python']:>12.2f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
