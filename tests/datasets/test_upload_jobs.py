"""Upload jobs stopped before their end, on SQLite and PostgreSQL metadata: a job
cut by a kill -9 is failed when the Studio starts again, with its rows removed
and the dataset free; a queued job and a running job are cancelled, keeping
nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from dataset_requests import checked
from dataset_studios import studio_for

from conftest import Studio

PROJECT = "ds-jobs"
BASE = f"/api/v1/projects/{PROJECT}/datasets"
ROWS = 200_000


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def studio(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Studio]:
    """One Studio a backend for the module: the tests use datasets of their own, and
    each leaves no job running (the kill test starts its Studio again)."""
    running = studio_for(request.param, tmp_path_factory, request).start()
    yield running
    running.stop()


def path(dataset: str, tail: str = "") -> str:
    return f"{BASE}/{quote(dataset, safe='')}{tail}"


def big_csv(rows: int) -> bytes:
    return b"id,question,answer\n" + b"".join(
        b"r%d,question number %d,answer %d\n" % (n, n, n) for n in range(rows)
    )


def prepared(studio: Studio, name: str) -> None:
    checked("POST", studio.api, BASE, 201, json_body={"name": name})
    body = {"items": [{"id": "kept", "input": "before"}]}
    checked("POST", studio.api, path(name, "/items"), 201, json_body=body)


def upload(studio: Studio, name: str, body: bytes) -> dict:
    return checked(
        "POST", studio.api, path(name, "/uploads"), 202, data=body, content_type="text/csv"
    ).json()


def job_of(studio: Studio, job_id: str) -> dict:
    return checked(
        "GET", studio.api, f"/api/v1/projects/{PROJECT}/dataset-jobs/{job_id}", 200
    ).json()


def until(studio: Studio, job_id: str, done: object) -> dict:
    deadline = time.monotonic() + 300
    while True:
        job = job_of(studio, job_id)
        if done(job):  # type: ignore[operator]
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def assert_nothing_kept(studio: Studio, name: str) -> None:
    page = checked("GET", studio.api, path(name, "/items"), 200).json()
    assert [i["id"] for i in page["items"]] == ["kept"] and page["version"] == 1
    versions = checked("GET", studio.api, path(name, "/versions"), 200).json()["versions"]
    assert [v["version"] for v in versions] == [1]
    added = checked(
        "POST", studio.api, path(name, "/items"), 201, json_body={"items": [{"input": "after"}]}
    ).json()
    assert added["version"] == 2
    assert not list((studio.data_dir / "dataset_uploads").glob("*"))


def test_a_job_cut_by_a_kill_is_failed_at_the_next_start(studio: Studio) -> None:
    prepared(studio, "cut")
    job = upload(studio, "cut", big_csv(ROWS))
    running = until(studio, job["id"], lambda j: j["rows_read"] > 0 or j["state"] != "queued")
    assert running["state"] == "running", running  # rows are being written when it dies
    studio.kill9()
    studio.start()
    failed = job_of(studio, job["id"])
    assert failed["state"] == "failed" and "Studio stopped" in failed["error"]["message"]
    assert failed["finished_at"] is not None
    assert_nothing_kept(studio, "cut")


def test_queued_and_running_jobs_are_cancelled(studio: Studio) -> None:
    prepared(studio, "long")
    prepared(studio, "short")
    long_job = upload(studio, "long", big_csv(ROWS))
    short_job = upload(studio, "short", big_csv(10))  # one job runs at a time: this one waits
    until(studio, long_job["id"], lambda j: j["rows_read"] > 0)
    cancelled = checked(
        "POST", studio.api, f"/api/v1/projects/{PROJECT}/dataset-jobs/{short_job['id']}/cancel", 200
    ).json()
    assert cancelled["state"] == "cancelled" and cancelled["rows_read"] == 0
    cancelled = checked(
        "POST", studio.api, f"/api/v1/projects/{PROJECT}/dataset-jobs/{long_job['id']}/cancel", 200
    ).json()
    assert cancelled["state"] == "cancelled", cancelled
    assert 0 < cancelled["rows_read"] < ROWS
    assert_nothing_kept(studio, "long")
    assert_nothing_kept(studio, "short")
    again = checked(
        "POST", studio.api, f"/api/v1/projects/{PROJECT}/dataset-jobs/{long_job['id']}/cancel", 200
    ).json()
    assert again["state"] == "cancelled"
    checked("GET", studio.api, f"/api/v1/projects/{PROJECT}/dataset-jobs/{'0' * 32}", 404)
    checked("GET", studio.api, f"/api/v1/projects/{PROJECT}/dataset-jobs/nothex", 400)
