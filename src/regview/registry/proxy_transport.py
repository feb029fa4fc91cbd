"""Requests through a proxy: the ``CONNECT`` tunnel, one httpx transport per proxy, and
what a failing proxy means, worded for the user.

* :func:`open_tunnel` opens a TCP connection to an ``http://`` proxy and asks it to
  ``CONNECT host:port`` (with ``Proxy-Authorization`` when the proxy URL has
  credentials); the caller starts TLS over it. The HTTP/1.1 pool uses it for https.
* :class:`ByProxy` gives each proxy its own httpx transport (HTTP/2 over the tunnel,
  which httpcore negotiates itself), and the direct one to what ``NO_PROXY`` exempts.
* :class:`ProxyErrors` sits on top: a request whose proxy cannot be reached, refuses
  the tunnel or wants credentials (407) fails with a one-line
  :class:`~regview.registry.errors.ProxyError` that names the proxy without its
  password. Proxy credentials only ever go to the proxy: on ``CONNECT``, or on a plain
  http request sent to it; never in a request inside a tunnel.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from regview.registry.proxies import InvalidProxy, Proxy, ProxyRules

__all__ = ["ByProxy", "ProxyErrors", "ProxyFailure", "TunnelRefused", "open_tunnel"]

_MAX_CONNECT_HEAD = 16 * 1024


class ProxyFailure(httpx.ProxyError):
    """A request that cannot go through its proxy; ``str()`` is the message to show."""


class TunnelRefused(httpx.ProxyError):
    """The proxy answered ``CONNECT`` with something other than 2xx."""

    def __init__(self, status: int, *, request: httpx.Request) -> None:
        super().__init__(f"{status} from the proxy", request=request)
        self.status = status


def _authority(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def open_tunnel(
    proxy: Proxy, host: str, port: int, request: httpx.Request, read_size: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP connection through ``proxy`` to ``host:port``, after its ``CONNECT`` 2xx.

    Raises httpx's ``ConnectError`` when the proxy cannot be reached and
    :class:`TunnelRefused` when it says no. The caller applies the connect timeout.
    """
    try:
        reader, writer = await asyncio.open_connection(proxy.host, proxy.port, limit=read_size)
    except OSError as exc:
        raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from None
    target = _authority(host, port)
    head = f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n"
    authorization = proxy.authorization()
    if authorization is not None:
        head += f"Proxy-Authorization: {authorization}\r\n"
    try:
        writer.write((head + "\r\n").encode("ascii"))
        await writer.drain()
        answer = await reader.readuntil(b"\r\n\r\n")
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        writer.close()
        raise httpx.ConnectError(
            f"the proxy closed the connection ({type(exc).__name__})", request=request
        ) from None
    if len(answer) > _MAX_CONNECT_HEAD:
        writer.close()
        raise TunnelRefused(0, request=request)
    status_line = answer.split(b"\r\n", 1)[0].split(None, 2)
    status = int(status_line[1]) if len(status_line) >= 2 and status_line[1].isdigit() else 0
    if not (status_line and status_line[0].startswith(b"HTTP/1.") and 200 <= status < 300):
        writer.close()
        raise TunnelRefused(status, request=request)
    return reader, writer


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
        except httpx.ProxyError as exc:
            raise ProxyFailure(
                _refusal(proxy, target, _status_of(exc)), request=request
            ) from None
        except httpx.ConnectTimeout:
            raise ProxyFailure(
                f"no connection to {target} through proxy {proxy.shown} in time: is the "
                "proxy up? (check --proxy, HTTPS_PROXY/HTTP_PROXY and NO_PROXY)",
                request=request,
            ) from None
        except httpx.ConnectError as exc:
            if _is_tls_failure(exc):
                raise
            raise ProxyFailure(
                f"cannot connect to proxy {proxy.shown} (for {target}): is the address right "
                "and the proxy up? (check --proxy, HTTPS_PROXY/HTTP_PROXY and NO_PROXY)",
                request=request,
            ) from None
        if response.status_code == 407:  # a plain http request sent to the proxy
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
                f"proxy {proxy.shown} refused the credentials in its URL (407): check the "
                "user and password in http://USER:PASSWORD@HOST:PORT"
            )
        return (
            f"proxy {proxy.shown} wants credentials (407): give them in the proxy URL, "
            "http://USER:PASSWORD@HOST:PORT"
        )
    said = f"HTTP {status}" if status else "an answer that is not HTTP"
    return (
        f"proxy {proxy.shown} would not connect to {target} ({said}): is the registry "
        "name right, and may the proxy reach it? (NO_PROXY lists hosts to reach directly)"
    )
