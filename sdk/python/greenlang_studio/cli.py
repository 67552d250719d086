"""`greenlang-studio`: the SDK's command line. `upload` streams a CSV, JSON Lines or
Parquet file into a dataset as a new version and follows the Studio's background
job to its end, showing its progress (rows parsed, share of the file, rate); a
failure exits 1 with the Studio's message naming the row and column."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from greenlang_studio.client import Client
from greenlang_studio.errors import StudioError


def _columns(text: str | None) -> list[str] | None:
    return None if text is None else [c.strip() for c in text.split(",") if c.strip()]


class ProgressLine:
    """Writes the job's progress: one line rewritten in place on a terminal, else a
    line every `every_s` seconds (logs of CI jobs), and always the last state."""

    def __init__(self, out: TextIO, every_s: float = 5.0) -> None:
        self.out = out
        self.tty = out.isatty()
        self.every_s = every_s
        self.started = time.monotonic()
        self.last_line = 0.0

    def __call__(self, job: dict[str, Any]) -> None:
        now = time.monotonic()
        ended = job["state"] not in ("queued", "running")
        if not (self.tty or ended or now - self.last_line >= self.every_s):
            return
        self.last_line = now
        rows = job.get("rows_read") or 0
        done, total = job.get("bytes_read") or 0, job.get("bytes_total") or 0
        share = f"{100 * done / total:5.1f}% of {total / 2**20:,.1f} MiB" if total else ""
        elapsed = max(now - self.started, 1e-9)
        text = f"{job['state']:9s} {rows:>12,} rows  {share}  {rows / elapsed:,.0f} rows/s"
        if self.tty:
            self.out.write("\r" + text + ("\n" if ended else ""))
        else:
            self.out.write(text + "\n")
        self.out.flush()


def _upload(args: argparse.Namespace, out: TextIO) -> int:
    client = Client(args.url, project=args.project)
    try:
        try:
            dataset = client.get_dataset(args.dataset)
        except StudioError as exc:
            if exc.status != 404 or not args.create:
                raise
            dataset = client.create_dataset(args.dataset)
        job = dataset.upload(
            args.file,
            input_columns=_columns(args.input_columns),
            expected_columns=_columns(args.expected_columns),
            metadata_columns=_columns(args.metadata_columns),
            split_column=args.split_column,
            id_column=args.id_column,
            timeout=args.timeout,
            on_progress=ProgressLine(out, args.progress_every),
        )
    except StudioError as exc:
        print(f"upload failed: {exc.message}", file=sys.stderr)
        return 1
    except (OSError, ValueError, TimeoutError) as exc:
        print(f"upload failed: {exc}", file=sys.stderr)
        return 1
    finally:
        client.close()
    rows = job.get("rows_read") or 0
    print(f"dataset {args.dataset}: version {job.get('version')}, {rows:,} rows")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="greenlang-studio", description=__doc__)
    top.add_argument(
        "--url", default=os.environ.get("GLS_URL", "http://127.0.0.1:6006"), help="env GLS_URL"
    )
    top.add_argument(
        "--project", default=os.environ.get("GLS_PROJECT", "default"), help="env GLS_PROJECT"
    )
    commands = top.add_subparsers(dest="command", required=True)
    upload = commands.add_parser("upload", help="upload a file into a dataset as a new version")
    upload.add_argument("file")
    upload.add_argument("--dataset", required=True)
    upload.add_argument("--create", action="store_true", help="create the dataset if absent")
    upload.add_argument("--input-columns", help="comma-separated; default: the file's own")
    upload.add_argument("--expected-columns")
    upload.add_argument("--metadata-columns")
    upload.add_argument("--split-column")
    upload.add_argument("--id-column")
    upload.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait")
    upload.add_argument(
        "--progress-every",
        type=float,
        default=5.0,
        help="seconds between progress lines when not on a terminal",
    )
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return _upload(args, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
