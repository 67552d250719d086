"""A client of OpenAI-compatible chat-completions endpoints (OpenAI, Azure OpenAI's
v1 API, vLLM, Ollama, LiteLLM, OpenRouter...), on aiohttp.

POST {base_url}/chat/completions, whole or streamed (server-sent events ending
with [DONE]; usage asked for with stream_options). Retries with exponential
backoff and full jitter on 408, 409, 429, 5xx, timeouts and dropped connections,
honouring Retry-After (seconds or an HTTP date); a streamed answer is retried
only before its first byte. The key goes only into the Authorization header: it
is never logged, never in an error message (provider_errors.py), never in repr().
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import orjson
from yarl import URL

from gls_engine.evaluators.provider_errors import (
    PermanentProviderError,
    ProviderError,
    RetryableProviderError,
    redacted,
)

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({408, 409, 429}) | frozenset(range(500, 600))
MAX_RESPONSE_BYTES = 16 << 20
MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0

    def backoff_s(self, attempt: int) -> float:
        """Full jitter (AWS's): uniform in [0, base x 2^(attempt-1)], capped."""
        return random.uniform(0, min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    # JSON text as the model wrote it (it may not parse: the caller judges).
    arguments: str


@dataclass(frozen=True)
class ChatCompletion:
    content: str
    model: str
    prompt_tokens: int | None
    completion_tokens: int | None
    finish_reason: str | None
    latency_ms: float
    attempts: int
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True)
class ContentDelta:
    """A piece of a streamed answer."""

    text: str


def retry_after_s(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date from now; None if absent or bad."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class OpenAICompatibleClient:
    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        timeout_s: float = 60.0,
        retry: RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        url = URL(base_url.rstrip("/"))
        if url.scheme not in ("http", "https") or not url.host:
            raise PermanentProviderError("base_url must be an http or https URL")
        if url.user or url.password:
            raise PermanentProviderError("base_url must not hold credentials; give a key")
        self._endpoint = url / "chat" / "completions"
        self._key = api_key or None
        self._timeout_s = timeout_s
        self._retry = retry or RetryPolicy()
        self._session = session
        self._owns_session = session is None
        self._sleep = sleep

    def __repr__(self) -> str:
        key = "set" if self._key else "none"
        return f"OpenAICompatibleClient({str(self._endpoint)!r}, key={key})"

    @property
    def endpoint(self) -> str:
        return str(self._endpoint)

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> OpenAICompatibleClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        return headers

    def _session_for(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    def _clean(self, text: str) -> str:
        return redacted(text, self._key)[:MAX_ERROR_CHARS]

    @staticmethod
    def body(
        messages: Sequence[Mapping[str, Any]],
        model: str,
        *,
        stream: bool = False,
        temperature: float | None = None,
        max_tokens: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {**(extra or {}), "model": model, "messages": list(messages)}
        if temperature is not None:
            body["temperature"] = temperature
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    async def complete(
        self,
        messages: Sequence[Mapping[str, Any]],
        model: str,
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> ChatCompletion:
        """One whole answer."""
        started = time.perf_counter()
        body = self.body(
            messages, model, temperature=temperature, max_tokens=max_tokens, extra=extra
        )
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self._post(body, stream=False) as response:
                    await self._raise_for_status(response)
                    document = await self._read_json(response)
            except PermanentProviderError as exc:
                exc.attempts = attempt
                raise
            except RetryableProviderError as exc:
                await self._wait_before_retry(exc, attempt)
                continue
            except (aiohttp.ClientError, TimeoutError) as exc:
                broke = RetryableProviderError(f"the answer broke off: {type(exc).__name__}")
                await self._wait_before_retry(broke, attempt)
                continue
            try:
                return self._completion(document, model, started, attempt)
            except PermanentProviderError as exc:
                exc.attempts = attempt
                raise

    async def stream(
        self,
        messages: Sequence[Mapping[str, Any]],
        model: str,
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[ContentDelta | ChatCompletion]:
        """The answer as it comes: ContentDelta pieces, then one ChatCompletion whole."""
        started = time.perf_counter()
        body = self.body(
            messages,
            model,
            stream=True,
            temperature=temperature,
            max_tokens=max_tokens,
            extra=extra,
        )
        attempt = 0
        while True:
            attempt += 1
            try:
                context = self._post(body, stream=True)
                response = await context.__aenter__()
                try:
                    await self._raise_for_status(response)
                except BaseException:
                    await context.__aexit__(None, None, None)
                    raise
            except RetryableProviderError as exc:
                await self._wait_before_retry(exc, attempt)
                continue
            break
        # From the first byte on, a failure is the caller's to handle: pieces are out.
        try:
            parts: list[str] = []
            calls: dict[int, dict[str, str]] = {}
            usage: Mapping[str, Any] = {}
            finish_reason = None
            answered_model = model
            async for data in self._events(response):
                chunk = self._chunk(data)
                if "error" in chunk:
                    raise RetryableProviderError(self._error_text(chunk, "stream error"))
                answered_model = chunk.get("model") or answered_model
                if isinstance(chunk.get("usage"), dict):
                    usage = chunk["usage"]
                for choice in chunk.get("choices") or ():
                    if not isinstance(choice, dict):
                        continue
                    delta = choice.get("delta")
                    if not isinstance(delta, dict):
                        delta = {}
                    text = delta.get("content")
                    if isinstance(text, str) and text:
                        parts.append(text)
                        yield ContentDelta(text)
                    _merge_tool_call_deltas(calls, delta.get("tool_calls"))
                    finish_reason = choice.get("finish_reason") or finish_reason
            yield ChatCompletion(
                content="".join(parts),
                model=answered_model,
                prompt_tokens=_int(usage.get("prompt_tokens")),
                completion_tokens=_int(usage.get("completion_tokens")),
                finish_reason=finish_reason,
                latency_ms=(time.perf_counter() - started) * 1000,
                attempts=attempt,
                tool_calls=tuple(
                    ToolCall(c["id"], c["name"], c["arguments"]) for _, c in sorted(calls.items())
                ),
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RetryableProviderError(f"the stream broke: {type(exc).__name__}") from None
        finally:
            await context.__aexit__(None, None, None)

    def _post(self, body: dict[str, Any], stream: bool) -> Any:
        if stream:
            # A stream may last long: bound the wait for each piece, not the whole.
            timeout = aiohttp.ClientTimeout(
                total=None, sock_connect=self._timeout_s, sock_read=self._timeout_s
            )
        else:
            timeout = aiohttp.ClientTimeout(total=self._timeout_s)
        return _Request(
            self._session_for(), self._endpoint, orjson.dumps(body), self._headers(), timeout
        )

    async def _wait_before_retry(self, exc: RetryableProviderError, attempt: int) -> None:
        exc.attempts = attempt
        if attempt >= self._retry.max_attempts:
            raise exc
        delay = exc.retry_after_s
        if delay is None:
            delay = self._retry.backoff_s(attempt)
        elif delay > self._retry.max_delay_s:
            raise exc  # the provider asks for a longer wait than this call may take
        log.info(
            "%s: %s; retrying in %.2f s (attempt %d of %d)",
            self._endpoint.host,
            exc,
            delay,
            attempt + 1,
            self._retry.max_attempts,
        )
        await self._sleep(delay)

    def _error_text(self, document: Any, fallback: str) -> str:
        error = document.get("error") if isinstance(document, dict) else None
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return self._clean(error["message"])
        if isinstance(error, str):
            return self._clean(error)
        return fallback

    async def _raise_for_status(self, response: aiohttp.ClientResponse) -> None:
        if response.status < 400:
            return
        try:
            document = orjson.loads(await _read_at_most(response, 64 * 1024))
        except (orjson.JSONDecodeError, aiohttp.ClientError, TimeoutError):
            document = None
        said = self._error_text(document, response.reason or "no reason given")
        message = f"the provider answered {response.status}: {said}"
        if response.status in RETRYABLE_STATUSES:
            raise RetryableProviderError(
                message, response.status, retry_after_s(response.headers.get("Retry-After"))
            )
        raise PermanentProviderError(message, response.status)

    async def _read_json(self, response: aiohttp.ClientResponse) -> Any:
        raw = await _read_at_most(response, MAX_RESPONSE_BYTES + 1)
        if len(raw) > MAX_RESPONSE_BYTES:
            raise PermanentProviderError(f"the answer is over {MAX_RESPONSE_BYTES} bytes")
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise PermanentProviderError("the answer is not JSON") from None

    def _completion(
        self, document: Any, model: str, started: float, attempts: int
    ) -> ChatCompletion:
        try:
            choice = document["choices"][0]
            content = choice["message"].get("content") or ""
            if not isinstance(content, str):
                raise TypeError
        except (KeyError, IndexError, TypeError, AttributeError):
            raise PermanentProviderError("the answer has no choices[0].message") from None
        usage = document.get("usage") if isinstance(document.get("usage"), dict) else {}
        return ChatCompletion(
            content=content,
            model=document.get("model") or model,
            prompt_tokens=_int(usage.get("prompt_tokens")),
            completion_tokens=_int(usage.get("completion_tokens")),
            finish_reason=choice.get("finish_reason"),
            latency_ms=(time.perf_counter() - started) * 1000,
            attempts=attempts,
            tool_calls=_tool_calls(choice["message"].get("tool_calls")),
        )

    @staticmethod
    async def _events(response: aiohttp.ClientResponse) -> AsyncIterator[str]:
        """The data of each server-sent event, until [DONE] or the end of the body."""
        data: list[str] = []
        async for raw_line in response.content:
            line = raw_line.decode("utf-8", errors="replace").rstrip("\r\n")
            if line == "":
                if data:
                    joined = "\n".join(data)
                    data = []
                    if joined.strip() == "[DONE]":
                        return
                    yield joined
                continue
            if line.startswith(":"):
                continue  # a comment (keep-alive)
            field, _, value = line.partition(":")
            if field == "data":
                data.append(value[1:] if value.startswith(" ") else value)
        if data and "\n".join(data).strip() != "[DONE]":
            yield "\n".join(data)

    @staticmethod
    def _chunk(data: str) -> dict[str, Any]:
        try:
            chunk = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise PermanentProviderError("a streamed chunk is not JSON") from None
        if not isinstance(chunk, dict):
            raise PermanentProviderError("a streamed chunk is not a JSON object")
        return chunk


class _Request:
    """One POST as an async context manager, its transport failures made retryable."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: URL,
        data: bytes,
        headers: dict[str, str],
        timeout: aiohttp.ClientTimeout,
    ) -> None:
        self._session = session
        self._url = url
        self._data = data
        self._headers = headers
        self._timeout = timeout
        self._response: aiohttp.ClientResponse | None = None

    async def __aenter__(self) -> aiohttp.ClientResponse:
        try:
            self._response = await self._session.post(
                self._url, data=self._data, headers=self._headers, timeout=self._timeout
            )
        except TimeoutError:
            raise RetryableProviderError("the provider did not answer in time") from None
        except aiohttp.ClientError as exc:
            # aiohttp's message names the host and port at most, never the headers.
            raise RetryableProviderError(
                f"could not reach the provider: {type(exc).__name__}"
            ) from None
        return self._response

    async def __aexit__(self, *exc: object) -> None:
        if self._response is not None:
            self._response.release()
            self._response = None


def _tool_calls(value: Any) -> tuple[ToolCall, ...]:
    calls = []
    for call in value if isinstance(value, list) else ():
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            arguments = function.get("arguments")
            calls.append(
                ToolCall(
                    str(call.get("id") or ""),
                    function["name"],
                    arguments if isinstance(arguments, str) else orjson.dumps(arguments).decode(),
                )
            )
    return tuple(calls)


def _merge_tool_call_deltas(calls: dict[int, dict[str, str]], deltas: Any) -> None:
    """Streamed tool calls come in pieces keyed by index: the id and name once, the
    arguments' text in parts."""
    for delta in deltas if isinstance(deltas, list) else ():
        if not isinstance(delta, dict) or not isinstance(delta.get("index"), int):
            continue
        call = calls.setdefault(delta["index"], {"id": "", "name": "", "arguments": ""})
        if isinstance(delta.get("id"), str):
            call["id"] = delta["id"]
        function = delta.get("function")
        if isinstance(function, dict):
            if isinstance(function.get("name"), str):
                call["name"] += function["name"]
            if isinstance(function.get("arguments"), str):
                call["arguments"] += function["arguments"]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


__all__ = [
    "ChatCompletion",
    "ContentDelta",
    "OpenAICompatibleClient",
    "ProviderError",
    "RetryPolicy",
    "ToolCall",
]


async def _read_at_most(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body up to `limit` bytes, read to its end: one read(n) gives only what
    has arrived, so an answer in several pieces came in cut."""
    raw = bytearray()
    while len(raw) < limit and (chunk := await response.content.read(limit - len(raw))):
        raw += chunk
    return bytes(raw)
