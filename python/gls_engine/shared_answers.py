"""Answers many askers share: one running computation per key, and recent
answers kept while fresh enough for the one asking.

Used twice: by the read gate for SQL answers (storage/read_gate.py) and for
whole API responses (shared_responses.py), so a thousand people on the same
page cost one query and one response, not a thousand.

Freshness is a write generation (counted by the store after every write) and
an age. By default an answer is reused only if no write finished since its
computation started, so a client whose export was acknowledged reads its spans
back at once. A request may accept older, per request, with `Cache-Control:
max-age=N` and `X-GLS-Min-Generation: G` (read_freshness.py puts them in
READ_FRESHNESS for the request's task).
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

MAX_AGE_LIMIT_S = 10.0

T = TypeVar("T")


@dataclass(frozen=True)
class Freshness:
    """What a request accepts: answers started at most max_age_s ago and after
    write generation min_generation. None: only answers as new as the last write."""

    max_age_s: float
    min_generation: int


READ_FRESHNESS: contextvars.ContextVar[Freshness | None] = contextvars.ContextVar(
    "read_freshness", default=None
)

# Where the data of what is being computed came from: (generation, started) of
# every shared answer it used, so a whole response built from older answers is
# known to be as old as the oldest (shared_responses.py). None: nobody asks.
READ_PROVENANCE: contextvars.ContextVar[list[tuple[int, float]] | None] = contextvars.ContextVar(
    "read_provenance", default=None
)


def freshness_from_headers(headers: Mapping[str, str]) -> Freshness | None:
    """The freshness a request accepts from its headers; None when it says nothing
    (or nothing that can be read: a malformed header asks for no reuse)."""
    max_age = None
    for directive in headers.get("Cache-Control", "").split(","):
        name, _, value = directive.strip().partition("=")
        if name.lower() == "max-age":
            try:
                max_age = min(float(value), MAX_AGE_LIMIT_S)
            except ValueError:
                return None
    if max_age is None or max_age < 0:
        return None
    try:
        min_generation = int(headers.get("X-GLS-Min-Generation", "0"))
    except ValueError:
        return None
    return Freshness(max_age, min_generation)


@dataclass
class Answer(Generic[T]):
    generation: int  # write generation when its computation started
    started: float  # monotonic time of that
    future: asyncio.Future[T] = field(init=False)
    size: int = 0
    # what its first asker accepts, for whoever would join it while it runs
    # (shared_responses.py: a response may be built from older query answers)
    accepts: Freshness | None = None

    def failed(self) -> bool:
        return self.future.done() and (
            self.future.cancelled() or self.future.exception() is not None
        )

    def note_use(self) -> None:
        """Say, to whatever is being computed with it, how old this answer is."""
        provenance = READ_PROVENANCE.get()
        if provenance is not None:
            provenance.append((self.generation, self.started))

    def fresh_for(self, generation: int, now: float) -> bool:
        """Whether the current request may have this answer (READ_FRESHNESS)."""
        if self.failed():
            return False
        freshness = READ_FRESHNESS.get()
        if freshness is None:
            return self.generation == generation
        return (
            now - self.started <= freshness.max_age_s
            and self.generation >= freshness.min_generation
        )


class SharedAnswers(Generic[T]):
    """Running and recent answers by key, bounded in age and bytes."""

    def __init__(self, size_of: Callable[[T], int], max_bytes: int, max_entry_bytes: int) -> None:
        self._size_of = size_of
        self._max_bytes = max_bytes
        self._max_entry_bytes = max_entry_bytes
        self._answers: OrderedDict[Hashable, Answer[T]] = OrderedDict()
        self._bytes = 0

    def usable(self, key: Hashable, generation: int) -> Answer[T] | None:
        known = self._answers.get(key)
        if known is not None and known.fresh_for(generation, time.monotonic()):
            return known
        return None

    def begin(self, key: Hashable, generation: int) -> Answer[T]:
        """A new answer for `key`; the caller sets its future, then calls `track`."""
        answer: Answer[T] = Answer(generation, time.monotonic())
        old = self._answers.pop(key, None)
        if old is not None:
            self._bytes -= old.size
        self._answers[key] = answer
        return answer

    def track(self, key: Hashable, answer: Answer[T]) -> None:
        answer.future.add_done_callback(lambda _: self._finished(key, answer))

    def _finished(self, key: Hashable, answer: Answer[T]) -> None:
        if self._answers.get(key) is not answer:
            return
        if answer.failed():
            self._forget(key, answer)
            return
        size = self._size_of(answer.future.result())
        if size > self._max_entry_bytes:
            self._forget(key, answer)
            return
        answer.size = size
        self._bytes += size
        self._answers.move_to_end(key)
        # drop the oldest: too old for any request, or over the memory bound
        horizon = time.monotonic() - MAX_AGE_LIMIT_S
        while self._answers:
            oldest_key, oldest = next(iter(self._answers.items()))
            if not oldest.future.done():
                break
            if self._bytes <= self._max_bytes and oldest.started >= horizon:
                break
            self._forget(oldest_key, oldest)

    def _forget(self, key: Hashable, answer: Answer[T]) -> None:
        if self._answers.get(key) is answer:
            del self._answers[key]
            self._bytes -= answer.size
