"""The OpenAI-compatible client against a real local server speaking the protocol."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from gls_engine.evaluators import (
    ChatCompletion,
    ContentDelta,
    OpenAICompatibleClient,
    PermanentProviderError,
    RetryableProviderError,
    RetryPolicy,
)
from gls_engine.evaluators.openai_client import retry_after_s

from support.openai_compatible_server import (
    TEST_API_KEY,
    OpenAICompatibleServer,
    last_user_contains,
)

QUICK = RetryPolicy(max_attempts=4, base_delay_s=0.001, max_delay_s=5)
HELLO = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture
def provider() -> Iterator[OpenAICompatibleServer]:
    """A real OpenAI-compatible server on a loopback port, wanting TEST_API_KEY."""
    with OpenAICompatibleServer(api_key=TEST_API_KEY) as server:
        yield server


def client(
    server: OpenAICompatibleServer, key: str = TEST_API_KEY, **kwargs
) -> OpenAICompatibleClient:
    return OpenAICompatibleClient(server.base_url, key, retry=kwargs.pop("retry", QUICK), **kwargs)


async def test_whole_answer(provider: OpenAICompatibleServer) -> None:
    provider.on(last_user_contains("capital"), content="Paris is the capital.")
    async with client(provider) as c:
        answer = await c.complete(HELLO, "judge-1", temperature=0.0, max_tokens=50)
    assert answer.content == "Paris is the capital."
    assert (answer.prompt_tokens, answer.completion_tokens) == (6, 4)
    assert (answer.model, answer.finish_reason, answer.attempts) == ("judge-1", "stop", 1)
    sent = provider.requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["Authorization"] == f"Bearer {TEST_API_KEY}"
    assert sent.body == {
        "model": "judge-1",
        "messages": HELLO,
        "temperature": 0.0,
        "max_tokens": 50,
    }


async def test_streamed_answer(provider: OpenAICompatibleServer) -> None:
    provider.on(content="Paris is the capital of France.", chunk_chars=5)
    async with client(provider) as c:
        events = [e async for e in c.stream(HELLO, "judge-1")]
    deltas = [e.text for e in events if isinstance(e, ContentDelta)]
    assert deltas == ["Paris", " is t", "he ca", "pital", " of F", "rance", "."]
    final = events[-1]
    assert isinstance(final, ChatCompletion)
    assert final.content == "Paris is the capital of France."
    assert (final.prompt_tokens, final.completion_tokens, final.finish_reason) == (6, 6, "stop")
    assert provider.requests[-1].body["stream_options"] == {"include_usage": True}


async def test_retries_429_and_5xx_honouring_retry_after(provider: OpenAICompatibleServer) -> None:
    provider.fail_next(429, times=1, retry_after="0")
    provider.fail_next(503, times=1)
    provider.on(content="ok")
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    provider.fail_next(429, times=1, retry_after="0.25")
    async with client(provider, sleep=sleep) as c:
        answer = await c.complete(HELLO, "m")
    assert answer.content == "ok" and answer.attempts == 4
    # 429 with Retry-After 0.25, then 503 (backoff), then 429 with Retry-After 0
    assert slept[0] == 0.25 and slept[2] == 0.0
    assert 0 <= slept[1] <= QUICK.base_delay_s * 2
    assert len(provider.requests) == 4


async def test_gives_up_after_max_attempts(provider: OpenAICompatibleServer) -> None:
    provider.fail_next(500, times=10, message="overloaded")
    async with client(provider) as c:
        with pytest.raises(RetryableProviderError, match="answered 500: overloaded") as failed:
            await c.complete(HELLO, "m")
    assert failed.value.status == 500 and len(provider.requests) == QUICK.max_attempts


async def test_a_retry_after_longer_than_allowed_is_not_waited(
    provider: OpenAICompatibleServer,
) -> None:
    provider.fail_next(429, times=1, retry_after="3600")
    async with client(provider) as c:
        with pytest.raises(RetryableProviderError) as failed:
            await c.complete(HELLO, "m")
    assert failed.value.retry_after_s == 3600 and len(provider.requests) == 1


async def test_permanent_errors_are_not_retried(provider: OpenAICompatibleServer) -> None:
    provider.fail_next(400, times=5, message="unknown model")
    async with client(provider) as c:
        with pytest.raises(PermanentProviderError, match="answered 400: unknown model"):
            await c.complete(HELLO, "m")
    assert len(provider.requests) == 1


async def test_a_slow_provider_times_out_and_is_retried(provider: OpenAICompatibleServer) -> None:
    provider.on(times=1, content="late", delay_s=60)
    provider.on(content="on time")
    async with client(provider, timeout_s=3) as c:
        answer = await c.complete(HELLO, "m")
    assert answer.content == "on time" and answer.attempts == 2


async def test_answers_that_are_not_the_protocol(provider: OpenAICompatibleServer) -> None:
    provider.on(times=1, raw_body=b"<html>gateway</html>")
    provider.on(times=1, raw_body=b'{"choices": []}')
    async with client(provider) as c:
        with pytest.raises(PermanentProviderError, match="not JSON"):
            await c.complete(HELLO, "m")
        with pytest.raises(PermanentProviderError, match="no choices"):
            await c.complete(HELLO, "m")


async def test_a_stream_cut_midway_is_an_error(provider: OpenAICompatibleServer) -> None:
    provider.on(content="a long answer that never ends", chunk_chars=4, cut_after_chunks=2)
    async with client(provider) as c:
        received: list[str] = []
        with pytest.raises(RetryableProviderError, match="stream"):
            async for event in c.stream(HELLO, "m"):
                if isinstance(event, ContentDelta):
                    received.append(event.text)
    assert received == ["a lo", "ng a"]


async def test_the_key_is_never_logged_nor_in_errors(
    provider: OpenAICompatibleServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The server's 401 echoes the key it was given whole, as careless providers do;
    retries log; repr names the client. None of it may hold the key."""
    wrong_key = "sk-wrong-Hk2Jf9Lq3Wd8Xs7Vb"
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    async with client(provider, key=wrong_key) as c:
        texts.append(repr(c))
        with pytest.raises(PermanentProviderError) as refused:
            await c.complete(HELLO, "m")
        texts += [str(refused.value), repr(refused.value)]
    assert "Incorrect API key provided: [redacted]" in str(refused.value)
    provider.fail_next(503, times=2, message=f"upstream rejected Bearer {TEST_API_KEY}")
    provider.on(content="ok")
    async with client(provider) as c:
        assert (await c.complete(HELLO, "m")).content == "ok"
        texts.append(repr(c))
    texts += [record.getMessage() for record in caplog.records]
    assert any("retrying" in t for t in texts)
    for text in texts:
        assert wrong_key not in text and TEST_API_KEY not in text


def test_base_url_and_retry_after_rules() -> None:
    with pytest.raises(PermanentProviderError, match="http or https"):
        OpenAICompatibleClient("ftp://example.org/v1", None)
    with pytest.raises(PermanentProviderError, match="credentials"):
        OpenAICompatibleClient("http://user:pass@example.org/v1", None)
    assert retry_after_s("2") == 2.0
    assert retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_s("soon") is None


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


async def test_tool_calls_whole_and_streamed(provider: OpenAICompatibleServer) -> None:
    provider.on(
        content="",
        tool_calls=({"name": "get_weather", "arguments": {"city": "Paris"}},),
        chunk_chars=5,
    )
    async with client(provider) as c:
        whole = await c.complete(HELLO, "m", extra={"tools": [WEATHER_TOOL]})
        events = [e async for e in c.stream(HELLO, "m", extra={"tools": [WEATHER_TOOL]})]
    streamed = events[-1]
    assert isinstance(streamed, ChatCompletion)
    for answer in (whole, streamed):
        assert answer.finish_reason == "tool_calls" and answer.content == ""
        assert [(t.name, t.arguments) for t in answer.tool_calls] == [
            ("get_weather", '{"city":"Paris"}')
        ]
        assert answer.tool_calls[0].id.startswith("call_")
    assert provider.requests[0].body["tools"] == [WEATHER_TOOL]
    # The streamed arguments came in pieces and were joined.
    assert not any(isinstance(e, ContentDelta) for e in events)


async def test_a_stream_is_retried_before_its_first_byte(provider: OpenAICompatibleServer) -> None:
    provider.fail_next(503, times=1)
    provider.fail_next(429, times=1, retry_after="0")
    provider.on(content="fine")
    async with client(provider) as c:
        events = [e async for e in c.stream(HELLO, "m")]
    final = events[-1]
    assert isinstance(final, ChatCompletion)
    assert (final.content, final.attempts) == ("fine", 3)
    assert all(r.stream for r in provider.requests) and len(provider.requests) == 3


async def test_a_long_whole_answer_is_read_to_its_end(provider: OpenAICompatibleServer) -> None:
    """An answer past aiohttp's read buffer (2 MB here) arrives in many pieces;
    one read(n) returned the first and the rest failed to parse as JSON."""
    long = "Paris. " * 300_000
    provider.on(last_user_contains("capital"), content=long)
    async with client(provider) as c:
        answer = await c.complete(HELLO, "judge-1")
    assert answer.content == long
