"""Who controls a debug session: one client at a time holds its lease (a token
given on `attach`, sent back with each command); anyone else may watch, and may
take the lease over only by asking so explicitly.

A lease lapses when its holder has sent no command for `idle_s`, or `grace_s`
after the last WebSocket it bound closed, unless one binds again by then (a
reload). The token is said once, to the client that attached; it is compared in
constant time and never shown to others or logged.
"""

from __future__ import annotations

import asyncio
import hmac
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from gls_engine.errors import ConflictError, InvalidParameterError

LEASE_HEADER = "X-GLS-Debug-Lease"
CLIENT_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,100}")


def client_name(value: object, field_name: str = "client") -> str:
    if value is None:
        return "anonymous"
    if not isinstance(value, str) or not CLIENT_NAME.fullmatch(value):
        raise InvalidParameterError(
            f"{field_name} must be 1 to 100 printable characters naming who attaches"
        )
    return value


@dataclass
class Lease:
    token: str
    client: str
    since: datetime
    last_command: float  # monotonic
    sockets: int = 0  # WebSockets bound to it, open now
    grace: asyncio.TimerHandle | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, object]:
        """What anyone may see: who, since when, whether connected (not the token)."""
        return {
            "client": self.client,
            "since": self.since.isoformat(timespec="milliseconds"),
            "connected": self.sockets > 0,
        }


class ControllerLease:
    def __init__(
        self,
        idle_s: float,
        grace_s: float,
        on_change: Callable[[Lease | None, str], None],
    ) -> None:
        self.idle_s = idle_s
        self.grace_s = grace_s
        self._on_change = on_change  # (new holder or None, why), for the log and the stream
        self._lease: Lease | None = None

    @property
    def holder(self) -> Lease | None:
        lease = self._lease
        if lease is not None and time.monotonic() - lease.last_command > self.idle_s:
            self._release(f"idle for {self.idle_s:.0f} s")
        return self._lease

    def _release(self, why: str) -> None:
        lease, self._lease = self._lease, None
        if lease is not None:
            if lease.grace is not None:
                lease.grace.cancel()
            self._on_change(None, f"{lease.client}'s lease ended: {why}")

    @staticmethod
    def _is(lease: Lease, token: str) -> bool:
        return hmac.compare_digest(token.encode(), lease.token.encode())

    def _held_by(self, lease: Lease) -> str:
        return f"{lease.client} since {lease.since.isoformat(timespec='seconds')}"

    def attach(self, client: str, take_over: bool, token: str | None = None) -> Lease:
        """A new lease; the holder's own when `token` is it (attaching twice is no
        conflict with oneself)."""
        current = self.holder
        if current is not None and token is not None and self._is(current, token):
            current.last_command = time.monotonic()
            return current
        if current is not None and not take_over:
            raise ConflictError(
                f"the session is controlled by {self._held_by(current)}; watch it, "
                "or attach with take_over: true"
            )
        if current is not None:
            if current.grace is not None:
                current.grace.cancel()
        lease = Lease(secrets.token_urlsafe(24), client, datetime.now(UTC), time.monotonic())
        self._lease = lease
        how = f"took over from {current.client}" if current is not None else "attached"
        self._on_change(lease, f"{client} {how}")
        return lease

    def check(self, token: str | None) -> Lease:
        """The holder's lease, its idle clock restarted; ConflictError naming who
        holds it (or that no one does) for any other token."""
        current = self.holder
        if current is None:
            raise ConflictError("no one controls the session: attach first")
        if token is None or not self._is(current, token):
            raise ConflictError(
                f"the session is controlled by {self._held_by(current)}; you can only watch "
                "(attach with take_over: true to take control)"
            )
        current.last_command = time.monotonic()
        return current

    def detach(self, token: str | None) -> None:
        self.check(token)
        self._release("detached")

    def end(self) -> None:
        self._release("the session ended")

    def bind_socket(self, token: str) -> Lease | None:
        """A WebSocket of the holder's: the lease lives while one is open."""
        current = self.holder
        if current is None or not self._is(current, token):
            return None
        current.sockets += 1
        if current.grace is not None:
            current.grace.cancel()
            current.grace = None
        return current

    def socket_closed(self, lease: Lease) -> None:
        lease.sockets -= 1
        if lease is not self._lease or lease.sockets > 0:
            return
        lease.grace = asyncio.get_running_loop().call_later(self.grace_s, self._grace_over, lease)

    def _grace_over(self, lease: Lease) -> None:
        if lease is self._lease and lease.sockets == 0:
            self._release(f"its WebSocket closed and did not come back in {self.grace_s:.0f} s")
