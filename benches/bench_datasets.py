"""Datasets at scale: a 1M-item CSV upload through the API (the request, the job's
time and throughput, the Studio's RSS before and at its peak, the progress the job
reported), then reading that version a page at a time: plain pages at random
depths, pages of one split, searches (a word in 1% of the items, one in none, and
four common words in a row: rare as a phrase, their trigrams in most items), the same after a one-item edit made version 2
(with the edit's and the diff's time), and the whole version exported.

Each metadata backend gets a fresh Studio: SQLite (the default file in the data
dir) and PostgreSQL (a server from Debian's package, started as the tests start
it: tests/support/postgres_server.py).

    python benches/bench_datasets.py --items 1000000 --pages 300

Figures are printed (and written with --json); nothing is asserted.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO / "tests"))

from harness import (  # noqa: E402
    RssSampler,
    _tree_rss,
    code_version,
    loadavg,
    log,
    machine_info,
    percentile,
    studio_process,
    write_json,
)

from gls_engine.request_params import encode_cursor  # noqa: E402

from support.postgres_server import start_postgres_server  # noqa: E402

PROJECT = "bench"
DATASET = "million"
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]


def write_csv(path: Path, items: int) -> int:
    """id, question, answer, category, split: ~110 bytes a row; 'zephyr' in 1% of them."""
    rng = random.Random(7)
    with open(path, "w", encoding="utf-8") as out:
        out.write("id,question,answer,category,split\n")
        for n in range(items):
            words = " ".join(rng.choice(WORDS) for _ in range(6))
            rare = " zephyr" if n % 100 == 37 else ""
            split = "test" if n % 5 == 0 else "train"
            out.write(f"q{n:07d},What does {words}{rare} mean?,It means {n},cat{n % 40},{split}\n")
    return path.stat().st_size


def timed(method: str, url: str, **kwargs: Any) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    resp = requests.request(method, url, timeout=600, **kwargs)
    return (time.perf_counter() - started) * 1000, resp


def figures(times: list[float]) -> dict[str, float | None]:
    return {
        "p50_ms": round(percentile(times, 50) or 0, 2),
        "p99_ms": round(percentile(times, 99) or 0, 2),
        "max_ms": round(max(times), 2) if times else None,
        "n": len(times),
    }


def upload(api: str, csv_path: Path, pid: int) -> dict[str, Any]:
    base = f"{api}/api/v1/projects/{PROJECT}/datasets"
    requests.post(base, json={"name": DATASET}, timeout=60).raise_for_status()
    rss_before = _tree_rss(pid)
    params = {
        "input_columns": "question",
        "expected_columns": "answer",
        "metadata_columns": "category",
    }
    progress: list[tuple[float, int]] = []
    with RssSampler(pid, interval=0.25) as rss:
        started = time.perf_counter()
        with open(csv_path, "rb") as body:
            request_ms, resp = timed(
                "POST",
                f"{base}/{DATASET}/uploads",
                params=params,
                data=body,
                headers={"Content-Type": "text/csv"},
            )
        assert resp.status_code == 202, resp.text
        job_url = f"{api}/api/v1/projects/{PROJECT}/dataset-jobs/{resp.json()['id']}"
        while True:
            job = requests.get(job_url, timeout=60).json()
            progress.append((time.perf_counter() - started, job["rows_read"]))
            if job["state"] not in ("queued", "running"):
                break
            time.sleep(0.5)
        total_s = time.perf_counter() - started
    assert job["state"] == "succeeded", job
    mib = 2**20
    return {
        "request_ms": round(request_ms, 1),
        "job_s": round(total_s, 1),
        "rows_per_s": round(job["rows_read"] / total_s),
        "rows": job["rows_read"],
        "bytes": job["bytes_total"],
        "rss_before_mib": round(rss_before / mib, 1),
        "rss_peak_mib": rss.summary()["rss_peak_mib"],
        "progress_reports": len(progress),
        "progress_at_half_time": next((rows for at, rows in progress if at >= total_s / 2), None),
    }


def read_pages(
    api: str, pages: int, max_row_id: int, version: int, **params: Any
) -> dict[str, Any]:
    """`pages` requests of 50 items, each from a random item id (a cursor at that depth)."""
    url = f"{api}/api/v1/projects/{PROJECT}/datasets/{DATASET}/items"
    rng = random.Random(11)
    times: list[float] = []
    found = 0
    short = 0  # pages that stopped before `limit` matches and the end (a bounded search)
    for _ in range(pages):
        cursor = encode_cursor([rng.randrange(0, max_row_id)])
        ms, resp = timed(
            "GET", url, params={"version": version, "limit": 50, "cursor": cursor, **params}
        )
        assert resp.status_code == 200, resp.text
        times.append(ms)
        page = resp.json()
        found += len(page["items"])
        short += len(page["items"]) < 50 and page["next_cursor"] is not None
    return {**figures(times), "items_per_page": round(found / pages, 1), "short_pages": short}


def run_backend(backend: str, items: int, pages: int, csv_path: Path, work: Path) -> dict[str, Any]:
    extra: list[str] = []
    server = None
    if backend == "postgresql":
        server = start_postgres_server()
        extra = ["--metadata-url", server.url(server.create_database("bench_datasets"))]
    data_dir = work / f"data-{backend}"
    process, ports = studio_process(data_dir, work / f"studio-{backend}.log", *extra)
    process.start(ready_line="ready")
    api = f"http://127.0.0.1:{ports['api']}"
    base = f"{api}/api/v1/projects/{PROJECT}/datasets/{DATASET}"
    result: dict[str, Any] = {"backend": backend, "load_before": loadavg()}
    try:
        log(f"{backend}: uploading {items:,} items")
        result["upload"] = upload(api, csv_path, process.pid)
        log(f"{backend}: upload {result['upload']}")
        row_ids = items + 1  # the version's item row ids run from 1 to items
        result["pages_v1"] = read_pages(api, pages, row_ids, 1)
        result["split_v1"] = read_pages(api, pages, row_ids, 1, split="test")
        result["search_1pct_v1"] = read_pages(api, pages, row_ids, 1, search="zephyr")
        result["search_none_v1"] = read_pages(api, pages, row_ids, 1, search="no-such-word")
        # four common words in a row: in ~0.07% of the items, but their trigrams in most
        result["search_common_words_v1"] = read_pages(
            api, pages, row_ids, 1, search="echo golf hotel alpha"
        )
        edit_ms, resp = timed(
            "PATCH", f"{base}/items/q{items // 2:07d}", json={"split": "holdout", "expected": "e"}
        )
        assert resp.status_code == 200, resp.text
        result["edit_one_item_ms"] = round(edit_ms, 1)
        diff_ms, resp = timed("GET", f"{base}/diff", params={"from": 1, "to": 2})
        assert resp.status_code == 200 and len(resp.json()["changes"]) == 1, resp.text
        result["diff_v1_v2_ms"] = round(diff_ms, 1)
        result["pages_v2"] = read_pages(api, pages, row_ids, 2)
        result["split_v2"] = read_pages(api, pages, row_ids, 2, split="holdout")
        started = time.perf_counter()
        with requests.get(
            f"{base}/export", params={"format": "jsonl"}, stream=True, timeout=600
        ) as resp:
            size = sum(len(chunk) for chunk in resp.iter_content(1 << 20))
        export_s = time.perf_counter() - started
        result["export_jsonl"] = {"s": round(export_s, 1), "mib": round(size / 2**20, 1)}
        for name in (
            "pages_v1",
            "split_v1",
            "search_1pct_v1",
            "search_none_v1",
            "search_common_words_v1",
            "pages_v2",
            "split_v2",
        ):
            log(f"{backend}: {name} {result[name]}")
        log(
            f"{backend}: edit {edit_ms:.1f} ms, diff {diff_ms:.1f} ms, export {result['export_jsonl']}"
        )
        result["load_after"] = loadavg()
        metadata_file = data_dir / "metadata.sqlite3"
        if metadata_file.exists():
            result["sqlite_file_mib"] = round(metadata_file.stat().st_size / 2**20, 1)
    finally:
        process.stop()
        if server is not None:
            server.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-datasets-"))
    try:
        csv_path = work / "items.csv"
        size = write_csv(csv_path, args.items)
        log(f"wrote {args.items:,} rows, {size / 2**20:.1f} MiB")
        results = [
            run_backend(b, args.items, args.pages, csv_path, work) for b in args.backends.split(",")
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_json(
        args.json,
        {
            "bench": "datasets",
            "args": vars(args),
            "machine": machine_info(),
            "code": code_version(),
            "date": time.strftime("%Y-%m-%d"),
            "results": results,
        },
    )


if __name__ == "__main__":
    main()
