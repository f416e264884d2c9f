"""HTTP conveniences clients take for granted, as small ASGI middlewares:

- HEAD is answered wherever GET is (uptime checkers probe with HEAD), without a body;
- an API path with a trailing slash is the same resource as without it (``GET /stores/``),
  rather than a redirect with an empty body. The dashboard under /ui/ keeps its own paths.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DASHBOARD_PREFIX = "/ui"


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                # The headers (Content-Length included) describe the GET answer; HEAD has no
                # content (RFC 9110, 9.3.2). Only the last part is sent, empty.
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


class TrailingSlashInsensitive:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] == "http"
            and len(path) > 1
            and path.endswith("/")
            and not (path + "/").startswith(DASHBOARD_PREFIX + "/")
        ):
            stripped = path.rstrip("/") or "/"
            scope = {**scope, "path": stripped, "raw_path": stripped.encode()}
        await self.app(scope, receive, send)
