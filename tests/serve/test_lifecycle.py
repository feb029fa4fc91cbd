"""Sessions start and always end: one app per websocket, none left behind.

The server runs for real (``python -m regview.serve``) on the embedded demo; websockets
are opened with aiohttp's client, as textual.js would (the cookie, this server's Origin),
and the process tree is read from /proc.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import struct
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from regview.demo import DEMO_VERSION
from tests.serve.processes import Served, alive, cmdline, descendants

GUARD = 60.0  # seconds: hang guards only


async def until(check: Callable[[], bool], what: str, guard: float = GUARD) -> None:
    deadline = time.monotonic() + guard
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {guard:.0f} s")
        await asyncio.sleep(0.05)


def headers(served: Served) -> dict[str, str]:
    return {"Cookie": f"regview-serve-{served.port}={served.token}", "Origin": served.base}


@asynccontextmanager
async def tab(
    served: Served, width: int = 100, height: int = 30
) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """A websocket as the page opens it."""
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
        http.ws_connect(
            f"{served.base}/ws?width={width}&height={height}", headers=headers(served)
        ) as ws,
    ):
        yield ws


async def read_until(ws: aiohttp.ClientWebSocketResponse, needle: bytes) -> bytes:
    """Terminal output until it holds ``needle``."""
    data = b""
    async with asyncio.timeout(GUARD):
        while needle not in data:
            message = await ws.receive()
            if message.type != aiohttp.WSMsgType.BINARY:
                raise AssertionError(f"{message.type} before {needle!r}; got {data[-2000:]!r}")
            data += message.data
    return data


async def test_every_tab_gets_its_own_app_with_the_flags_passed_on(
    serve: Callable[..., Served], tmp_path: Path
) -> None:
    cache = tmp_path / "serve-cache"
    served = serve("--plain-http", "--cache-dir", str(cache), "--timeout", "7", "demo")
    async with tab(served) as first, tab(served) as second:
        await read_until(first, b"acme/api")  # the demo's first repository: it painted
        await read_until(second, b"acme/api")
        apps = served.apps()
        assert len(apps) == 2
        expected = [
            *[sys.executable, "-m", "regview"],
            *["--plain-http", "--cache-dir", str(cache), "--timeout", "7.0", "--", "demo"],
        ]
        assert [cmdline(pid) for pid in apps] == [expected, expected]
        assert (cache / f"demo-v{DEMO_VERSION}").is_dir()  # the apps used the cache directory given
        await first.close()
        await until(lambda: len(served.apps()) == 1, "the first tab's app ended")
    await until(lambda: served.apps() == [], "the second tab's app ended")
    served.wait_out(r"^session 2 closed: exit 0 after")
    assert served.out[0] == served.url
    opened = [line for line in served.out if " opened: " in line]
    closed = [line for line in served.out if " closed: " in line]
    assert len(opened) == 2 and len(closed) == 2
    assert all("exit 0" in line for line in closed)


async def test_a_client_that_vanishes_leaves_no_process(serve: Callable[..., Served]) -> None:
    served = serve("demo")
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    request = (
        f"GET /ws?width=80&height=24 HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Cookie: regview-serve-{served.port}={served.token}\r\n\r\n"
    )
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=GUARD)
    sock.sendall(request.encode())
    assert sock.recv(4096).startswith(b"HTTP/1.1 101")
    await until(lambda: len(served.apps()) == 1, "an app started")
    (pid,) = served.apps()
    # gone without a goodbye: a reset, no close frame
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    await until(lambda: not alive(pid), "the app of a vanished client ended")
    served.wait_out(r"^session 1 closed: ")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
async def test_a_signal_stops_the_server_and_every_app(
    serve: Callable[..., Served], sig: signal.Signals
) -> None:
    served = serve("demo")
    async with tab(served) as first, tab(served) as second:
        await read_until(first, b"acme/api")
        await read_until(second, b"acme/api")
        apps = served.apps()
        assert len(apps) == 2
        status = await asyncio.to_thread(served.signal, sig)
        assert status == 0
        for ws in (first, second):  # the pages are told the session ended
            async with asyncio.timeout(GUARD):
                while (await ws.receive()).type == aiohttp.WSMsgType.BINARY:
                    pass
            assert ws.closed
    assert not [pid for pid in apps if alive(pid)]
    assert served.out[0] == served.url
    assert sorted(line.split(":")[0] for line in served.out[1:]) == [
        "session 1 closed",
        "session 1 opened",
        "session 2 closed",
        "session 2 opened",
    ]


async def test_apps_die_with_a_server_that_is_killed(serve: Callable[..., Served]) -> None:
    served = serve("demo")
    async with tab(served) as ws:
        await read_until(ws, b"acme/api")
        (pid,) = served.apps()
        os.kill(served.pid, signal.SIGKILL)  # no chance to stop anything
        try:
            await until(lambda: not alive(pid), "the orphaned app ended")
        finally:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


async def test_an_app_that_fails_to_start_says_why_in_the_tab(
    serve: Callable[..., Served], tmp_path: Path
) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("a file where the cache directory should be\n")
    served = serve("--cache-dir", str(not_a_dir), "demo")
    async with tab(served) as ws:
        shown = await read_until(ws, b"\r\n")
        assert shown.startswith(b"regview: ")  # the app's own one-line error
        async with asyncio.timeout(GUARD):
            assert (await ws.receive()).type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.CLOSING,
            )
    served.wait_out(r"^session 1 closed: exit 1 after")
    assert any(line.startswith("session 1: regview: ") for line in served.err), served.err
    assert descendants(served.pid) == []
