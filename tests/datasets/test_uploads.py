"""Uploads on a real Studio, on SQLite and PostgreSQL metadata: CSV, JSON Lines and
Parquet with explicit and default column mappings become one version through a
202 job; every kind of bad file is refused at once (400 naming the parameter
and column) or fails its job naming the row and column, and in every case
nothing is kept: the dataset's versions and items are as before and the next
change works. A job cut by a kill -9 is failed at the next start, its rows
removed; a queued job can be cancelled."""

from __future__ import annotations

import io
import socket
import time
from typing import Any
from urllib.parse import quote

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import requests
from dataset_requests import checked

from conftest import Studio

pytest_plugins = ["dataset_backends"]  # backend_studio

PROJECT = "ds-uploads"
BASE = f"/api/v1/projects/{PROJECT}/datasets"


def path(dataset: str, tail: str = "") -> str:
    return f"{BASE}/{quote(dataset, safe='')}{tail}"


def new_dataset(studio: Studio, name: str, items: list[dict] | None = None) -> None:
    checked("POST", studio.api, BASE, 201, json_body={"name": name})
    if items:
        checked("POST", studio.api, path(name, "/items"), 201, json_body={"items": items})


def upload(studio: Studio, dataset: str, body: bytes, expect: int = 202, **params: Any) -> dict:
    content_type = {
        "csv": "text/csv",
        "jsonl": "application/x-ndjson",
        "parquet": "application/vnd.apache.parquet",
    }[params.pop("fmt", "csv")]
    return checked(
        "POST",
        studio.api,
        path(dataset, "/uploads"),
        expect,
        data=body,
        content_type=content_type,
        params=params,
        validate_request=expect == 202,
    ).json()


def job_of(studio: Studio, job_id: str) -> dict:
    return checked(
        "GET", studio.api, f"/api/v1/projects/{PROJECT}/dataset-jobs/{job_id}", 200
    ).json()


def ended(studio: Studio, job: dict) -> dict:
    deadline = time.monotonic() + 300
    while True:
        answer = job_of(studio, job["id"])
        if answer["state"] not in ("queued", "running"):
            return answer
        assert time.monotonic() < deadline, answer
        time.sleep(0.05)


def items_of(studio: Studio, dataset: str) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
        page = checked("GET", studio.api, path(dataset, "/items"), 200, params=params).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def parquet_bytes(table: pa.Table, row_group_size: int = 1000) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=row_group_size)
    return sink.getvalue()


def test_csv_with_a_mapping_to_input_keys(backend_studio: Studio) -> None:
    new_dataset(backend_studio, "csv mapped")
    body = (
        "\ufeffqid,question,context,answer,difficulty,meta,part\r\n"
        'a1,"What is 2+2?","maths, basic",4,easy,"{""src"": ""book""}",train\r\n'
        'a2,"Line one\nline two",,"Paris",hard,{},test\r\n'
    ).encode()
    job = upload(
        backend_studio,
        "csv mapped",
        body,
        input_columns="question,context",
        expected_columns="answer",
        metadata_columns="difficulty,meta",
        json_columns="meta",
        split_column="part",
        id_column="qid",
    )
    assert job["state"] in ("queued", "running", "succeeded") and job["bytes_total"] == len(body)
    done = ended(backend_studio, job)
    assert (done["state"], done["version"], done["rows_read"]) == ("succeeded", 1, 2)
    assert done["bytes_read"] == len(body)
    items = items_of(backend_studio, "csv mapped")
    assert [(i["id"], i["input"], i["expected"], i["metadata"], i["split"]) for i in items] == [
        (
            "a1",
            {"question": "What is 2+2?", "context": "maths, basic"},
            {"answer": "4"},
            {"difficulty": "easy", "meta": {"src": "book"}},
            "train",
        ),
        (
            "a2",
            {"question": "Line one\nline two", "context": ""},
            {"answer": "Paris"},
            {"difficulty": "hard", "meta": {}},
            "test",
        ),
    ]
    versions = checked("GET", backend_studio.api, path("csv mapped", "/versions"), 200).json()
    assert versions["versions"][0]["added"] == 2 and versions["versions"][0]["item_count"] == 2
    jobs = checked("GET", backend_studio.api, path("csv mapped", "/jobs"), 200).json()["jobs"]
    assert [j["id"] for j in jobs] == [job["id"]]


def test_default_mappings(backend_studio: Studio) -> None:
    # CSV without an input column: every other column is the input
    new_dataset(backend_studio, "default csv")
    done = ended(
        backend_studio,
        upload(backend_studio, "default csv", b"question,lang,expected,split\nhi,en,hello,train\n"),
    )
    assert done["mapping"] == {
        "input": ["question", "lang"],
        "expected": ["expected"],
        "metadata": [],
        "split": "split",
        "id": None,
        "json_columns": [],
    }
    [item] = items_of(backend_studio, "default csv")
    assert (item["input"], item["expected"], item["split"]) == (
        {"question": "hi", "lang": "en"},
        "hello",
        "train",
    )
    assert len(item["id"]) == 32
    # JSON Lines with input / output / metadata / id: the values whole
    new_dataset(backend_studio, "default jsonl")
    lines = [
        {
            "id": 7,
            "input": {"messages": [{"role": "user", "content": "hi"}]},
            "output": "hello",
            "metadata": {"k": [1]},
        },
        {"id": "x", "input": "plain", "output": None},
    ]
    body = b"\n".join(orjson.dumps(line) for line in lines) + b"\n\n"
    done = ended(backend_studio, upload(backend_studio, "default jsonl", body, fmt="jsonl"))
    assert done["state"] == "succeeded", done
    items = items_of(backend_studio, "default jsonl")
    assert [(i["id"], i["input"], i["expected"], i["metadata"]) for i in items] == [
        ("7", lines[0]["input"], "hello", {"k": [1]}),
        ("x", "plain", None, {}),
    ]
    # Parquet with nested values and a second batch (2,500 rows in row groups of 1,000)
    new_dataset(backend_studio, "default parquet")
    table = pa.table(
        {
            "input": [{"q": f"q{n}", "tags": ["a", "b"]} for n in range(2500)],
            "expected": [n * 0.5 for n in range(2500)],
            "split": ["train" if n % 5 else "test" for n in range(2500)],
        }
    )
    done = ended(
        backend_studio,
        upload(backend_studio, "default parquet", parquet_bytes(table), fmt="parquet"),
    )
    assert (done["state"], done["rows_read"]) == ("succeeded", 2500)
    items = items_of(backend_studio, "default parquet")
    assert len(items) == 2500 and items[3]["input"] == {"q": "q3", "tags": ["a", "b"]}
    assert items[3]["expected"] == 1.5 and sum(i["split"] == "test" for i in items) == 500
    version = checked("GET", backend_studio.api, path("default parquet", "/versions/1"), 200)
    assert version.json()["split_counts"] == [
        {"split": "test", "item_count": 500},
        {"split": "train", "item_count": 2000},
    ]
    # a second upload's version: the first's counts plus its own
    done = ended(
        backend_studio,
        upload(backend_studio, "default parquet", b"input,split\na,dev\nb,test\nc,\n"),
    )
    assert done["state"] == "succeeded", done
    version = checked("GET", backend_studio.api, path("default parquet", "/versions/2"), 200)
    assert version.json()["split_counts"] == [
        {"split": "dev", "item_count": 1},
        {"split": "test", "item_count": 501},
        {"split": "train", "item_count": 2000},
        {"split": None, "item_count": 1},
    ]


BAD_AT_ONCE = [
    # (name, body, params, words in the 400)
    (
        "absent column",
        b"q,a\n1,2\n",
        {"input_columns": "question"},
        ["input_columns", "'question'", "'q'"],
    ),
    ("absent split", b"q,a\n1,2\n", {"split_column": "part"}, ["split_column", "'part'"]),
    ("absent json", b"q,a\n1,2\n", {"json_columns": "meta"}, ["json_columns", "'meta'"]),
    ("empty", b"", {}, ["empty"]),
    ("header not utf-8", b"q\xff,a\n1,2\n", {}, ["not UTF-8", "header"]),
    ("duplicate header", b"q,q\n1,2\n", {}, ["'q'", "twice"]),
    ("bad format", b"q\n1\n", {"format": "xlsx"}, ["format"]),
    ("unknown parameter", b"q\n1\n", {"input_column": "q"}, ["input_column"]),
    ("first line not json", b"{oops\n", {"fmt": "jsonl"}, ["row 1", "JSON"]),
    ("first line an array", b"[1]\n", {"fmt": "jsonl"}, ["row 1", "object"]),
    ("not parquet", b"PAR1 but not really", {"fmt": "parquet"}, ["Parquet"]),
]


@pytest.mark.parametrize(
    ("name", "body", "params", "words"), BAD_AT_ONCE, ids=[b[0] for b in BAD_AT_ONCE]
)
def test_bad_files_are_refused_at_once(
    backend_studio: Studio, name: str, body: bytes, params: dict, words: list[str]
) -> None:
    dataset = f"at once {name}"
    new_dataset(backend_studio, dataset, [{"id": "kept", "input": "before"}])
    answer = upload(backend_studio, dataset, body, expect=400, **params)
    for word in words:
        assert word in answer["error"]["message"], answer
    assert_untouched(backend_studio, dataset)


def assert_untouched(studio: Studio, dataset: str) -> None:
    """Nothing of a refused or failed upload is visible, and the next change works."""
    assert [i["id"] for i in items_of(studio, dataset)] == ["kept"]
    versions = checked("GET", studio.api, path(dataset, "/versions"), 200).json()["versions"]
    assert [v["version"] for v in versions] == [1]
    after = checked(
        "POST", studio.api, path(dataset, "/items"), 201, json_body={"items": [{"input": "after"}]}
    ).json()
    assert after["version"] == 2 and after["item_count"] == 2
    assert not list((studio.data_dir / "dataset_uploads").glob("*"))


def many_csv_rows(count: int, bad_row: int | None = None, bad: bytes = b"") -> bytes:
    """id,question,answer rows; the data row numbered bad_row (header = row 1) replaced by `bad`."""
    rows = [b"id,question,answer"]
    for row in range(2, count + 2):
        rows.append(bad if row == bad_row else b"r%d,question %d,%d" % (row, row, row))
    return b"\n".join(rows) + b"\n"


BAD_ROWS = [
    # (name, body, params, row, column, words)
    (
        "too few fields",
        many_csv_rows(2500, 2400, b"r2400,only two"),
        {},
        2400,
        None,
        ["expected 3 fields"],
    ),
    (
        "not utf-8",
        many_csv_rows(2500, 2300, b"r2300,caf\xe9,1"),
        {},
        2300,
        "question",
        ["not UTF-8"],
    ),
    (
        "duplicate in file",
        many_csv_rows(2500, 2100, b"r5,again,1"),
        {},
        2100,
        "id",
        ["'r5'", "earlier row"],
    ),
    (
        "duplicate in dataset",
        many_csv_rows(10, 7, b"kept,again,1"),
        {},
        7,
        "id",
        ["'kept'", "already in the dataset"],
    ),
    ("empty id", many_csv_rows(10, 4, b",no id,1"), {}, 4, "id", ["id is empty"]),
    (
        "json does not parse",
        b"id,input\na,{}\nb,{nope\n",
        {"json_columns": "input"},
        3,
        "input",
        ["not valid JSON"],
    ),
    ("metadata not an object", b"id,input,metadata\na,x,[1]\n", {}, 2, "metadata", ["JSON object"]),
    (
        "cell over the limit",
        b"id,input\na,x\nb," + b"y" * 1_100_000 + b"\n",
        {},
        3,
        "input",
        ["over the cell limit"],
    ),
    ("only a header", b"id,input\n", {}, 1, None, ["no rows"]),
    ("unclosed quote", b'id,input\na,x\nb,"never closed\nc,y\n', {}, 3, "input", ["not closed"]),
    (
        "jsonl bad line",
        b'{"input": 1}\n{"input": 2}\n{"input": \n',
        {"fmt": "jsonl"},
        3,
        None,
        ["not valid JSON"],
    ),
    (
        "jsonl not utf-8",
        b'{"input": 1}\n{"input": "\xff"}\n',
        {"fmt": "jsonl"},
        2,
        None,
        ["not UTF-8"],
    ),
    (
        "jsonl null input",
        b'{"input": 1}\n{"input": null}\n',
        {"fmt": "jsonl"},
        2,
        "input",
        ["input is empty"],
    ),
]


@pytest.mark.parametrize(
    ("name", "body", "params", "row", "column", "words"), BAD_ROWS, ids=[b[0] for b in BAD_ROWS]
)
def test_a_bad_row_fails_the_job_and_keeps_nothing(
    backend_studio: Studio,
    name: str,
    body: bytes,
    params: dict,
    row: int,
    column: str | None,
    words: list[str],
) -> None:
    dataset = f"bad row {name}"
    new_dataset(backend_studio, dataset, [{"id": "kept", "input": "before"}])
    done = ended(backend_studio, upload(backend_studio, dataset, body, **params))
    assert done["state"] == "failed", done
    assert (done["error"]["row"], done["error"]["column"]) == (row, column), done["error"]
    assert done["error"]["message"].startswith(f"row {row}")
    for word in words:
        assert word in done["error"]["message"], done["error"]
    assert done["version"] is None
    assert_untouched(backend_studio, dataset)


def test_a_bad_parquet_row_names_its_column(backend_studio: Studio) -> None:
    new_dataset(backend_studio, "bad parquet", [{"id": "kept", "input": "before"}])
    table = pa.table(
        {"id": [f"p{n}" for n in range(1500)], "input": [b"ok"] * 1400 + [b"\xfe"] * 100}
    )
    done = ended(
        backend_studio, upload(backend_studio, "bad parquet", parquet_bytes(table), fmt="parquet")
    )
    assert (done["state"], done["error"]["row"], done["error"]["column"]) == (
        "failed",
        1401,
        "input",
    )
    assert_untouched(backend_studio, "bad parquet")


def test_the_dataset_is_held_while_an_upload_writes_it(backend_studio: Studio) -> None:
    new_dataset(backend_studio, "held", [{"id": "kept", "input": "before"}])
    job = upload(backend_studio, "held", many_csv_rows(30_000))
    # until the job ends, another change or upload would take the same version number
    state = job_of(backend_studio, job["id"])["state"]
    if state in ("queued", "running"):
        resp = requests.post(
            backend_studio.api + path("held", "/items"), json={"items": [{"input": 1}]}, timeout=60
        )
        if job_of(backend_studio, job["id"])["state"] in ("queued", "running"):
            assert resp.status_code == 400 and "upload is writing version 2" in resp.text
    done = ended(backend_studio, job)
    assert (done["state"], done["version"]) == ("succeeded", 2)
    assert len(items_of(backend_studio, "held")) == 30_001


def test_a_file_over_the_limit_is_refused_before_it_is_read(backend_studio: Studio) -> None:
    new_dataset(backend_studio, "too big", [{"id": "kept", "input": "before"}])
    host, port = "127.0.0.1", backend_studio.api_port
    with socket.create_connection((host, port), timeout=30) as connection:
        connection.sendall(
            (
                f"POST {path('too big', '/uploads')}?format=csv HTTP/1.1\r\n"
                f"Host: {host}:{port}\r\nContent-Type: text/csv\r\n"
                "Content-Length: 3000000000\r\n\r\nid,input\n"
            ).encode()
        )
        answer = connection.recv(65536).decode()
    assert answer.startswith("HTTP/1.1 413"), answer
    assert "upload limit of 2147483648" in answer
    assert_untouched(backend_studio, "too big")
