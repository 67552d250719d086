"""The Chains page in Debian's chromium (Playwright) against a real Studio: the list of
a project's chains with their latest version and labels; one chain's versions with
their messages, a label set, moved and removed with its history of moves, two
versions' definitions diffed, the chain deleted; LLM providers added with a key
(only its hint ever shown), replaced and deleted."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page, expect

from support.openai_compatible_server import TEST_API_KEY

PROJECT = "chains-ui"
V1 = {
    "description": "Shapes the question",
    "input_schema": {"type": "object", "properties": {"question": {"type": "string"}}},
    "steps": [{"id": "shape", "type": "transform", "expression": "{q: inputs.question}"}],
}
V2 = {
    **V1,
    "steps": [{"id": "shape", "type": "transform", "expression": "{question: inputs.question}"}],
}


def _api(studio, path: str) -> str:
    return f"{studio.api}/api/v1/projects/{PROJECT}{path}"


@pytest.fixture(scope="module")
def shaper(studio) -> str:
    resp = requests.post(
        _api(studio, "/chains"),
        json={"name": "shaper", "description": "Shapes", "definition": V1, "message": "first"},
        timeout=30,
    )
    assert resp.status_code == 201, resp.text
    resp = requests.post(
        _api(studio, "/chains/shaper/versions"),
        json={"definition": V2, "message": "clearer key"},
        timeout=30,
    )
    assert resp.status_code == 201, resp.text
    return "shaper"


def choose(page: Page, scope, label: str, option: str) -> None:
    scope.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_a_chain_is_listed_labelled_diffed_and_deleted(studio, page: Page, shaper: str) -> None:
    page.goto(f"{studio.api}/#/{PROJECT}/chains")
    row = page.locator("tr.chain-row", has_text="shaper")
    expect(row).to_contain_text("v2")
    expect(row).to_contain_text("Shapes")
    row.get_by_role("link", name="shaper").click()

    versions = page.get_by_test_id("chain-versions")
    expect(versions.locator("tr.version-row")).to_have_count(2)
    expect(versions.locator("tr.version-row").nth(0)).to_contain_text("clearer key")
    expect(versions.locator("tr.version-row").nth(1)).to_contain_text("first")

    # the newest change is diffed by default: v1 -> v2
    diff = page.get_by_test_id("chain-diff")
    expect(diff.locator("del.diff-delete")).to_contain_text("{q: inputs.question}")
    expect(diff.locator("ins.diff-insert")).to_contain_text("{question: inputs.question}")
    choose(page, diff, "diff from", "v2")
    assert "from=2" in page.url
    expect(diff).to_contain_text("v2 and v2 have the same definition.")

    labels = page.get_by_test_id("chain-labels")
    labels.get_by_label("label", exact=True).fill("production")
    choose(page, labels, "label version", "v1")
    labels.get_by_role("button", name="Set label").click()
    label_row = labels.locator("tr.label-row", has_text="production")
    expect(label_row.get_by_role("combobox", name="version of production")).to_have_text("v1")
    expect(versions.locator("tr.version-row").nth(1)).to_contain_text("production")
    # moved to v2, then removed: each move is in its history
    choose(page, label_row, "version of production", "v2")
    expect(versions.locator("tr.version-row").nth(0)).to_contain_text("production")
    assert (
        requests.get(_api(studio, "/chains/shaper?label=production"), timeout=30).json()["version"]
        == 2
    )
    label_row.get_by_role("button", name="History").click()
    history = page.get_by_test_id("label-history")
    expect(history.locator(".label-move")).to_have_count(2)
    expect(history.locator(".label-move").nth(0)).to_contain_text("set → v1")
    expect(history.locator(".label-move").nth(1)).to_contain_text("v1 → v2")
    label_row.get_by_role("button", name="remove label production").click()
    expect(labels.locator("tr.label-row")).to_have_count(0)
    history_after = requests.get(
        _api(studio, "/chains/shaper/labels/production/history"), timeout=30
    ).json()
    assert [m["to_version"] for m in history_after["moves"]] == [1, 2, None]

    page.get_by_role("button", name="Delete chain").click()
    dialog = page.get_by_role("dialog", name="Delete the chain shaper?")
    dialog.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(f"{studio.api}/#/{PROJECT}/chains")
    expect(page.locator("tr.chain-row")).to_have_count(0)
    assert requests.get(_api(studio, "/chains/shaper"), timeout=30).status_code == 404


def test_providers_are_added_replaced_and_deleted_without_showing_a_key(studio, page: Page) -> None:
    page.goto(f"{studio.api}/#/{PROJECT}/chains")
    providers = page.get_by_test_id("providers")
    providers.get_by_role("button", name="Add provider").click()
    form = page.get_by_role("form", name="provider")
    form.get_by_label("provider name").fill("openai")
    form.get_by_label("base URL").fill("https://api.example.com/v1")
    form.get_by_label("API key").fill(TEST_API_KEY)
    form.get_by_role("button", name="Add").click()
    row = providers.locator("tr.provider-row", has_text="openai")
    expect(row.get_by_test_id("key-hint")).to_have_text("sk-test-...tY4b")

    # a bad endpoint is refused with the server's reason, nothing stored
    providers.get_by_role("button", name="Add provider").click()
    form.get_by_label("provider name").fill("bad")
    form.get_by_label("base URL").fill("ftp://example.com")
    form.get_by_role("button", name="Add").click()
    expect(form.get_by_role("alert")).to_contain_text("base_url")
    form.get_by_role("button", name="Cancel").click()
    expect(providers.locator("tr.provider-row")).to_have_count(1)

    # replaced: a new endpoint keeps the key when none is typed, then a new key
    row.get_by_role("button", name="Replace").click()
    form = page.get_by_role("form", name="provider")
    expect(form.get_by_label("API key")).to_have_value("")  # never shown back
    form.get_by_label("base URL").fill("https://api.example.org/v1")
    form.get_by_role("button", name="Replace").click()
    expect(row).to_contain_text("https://api.example.org/v1")
    expect(row.get_by_test_id("key-hint")).to_have_text("sk-test-...tY4b")
    row.get_by_role("button", name="Replace").click()
    form.get_by_label("API key").fill("sk-other-key-9876")
    form.get_by_role("button", name="Replace").click()
    expect(row.get_by_test_id("key-hint")).to_have_text("sk-...9876")
    assert TEST_API_KEY not in page.content() and "sk-other-key-9876" not in page.content()

    row.get_by_role("button", name="delete provider openai").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(providers.locator("tr.provider-row")).to_have_count(0)
    assert requests.get(_api(studio, "/llm-providers"), timeout=30).json()["providers"] == []
