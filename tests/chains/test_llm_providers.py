"""A project's LLM providers by name: through the API of a Studio served in this
process (every answer checked against api/openapi.yaml, the key in no answer and
in no log line), and as the runner's ProviderClients against a real local
OpenAI-protocol server (the key sent, clients reused while the provider is
unchanged, closed at the end)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from gls_engine.chains.llm_providers import LlmProviderInput, LlmProviders
from gls_engine.chains.provider_clients import StoredProviderClients
from gls_engine.errors import InvalidParameterError, NotFoundError, PermanentError
from gls_engine.metadata import MetadataStore
from gls_engine.secret_box import SecretBox

from inprocess_studio import InProcessStudio
from openapi_check import checked_request
from support.openai_compatible_server import TEST_API_KEY, OpenAICompatibleServer

P = "providers"
BASE = f"/api/v1/projects/{P}/llm-providers"
OTHER_KEY = "sk-proj-Other-Key-Never-Shown-77xq"


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessStudio]:
    s = InProcessStudio(tmp_path_factory.mktemp("providers")).start()
    yield s
    s.stop()


def test_providers_through_the_api_never_show_or_log_the_key(
    studio: InProcessStudio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api = studio.api
    answers: list[str] = []

    def call(method: str, path: str, status: int, body: object = None) -> dict:
        resp = checked_request(method, api, path, status, json_body=body)
        answers.append(resp.text)
        return resp.json() if resp.content else {}

    created = call(
        "POST",
        BASE,
        201,
        {"name": "local", "base_url": "http://127.0.0.1:8000/v1/", "api_key": TEST_API_KEY},
    )
    assert created["base_url"] == "http://127.0.0.1:8000/v1"
    assert created["has_api_key"] and created["api_key_hint"] == "sk-test-...tY4b"
    assert created["kind"] == "openai"

    # the stored value is sealed: neither the key nor its hint's hidden part
    with sqlite3.connect(studio.settings.data_path / "metadata.sqlite3") as db:
        sealed, hint = db.execute(
            "SELECT api_key_sealed, api_key_hint FROM llm_providers WHERE name = 'local'"
        ).fetchone()
    assert sealed.startswith("v1:") and TEST_API_KEY not in sealed

    call("POST", BASE, 409, {"name": "local", "base_url": "http://127.0.0.1:8000/v1"})
    # a PUT without api_key keeps the stored key
    kept = call("PUT", BASE + "/local", 200, {"base_url": "http://127.0.0.1:8001/v1"})
    assert kept["has_api_key"] and kept["api_key_hint"] == hint
    assert kept["base_url"] == "http://127.0.0.1:8001/v1"
    replaced = call("PUT", BASE + "/local", 200, {"base_url": "http://x/v1", "api_key": OTHER_KEY})
    assert replaced["api_key_hint"] == "sk-proj-...77xq"
    removed = call("PUT", BASE + "/local", 200, {"base_url": "http://x/v1", "api_key": None})
    assert not removed["has_api_key"] and removed["api_key_hint"] is None
    made = call("PUT", BASE + "/second", 201, {"base_url": "https://api.example.com/v1"})
    assert not made["has_api_key"]

    listed = call("GET", BASE, 200)["providers"]
    assert [p["name"] for p in listed] == ["local", "second"]
    assert call("GET", BASE + "/second", 200)["base_url"] == "https://api.example.com/v1"

    def refused(method: str, path: str, status: int, message: str, body: object) -> None:
        resp = checked_request(method, api, path, status, json_body=body)
        answers.append(resp.text)
        assert message in resp.json()["error"]["message"], resp.text

    refused(
        "POST",
        BASE,
        400,
        "kind 'anthropic' is not supported yet",
        {"name": "claude", "kind": "anthropic", "base_url": "https://api.anthropic.com"},
    )
    refused(
        "POST",
        BASE,
        400,
        "base_url must not hold credentials",
        {"name": "creds", "base_url": f"https://user:{TEST_API_KEY}@example.com/v1"},
    )
    refused(
        "POST",
        BASE,
        400,
        "base_url must be an http or https URL",
        {"name": "f", "base_url": "ftp://x"},
    )
    refused(
        "POST",
        BASE,
        400,
        "api_key must be a non-empty string",
        {"name": "k", "base_url": "http://x", "api_key": ""},
    )
    refused(
        "POST",
        BASE,
        400,
        "name must be a provider name",
        {"name": "no/slash", "base_url": "http://x"},
    )
    refused(
        "PUT",
        BASE + "/local",
        400,
        "the body names another provider",
        {"name": "other", "base_url": "http://x"},
    )
    refused(
        "POST",
        BASE,
        400,
        "secret is not an LLM provider field",
        {"name": "s", "base_url": "http://x", "secret": 1},
    )

    call("DELETE", BASE + "/second", 204)
    call("GET", BASE + "/second", 404)
    call("DELETE", BASE + "/second", 404)

    for text in answers:
        assert TEST_API_KEY not in text and OTHER_KEY not in text
    assert caplog.records, "the Studio logged nothing: the capture is not working"
    for key in (TEST_API_KEY, OTHER_KEY):
        assert key not in caplog.text
        assert key[3:-4] not in caplog.text


@pytest.fixture
async def providers(tmp_path: Path) -> AsyncIterator[LlmProviders]:
    store = MetadataStore(f"sqlite:///{tmp_path / 'metadata.sqlite3'}")
    await store.open()
    yield LlmProviders(store, lambda: SecretBox(b"s" * 32))
    await store.close()


async def test_provider_clients_call_the_stored_endpoint_with_its_key(
    providers: LlmProviders,
) -> None:
    with OpenAICompatibleServer(api_key=TEST_API_KEY) as server:
        server.on(content="Paris")
        given = LlmProviderInput("local", "openai", server.base_url, TEST_API_KEY)
        await providers.create(P, given)
        clients = StoredProviderClients(providers)
        client = await clients.client(P, "local")
        answer = await client.complete([{"role": "user", "content": "capital?"}], "test-model")
        assert answer.content == "Paris"
        assert server.requests[-1].headers["Authorization"] == f"Bearer {TEST_API_KEY}"
        assert TEST_API_KEY not in repr(client)
        # reused while the provider is unchanged
        assert await clients.client(P, "local") is client
        await asyncio.sleep(0.002)  # a later updated_at (milliseconds)
        await providers.put(P, LlmProviderInput("local", "openai", server.base_url))
        renewed = await clients.client(P, "local")
        assert renewed is not client
        assert (await renewed.complete([{"role": "user", "content": "x"}], "m")).content == "Paris"
        assert clients.open_clients == 2  # the old one closed at the next change or at close

        with pytest.raises(NotFoundError, match="no LLM provider 'absent' in project providers"):
            await clients.client(P, "absent")
        await providers.delete(P, "local")
        with pytest.raises(NotFoundError, match="no LLM provider 'local'"):
            await clients.client(P, "local")
        await providers.create(P, LlmProviderInput("local", "openai", server.base_url))
        assert await clients.client(P, "local") not in (client, renewed)
        await clients.close()
        assert clients.open_clients == 0
        # their connection pools are closed (the client's own aiohttp session)
        assert client._session is None and renewed._session is None
        with pytest.raises(RuntimeError):
            await clients.client(P, "local")


async def test_a_key_is_bound_to_its_project_and_name(providers: LlmProviders) -> None:
    await providers.create(P, LlmProviderInput("a", "openai", "http://x/v1", TEST_API_KEY))
    await providers.create(P, LlmProviderInput("b", "openai", "http://x/v1", None))
    # copy a's sealed key into b's row: it must not open there
    store = providers._store
    async with store.sessions() as session, session.begin():
        from gls_engine.metadata.models.chains import LlmProviderRow

        a = await session.get(LlmProviderRow, (P, "a"))
        b = await session.get(LlmProviderRow, (P, "b"))
        assert a is not None and b is not None
        b.api_key_sealed = a.api_key_sealed
    assert (await providers.opened(P, "a")).api_key == TEST_API_KEY
    with pytest.raises(PermanentError, match="cannot be opened") as caught:
        await providers.opened(P, "b")
    assert TEST_API_KEY not in str(caught.value)
    given = LlmProviderInput.from_json({"name": "c", "base_url": "http://x", "api_key": OTHER_KEY})
    assert OTHER_KEY not in repr(given) and OTHER_KEY not in str(given)
    with pytest.raises(InvalidParameterError, match="not supported yet"):
        LlmProviderInput.from_json({"name": "c", "kind": "anthropic", "base_url": "http://x"})
