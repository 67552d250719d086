"""Datasets in the web UI, in Debian's chromium (Playwright) against a real Studio: a CSV
uploaded with its column mapping shown from the header before sending, the job's
progress followed to the end and its items listed and searched; an upload failing at a
row and column says which; a span and a trace added to a dataset from the trace view
(created there); an item edited in the Data tab makes a version whose diff
against the one before shows the change; hostile strings in items are shown as text."""

from __future__ import annotations

import csv
import io
import time

import requests
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from playwright.sync_api import expect

from otlp_helpers import wait_for_trace

PROJECT = "datasets-ui"
HOSTILE_HTML = '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>'


def _api(studio, path: str) -> str:
    return f"{studio.api}/api/v1/projects/{PROJECT}{path}"


def _make_dataset(studio, name: str, items: list[dict]) -> None:
    resp = requests.post(_api(studio, "/datasets"), json={"name": name}, timeout=30)
    assert resp.status_code == 201, resp.text
    resp = requests.post(_api(studio, f"/datasets/{name}/items"), json={"items": items}, timeout=30)
    assert resp.status_code == 201, resp.text


def _csv(rows: int, bad_metadata_row: int | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["question", "answer", "metadata", "split"])
    for n in range(1, rows + 1):
        metadata = "{not json" if n == bad_metadata_row else f'{{"n": {n}}}'
        writer.writerow(
            [f"What is {n} + {n}?", str(2 * n), metadata, "test" if n % 4 == 0 else "train"]
        )
    return out.getvalue().encode()


def _choose(page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_a_csv_is_uploaded_with_its_mapping_and_progress_and_its_items_are_listed(
    studio, page
) -> None:
    page.goto(f"{studio.api}/#/{PROJECT}/datasets")
    page.get_by_role("button", name="New dataset").click()
    form = page.get_by_role("form", name="new dataset")
    form.get_by_label("dataset name").fill("arithmetic")
    form.get_by_label("dataset description").fill("sums")
    form.get_by_role("button", name="Create").click()

    upload = page.get_by_test_id("upload")
    upload.get_by_label("file").set_input_files(
        {"name": "sums.csv", "mimeType": "text/csv", "buffer": _csv(3000)}
    )
    # the mapping from the header, before anything is sent: the server's defaults first
    mapping = upload.get_by_role("table", name="column mapping")
    expect(mapping.locator("tr.mapping-row")).to_have_count(4)
    expect(upload.get_by_role("combobox", name="role of question")).to_have_text("input")
    expect(upload.get_by_role("combobox", name="role of metadata")).to_have_text("metadata")
    expect(upload.get_by_role("combobox", name="role of split")).to_have_text("split")
    expect(upload.get_by_label("metadata holds JSON")).to_be_checked()
    _choose(page, "role of answer", "expected")
    upload.get_by_role("button", name="Upload").click()

    progress = upload.get_by_role("progressbar", name="upload progress")
    expect(progress).to_have_attribute("aria-valuenow", "100", timeout=60_000)
    expect(upload.get_by_test_id("upload-status")).to_have_text("Done: 3,000 rows as version 1.")
    [job] = requests.get(_api(studio, "/datasets/arithmetic/jobs"), timeout=30).json()["jobs"]
    assert job["mapping"]["expected"] == ["answer"] and job["mapping"]["input"] == ["question"]

    page.get_by_role("button", name="Open the dataset").click()
    data = page.get_by_test_id("dataset-data")
    expect(data.get_by_test_id("items-shown")).to_contain_text("items of v1")
    expect(data.locator(".dataset-item").first).to_contain_text("What is 1 + 1?")
    # windowed: a few dozen rows drawn of the loaded pages
    assert data.locator(".dataset-item").count() < 100
    data.get_by_label("search items").fill("What is 2999 +")
    expect(data.locator(".dataset-item")).to_have_count(1)
    data.locator(".dataset-item").click()
    detail = page.get_by_test_id("item-detail")
    expect(detail.get_by_test_id("item-expected")).to_contain_text("5998")
    expect(detail.get_by_test_id("item-metadata")).to_contain_text("2999")
    assert "q=What+is+2999" in page.url and "item=" in page.url

    # the split filter offers the version's splits with their exact counts
    data.get_by_label("search items").fill("")
    _choose(page, "split", "test (750)")
    expect(data.locator(".dataset-item").first).to_contain_text("What is 4 + 4?")
    assert "split=test" in page.url

    page.get_by_role("tab", name="Overview").click()
    counts = page.get_by_test_id("split-counts")
    expect(counts).to_contain_text("train2,250")
    expect(counts).to_contain_text("test750")


def test_a_failing_upload_names_the_row_and_column(studio, page) -> None:
    requests.post(_api(studio, "/datasets"), json={"name": "broken"}, timeout=30)
    page.goto(f"{studio.api}/#/{PROJECT}/datasets/broken")
    page.get_by_role("button", name="Upload a file").click()
    upload = page.get_by_test_id("upload")
    upload.get_by_label("file").set_input_files(
        {"name": "bad.csv", "mimeType": "text/csv", "buffer": _csv(500, bad_metadata_row=321)}
    )
    upload.get_by_role("button", name="Upload").click()
    error = upload.get_by_test_id("upload-error")
    # the header is row 1, so the 321st data row is row 322
    expect(error).to_contain_text('row 322, column "metadata"', timeout=60_000)
    expect(upload.get_by_test_id("upload-job")).to_have_attribute("data-state", "failed")
    assert (
        requests.get(_api(studio, "/datasets/broken"), timeout=30).json()["latest_version"] is None
    )

    # a header the server refuses at once (a column twice): its 400 is shown, no job
    upload.get_by_label("file").set_input_files(
        {"name": "twice.csv", "mimeType": "text/csv", "buffer": b"question,question\nq,r\n"}
    )
    upload.get_by_role("button", name="Upload").click()
    expect(upload.get_by_role("alert")).to_contain_text("question")
    expect(upload.get_by_test_id("upload-job")).to_have_count(0)


def test_split_counts_are_the_versions_own_past_the_items_loaded(studio, page) -> None:
    # more items than a page loads: the counts are the API's, not the loaded items'
    items = [{"input": n, "split": "rare" if n == 7000 else "common"} for n in range(7001)]
    _make_dataset(studio, "many splits", items + [{"input": "no split"}])
    page.goto(f"{studio.api}/#/{PROJECT}/datasets/many%20splits")
    counts = page.get_by_test_id("split-counts")
    expect(counts).to_contain_text("common7,000")
    expect(counts).to_contain_text("rare1")
    expect(counts).to_contain_text("(none)1")
    page.get_by_role("tab", name="Data").click()
    _choose(page, "split", "rare (1)")
    data = page.get_by_test_id("dataset-data")
    expect(data.locator(".dataset-item")).to_have_count(1)
    expect(data.locator(".dataset-item")).to_contain_text("7000")


def test_an_edited_item_makes_a_version_and_the_diff_shows_it(studio, page) -> None:
    _make_dataset(
        studio,
        "capitals",
        [
            {"id": "fr", "input": {"country": "France"}, "expected": "Paris", "split": "test"},
            {"id": "pe", "input": {"country": "Peru"}, "expected": "lima"},
            {"id": "jp", "input": {"country": "Japan"}, "expected": "Tokyo"},
        ],
    )
    page.goto(f"{studio.api}/#/{PROJECT}/datasets/capitals?tab=data")
    page.locator(".dataset-item", has_text="pe").click()
    page.get_by_test_id("item-detail").get_by_role("button", name="Edit").click()
    form = page.get_by_role("form", name="item")
    form.get_by_label("item expected").fill('"Lima"')
    form.get_by_label("version description").fill("Lima capitalised")
    form.get_by_role("button", name="Save as a new version").click()
    expect(form).to_have_count(0)
    expect(page.get_by_test_id("item-detail").get_by_test_id("item-expected")).to_contain_text(
        "Lima"
    )

    page.get_by_role("tab", name="Versions").click()
    versions = page.get_by_test_id("dataset-versions")
    expect(versions.locator("tr.version-row")).to_have_count(2)
    expect(versions.locator("tr.version-row").first).to_contain_text("Lima capitalised")
    expect(versions.locator("tr.version-row").first).to_contain_text("~1")
    diff = page.get_by_test_id("version-diff")
    change = diff.locator("li.diff-change")
    expect(change).to_have_count(1)
    expect(change).to_have_class(
        "diff-change changed rounded border border-zinc-200 p-2 dark:border-zinc-800"
    )
    expect(change.locator(".diff-before")).to_contain_text('"lima"')
    expect(change.locator(".diff-after")).to_contain_text('"Lima"')
    assert "from=1" not in page.url  # the defaults (the newest change) are not written

    # v1 still holds the old item
    stored = requests.get(_api(studio, "/datasets/capitals/items/pe?version=1"), timeout=30).json()
    assert stored["expected"] == "lima"

    # a version tagged from its row
    versions.get_by_role("button", name="tag v1").click()
    versions.get_by_label("tag name").fill("baseline")
    versions.get_by_role("button", name="Set").click()
    expect(versions.locator("tr.version-row").nth(1)).to_contain_text("baseline")


def test_hostile_strings_in_items_are_shown_as_text(studio, page) -> None:
    _make_dataset(
        studio,
        "hostile",
        [
            {
                "id": "x",
                "input": HOSTILE_HTML,
                "expected": {HOSTILE_HTML: HOSTILE_HTML},
                "split": HOSTILE_HTML,
            }
        ],
    )
    requests.patch(
        _api(studio, "/datasets/hostile"), json={"description": HOSTILE_HTML}, timeout=30
    )
    page.goto(f"{studio.api}/#/{PROJECT}/datasets/hostile")
    expect(page.get_by_test_id("dataset-description")).to_have_text(HOSTILE_HTML)
    page.get_by_role("tab", name="Data").click()
    item = page.locator(".dataset-item")
    expect(item.locator(".item-input")).to_have_text(HOSTILE_HTML)
    item.click()
    expect(page.get_by_test_id("item-input")).to_contain_text(HOSTILE_HTML)
    expect(page.get_by_test_id("item-expected")).to_contain_text(HOSTILE_HTML)
    assert page.evaluate("window.__pwned") is None


def _send_trace(studio) -> tuple[str, str]:
    """(trace id, child span id) of a trace sent by the OTel SDK: a root and an LLM call
    with their input and output."""
    provider = TracerProvider(resource=Resource.create({"service.name": "datasets-ui"}))
    exporter = OTLPSpanExporter(endpoint=studio.otlp_http, headers={"X-GLS-Project": PROJECT})
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("datasets-ui")
    start = time.time_ns() - 30 * 10**9
    root = tracer.start_span(
        "answer a question",
        start_time=start,
        attributes={"input.value": "What is the capital of Peru?", "output.value": "Lima"},
    )
    context = trace.set_span_in_context(root)
    child = tracer.start_span(
        "chat gpt-4o-mini",
        context=context,
        start_time=start + 10**6,
        attributes={
            "gen_ai.request.model": "gpt-4o-mini",
            "input.value": '{"question": "capital of Peru"}',
            "output.value": "Lima, Peru",
        },
    )
    child.end(end_time=start + 2 * 10**6)
    root.end(end_time=start + 3 * 10**6)
    provider.shutdown()
    trace_id = format(root.get_span_context().trace_id, "032x")
    wait_for_trace(studio.api, PROJECT, trace_id)
    return trace_id, format(child.get_span_context().span_id, "016x")


def test_a_span_and_a_trace_are_added_to_a_dataset_from_the_trace_view(studio, page) -> None:
    trace_id, child = _send_trace(studio)
    page.goto(f"{studio.api}/#/{PROJECT}/trace/{trace_id}?span={child}")
    inspector = page.get_by_test_id("span-detail")
    expect(inspector).to_contain_text("chat gpt-4o-mini")
    inspector.get_by_role("button", name="Add to dataset").click()
    form = page.get_by_role("form", name="add to dataset")
    _choose(page, "dataset", "A new dataset…")
    form.get_by_label("new dataset name").fill("from traces")
    form.get_by_label("item split").fill("regressions")
    form.get_by_role("button", name="Add").click()
    expect(page.get_by_test_id("added-to-dataset")).to_contain_text(
        "Added to from traces as version 1."
    )
    [item] = requests.get(_api(studio, "/datasets/from traces/items"), timeout=30).json()["items"]
    assert (item["input"], item["expected"], item["split"]) == (
        {"question": "capital of Peru"},
        "Lima, Peru",
        "regressions",
    )
    assert (item["source_trace_id"], item["source_span_id"]) == (trace_id, child)
    page.get_by_role("button", name="Close").click()

    # the whole trace (its root span) from the header, into the dataset now listed
    page.get_by_test_id("trace-header").get_by_role("button", name="Add to dataset").click()
    _choose(page, "dataset", "from traces")
    page.get_by_role("form", name="add to dataset").get_by_role("button", name="Add").click()
    expect(page.get_by_test_id("added-to-dataset")).to_contain_text("as version 2.")
    page.get_by_role("link", name="Open the dataset").click()
    items = page.get_by_test_id("dataset-data").locator(".dataset-item")
    expect(items).to_have_count(2)
    expect(items.filter(has_text="What is the capital of Peru?")).to_have_count(1)


def test_a_dataset_is_renamed_an_item_deleted_and_the_dataset_deleted(studio, page) -> None:
    _make_dataset(
        studio,
        "drafts",
        [{"id": "a", "input": "first"}, {"id": "b", "input": "second"}],
    )
    page.goto(f"{studio.api}/#/{PROJECT}/datasets/drafts")
    page.get_by_role("button", name="Edit", exact=True).click()
    form = page.get_by_role("form", name="edit dataset")
    form.get_by_label("dataset name").fill("questions")
    form.get_by_label("dataset description").fill("kept questions")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("dataset-name")).to_have_text("questions")
    expect(page.get_by_test_id("dataset-description")).to_have_text("kept questions")
    assert "/datasets/questions" in page.url

    page.get_by_role("tab", name="Data").click()
    page.locator(".dataset-item", has_text="second").click()
    page.get_by_test_id("item-detail").get_by_role("button", name="Edit").click()
    page.get_by_role("button", name="Delete the item").click()
    items = page.get_by_test_id("dataset-data").locator(".dataset-item")
    expect(items).to_have_count(1)
    expect(page.get_by_test_id("items-shown")).to_contain_text("items of v2")
    # the older version keeps it
    old = requests.get(_api(studio, "/datasets/questions/items?version=1"), timeout=30).json()
    assert [i["id"] for i in old["items"]] == ["a", "b"]

    page.get_by_role("button", name="Delete", exact=True).click()
    page.get_by_role("button", name="Delete the dataset").click()
    expect(page.get_by_test_id("datasets")).to_be_visible()
    expect(page.locator("tr.dataset-row", has_text="questions")).to_have_count(0)
    assert requests.get(_api(studio, "/datasets/questions"), timeout=30).status_code == 404


def test_a_running_upload_is_cancelled_and_keeps_nothing(studio, page) -> None:
    requests.post(_api(studio, "/datasets"), json={"name": "cancelled"}, timeout=30)
    page.goto(f"{studio.api}/#/{PROJECT}/datasets/cancelled")
    page.get_by_role("button", name="Upload a file").click()
    upload = page.get_by_test_id("upload")
    # 200,000 rows: the job reads for tens of seconds on the shared cores, long after the click
    upload.get_by_label("file").set_input_files(
        {"name": "big.csv", "mimeType": "text/csv", "buffer": _csv(200_000)}
    )
    upload.get_by_role("button", name="Upload").click()
    cancel = upload.get_by_role("button", name="Cancel the upload")
    cancel.click()
    expect(upload.get_by_test_id("upload-job")).to_have_attribute("data-state", "cancelled")
    expect(upload.get_by_test_id("upload-status")).to_have_text("Cancelled; nothing was kept.")
    assert (
        requests.get(_api(studio, "/datasets/cancelled"), timeout=30).json()["latest_version"]
        is None
    )
