"""A proxy that misbehaves: silent after ``CONNECT``, answering garbage or an endless
head. Each is a one-line :class:`ProxyError` or :class:`Timeout` within the deadline,
naming the proxy; never a hang, a traceback or unbounded memory.

The proxies are scripted loopback socket servers (a real proxy will not misbehave on
demand). The registry name is fake: nothing may go direct.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest

from regview.registry import NetworkError, ProxyError, ProxyRules, RegistryClient, Settings
from regview.registry.http11 import Http11Transport
from regview.registry.proxy_transport import ProxyErrors, ProxyFailure

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def scripted_proxy(script: Script) -> AsyncIterator[str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            await script(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://user:hunter2@127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read()  # says nothing until the client gives up


async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
    await writer.drain()


async def endless_head(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\n")
    for _ in range(2000):  # 2000 x 1 KiB header lines, never ending the head
        writer.write(b"X-Pad: " + b"a" * 1024 + b"\r\n")
        await writer.drain()


async def forbidden(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
    await writer.drain()


async def attempt(proxy: str, **settings: float) -> tuple[Exception, float]:
    options = Settings(use_cache=False, proxy=proxy, backoff_base=0.01, **settings)
    started = time.monotonic()
    async with RegistryClient("registry.example.test", settings=options) as client:
        with pytest.raises(NetworkError) as caught:
            await client.manifest("acme/app", "1.0")
    return caught.value, time.monotonic() - started


@pytest.mark.parametrize(
    ("script", "says"),
    [
        (garbage, "an answer that is not HTTP"),
        (forbidden, "(HTTP 403)"),
        (endless_head, "proxy"),
    ],
)
async def test_a_refusing_or_garbled_proxy_is_one_line(script: Script, says: str) -> None:
    async with scripted_proxy(script) as proxy:
        error, _ = await attempt(proxy)
    message = str(error)
    assert isinstance(error, ProxyError), message
    assert says in message and "http://127.0.0.1:" in message
    assert "hunter2" not in message and "user" not in message and "\n" not in message


async def test_a_silent_proxy_costs_the_deadline_not_a_hang() -> None:
    async with scripted_proxy(silent) as proxy:
        error, took = await attempt(proxy, connect_timeout=0.5, read_timeout=0.5,
                                    request_deadline=2.0)
    message = str(error)
    assert took < 10, took  # bounded by the connect timeout, not by the proxy
    assert isinstance(error, ProxyError), message
    assert "no connection to registry.example.test:443 through proxy http://127.0.0.1:" in message
    assert "(--proxy) in time" in message
    assert "hunter2" not in message and "\n" not in message


@pytest.mark.parametrize(
    ("script", "says"),
    [
        (garbage, "an answer that is not HTTP"),
        (forbidden, "(HTTP 403)"),
        (endless_head, "an answer that is not HTTP"),
        (silent, "in time"),
    ],
)
async def test_the_http11_pools_tunnel_is_as_careful(script: Script, says: str) -> None:
    """The same proxies, met by the HTTP/1.1 pool's own tunnel (an HTTP/1.1 registry's
    second request on)."""
    async with scripted_proxy(script) as proxy:
        rules = ProxyRules.from_environment({}, proxy)
        assert rules is not None
        pool = Http11Transport(tls=ssl.create_default_context, proxy_for=rules.for_url)
        timeout = httpx.Timeout(0.5)
        async with httpx.AsyncClient(transport=ProxyErrors(rules, pool), timeout=timeout) as c:
            with pytest.raises(ProxyFailure) as caught:
                await c.get("https://registry.example.test/v2/")
    message = str(caught.value)
    assert says in message and "http://127.0.0.1:" in message, message
    assert "hunter2" not in message and "\n" not in message
    assert pool.open_connections == 0
