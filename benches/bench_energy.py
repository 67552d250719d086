"""Micro-measure of the per-LLM-span carbon work (resolve + llm_impacts).

Measures, not tests: prints ns per call, asserts nothing.

* python: `ImpactModel.llm_impacts(...)` through the bindings (resolve and
  compute in Rust, plus the call and the result dict), on a mix of models.
* rust (with --rust): the core alone, `cargo run --release --example
  bench_energy` on the same data (the ingest path calls Rust directly).

    python benches/bench_energy.py [--calls 200000] [--rust]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gls_engine.carbon import ImpactModel, impact_data_json

REPO = Path(__file__).resolve().parent.parent

SPANS = [
    ("openai", "gpt-4o"),
    ("openai", "gpt-4o-mini-2024-07-18"),
    ("anthropic", "claude-sonnet-4-5"),
    ("gcp.gemini", "gemini-2.5-flash"),
    ("mistral_ai", "mistral-small-2603"),
    ("cohere", "command-a-03-2025"),
    ("huggingface", "meta-llama/Meta-Llama-3.1-70B"),
    ("openai", "my-fine-tune"),
]


def bench_python(model: ImpactModel, calls: int) -> float:
    """Best of 5 rounds, ns per llm_impacts call."""
    args = [(p, m, 100 + i % 900) for i, (p, m) in enumerate(SPANS * (calls // len(SPANS)))]
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter_ns()
        for provider, name, tokens in args:
            model.llm_impacts(provider, name, tokens, 2.5)
        best = min(best, (time.perf_counter_ns() - start) / len(args))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--rust", action="store_true", help="also time the Rust core alone")
    opts = parser.parse_args()

    data = impact_data_json()
    start = time.perf_counter()
    model = ImpactModel(data)
    print(f"{model!r}: loaded in {(time.perf_counter() - start) * 1e3:.1f} ms")
    print(
        f"python llm_impacts (resolve + compute + dict): {bench_python(model, opts.calls):.0f} ns/call"
    )

    if opts.rust:
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            f.write(data)
            f.flush()
            cmd = [
                "cargo",
                "run",
                "-q",
                "--release",
                "-p",
                "gls-core",
                "--example",
                "bench_energy",
                "--",
                f.name,
            ]
            sys.stdout.flush()
            subprocess.run(cmd, cwd=REPO, check=True)


if __name__ == "__main__":
    main()
