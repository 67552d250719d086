"""The web UI: the single-page app built from `web/` (Vite) into `webui_dist/`,
served on the API port beside the API it calls.

`/` answers a browser (Accept: text/html) with the app and anything else with
the JSON index, so API clients and health checks keep what they had. Built
assets carry a content hash in their names and are cached for good; the page
itself is revalidated on each load so a new build shows at once.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

DIST = Path(__file__).resolve().parent / "webui_dist"
NOT_BUILT = (
    "<!doctype html><title>GreenLang Studio</title><p>The web UI is not built:"
    " run <code>scripts/install.sh</code> (it needs Node.js and npm). The API is"
    " at <a href='/api/openapi.yaml'>/api/openapi.yaml</a>.</p>"
)


# Defence in depth beside React's escaping: the page runs only its own scripts,
# talks only to its own origin (the API and the live WebSocket), and cannot be
# framed. Inline styles stay allowed: the charts and the timeline set them.
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
        " img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none';"
        " frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def is_built() -> bool:
    """Whether `scripts/install.sh` has built the app into DIST."""
    return (DIST / "index.html").is_file()


def wants_html(request: web.Request) -> bool:
    return "text/html" in request.headers.get("Accept", "")


async def app_page(request: web.Request) -> web.StreamResponse:
    if not is_built():
        return web.Response(text=NOT_BUILT, content_type="text/html", status=503)
    return web.FileResponse(DIST / "index.html", headers=PAGE_HEADERS)


async def asset(request: web.Request) -> web.StreamResponse:
    folder = (DIST / "assets").resolve()
    path = (folder / request.match_info["name"]).resolve()
    if path.parent != folder or not path.is_file():  # no way out of the folder
        raise web.HTTPNotFound(text=f"no asset {request.match_info['name']!r}")
    return web.FileResponse(path, headers={"Cache-Control": "public, max-age=31536000, immutable"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/assets/{name}", asset)
