"""What an LLM provider's input shares, the judge's and a chain's: the endpoint's
base URL and the key a client sends (never quoted back: it is a key), or leaves
out to keep the stored one."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from yarl import URL

from gls_engine.errors import InvalidParameterError

MAX_KEY_CHARS = 4_096
MAX_URL_CHARS = 2_048
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class _Keep:
    """The key left as stored (a PUT that does not mention it)."""


KEEP = _Keep()
ApiKeyChange = str | None | _Keep  # a new key, None to remove the stored one, KEEP


def base_url(value: Any) -> str:
    """An http(s) URL without credentials or control characters, no trailing `/`."""
    if not isinstance(value, str) or len(value) > MAX_URL_CHARS:
        raise InvalidParameterError(
            f"base_url must be a string of at most {MAX_URL_CHARS} characters"
        )
    if _CONTROL.search(value):
        raise InvalidParameterError("base_url must not hold control characters")
    try:
        url = URL(value)
    except ValueError:
        url = URL()
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidParameterError(
            "base_url must be an http or https URL, e.g. https://api.openai.com/v1"
        )
    if url.user or url.password:
        raise InvalidParameterError("base_url must not hold credentials: give api_key")
    return value.rstrip("/")


def api_key_change(document: Mapping[str, Any]) -> ApiKeyChange:
    """The body's `api_key`: a new key, null to remove it, absent to keep it."""
    if "api_key" not in document:
        return KEEP
    api_key = document["api_key"]
    if api_key is not None and (
        not isinstance(api_key, str) or not api_key.strip() or len(api_key) > MAX_KEY_CHARS
    ):
        # Never quote the value: it is a key.
        raise InvalidParameterError(
            f"api_key must be a non-empty string of at most {MAX_KEY_CHARS} characters, or null"
        )
    return api_key
