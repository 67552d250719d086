"""Per-call cost of LLM pricing (a measurement, not a test).

Times, single thread, on the installed genai-prices data:

* the Rust core alone (the figure that matters for ingest, where decode calls
  it per span): the ignored test `pricing::tests::measure_pricing`, run here
  in release mode when --rust is given;
* the Python binding: PriceBook.resolve (cache hit) and PriceBook.cost, which
  add the Python call and the result dict;
* genai_prices.calc_price for the same calls, for scale.

    python benches/bench_pricing.py [--calls 200000] [--rust]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from genai_prices import Usage, calc_price

from gls_engine._core import PriceBook
from gls_engine.costs import export_price_data

CALLS = [
    ("openai", "gpt-4o-2024-08-06"),
    ("openai", "gpt-4o-mini"),
    ("anthropic", "claude-3-5-sonnet-20241022"),
    ("anthropic", "claude-sonnet-4-5"),
    ("google", "gemini-2.5-pro"),
    ("gcp.vertex_ai", "gemini-2.5-flash"),
    ("mistral", "mistral-large-latest"),
    ("groq", "llama-3.3-70b-versatile"),
    ("deepseek", "deepseek-chat"),
    ("", "gpt-4.1"),
    ("azure", "gpt-4o"),
    ("aws.bedrock", "global.anthropic.claude-haiku-5-5"),
]
AT = dt.datetime(2025, 9, 1, 1, tzinfo=dt.UTC)
AT_NS = int(AT.timestamp()) * 1_000_000_000


def per_call_ns(fn, calls: int) -> float:
    started = time.perf_counter_ns()
    fn(calls)
    return (time.perf_counter_ns() - started) / calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--rust", action="store_true", help="also run the Rust-only measure")
    args = parser.parse_args()

    data = export_price_data()
    started = time.perf_counter()
    book = PriceBook(data.json)
    print(f"{data.label}: PriceBook load {1e3 * (time.perf_counter() - started):.1f} ms")
    n_pairs = len(CALLS)

    def resolve(calls: int) -> None:
        for i in range(calls):
            p, m = CALLS[i % n_pairs]
            book.resolve(p, m)

    def cost(calls: int) -> None:
        for i in range(calls):
            p, m = CALLS[i % n_pairs]
            book.cost(
                p,
                m,
                AT_NS,
                input_tokens=1_000 + i % 300_000,
                output_tokens=500,
                cache_read_tokens=i % 1_000,
            )

    def genai(calls: int) -> None:
        for i in range(calls):
            p, m = CALLS[i % n_pairs]
            usage = Usage(
                input_tokens=1_000 + i % 300_000, output_tokens=500, cache_read_tokens=i % 1_000
            )
            calc_price(usage, m, provider_id=p or None, genai_request_timestamp=AT)

    resolve(n_pairs)  # fill the cache
    print(f"binding resolve (cache hit): {per_call_ns(resolve, args.calls):8.0f} ns/call")
    print(f"binding resolve + cost:      {per_call_ns(cost, args.calls):8.0f} ns/call")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        print(f"genai_prices.calc_price:     {per_call_ns(genai, args.calls // 10):8.0f} ns/call")

    if args.rust:
        root = Path(__file__).resolve().parent.parent
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "prices.json"
            path.write_text(data.json)
            env = {**os.environ, "GLS_PRICES_JSON": str(path)}
            cmd = ["cargo", "test", "--release", "-q", "-p", "gls-core", "measure_pricing", "--",
                   "--ignored", "--nocapture"]  # fmt: skip
            done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
            lines = [ln for ln in done.stderr.splitlines() if "ns/call" in ln or "load:" in ln]
            print("rust (release):", *lines, sep="\n  ")
            if done.returncode != 0:
                print(done.stderr[-2000:], file=sys.stderr)
                return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
