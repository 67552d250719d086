"""The SDK's command line (`greenlang-studio upload`, sdk/python/greenlang_studio/cli.py)
against a real Studio: a file streamed into a dataset with the job's progress shown
until it ends, and a broken file refused with its row, exit status 1."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from greenlang_studio import Client

from conftest import Studio

pytest_plugins = ["sdk_studios"]

ROWS = 40_000


def _cli(studio: Studio, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "greenlang_studio.cli", "--url", studio.api]
    return subprocess.run(
        [*command, "--project", "sdk-cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_upload_shows_progress_until_the_job_ends(sdk_studio: Studio, tmp_path: Path) -> None:
    questions = tmp_path / "questions.csv"
    with questions.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "input", "expected", "split"])
        for i in range(ROWS):
            writer.writerow(
                [f"q{i}", f"What is {i} + {i}?", str(2 * i), "test" if i % 5 else "train"]
            )
    done = _cli(
        sdk_studio,
        "upload",
        str(questions),
        "--dataset",
        "cli-questions",
        "--create",
        "--id-column",
        "id",
        "--split-column",
        "split",
        "--progress-every",
        "0",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"dataset cli-questions: version 1, {ROWS:,} rows"
    lines = done.stderr.strip().splitlines()
    states = [line.split()[0] for line in lines]
    assert states[-1] == "succeeded" and f"{ROWS:,} rows" in lines[-1]
    assert "100.0% of" in lines[-1]
    # rows counted while the job ran, in order
    counts = [int(line.split()[1].replace(",", "")) for line in lines]
    assert counts == sorted(counts) and len(lines) >= 2
    client = Client(sdk_studio.api, project="sdk-cli")
    assert client.get_dataset("cli-questions").latest_version == 1
    client.close()


def test_a_broken_file_exits_1_naming_the_row(sdk_studio: Studio, tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text("id,input\nb1,fine\nb1,duplicate id\n")
    failed = _cli(
        sdk_studio,
        "upload",
        str(broken),
        "--dataset",
        "cli-broken",
        "--create",
        "--id-column",
        "id",
    )
    assert failed.returncode == 1
    assert "upload failed:" in failed.stderr and "row 3" in failed.stderr
    missing = _cli(sdk_studio, "upload", str(broken), "--dataset", "absent-dataset")
    assert missing.returncode == 1 and "absent-dataset" in missing.stderr
