"""Requests through a proxy: the ``CONNECT`` and SOCKS5 tunnels, one httpx transport per
proxy, and what a failing proxy means, worded for the user.

* :func:`open_tunnel` opens a TCP connection to the proxy and a tunnel through it to
  ``host:port``: an ``http://`` proxy is asked to ``CONNECT host:port`` (with
  ``Proxy-Authorization`` when the proxy URL has credentials), a ``socks5://`` or
  ``socks5h://`` one gets the SOCKS5 handshake (:mod:`regview.registry.socks5`). The
  caller starts TLS over it. The HTTP/1.1 pool uses it for https, and for plain http
  through a SOCKS proxy.
* :class:`ByProxy` gives each proxy its own httpx transport
  (:func:`tunnelling_transport`: the same tunnel, with HTTP/2 inside when the registry
  offers it), and the direct one to what ``NO_PROXY`` exempts.
* :class:`ProxyErrors` sits on top: a request whose proxy cannot be reached, refuses
  the tunnel or wants credentials (407, or SOCKS5's refusals) fails with a one-line
  :class:`~regview.registry.errors.ProxyError` that names the proxy without its
  password. Proxy credentials only ever go to the proxy: on ``CONNECT`` or in the
  SOCKS5 handshake, or on a plain http request sent to an http proxy; never in a
  request inside a tunnel.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx

from regview.registry.h2_connection import fast_start_transport
from regview.registry.proxies import InvalidProxy, Proxy, ProxyRules
from regview.registry.proxy_failure import ProxyFailure
from regview.registry.socks5 import (
    SocksFailure,
    handshake,
    socks_addresses,
    through_each_address,
)

__all__ = [
    "ByProxy",
    "ProxyErrors",
    "ProxyFailure",
    "TunnelRefused",
    "open_tunnel",
    "tunnelling_transport",
]

_MAX_CONNECT_HEAD = 16 * 1024


class TunnelRefused(httpx.ProxyError):
    """The proxy answered ``CONNECT`` with something other than a 2xx head (status 0:
    not HTTP at all)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"{status} from the proxy")
        self.status = status


def _authority(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _connect_head(proxy: Proxy, host: str, port: int) -> bytes:
    target = _authority(host, port)
    head = f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n"
    authorization = proxy.authorization()
    if authorization is not None:
        head += f"Proxy-Authorization: {authorization}\r\n"
    return (head + "\r\n").encode("ascii")


def _check_answer(answer: bytes) -> None:
    """Raise :class:`TunnelRefused` unless ``answer`` is exactly a 2xx response head."""
    head, _, rest = answer.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split(None, 2)
    status = int(status_line[1]) if len(status_line) >= 2 and status_line[1].isdigit() else 0
    if not status_line or not status_line[0].startswith(b"HTTP/1."):
        status = 0
    if not 200 <= status < 300 or rest:
        raise TunnelRefused(status if not rest else 0)


async def open_tunnel(
    proxy: Proxy, host: str, port: int, request: httpx.Request, read_size: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP connection through ``proxy`` to ``host:port``, after its ``CONNECT`` 2xx or
    SOCKS5 success (for the HTTP/1.1 pool, on asyncio streams; ``socks5://`` tries each
    address of the name).

    Raises httpx's ``ConnectError`` when the proxy cannot be reached,
    :class:`TunnelRefused` or :class:`~regview.registry.socks5.SocksFailure` when it says
    no. The caller applies the connect timeout.
    """
    if not proxy.is_socks:
        return await _open_tunnel(proxy, host, port, request, read_size, b"")
    return await through_each_address(
        proxy,
        (host, port),
        await socks_addresses(proxy, host, port),
        lambda address: _open_tunnel(proxy, host, port, request, read_size, address),
    )


async def _open_tunnel(
    proxy: Proxy, host: str, port: int, request: httpx.Request, read_size: int, address: bytes
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """:func:`open_tunnel` over one new connection to the proxy (SOCKS5: to ``address``)."""
    try:
        reader, writer = await asyncio.open_connection(proxy.host, proxy.port, limit=read_size)
    except OSError as exc:
        raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from None

    async def send(data: bytes) -> None:
        writer.write(data)
        await writer.drain()

    try:
        if proxy.is_socks:
            await handshake(proxy, address, (host, port), send, reader.readexactly)
        else:
            await send(_connect_head(proxy, host, port))
            answer = await reader.readuntil(b"\r\n\r\n")
            if len(answer) > _MAX_CONNECT_HEAD:
                raise TunnelRefused(0)
            _check_answer(answer)
    except (OSError, asyncio.IncompleteReadError) as exc:
        writer.close()
        raise httpx.ConnectError(
            f"the proxy closed the connection ({type(exc).__name__})", request=request
        ) from None
    except asyncio.LimitOverrunError:
        writer.close()
        raise TunnelRefused(0) from None
    except BaseException:
        writer.close()
        raise
    return reader, writer


class _TunnelBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, with every TCP connection a tunnel through ``proxy``
    (``CONNECT`` or SOCKS5).

    httpcore then runs TLS (ALPN h2 or http/1.1) over it to the registry as it would
    over a direct connection: its own proxy support reports a garbled ``CONNECT``
    answer as the registry's protocol error, and this one as the proxy's.
    """

    def __init__(self, proxy: Proxy) -> None:
        self._proxy = proxy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        proxy = self._proxy
        if not proxy.is_socks:
            return await self._tunnel(b"", host, port, timeout, local_address, socket_options)
        try:
            async with asyncio.timeout(timeout):
                addresses = await socks_addresses(proxy, host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        return await through_each_address(
            proxy,
            (host, port),
            addresses,
            lambda address: self._tunnel(
                address, host, port, timeout, local_address, socket_options
            ),
        )

    async def _tunnel(
        self,
        address: bytes,
        host: str,
        port: int,
        timeout: float | None,  # noqa: ASYNC109 (httpcore's, as above)
        local_address: str | None,
        socket_options: Iterable[Any] | None,
    ) -> httpcore.AsyncNetworkStream:
        """One new connection to the proxy and a tunnel through it (SOCKS5: to ``address``)."""
        proxy = self._proxy
        stream = await self._inner.connect_tcp(
            proxy.host, proxy.port, timeout, local_address, socket_options
        )

        async def send(data: bytes) -> None:
            await stream.write(data, timeout)

        async def receive(size: int) -> bytes:
            data = b""
            while len(data) < size:
                chunk = await stream.read(size - len(data), timeout)
                if not chunk:
                    raise httpcore.ConnectError("the proxy closed the connection")
                data += chunk
            return data

        try:
            if proxy.is_socks:
                await handshake(proxy, address, (host, port), send, receive)
            else:
                await send(_connect_head(proxy, host, port))
                answer = b""
                while b"\r\n\r\n" not in answer:
                    if len(answer) > _MAX_CONNECT_HEAD:
                        raise TunnelRefused(0)
                    chunk = await stream.read(4096, timeout)
                    if not chunk:
                        raise httpcore.ConnectError("the proxy closed the connection")
                    answer += chunk
                _check_answer(answer)
        except (httpcore.ReadTimeout, httpcore.WriteTimeout):
            await stream.aclose()
            raise httpcore.ConnectTimeout("the proxy did not open the tunnel in time") from None
        except (httpcore.ReadError, httpcore.WriteError):
            await stream.aclose()
            raise httpcore.ConnectError("the proxy closed the connection") from None
        except BaseException:
            await stream.aclose()
            raise
        return stream

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def tunnelling_transport(
    proxy: Proxy, ssl_context: ssl.SSLContext, *, http2: bool, limits: httpx.Limits
) -> httpx.AsyncHTTPTransport:
    """httpx's transport (HTTP/2 when offered) whose connections are tunnels via ``proxy``."""
    return fast_start_transport(
        ssl_context, http2=http2, limits=limits, network_backend=_TunnelBackend(proxy)
    )


class ByProxy(httpx.AsyncBaseTransport):
    """Each request to the transport of its proxy (built on first use), or ``direct``."""

    def __init__(
        self,
        rules: ProxyRules,
        direct: httpx.AsyncBaseTransport,
        through: Callable[[Proxy], httpx.AsyncBaseTransport],
    ) -> None:
        self._rules = rules
        self._direct = direct
        self._through = through
        self._proxied: dict[Proxy, httpx.AsyncBaseTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        proxy = self._rules.for_url(url.scheme, url.host, url.port)
        if proxy is None:
            return await self._direct.handle_async_request(request)
        transport = self._proxied.get(proxy)
        if transport is None:
            transport = self._proxied[proxy] = self._through(proxy)
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        try:
            for transport in self._proxied.values():
                await transport.aclose()
        finally:
            await self._direct.aclose()


def _is_tls_failure(exc: httpx.TransportError) -> bool:
    text = str(exc).upper()
    return "CERTIFICATE" in text or "SSL" in text


class ProxyErrors(httpx.AsyncBaseTransport):
    """Words a proxy's failures for the user (see the module's docstring)."""

    def __init__(self, rules: ProxyRules, inner: httpx.AsyncBaseTransport) -> None:
        self._rules = rules
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        try:
            proxy = self._rules.for_url(url.scheme, url.host, url.port)
        except InvalidProxy as exc:
            raise ProxyFailure(str(exc), request=request) from None
        if proxy is None:
            return await self.inner.handle_async_request(request)
        target = _authority(url.host, url.port or (443 if url.scheme == "https" else 80))
        try:
            response = await self.inner.handle_async_request(request)
        except ProxyFailure:
            raise
        except SocksFailure as exc:
            raise ProxyFailure(str(exc), request=request) from None
        except httpx.ProxyError as exc:
            raise ProxyFailure(_refusal(proxy, target, _status_of(exc)), request=request) from None
        except httpx.ConnectTimeout:
            raise ProxyFailure(
                f"no connection to {target} through {proxy.named} in time: is the proxy "
                "up? (or list the registry in NO_PROXY to reach it directly)",
                request=request,
            ) from None
        except httpx.ConnectError as exc:
            if _is_tls_failure(exc):
                raise
            raise ProxyFailure(
                f"cannot connect to {proxy.named} for {target}: is the address right and the "
                "proxy up? (or list the registry in NO_PROXY to reach it directly)",
                request=request,
            ) from None
        if response.status_code == 407 and not proxy.is_socks:  # plain http sent to it
            await response.aclose()
            raise ProxyFailure(_refusal(proxy, target, 407), request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def _status_of(exc: httpx.ProxyError) -> int:
    if isinstance(exc, TunnelRefused):
        return exc.status
    head = str(exc).split(None, 1)  # httpcore: "407 Proxy Authentication Required"
    return int(head[0]) if head and head[0].isdigit() else 0


def _refusal(proxy: Proxy, target: str, status: int) -> str:
    if status == 407:
        if proxy.has_credentials:
            return (
                f"{proxy.named} refused the credentials in its URL (407): check the "
                "user and password in http://USER:PASSWORD@HOST:PORT"
            )
        return (
            f"{proxy.named} wants credentials (407): give them in the proxy URL, "
            "http://USER:PASSWORD@HOST:PORT"
        )
    said = f"HTTP {status}" if status else "an answer that is not HTTP"
    return (
        f"{proxy.named} would not connect to {target} ({said}): is the registry "
        "name right, and may the proxy reach it? (NO_PROXY lists hosts to reach directly)"
    )
