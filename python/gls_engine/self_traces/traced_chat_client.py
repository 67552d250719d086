"""A chat client whose every call is recorded as an LLM span (GenAI attributes) of
a SelfTrace, under a parent span: the model, the rendered messages, the answer,
the provider's token usage, how many attempts the call took, and a failure as
the span's error status with an `exception` event. The key never reaches a
span: it is the inner client's, and provider errors are written without it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from gls_engine.evaluators.llm_judge import ChatClient
from gls_engine.evaluators.openai_client import ChatCompletion
from gls_engine.evaluators.provider_errors import ProviderError
from gls_engine.self_traces.genai_attributes import (
    chat_request_attributes,
    chat_response_attributes,
)
from gls_engine.self_traces.self_span import SPAN_KIND_CLIENT, SelfSpan
from gls_engine.self_traces.self_trace import SelfTrace

ATTEMPTS_ATTRIBUTE = "gls.llm.attempts"


class TracedChatClient:
    def __init__(
        self, client: ChatClient, base_url: str, trace: SelfTrace, parent: SelfSpan
    ) -> None:
        self._client = client
        self._base_url = base_url
        self._trace = trace
        self._parent = parent

    async def complete(
        self,
        messages: Sequence[Mapping[str, Any]],
        model: str,
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> ChatCompletion:
        span = self._trace.start_span(
            f"chat {model}",
            parent=self._parent,
            kind=SPAN_KIND_CLIENT,
            attributes=chat_request_attributes(
                model,
                messages,
                base_url=self._base_url,
                temperature=temperature,
                max_tokens=max_tokens,
            ),
        )
        try:
            completion = await self._client.complete(
                messages, model, temperature=temperature, max_tokens=max_tokens, extra=extra
            )
        except ProviderError as exc:
            span.set(ATTEMPTS_ATTRIBUTE, exc.attempts)
            span.set("http.response.status_code", exc.status)
            span.set("error.type", str(exc.status) if exc.status else type(exc).__name__)
            span.fail(str(exc), type(exc).__name__)
            raise
        except asyncio.CancelledError:
            span.fail("the call was cancelled", "CancelledError")
            raise
        finally:
            span.end()
        span.set_all(chat_response_attributes(completion))
        span.set(ATTEMPTS_ATTRIBUTE, completion.attempts)
        span.succeed()
        return completion
