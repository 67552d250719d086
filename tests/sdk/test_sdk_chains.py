"""The SDK's chains and LLM providers against a real Studio (SQLite and PostgreSQL
metadata): a chain created, versioned and labelled, fetched by label or number
as the runner's users will; refusals raised as StudioError with the Studio's
message; a provider's key sent once and never answered."""

from __future__ import annotations

from typing import Any

import pytest
from greenlang_studio import Chain, Client, StudioError

from conftest import Studio
from support.openai_compatible_server import TEST_API_KEY

pytest_plugins = ["sdk_studios"]  # sdk_studio, sdk_studio_on_postgres, postgres_server


def definition(answer_step: str = "ask") -> dict[str, Any]:
    return {
        "input_schema": {"type": "object", "properties": {"question": {"type": "string"}}},
        "steps": [
            {
                "id": answer_step,
                "type": "llm",
                "provider": "local",
                "model": "m",
                "messages": [{"role": "user", "content": "{{ question }}"}],
            }
        ],
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def client(request: pytest.FixtureRequest) -> Client:
    studio: Studio = request.getfixturevalue(
        "sdk_studio" if request.param == "sqlite" else "sdk_studio_on_postgres"
    )
    return Client(studio.api, project="sdk-chains")


def test_chains_through_the_sdk(client: Client) -> None:
    with client:
        provider = client.llm_providers.create(
            "local", "http://127.0.0.1:9/v1", api_key=TEST_API_KEY
        )
        assert provider["has_api_key"] and TEST_API_KEY not in repr(provider)
        assert [p["name"] for p in client.llm_providers.list()] == ["local"]
        assert client.llm_providers.get("local")["api_key_hint"] == "sk-test-...tY4b"

        first = client.chains.create("qa", definition(), description="Q&A", message="v1")
        assert isinstance(first, Chain) and (first.name, first.version) == ("qa", 1)
        second = client.chains.push_version("qa", definition("answer"), message="renamed")
        assert second.version == 2 and second.message == "renamed"
        client.chains.set_label("qa", "production", 1)

        production = client.chains.get("qa", label="production")
        assert (production.version, production.labels) == (1, ["production"])
        assert production.definition["steps"][0]["id"] == "ask"
        assert client.chains.get("qa", version=2).definition["steps"][0]["id"] == "answer"
        assert client.chains.get("qa").version == 2  # the latest
        assert [(c["name"], c["labels"]) for c in client.chains.list()] == [
            ("qa", {"production": 1})
        ]
        canonical = client.chains.validate(definition())
        assert canonical["steps"][0]["parameters"] == {}

        with pytest.raises(StudioError) as taken:
            client.chains.create("qa", definition())
        assert taken.value.status == 409 and "already has a chain named 'qa'" in taken.value.message
        with pytest.raises(StudioError) as missing:
            client.chains.get("qa", label="staging")
        assert missing.value.status == 404 and "no label 'staging'" in missing.value.message
        bad = definition()
        bad["steps"][0]["provider"] = "elsewhere"
        with pytest.raises(StudioError) as unknown:
            client.chains.push_version("qa", bad)
        assert unknown.value.status == 400
        assert "steps[0] (ask).provider: no LLM provider 'elsewhere'" in unknown.value.message
        assert len(client.chains.describe("qa")["versions"]) == 2

        client.chains.delete("qa")
        client.llm_providers.delete("local")
        assert client.chains.list() == [] and client.llm_providers.list() == []
