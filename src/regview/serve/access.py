"""Who may use the server: the holder of its token, from a page the server sent.

Every start draws a random token. A request is let in when its query has ``token=`` or
it carries the cookie the first visit set (HttpOnly, SameSite=Strict), so the page's
websocket and static files need no token in their URLs. Anything else gets 403,
whatever the path (an unknown path too: nothing tells a stranger what is served).

Cookies are not separated by port, so the cookie's name carries the port: two servers
on one host do not overwrite each other's. A page from another port of the same host is
"same-site" for the browser and would send the cookie: the websocket also insists that
its ``Origin`` is this server.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import hdrs, web

__all__ = ["Access", "new_token"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

REFUSED_TEXT = (
    "403: this regview server needs the URL it printed when it started (the one with ?token=...).\n"
)

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self' 'nonce-{nonce}'",
        # xterm.js adds <style> elements of its own
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self'",
        "img-src 'self' data:",
        # 'self' covers this server's ws:// URL; nothing else may be fetched
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _same(given: str, token: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("ascii"))


class Access:
    """The token check (an aiohttp middleware) and the headers of every response."""

    def __init__(self, token: str, port: int) -> None:
        self.token = token
        self.cookie_name = f"regview-serve-{port}"

    def allows(self, request: web.Request) -> bool:
        """Whether ``request`` has the token, in its query or in the cookie."""
        query = request.query.get("token")
        if query is not None and _same(query, self.token):
            return True
        cookie = request.cookies.get(self.cookie_name)
        return cookie is not None and _same(cookie, self.token)

    @staticmethod
    def same_origin(request: web.Request) -> bool:
        """A browser names the page that opened a websocket: it must be this server."""
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is None:
            return True  # not a browser: the token alone decides
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc == request.host

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not self.allows(request):
            return refused()
        response = await handler(request)
        query = request.query.get("token")
        if query is not None and not response.prepared:
            response.set_cookie(
                self.cookie_name,
                self.token,
                path="/",
                httponly=True,
                samesite="Strict",
                secure=request.secure or None,
            )
        return response

    async def on_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        """Headers for every response (an aiohttp ``on_response_prepare`` signal)."""
        headers = response.headers
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"  # the token may be in the URL
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        nonce = request.get("nonce")
        if isinstance(nonce, str):
            headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.format(nonce=nonce)
            headers["Cache-Control"] = "no-store"


def refused() -> web.Response:
    return web.Response(status=403, text=REFUSED_TEXT)
