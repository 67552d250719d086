"""A real OpenAI-compatible server on a loopback port for each test that asks for one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.openai_compatible_server import TEST_API_KEY, OpenAICompatibleServer


@pytest.fixture
def provider() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer(api_key=TEST_API_KEY) as server:
        yield server
