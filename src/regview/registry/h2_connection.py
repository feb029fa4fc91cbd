"""HTTP/2 connections that send the first burst at once, as Go's client does.

httpcore's :class:`~httpcore.AsyncHTTP2Connection` allows one stream on a new
connection until it has read the server's ``SETTINGS``, and it reads them only while
that first request waits for its answer: a burst of 100 requests sends one, waits a
round trip, then sends the other 99. Go's client (and curl, nghttp2) assume 100
concurrent streams until the server says otherwise; RFC 9113 (section 5.1.2) has the
initial value unlimited. A server that allows fewer refuses the extra streams with
``RST_STREAM REFUSED_STREAM``, which means it did not process them (section 8.7): such
a request is sent again on the same connection, once the limit lets it.

* :class:`StreamLimit` counts the streams in flight against a limit that may shrink
  below that count without waiting. httpcore shrinks its semaphore by *acquiring* it
  from the reading path: with every place taken that waits for a stream to end, which
  needs that very read, a deadlock once more than one stream starts before ``SETTINGS``.
* :class:`FastStartHTTP2Connection` starts with ``min(100, our MAX_CONCURRENT_STREAMS)``
  streams, then follows the server's ``MAX_CONCURRENT_STREAMS`` (fewer or more, up to
  ours), and resends a bodiless request whose stream was refused.
* :class:`FastStartConnection` and :class:`FastStartPool` are httpcore's connection and
  pool that make those when ALPN chooses h2; :func:`fast_start_transport` is httpx's
  transport on that pool.

The subclasses touch a few of httpcore's private names; :data:`SUPPORTED` checks them
once, at import, against the code of httpcore's methods. Where one is missing (a future
httpcore) everything here behaves exactly as httpcore's own classes.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
from typing import TYPE_CHECKING

import anyio
import httpcore
import httpx

if TYPE_CHECKING:
    import h2.events

__all__ = [
    "INITIAL_STREAMS",
    "SUPPORTED",
    "FastStartConnection",
    "FastStartHTTP2Connection",
    "FastStartPool",
    "StreamLimit",
    "fast_start_transport",
]

INITIAL_STREAMS = 100
"""Streams a new connection may open before the server's ``SETTINGS`` (Go's figure)."""

#: Resends of one request whose stream was refused, before the refusal is raised (the
#: caller's retries, with their backoff, take over from there).
_MAX_REFUSALS = 5


class StreamLimit:
    """A counting limit whose bound may move either way at any time, never waiting.

    The interface of httpcore's semaphore (``await acquire()``, ``await release()``):
    places go to waiters in arrival order whenever the count falls below the limit.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._in_flight = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def set_limit(self, limit: int) -> None:
        """Move the bound; streams already in flight above it finish as they are."""
        self._limit = limit
        self._wake()

    async def acquire(self) -> None:
        if self._in_flight < self._limit and not self._waiters:
            self._in_flight += 1
            return
        place = asyncio.get_running_loop().create_future()
        self._waiters.append(place)
        try:
            await place
        except BaseException:
            if place.done() and not place.cancelled():
                self._in_flight -= 1  # given a place, but cancelled before taking it
                self._wake()
            elif place in self._waiters:
                self._waiters.remove(place)
            raise

    async def release(self) -> None:
        self._in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self._in_flight < self._limit:
            place = self._waiters.popleft()
            if not place.done():
                self._in_flight += 1
                place.set_result(None)


def _names_used(cls: type, method: str) -> frozenset[str]:
    function = getattr(cls, method, None)
    code = getattr(function, "__code__", None)
    return frozenset(code.co_names) if code is not None else frozenset()


def _supported(
    h2c: type = httpcore.AsyncHTTP2Connection, conn: type = httpcore.AsyncHTTPConnection
) -> bool:
    """Do httpcore's classes still work the way the subclasses below rely on?"""
    return (
        {"_init_lock", "_sent_connection_init", "_send_connection_init", "_max_streams_semaphore"}
        <= _names_used(h2c, "handle_async_request")
        and "_receive_remote_settings_change" in _names_used(h2c, "_receive_events")
        and "_max_streams_semaphore" in _names_used(h2c, "_response_closed")
        and "_h2_state" in _names_used(h2c, "_send_connection_init")
        and {"_connection", "_request_lock", "_connect", "_connect_failed", "_origin"}
        | {"_http1", "_http2", "_keepalive_expiry"}
        <= _names_used(conn, "handle_async_request")
    )


SUPPORTED = _supported()
"""False when httpcore changed under us: then these classes are httpcore's own."""


def _has_body(request: httpcore.Request) -> bool:
    return any(k.lower() in (b"content-length", b"transfer-encoding") for k, _ in request.headers)


def _refused(exc: httpcore.RemoteProtocolError) -> bool:
    """Was this the server's ``RST_STREAM REFUSED_STREAM`` (it did not process it)?"""
    import h2.errors
    import h2.events

    event = exc.args[0] if exc.args else None
    return (
        isinstance(event, h2.events.StreamReset)
        and event.error_code == h2.errors.ErrorCodes.REFUSED_STREAM
    )


class FastStartHTTP2Connection(httpcore.AsyncHTTP2Connection):
    """httpcore's HTTP/2 connection with up to 100 streams before ``SETTINGS``."""

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        if SUPPORTED:
            await self._start(request)
        refusals = 0
        while True:
            try:
                return await super().handle_async_request(request)
            except httpcore.RemoteProtocolError as exc:
                if refusals >= _MAX_REFUSALS or _has_body(request) or not _refused(exc):
                    raise
                refusals += 1  # not processed: send it again once a stream is free

    async def _start(self, request: httpcore.Request) -> None:
        """Send the connection preface, with our stream limit in httpcore's semaphore's
        place (httpcore's own start then sees it done)."""
        async with self._init_lock:
            if self._sent_connection_init or self.is_closed():
                return  # a closed one: httpcore says ConnectionNotAvailable
            try:
                await self._send_connection_init(request)
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await self.aclose()
                raise
            ours = self._h2_state.local_settings.max_concurrent_streams
            self._max_streams = min(INITIAL_STREAMS, ours)
            self._max_streams_semaphore = StreamLimit(self._max_streams)  # type: ignore[assignment]
            self._sent_connection_init = True

    async def _receive_remote_settings_change(self, event: h2.events.RemoteSettingsChanged) -> None:
        limit = getattr(self, "_max_streams_semaphore", None)
        if not isinstance(limit, StreamLimit):
            await super()._receive_remote_settings_change(event)
            return
        import h2.settings

        changed = event.changed_settings.get(h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS)
        if changed is None:
            return
        ours = self._h2_state.local_settings.max_concurrent_streams
        new_limit = min(changed.new_value, ours)
        if new_limit:  # 0 ("no new streams for now") is left to h2 to refuse, as httpcore does
            self._max_streams = new_limit
            limit.set_limit(new_limit)


class FastStartConnection(httpcore.AsyncHTTPConnection):
    """httpcore's connection, speaking :class:`FastStartHTTP2Connection` over h2."""

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        if SUPPORTED and self._connection is None:
            try:
                async with self._request_lock:
                    if self._connection is None:
                        self._connection = self._speak(await self._connect(request))
            except BaseException:
                self._connect_failed = True
                raise
        return await super().handle_async_request(request)

    def _speak(self, stream: httpcore.AsyncNetworkStream) -> httpcore.AsyncConnectionInterface:
        """The protocol over a fresh ``stream``: as httpcore chooses, ours for h2."""
        ssl_object = stream.get_extra_info("ssl_object")
        h2_chosen = ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2"
        if h2_chosen or (self._http2 and not self._http1):
            return FastStartHTTP2Connection(
                origin=self._origin, stream=stream, keepalive_expiry=self._keepalive_expiry
            )
        return httpcore.AsyncHTTP11Connection(
            origin=self._origin, stream=stream, keepalive_expiry=self._keepalive_expiry
        )


class FastStartPool(httpcore.AsyncConnectionPool):
    """httpcore's pool of :class:`FastStartConnection` (no proxy: a tunnel is a backend)."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        limits: httpx.Limits,
        http2: bool,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        super().__init__(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=http2,
            network_backend=network_backend,
        )
        self._fast_ssl_context = ssl_context
        self._fast_keepalive_expiry = limits.keepalive_expiry
        self._fast_http2 = http2
        self._fast_backend = network_backend

    def create_connection(self, origin: httpcore.Origin) -> httpcore.AsyncConnectionInterface:
        return FastStartConnection(
            origin=origin,
            ssl_context=self._fast_ssl_context,
            keepalive_expiry=self._fast_keepalive_expiry,
            http1=True,
            http2=self._fast_http2,
            network_backend=self._fast_backend,
        )


def fast_start_transport(
    ssl_context: ssl.SSLContext,
    *,
    http2: bool,
    limits: httpx.Limits,
    network_backend: httpcore.AsyncNetworkBackend | None = None,
) -> httpx.AsyncHTTPTransport:
    """httpx's transport (HTTP/2 when offered) on a :class:`FastStartPool`.

    ``ssl_context`` is the pool's own (httpcore sets ALPN on it); ``network_backend``
    makes every TCP connection some other way (a proxy's tunnel).
    """
    transport = httpx.AsyncHTTPTransport(verify=ssl_context, http2=http2, limits=limits)
    # httpx builds its pool from its arguments; ours is the one change needed.
    transport._pool = FastStartPool(
        ssl_context=ssl_context, limits=limits, http2=http2, network_backend=network_backend
    )
    return transport
