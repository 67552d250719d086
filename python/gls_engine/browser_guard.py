"""What keeps web pages the user visits from reading or writing the Studio.

Two attacks reach a server on loopback through the user's own browser:

- DNS rebinding: a site whose name is rebound to 127.0.0.1 becomes same-origin
  with the Studio and can read every answer. The browser still sends the
  site's name as `Host`, so only the names the Studio is reached by are
  answered (`allowed_hosts`); anything else gets 403.
- Cross-site requests: WebSocket handshakes are not covered by CORS, and a
  form or fetch POST is sent whatever CORS says. A browser names the page
  that sent them in `Origin`, so a request whose `Origin` is not the Studio's
  own (an allowed host) nor a configured one (`allowed_origins`) gets 403
  before anything is read or written. SDKs, exporters and curl send no
  `Origin` and are unaffected.

CORS stays closed unless the operator lists origins: only those get
`Access-Control-Allow-Origin` (and answers to their preflights).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web

from gls_engine.api_errors import error_response
from gls_engine.config import Settings, normalise_origin
from gls_engine.error_status import status_for
from gls_engine.errors import ForbiddenError
from gls_engine.metrics import Counters

LOOPBACK_NAMES = frozenset({"localhost"})
_WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})
_CORS_METHODS = "GET, POST, PUT, PATCH, DELETE"
_PREFLIGHT_MAX_AGE_S = "600"
HOSTS_SETTING = "allowed_hosts (--allowed-hosts, GLS_ALLOWED_HOSTS)"
ORIGINS_SETTING = "allowed_origins (--allowed-origins, GLS_ALLOWED_ORIGINS)"


def split_host(value: str) -> tuple[str, int | None] | None:
    """`name[:port]` or `[v6]:port` -> (lower-case name or address, port); None if malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[1:end], value[end + 1 :]
        if rest and not rest.startswith(":"):
            return None
        port_text = rest[1:] if rest else None
    else:
        if value.count(":") > 1:  # an IPv6 address must be bracketed in Host
            return None
        name, sep, after = value.partition(":")
        port_text = after if sep else None
    if not name or any(c.isspace() or c in "/\\@?#" for c in name):
        return None
    if port_text is None:
        return name, None
    if not port_text.isdigit() or not 0 < int(port_text) <= 65535:
        return None
    return name, int(port_text)


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


@dataclass(frozen=True)
class HostRule:
    """The names and addresses the Studio answers to, from the settings."""

    names: frozenset[str]  # exact lower-case names or addresses
    suffixes: tuple[str, ...]  # from "*.example.com": ".example.com"
    any_host: bool  # "*": the operator turned the check off
    any_address: bool  # bound to a wildcard address: every IP literal is this machine

    @classmethod
    def from_settings(cls, settings: Settings) -> HostRule:
        names = set(LOOPBACK_NAMES)
        suffixes = []
        any_host = False
        for entry in settings.allowed_hosts:
            entry = entry.strip().lower()
            if entry == "*":
                any_host = True
            elif entry.startswith("*."):
                suffixes.append(entry[1:])
            else:
                names.add(entry.strip("[]"))
        bind = settings.host.strip("[]").lower()
        if bind not in _WILDCARD_BINDS:
            names.add(bind)
        return cls(frozenset(names), tuple(suffixes), any_host, bind in _WILDCARD_BINDS)

    def allows(self, name: str) -> bool:
        if self.any_host or name in self.names or name.endswith(self.suffixes):
            return True
        address = _ip(name)
        # A page can only send an IP literal as Host if it was loaded from that
        # address: DNS rebinding needs a name. Loopback literals are always this
        # machine; others are when the Studio listens on every address.
        return address is not None and (address.is_loopback or self.any_address)


class BrowserGuard:
    """The Host and Origin checks, and CORS for the listed origins, for one listener."""

    def __init__(self, settings: Settings, counters: Counters | None = None) -> None:
        self.hosts = HostRule.from_settings(settings)
        self.cors_origins = frozenset(filter(None, map(normalise_origin, settings.allowed_origins)))
        self.counters = counters

    def host_allowed(self, host_header: str | None) -> bool:
        if host_header is None:  # HTTP/1.0 clients; a browser always sends Host
            return True
        parsed = split_host(host_header)
        return parsed is not None and self.hosts.allows(parsed[0])

    def origin_allowed(self, origin: str) -> bool:
        normal = normalise_origin(origin)
        if normal is None:  # "null" (sandboxed frames, file: pages) and anything odd
            return False
        if normal in self.cors_origins:
            return True
        parsed = split_host(urlsplit(normal).netloc)
        return parsed is not None and self.hosts.allows(parsed[0])

    def _refuse(self, reason: str, message: str) -> web.Response:
        if self.counters is not None:
            self.counters.add("requests_refused_by_browser_guard", 1, reason=reason)
        # Answered here, before any other middleware: nothing of the request is read.
        error = ForbiddenError(message, code=reason)
        return error_response(status_for(error).http, error.code, message)

    @web.middleware
    async def middleware(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        host = request.headers.get("Host")
        if not self.host_allowed(host):
            return self._refuse(
                "host_not_allowed",
                f"Host {host!r} is not a name this Studio answers to (a guard against DNS"
                f" rebinding). If the Studio is reached by that name, add it to {HOSTS_SETTING}.",
            )
        origin = request.headers.get("Origin")
        if origin is None:
            return await handler(request)
        if not self.origin_allowed(origin):
            return self._refuse(
                "origin_not_allowed",
                f"Origin {origin!r} may not call this Studio: only its own pages and the"
                f" origins in {ORIGINS_SETTING} may. Nothing was read or written.",
            )
        normal = normalise_origin(origin)
        if (
            normal in self.cors_origins
            and request.method == "OPTIONS"
            and "Access-Control-Request-Method" in request.headers
        ):
            return self._preflight(request, origin)
        return await handler(request)

    def _preflight(self, request: web.Request, origin: str) -> web.Response:
        headers = {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": _CORS_METHODS,
            "Access-Control-Max-Age": _PREFLIGHT_MAX_AGE_S,
            "Vary": "Origin",
        }
        asked = request.headers.get("Access-Control-Request-Headers")
        if asked:  # the origin is trusted by the operator: any header it asks for
            headers["Access-Control-Allow-Headers"] = asked
        return web.Response(status=204, headers=headers)

    async def on_response_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        """Listed origins may read answers (simple and actual requests, after a preflight)."""
        origin = request.headers.get("Origin")
        if origin is None or normalise_origin(origin) not in self.cors_origins:
            return
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
        response.headers.add("Vary", "Origin")

    def install(self, app: web.Application) -> None:
        """Check every request of `app` before its other middlewares and handlers."""
        app.middlewares.insert(0, self.middleware)
        if self.cors_origins:
            app.on_response_prepare.append(self.on_response_prepare)


__all__ = ["BrowserGuard", "HostRule", "split_host"]
