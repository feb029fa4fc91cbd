"""A lean HTTP/1.1 connection pool under httpx, for registries that speak HTTP/1.1.

Why not httpcore's pool: on every request and every response it walks all of its
connections, polling each socket and asking anyio for its attributes. At 32 connections
that bookkeeping cost more CPU than the requests (200 manifest and config GETs: 1.2 s at
16 connections, 3.2 s at 64, against 0.6 s here; ``benchmarks/run --only c``), so raising
the concurrency made a cold inspect slower instead of faster.

Here idle connections wait in a stack per origin; a request takes the most recently used
one (or opens a new one) and gives it back when its body has been read to the end. h11
does the HTTP: framing, chunked bodies, HEAD, keep-alive and ``Connection: close``, and
it rejects malformed or oversized response heads. Errors are httpx's own exceptions, so
callers cannot tell this transport from httpx's.

``ProtocolRouter`` decides who carries a request. Plain ``http://`` always comes here.
``https://`` first goes to httpx's transport (built on first use, so a plain-http session
never builds a TLS context or imports h2), because TLS registries mostly speak HTTP/2,
which multiplexes everything over one connection; an https origin that answers in
HTTP/1.1 is remembered and served here from then on, over TLS with ALPN ``http/1.1``.

Through a proxy (``proxy_for``): https goes through a ``CONNECT`` or SOCKS5 tunnel to
the origin (:func:`~regview.registry.proxy_transport.open_tunnel`), TLS over it; plain
http goes through a SOCKS5 tunnel too, or is sent to an http proxy itself in absolute
form (``GET http://host/v2/ HTTP/1.1``) with the proxy's ``Proxy-Authorization``.
Connections are pooled by origin either way.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import h11
import httpx

from regview.registry.proxies import Proxy
from regview.registry.proxy_transport import open_tunnel

__all__ = ["Http11Transport", "ProtocolRouter"]

_READ_SIZE = 64 * 1024
# As httpcore: a response head (status line and headers) larger than this is refused.
_MAX_HEAD_BYTES = 100 * 1024
_IDEMPOTENT = frozenset({b"GET", b"HEAD", b"OPTIONS"})

Origin = tuple[str, str, int]  # scheme, host, port
_DEFAULT_PORTS = {"http": 80, "https": 443}


class _Stale(Exception):
    """A reused connection was closed by the server before it answered anything."""


class _Connection:
    __slots__ = ("forward", "h11", "idle_since", "reader", "received", "writer")

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        forward: Proxy | None = None,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.forward = forward  # plain http sent to this proxy, in absolute form
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_HEAD_BYTES)
        self.idle_since = 0.0
        self.received = 0  # bytes read for the current request

    def close(self) -> None:
        self.writer.close()

    def usable(self, now: float, expiry: float) -> bool:
        """Idle, recent, and not closed (nor written to) by the server while it waited."""
        return (
            now - self.idle_since < expiry
            and not self.reader.at_eof()
            and not self.writer.is_closing()
            # Bytes nobody asked for (nginx sends a 408 to idle connections before it
            # closes them) would otherwise be read as the answer to the next request.
            and not getattr(self.reader, "_buffer", b"")
        )

    async def next_event(self, request: httpx.Request, read_timeout: float | None) -> Any:
        """The next h11 event, reading from the socket as h11 needs."""
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc), request=request) from None
            if event is not h11.NEED_DATA:
                return event
            try:
                async with asyncio.timeout(read_timeout):
                    data = await self.reader.read(_READ_SIZE)
            except TimeoutError:
                raise httpx.ReadTimeout("timed out reading the response", request=request) from None
            except OSError as exc:
                raise httpx.ReadError(_describe(exc), request=request) from None
            self.received += len(data)
            self.h11.receive_data(data)

    def finish(self, request: httpx.Request) -> bool:
        """Consume what is already buffered; True when the response ended cleanly.

        A HEAD, 204 or 304 answer (or a body nobody read but that already arrived) ends
        without more I/O, so its connection can be reused instead of closed.
        """
        while self.h11.their_state is h11.SEND_BODY:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError:
                return False
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return False
        # Bytes after the end of the answer were not asked for: see ``usable``.
        trailing, closed = self.h11.trailing_data
        if self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE:
            if trailing or closed:
                return False
            self.h11.start_next_cycle()
            return True
        return False


class _ResponseBody(httpx.AsyncByteStream):
    def __init__(
        self,
        pool: Http11Transport,
        origin: Origin,
        connection: _Connection,
        request: httpx.Request,
        timeout: float | None,
    ) -> None:
        self._pool = pool
        self._origin = origin
        self._connection: _Connection | None = connection
        self._request = request
        self._timeout = timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection = self._connection
        if connection is None:
            raise httpx.StreamClosed()
        while True:
            event = await connection.next_event(self._request, self._timeout)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                return

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if connection.finish(self._request):
            self._pool._release(self._origin, connection)
        else:
            self._pool._discard(connection)


class Http11Transport(httpx.AsyncBaseTransport):
    """HTTP/1.1 over asyncio streams with keep-alive.

    ``tls`` builds the TLS context for ``https://`` (called once, on first use); without
    it only ``http://`` is served. ``proxy_for(scheme, host, port)`` names the proxy an
    origin is reached through (None: directly).
    """

    def __init__(
        self,
        *,
        tls: Callable[[], ssl.SSLContext] | None = None,
        max_idle_per_origin: int = 64,
        keepalive_expiry: float = 30.0,
        proxy_for: Callable[[str, str, int], Proxy | None] | None = None,
    ) -> None:
        self._proxy_for = proxy_for
        self._tls_factory = tls
        self._tls: ssl.SSLContext | None = None
        self._idle: dict[Origin, list[_Connection]] = {}
        self._open: set[_Connection] = set()
        self._max_idle = max_idle_per_origin
        self._expiry = keepalive_expiry
        self._closed = False

    @property
    def open_connections(self) -> int:
        return len(self._open)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme != "http" and not (url.scheme == "https" and self._tls_factory):
            raise httpx.UnsupportedProtocol(
                f"this transport does not speak {url.scheme!r}", request=request
            )
        if self._closed:
            raise httpx.ConnectError("the transport is closed", request=request)
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        origin = (url.scheme, url.host, url.port or _DEFAULT_PORTS[url.scheme])
        body = await request.aread()
        connection = self._take_idle(origin)
        try:
            if connection is not None:
                try:
                    return await self._exchange(origin, connection, request, body, timeouts)
                except _Stale:
                    self._discard(connection)
                    if request.method.encode() not in _IDEMPOTENT:
                        raise httpx.RemoteProtocolError(
                            "the server closed a kept-alive connection", request=request
                        ) from None
            connection = await self._connect(origin, request, timeouts.get("connect"))
            return await self._exchange(origin, connection, request, body, timeouts, fresh=True)
        except _Stale:
            raise httpx.RemoteProtocolError(
                "server disconnected without sending a response", request=request
            ) from None
        except BaseException:
            if connection is not None:
                self._discard(connection)
            raise

    async def aclose(self) -> None:
        self._closed = True
        for connection in list(self._open):
            self._discard(connection)
        self._idle.clear()

    # --- the pool ----------------------------------------------------------------------

    def _take_idle(self, origin: Origin) -> _Connection | None:
        stack = self._idle.get(origin)
        now = time.monotonic()
        while stack:
            connection = stack.pop()
            if connection.usable(now, self._expiry):
                return connection
            self._discard(connection)
        return None

    def _release(self, origin: Origin, connection: _Connection) -> None:
        stack = self._idle.setdefault(origin, [])
        if self._closed or len(stack) >= self._max_idle:
            self._discard(connection)
            return
        connection.idle_since = time.monotonic()
        stack.append(connection)

    def _discard(self, connection: _Connection) -> None:
        self._open.discard(connection)
        connection.close()

    async def _connect(
        self, origin: Origin, request: httpx.Request, connect_timeout: float | None
    ) -> _Connection:
        scheme, host, port = origin
        tls: dict[str, Any] = {}
        if scheme == "https":
            if self._tls is None and self._tls_factory is not None:
                self._tls = self._tls_factory()
                self._tls.set_alpn_protocols(["http/1.1"])
            tls = {"ssl": self._tls, "server_hostname": host}
        proxy = self._proxy_for(scheme, host, port) if self._proxy_for is not None else None
        try:
            async with asyncio.timeout(connect_timeout):
                if proxy is None:
                    reader, writer = await asyncio.open_connection(
                        host, port, limit=_READ_SIZE, **tls
                    )
                elif scheme == "https" or proxy.is_socks:
                    reader, writer = await open_tunnel(proxy, host, port, request, _READ_SIZE)
                    if scheme == "https":
                        try:
                            await writer.start_tls(tls["ssl"], server_hostname=host)
                        except BaseException:
                            writer.close()
                            raise
                else:
                    reader, writer = await asyncio.open_connection(
                        proxy.host, proxy.port, limit=_READ_SIZE
                    )
        except TimeoutError:
            raise httpx.ConnectTimeout(
                f"connecting to {host}:{port} timed out", request=request
            ) from None
        except OSError as exc:
            raise httpx.ConnectError(_describe(exc), request=request) from None
        forward = proxy if scheme == "http" and proxy is not None and not proxy.is_socks else None
        connection = _Connection(reader, writer, forward)
        self._open.add(connection)
        return connection

    async def _exchange(
        self,
        origin: Origin,
        connection: _Connection,
        request: httpx.Request,
        body: bytes,
        timeouts: dict[str, float | None],
        *,
        fresh: bool = False,
    ) -> httpx.Response:
        connection.received = 0
        target = request.url.raw_path
        headers = request.headers.raw
        if connection.forward is not None:
            url = request.url
            target = b"http://" + url.netloc + url.raw_path
            authorization = connection.forward.authorization()
            if authorization is not None:
                headers = [*headers, (b"Proxy-Authorization", authorization.encode("ascii"))]
        try:
            data = connection.h11.send(
                h11.Request(method=request.method, target=target, headers=headers)
            )
            if body:
                data += connection.h11.send(h11.Data(data=body)) or b""
            data += connection.h11.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc), request=request) from None
        try:
            connection.writer.write(data or b"")
            async with asyncio.timeout(timeouts.get("write")):
                await connection.writer.drain()
        except TimeoutError:
            raise httpx.WriteTimeout("timed out sending the request", request=request) from None
        except OSError as exc:
            if not fresh:
                raise _Stale() from None
            raise httpx.WriteError(_describe(exc), request=request) from None
        try:
            event = await connection.next_event(request, timeouts.get("read"))
            while isinstance(event, h11.InformationalResponse):
                event = await connection.next_event(request, timeouts.get("read"))
        except (httpx.ReadError, httpx.RemoteProtocolError):
            # Nothing came back: a kept-alive connection the server had already closed.
            if not fresh and connection.received == 0:
                raise _Stale() from None
            raise
        if not isinstance(event, h11.Response):
            if not fresh:
                raise _Stale()
            raise httpx.RemoteProtocolError(
                "server disconnected without sending a response", request=request
            )
        return httpx.Response(
            status_code=event.status_code,
            headers=event.headers.raw_items(),
            stream=_ResponseBody(self, origin, connection, request, timeouts.get("read")),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": event.reason},
        )


class ProtocolRouter(httpx.AsyncBaseTransport):
    """Plain http and HTTP/1.1 https origins to ``http11``, the rest to ``other``."""

    def __init__(self, http11: Http11Transport, other: httpx.AsyncBaseTransport) -> None:
        self.http11 = http11
        self.other = other
        self.http11_origins: set[Origin] = set()
        self._tls_capable = http11._tls_factory is not None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        origin = (url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme, 0))
        if url.scheme == "http" or origin in self.http11_origins:
            return await self.http11.handle_async_request(request)
        response = await self.other.handle_async_request(request)
        if (
            self._tls_capable
            and url.scheme == "https"
            and response.extensions.get("http_version") == b"HTTP/1.1"
        ):
            self.http11_origins.add(origin)
        return response

    async def aclose(self) -> None:
        try:
            await self.http11.aclose()
        finally:
            await self.other.aclose()


def _describe(exc: OSError) -> str:
    # str() keeps what matters: "CERTIFICATE_VERIFY_FAILED", "[Errno 111] Connect call
    # failed", and the caller words it for the user.
    return str(exc) or type(exc).__name__
