"""Errors of a call to an LLM provider, classed as the Studio's own errors are:
permanent (the same request fails again: a bad key, an unknown model, a bad
request, an answer that is not the protocol) or retryable (rate limits, 5xx,
timeouts, a dropped connection).

Messages never hold the key: they are written from the status and the
provider's own error message, with the key cut out should a provider echo it.
"""

from __future__ import annotations

REDACTED = "[redacted]"


class ProviderError(Exception):
    retryable = False

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        # How many requests the call made before giving up (set by the client).
        self.attempts: int | None = None


class PermanentProviderError(ProviderError):
    """Sent again unchanged, the request would fail again."""


class RetryableProviderError(ProviderError):
    """A passing failure; `retry_after_s` is the provider's Retry-After, if it gave one."""

    retryable = True

    def __init__(
        self, message: str, status: int | None = None, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message, status)
        self.retry_after_s = retry_after_s


def redacted(text: str, secret: str | None) -> str:
    """Text with every copy of the secret cut out."""
    if secret and len(secret) >= 4:
        return text.replace(secret, REDACTED)
    return text
