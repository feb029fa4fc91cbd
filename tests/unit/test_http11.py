"""The lean HTTP/1.1 pool (``regview.registry.http11``) against a scripted loopback server.

Each test's server is a real asyncio socket server whose handler decides, per request,
what bytes to send back, so keep-alive, stale connections, framing errors and timeouts
are exercised on real sockets, not mocks.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from regview.registry.deferred_transport import DeferredTransport
from regview.registry.http11 import Http11Transport, ProtocolRouter
from tests.support.tls import LoopbackCertificate, make_certificate


@dataclass
class Seen:
    connections: int = 0
    requests: list[tuple[int, bytes, bytes]] = field(default_factory=list)  # conn, head, body


Reply = Callable[[int, int, bytes, asyncio.StreamWriter], Awaitable[bool]]
"""(connection number, request number on it, request head, writer) -> keep the connection?"""


def ok(body: bytes = b"hello", *extra: str) -> bytes:
    head = ["HTTP/1.1 200 OK", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def always_ok(conn: int, n: int, head: bytes, w: asyncio.StreamWriter) -> bool:
    w.write(ok(b"ok %d.%d" % (conn, n)))
    return True


@asynccontextmanager
async def server(
    reply: Reply = always_ok, tls: ssl.SSLContext | None = None
) -> AsyncIterator[tuple[str, Seen]]:
    seen = Seen()
    writers: set[asyncio.StreamWriter] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        conn = seen.connections
        writers.add(writer)
        n = 0
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                body = await reader.readexactly(length) if length else b""
                n += 1
                seen.requests.append((conn, head, body))
                keep = await reply(conn, n, head, writer)
                await writer.drain()
                if not keep:
                    return
        except (asyncio.CancelledError, ConnectionError):
            return
        finally:
            writers.discard(writer)
            writer.close()

    srv = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
    port = srv.sockets[0].getsockname()[1]
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}", seen
    finally:
        for writer in list(writers):
            writer.close()
        srv.close()
        await srv.wait_closed()


@asynccontextmanager
async def client(**kwargs: object) -> AsyncIterator[tuple[httpx.AsyncClient, Http11Transport]]:
    transport = Http11Transport(**kwargs)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, timeout=2.0) as c:
        yield c, transport


async def test_sequential_requests_share_one_connection() -> None:
    async with server() as (url, seen), client() as (c, _):
        bodies = [(await c.get(f"{url}/v2/x/{i}")).text for i in range(5)]
    assert bodies == [f"ok 1.{i}" for i in range(1, 6)]
    assert seen.connections == 1
    assert [h.split(b"\r\n")[0] for _, h, _ in seen.requests] == [
        f"GET /v2/x/{i} HTTP/1.1".encode() for i in range(5)
    ]


async def test_concurrent_requests_open_connections_then_reuse_them() -> None:
    async def slow(conn: int, n: int, head: bytes, w: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.05)
        w.write(ok(b"x"))
        return True

    async with server(slow) as (url, seen), client() as (c, t):
        await asyncio.gather(*(c.get(f"{url}/a") for _ in range(8)))
        assert seen.connections == 8
        await asyncio.gather(*(c.get(f"{url}/b") for _ in range(8)))
        assert seen.connections == 8
        assert t.open_connections == 8
    assert t.open_connections == 0


async def test_idle_connections_beyond_the_cap_are_closed() -> None:
    async def slow(conn: int, n: int, head: bytes, w: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.05)
        w.write(ok())
        return True

    async with server(slow) as (url, _seen), client(max_idle_per_origin=3) as (c, t):
        await asyncio.gather(*(c.get(url) for _ in range(6)))
        assert t.open_connections == 3


async def test_head_and_empty_answers_keep_the_connection() -> None:
    async def reply(conn: int, n: int, head: bytes, w: asyncio.StreamWriter) -> bool:
        if head.startswith(b"HEAD"):
            w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nDocker-Content-Digest: d\r\n\r\n")
        else:
            w.write(b'HTTP/1.1 304 Not Modified\r\nETag: "e"\r\n\r\n')
        return True

    async with server(reply) as (url, seen), client() as (c, _):
        for _ in range(3):
            async with c.stream("HEAD", url) as r:
                assert r.headers["content-length"] == "1234"  # not read: nothing to read
            r2 = await c.get(url)
            assert r2.status_code == 304 and r2.content == b""
    assert seen.connections == 1


async def test_chunked_bodies_are_decoded() -> None:
    async def reply(conn: int, n: int, head: bytes, w: asyncio.StreamWriter) -> bool:
        w.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        w.write(b"5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\n\r\n")
        return True

    async with server(reply) as (url, seen), client() as (c, _):
        assert (await c.get(url)).content == b"hello world"
        assert (await c.get(url)).content == b"hello world"
    assert seen.connections == 1


async def test_connection_close_is_honoured() -> None:
    async def reply(conn: int, n: int, head: bytes, w: asyncio.StreamWriter) -> bool:
        w.write(ok(b"bye", "Connection: close"))
        return False

    async with server(reply) as (url, seen), client() as (c, t):
        for _ in range(3):
            assert (await c.get(url)).content == b"bye"
        assert t.open_connections == 0
    assert seen.connections == 3


async def test_a_kept_alive_connection_the_server_dropped_is_replaced_for_a_get() -> None:
    async def reply(conn: int, n: int, head: bytes, w: asyncio.StreamWriter) -> bool:
        if n == 2:
            return False  # read the request, then hang up without a word
        w.write(ok(b"fine"))
        return True

    async with server(reply) as (url, seen), client() as (c, _):
        assert (await c.get(url)).content == b"fine"
        assert (await c.get(url)).content == b"fine"  # first try on the dead connection
    assert seen.connections == 2


async def test_a_post_on_a_dropped_connection_is_not_sent_twice() -> None:
    async def reply(conn: int, n: int, head: bytes, w: asyncio.StreamWriter) -> bool:
        if n == 2:
            return False
        w.write(ok(b"fine"))
        return True

    async with server(reply) as (url, seen), client() as (c, _):
        await c.get(url)
        with pytest.raises(httpx.RemoteProtocolError):
            await c.post(url, data={"grant_type": "password"})
    assert [h.split(b" ")[0] for _, h, _ in seen.requests] == [b"GET", b"POST"]


@pytest.mark.parametrize("delay", [0.0, 0.05], ids=["with-the-answer", "while-idle"])
async def test_unsolicited_bytes_on_an_idle_connection_are_not_taken_as_the_answer(
    delay: float,
) -> None:
    async def reply(conn: int, n: int, head: bytes, w: asyncio.StreamWriter) -> bool:
        w.write(ok(b"answer %d" % conn))
        await w.drain()
        await asyncio.sleep(delay)
        # What nginx does to an idle keep-alive connection before closing it.
        w.write(b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n")
        return True

    async with server(reply) as (url, seen), client() as (c, _):
        assert (await c.get(url)).text == "answer 1"
        await asyncio.sleep(delay + 0.1)  # the 408 has arrived
        assert (await c.get(url)).text == "answer 2"
    assert seen.connections == 2


async def test_request_bodies_and_headers_arrive_intact() -> None:
    async with server() as (url, seen), client() as (c, _):
        await c.post(f"{url}/token?scope=a%20b", data={"grant_type": "password", "username": "u"})
    _, head, body = seen.requests[0]
    assert head.startswith(b"POST /token?scope=a%20b HTTP/1.1\r\n")
    assert b"\r\nHost: 127.0.0.1:" in head
    assert body == b"grant_type=password&username=u"


async def test_informational_answers_are_skipped() -> None:
    async def reply(conn: int, n: int, head: bytes, w: asyncio.StreamWriter) -> bool:
        w.write(b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"final"))
        return True

    async with server(reply) as (url, _), client() as (c, _t):
        assert (await c.get(url)).content == b"final"


async def test_a_truncated_body_is_a_protocol_error_and_the_connection_is_dropped() -> None:
    async def reply(conn: int, n: int, head: bytes, w: asyncio.StreamWriter) -> bool:
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
        return False

    async with server(reply) as (url, _), client() as (c, t):
        with pytest.raises(httpx.RemoteProtocolError):
            await c.get(url)
        assert t.open_connections == 0


async def test_an_oversized_response_head_is_refused() -> None:
    async def reply(conn: int, n: int, head: bytes, w: asyncio.StreamWriter) -> bool:
        w.write(b"HTTP/1.1 200 OK\r\n" + b"X-Junk: " + b"j" * 200_000 + b"\r\n\r\n")
        return False

    async with server(reply) as (url, _), client() as (c, _t):
        with pytest.raises(httpx.RemoteProtocolError):
            await c.get(url)


async def test_garbage_instead_of_http_is_a_protocol_error() -> None:
    async def reply(conn: int, n: int, head: bytes, w: asyncio.StreamWriter) -> bool:
        w.write(b"\x16\x03\x01 this is not http\r\n\r\n")
        return False

    async with server(reply) as (url, _), client() as (c, _t):
        with pytest.raises(httpx.RemoteProtocolError):
            await c.get(url)


async def test_a_silent_server_is_a_read_timeout() -> None:
    async def reply(conn: int, n: int, head: bytes, w: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(5)
        return False

    async with server(reply) as (url, _), client() as (c, t):
        with pytest.raises(httpx.ReadTimeout):
            await c.get(url, timeout=httpx.Timeout(2.0, read=0.1))
        assert t.open_connections == 0


async def test_a_refused_connection_is_a_connect_error() -> None:
    async with server() as (url, _):
        pass  # closed: nothing listens on the port any more
    async with client() as (c, _t):
        with pytest.raises(httpx.ConnectError):
            await c.get(url)


async def test_a_body_abandoned_midway_closes_its_connection() -> None:
    async def reply(conn: int, n: int, head: bytes, w: asyncio.StreamWriter) -> bool:
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 70_000)
        await asyncio.sleep(1)
        return False

    async with server(reply) as (url, seen), client() as (c, t):
        async with c.stream("GET", url) as r:
            async for _chunk in r.aiter_raw():
                break
        assert t.open_connections == 0
        async with c.stream("GET", url) as r:
            async for _chunk in r.aiter_raw():
                break
    assert seen.connections == 2


async def test_a_cancelled_request_leaves_no_connection_behind() -> None:
    arrived = asyncio.Event()

    async def reply(conn: int, n: int, head: bytes, w: asyncio.StreamWriter) -> bool:
        arrived.set()
        await asyncio.sleep(5)
        return False

    async with server(reply) as (url, _seen), client() as (c, t):
        task = asyncio.create_task(c.get(url))
        await asyncio.wait_for(arrived.wait(), 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert t.open_connections == 0


async def test_https_is_refused_without_a_tls_context() -> None:
    async with client() as (c, _t):
        with pytest.raises(httpx.UnsupportedProtocol):
            await c.get("https://127.0.0.1:1/")


class Recording(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.urls: list[str] = []
        self.closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        return httpx.Response(200, content=b"tls")

    async def aclose(self) -> None:
        self.closed = True


async def test_the_router_sends_https_to_a_transport_built_on_first_use() -> None:
    built: list[Recording] = []

    def factory() -> Recording:
        built.append(Recording())
        return built[-1]

    plain = Http11Transport()
    router = ProtocolRouter(plain, DeferredTransport(factory))
    async with server() as (url, seen), httpx.AsyncClient(transport=router) as c:
        assert (await c.get(url)).text == "ok 1.1"
        assert built == []  # a plain-http session never builds the TLS transport
        assert (await c.get("https://registry.example/v2/")).text == "tls"
        assert (await c.get("https://registry.example/v2/x")).text == "tls"
    assert len(built) == 1 and built[0].urls[-1] == "https://registry.example/v2/x"
    assert built[0].closed
    assert seen.connections == 1
    assert plain.open_connections == 0


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> LoopbackCertificate:
    return make_certificate(Path(tmp_path_factory.mktemp("tls")))


async def test_https_over_tls_keeps_its_connection(certificate: LoopbackCertificate) -> None:
    tls = certificate.server_context(["http/1.1"])
    async with server(tls=tls) as (url, seen), client(tls=certificate.client_context) as (c, _):
        assert [(await c.get(f"{url}/v2/")).text for _ in range(3)] == [
            "ok 1.1",
            "ok 1.2",
            "ok 1.3",
        ]
    assert seen.connections == 1


async def test_an_untrusted_certificate_is_a_connect_error_that_says_so(
    certificate: LoopbackCertificate,
) -> None:
    async with (
        server(tls=certificate.server_context()) as (url, seen),
        client(tls=ssl.create_default_context) as (c, _),
    ):
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await c.get(url)
    assert seen.requests == []


async def test_an_https_origin_that_answers_in_http11_moves_to_the_lean_pool(
    certificate: LoopbackCertificate,
) -> None:
    tls = certificate.server_context(["http/1.1"])
    lean = Http11Transport(tls=certificate.client_context)
    httpcore_side = httpx.AsyncHTTPTransport(verify=certificate.client_context(), http2=True)
    router = ProtocolRouter(lean, httpcore_side)
    async with server(tls=tls) as (url, seen), httpx.AsyncClient(transport=router) as c:
        first = await c.get(url)
        assert first.http_version == "HTTP/1.1"
        assert lean.open_connections == 0  # the first answer came through httpx's transport
        for _ in range(3):
            assert (await c.get(url)).status_code == 200
        assert lean.open_connections == 1
        assert router.http11_origins == {("https", "127.0.0.1", int(url.rsplit(":", 1)[1]))}
    assert seen.connections == 2  # one for the first request, one for the rest


class Http2Answers(Recording):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        return httpx.Response(200, extensions={"http_version": b"HTTP/2"})


async def test_an_https_origin_that_answers_in_http2_stays_with_httpx() -> None:
    h2 = Http2Answers()
    router = ProtocolRouter(Http11Transport(tls=ssl.create_default_context), h2)
    async with httpx.AsyncClient(transport=router) as c:
        for _ in range(3):
            await c.get("https://registry.example/v2/")
    assert len(h2.urls) == 3 and router.http11_origins == set()
