"""Who gets in: the token, the cookie, the websocket's origin; what the page loads.

These run the real server (``python -m regview.serve demo``) and talk to it with an HTTP
client, no browser: every refusal must be a 403 before anything is served or started.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from http.cookies import SimpleCookie

import aiohttp
import pytest

from tests.serve.processes import Served, wait_until

STATIC = "/static/js/textual.js"


async def get(url: str, **kwargs: object) -> tuple[int, dict[str, str], str]:
    """Status, headers (``Set-Cookie`` lines joined) and body; no cookie jar."""
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
        http.get(url, allow_redirects=False, **kwargs) as response,  # type: ignore[arg-type]
    ):
        body = await response.read()
        headers = {k: v for k, v in response.headers.items() if k != "Set-Cookie"}
        headers["Set-Cookie"] = "\n".join(response.headers.getall("Set-Cookie", []))
        return response.status, headers, body.decode("utf-8", "replace")


async def ws_status(url: str, **kwargs: object) -> int:
    """The status of a websocket handshake (101 when it opened; closed at once)."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        try:
            async with http.ws_connect(url, **kwargs) as ws:  # type: ignore[arg-type]
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


@pytest.fixture
def demo(serve: Callable[..., Served]) -> Served:
    return serve("demo")


async def test_without_the_token_every_path_is_refused(demo: Served) -> None:
    wrong = "x" * len(demo.token)
    for path in ("/", "/?token=" + wrong, STATIC, "/static/", "/download/abc", "/ws", "/nope"):
        status, _, body = await get(demo.base + path)
        assert status == 403, path
        assert "token" in body and demo.token not in body
    assert await ws_status(demo.base + "/ws") == 403
    assert await ws_status(f"{demo.base}/ws?token={wrong}") == 403
    cookie = {"Cookie": f"regview-serve-{demo.port}={wrong}"}
    assert await ws_status(demo.base + "/ws", headers=cookie) == 403
    assert (await get(demo.base + STATIC, headers=cookie))[0] == 403
    assert demo.apps() == []  # nothing was started for any of them
    assert not [line for line in demo.out if "session" in line]


async def test_the_token_sets_a_strict_httponly_cookie_that_opens_the_rest(demo: Served) -> None:
    status, headers, _ = await get(demo.url)
    assert status == 200
    cookie = SimpleCookie(headers["Set-Cookie"])
    morsel = cookie[f"regview-serve-{demo.port}"]
    assert morsel.value == demo.token
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Strict"
    assert morsel["path"] == "/"
    jar = {"Cookie": f"regview-serve-{demo.port}={demo.token}"}
    assert (await get(demo.base + "/", headers=jar))[0] == 200
    status, headers, body = await get(demo.base + STATIC, headers=jar)
    assert status == 200 and headers["Set-Cookie"] == ""  # set once, with the token
    assert "xterm" in body.lower()
    assert (await get(demo.base + "/static/", headers=jar))[0] in (403, 404)  # no listing
    assert (await get(demo.base + "/nope", headers=jar))[0] == 404


async def test_a_websocket_from_another_origin_is_refused_even_with_the_cookie(
    demo: Served,
) -> None:
    jar = {"Cookie": f"regview-serve-{demo.port}={demo.token}"}
    other = {**jar, "Origin": "http://127.0.0.1:1"}  # another page on this host
    assert await ws_status(demo.base + "/ws", headers=other) == 403
    assert demo.apps() == []
    own = {**jar, "Origin": demo.base}
    assert await ws_status(demo.base + "/ws?width=100&height=30", headers=own) == 101
    demo.wait_out(r"^session 1 opened: pid \d+, 100x30, from 127\.0\.0\.1$")
    demo.wait_out(r"^session 1 closed: exit -?\d+ after [\d.]+ s$")
    wait_until(lambda: demo.apps() == [], guard=30, what="the app process ended")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href") and v is not None]


async def test_the_page_loads_nothing_from_elsewhere(demo: Served) -> None:
    status, headers, html = await get(demo.url)
    assert status == 200
    links = _Links()
    links.feed(html)
    assert links.urls, "the page should load its script, stylesheet and font"
    for url in links.urls:
        inline = url.startswith("data:")  # the empty favicon: no request for one
        assert inline or (url.startswith("/") and not url.startswith("//")), url
    assert not re.search(r"https?://|googleapis|fonts\.g", html)
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
