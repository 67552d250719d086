"""A real local HTTP server speaking the OpenAI chat-completions protocol, for tests
of anything that calls an LLM provider (judges, later the playground).

It runs aiohttp on a free loopback port in a thread of its own (its own event
loop), so synchronous tests, async tests and a Studio in another process can
all call it. It answers POST /v1/chat/completions whole or streamed (SSE
chunks, a usage chunk when stream_options.include_usage, then [DONE]) and GET
/v1/models; it records every request; answers are scripted by rules on the
request (first rule that matches and has uses left), may call tools (whole
and streamed as OpenAI streams them), and any answer can be an error status (429 with Retry-After, 500...), slow, cut off, or not the
protocol at all. Usage counts words, so tests can predict it.

    with OpenAICompatibleServer(api_key="sk-test") as server:
        server.on(last_user_contains("capital"), content="Paris")
        server.fail_next(429, times=2, retry_after="0")
        ... OpenAICompatibleClient(server.base_url, "sk-test") ...
        assert server.requests[-1].model == "judge-model"
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

# A key for tests that check keys are sent, and never logged or shown.
TEST_API_KEY = "sk-test-Zq8VwX3nR7pL2mK9tY4b"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        if isinstance(self.body, dict) and isinstance(self.body.get("messages"), list):
            return self.body["messages"]
        return []

    @property
    def stream(self) -> bool:
        return isinstance(self.body, dict) and self.body.get("stream") is True

    @property
    def last_user_message(self) -> str:
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return _text(message.get("content"))
        return ""

    @property
    def prompt_text(self) -> str:
        return "\n".join(_text(m.get("content")) for m in self.messages)


def _text(content: Any) -> str:
    """A message's content as text (a string, or a list of text parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def echo_last_user_message(request: RecordedRequest) -> str:
    return request.last_user_message


@dataclass(frozen=True)
class Reply:
    """One scripted answer."""

    # The answer's text, or a function of the request that writes it.
    content: str | Callable[[RecordedRequest], str] = echo_last_user_message
    status: int = 200
    # For an error status: the provider's message in {"error": {"message", "type"}}.
    error_message: str = "scripted error"
    retry_after: str | None = None
    # Seconds before the status line is sent (a slow provider).
    delay_s: float = 0.0
    # Streaming: characters per content chunk and seconds between chunks.
    chunk_chars: int = 8
    chunk_delay_s: float = 0.0
    # Streaming: close the connection after this many content chunks (no [DONE]).
    cut_after_chunks: int | None = None
    # Sent as the body instead of the protocol's (e.g. b"not json"), status as given.
    raw_body: bytes | None = None
    usage: dict[str, int] | None = None
    # None: "tool_calls" when the reply calls tools, else "stop".
    finish_reason: str | None = None
    model: str | None = None
    # Tools the answer calls: ({"name": ..., "arguments": {...} or JSON text}, ...).
    tool_calls: tuple[dict[str, Any], ...] = ()

    def text_for(self, request: RecordedRequest) -> str:
        return self.content(request) if callable(self.content) else self.content

    @property
    def finish(self) -> str:
        if self.finish_reason is not None:
            return self.finish_reason
        return "tool_calls" if self.tool_calls else "stop"

    def tool_calls_for(self, answer_id: str) -> list[dict[str, Any]]:
        """The protocol's tool_calls: ids, type function, arguments as JSON text."""
        return [
            {
                "id": f"call_{answer_id}_{index}",
                "type": "function",
                "function": {
                    "name": call["name"],
                    "arguments": call["arguments"]
                    if isinstance(call.get("arguments"), str)
                    else orjson.dumps(call.get("arguments", {})).decode(),
                },
            }
            for index, call in enumerate(self.tool_calls)
        ]


def always(request: RecordedRequest) -> bool:
    return True


def last_user_contains(text: str) -> Callable[[RecordedRequest], bool]:
    return lambda request: text in request.last_user_message


def prompt_contains(text: str) -> Callable[[RecordedRequest], bool]:
    return lambda request: text in request.prompt_text


def model_is(model: str) -> Callable[[RecordedRequest], bool]:
    return lambda request: request.model == model


@dataclass
class Rule:
    reply: Reply
    when: Callable[[RecordedRequest], bool] = always
    # Uses left; None: every matching request.
    times: int | None = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class OpenAICompatibleServer:
    # When set, requests must carry `Authorization: Bearer <api_key>` (else 401,
    # whose message echoes the key received, as careless providers do).
    api_key: str | None = None
    default_reply: Reply = field(default_factory=Reply)
    models: tuple[str, ...] = ("test-model",)
    port: int = 0
    requests: list[RecordedRequest] = field(default_factory=list)
    _rules: list[Rule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None
    _ids: itertools.count = field(default_factory=itertools.count)

    @property
    def base_url(self) -> str:
        """What an OpenAI client takes as its base URL (…/v1)."""
        return f"http://127.0.0.1:{self.port}/v1"

    # -- scripting ------------------------------------------------------------

    def on(
        self,
        when: Callable[[RecordedRequest], bool] = always,
        *,
        times: int | None = None,
        **reply: Any,
    ) -> Rule:
        """Answer requests `when` matches with Reply(**reply), `times` times (or always).
        Rules are tried in the order they were added."""
        rule = Rule(Reply(**reply), when, times)
        with self._lock:
            self._rules.append(rule)
        return rule

    def fail_next(
        self,
        status: int,
        times: int = 1,
        *,
        retry_after: str | None = None,
        message: str = "scripted error",
    ) -> Rule:
        """The next `times` requests of any kind are answered `status`; rules added
        before this one still come first."""
        rule = Rule(
            Reply(status=status, retry_after=retry_after, error_message=message), always, times
        )
        with self._lock:
            self._rules.insert(0, rule)
        return rule

    def reset(self) -> None:
        with self._lock:
            self._rules.clear()
            self.requests.clear()

    def _reply_for(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            for rule in self._rules:
                if rule.times != 0 and rule.when(request):
                    if rule.times is not None:
                        rule.times -= 1
                    return rule.reply
        return self.default_reply

    # -- lifecycle --------------------------------------------------------------

    def start(self) -> OpenAICompatibleServer:
        started = threading.Event()
        failure: list[BaseException] = []
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(self._serve())
            except BaseException as exc:  # reported to start()'s caller
                failure.append(exc)
                started.set()
                return
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="openai-compatible-server", daemon=True)
        self._thread.start()
        started.wait(30)
        if failure:
            raise RuntimeError("the OpenAI-compatible test server did not start") from failure[0]
        return self

    async def _serve(self) -> None:
        app = web.Application(client_max_size=64 << 20)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        # A short shutdown: slow handlers still sleeping are cancelled, not awaited.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port or _free_port())
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        # Handlers still sleeping (a slow reply nobody waits for) end here, not at
        # the loop's close with "Task was destroyed but it is pending".
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        loop = self._loop
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(30)
        loop.close()
        self._loop = None
        self._thread = None

    def __enter__(self) -> OpenAICompatibleServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the protocol -------------------------------------------------------------

    def _authorised(self, request: web.Request) -> web.Response | None:
        if self.api_key is None:
            return None
        given = request.headers.get("Authorization", "")
        if given == f"Bearer {self.api_key}":
            return None
        key = given.removeprefix("Bearer ")
        return _error(401, f"Incorrect API key provided: {key}", "invalid_request_error")

    async def _models(self, request: web.Request) -> web.Response:
        refused = self._authorised(request)
        if refused is not None:
            return refused
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "test"} for m in self.models]
        return web.json_response({"object": "list", "data": data})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        recorded = RecordedRequest(request.method, request.path, dict(request.headers), body)
        refused = self._authorised(request)
        if refused is not None:
            with self._lock:
                self.requests.append(recorded)
            return refused
        if not isinstance(body, dict) or not recorded.messages or not recorded.model:
            with self._lock:
                self.requests.append(recorded)
            return _error(400, "model and messages are required", "invalid_request_error")
        reply = self._reply_for(recorded)
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        if reply.raw_body is not None:
            return web.Response(status=reply.status, body=reply.raw_body)
        if reply.status >= 400:
            response = _error(reply.status, reply.error_message, "scripted")
            if reply.retry_after is not None:
                response.headers["Retry-After"] = reply.retry_after
            return response
        content = reply.text_for(recorded)
        usage = reply.usage or {
            "prompt_tokens": len(recorded.prompt_text.split()),
            "completion_tokens": len(content.split()),
            "total_tokens": len(recorded.prompt_text.split()) + len(content.split()),
        }
        model = reply.model or recorded.model
        answer_id = f"chatcmpl-{next(self._ids)}"
        if recorded.stream:
            return await self._stream(request, recorded, reply, content, usage, model, answer_id)
        return web.json_response(
            {
                "id": answer_id,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            # The protocol's null content beside tool calls.
                            "content": content if content or not reply.tool_calls else None,
                            **(
                                {"tool_calls": reply.tool_calls_for(answer_id)}
                                if reply.tool_calls
                                else {}
                            ),
                        },
                        "finish_reason": reply.finish,
                    }
                ],
                "usage": usage,
            }
        )

    async def _stream(
        self,
        request: web.Request,
        recorded: RecordedRequest,
        reply: Reply,
        content: str,
        usage: dict[str, int],
        model: str,
        answer_id: str,
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {
                "id": answer_id,
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }

        async def send(document: Any) -> None:
            await response.write(b"data: " + orjson.dumps(document) + b"\n\n")

        await send(chunk({"role": "assistant", "content": ""}))
        pieces = [
            content[i : i + reply.chunk_chars] for i in range(0, len(content), reply.chunk_chars)
        ]
        for index, piece in enumerate(pieces):
            if reply.cut_after_chunks is not None and index >= reply.cut_after_chunks:
                # Drop the connection mid-answer, as a provider restarting would.
                assert request.transport is not None
                request.transport.close()
                return response
            if reply.chunk_delay_s and index:
                await asyncio.sleep(reply.chunk_delay_s)
            await send(chunk({"content": piece}))
        for index, call in enumerate(reply.tool_calls_for(answer_id)):
            # The name first, then the arguments in pieces, as OpenAI streams them.
            arguments = call["function"]["arguments"]
            head = {**call, "function": {"name": call["function"]["name"], "arguments": ""}}
            await send(chunk({"tool_calls": [{"index": index, **head}]}))
            for i in range(0, len(arguments), reply.chunk_chars):
                piece = arguments[i : i + reply.chunk_chars]
                await send(
                    chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
                )
        await send(chunk({}, reply.finish))
        options = recorded.body.get("stream_options") or {}
        if isinstance(options, dict) and options.get("include_usage"):
            await send({**chunk({}), "choices": [], "usage": usage})
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response


def _error(status: int, message: str, kind: str) -> web.Response:
    return web.json_response(
        {"error": {"message": message, "type": kind, "param": None, "code": None}}, status=status
    )
