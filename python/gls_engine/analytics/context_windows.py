"""Context windows (tokens) of LLM models, from the genai-prices data the Studio
prices with: one lookup for the token analyzer and the suggestions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import orjson

from gls_engine import _core

MODEL_CACHE_SIZE = 10_000


class ContextWindows:
    """Context windows (tokens) from the genai-prices data the Studio prices
    with, found through the same model matching as the prices: `price_book`
    gives the Studio's current PriceBook (rebuilt when overrides change)."""

    def __init__(self, price_json: str, price_book: Callable[[], _core.PriceBook]) -> None:
        data = orjson.loads(price_json)
        self._price_book = price_book
        self._windows: dict[tuple[str, str], int] = {
            (provider["id"], model["id"]): int(model["context_window"])
            for provider in data["providers"]
            for model in provider["models"]
            if model.get("context_window")
        }
        self._found: dict[tuple[str, str], int | None] = {}
        self._lock = threading.Lock()

    def lookup(self, provider: str, model: str) -> int | None:
        key = (provider, model)
        with self._lock:
            if key in self._found:
                return self._found[key]
        window = None
        if model:
            # A one-token price (no project: genai-prices only) names the
            # provider and model of the data that price the pair.
            cost = self._price_book().cost(provider, model, time.time_ns(), input_tokens=1)
            if cost is not None and cost["source"] == "genai-prices":
                window = self._windows.get((cost["provider"], cost["model"]))
        with self._lock:
            if len(self._found) >= MODEL_CACHE_SIZE:  # model names come from senders
                self._found.clear()
            self._found[key] = window
        return window
