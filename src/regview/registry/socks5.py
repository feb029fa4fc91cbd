"""The client side of a SOCKS5 handshake (RFC 1928), with the user/password method of
RFC 1929, over any byte stream: both connection pools run it on their own streams
(:mod:`regview.registry.proxy_transport`), then TLS or plain HTTP over the tunnel.

* :func:`socks_addresses` is what ``CONNECT`` names: an IP address as itself (ATYP 1 or
  4); a host name as itself (ATYP 3) for ``socks5h://``, resolved here first for
  ``socks5://`` (as curl and Go do), to each of its addresses in turn;
* :func:`through_each_address` opens the tunnel to the first of them the proxy can
  reach: when it answers that it cannot (network or host unreachable, connection
  refused, TTL expired), the next address is tried over a new proxy connection, as a
  direct connection tries each address of a name;
* :func:`handshake` offers "no authentication" and, when the proxy URL has credentials,
  user/password; sends them if the proxy picks that; asks for ``CONNECT``; and reads
  exactly the bytes of each reply (what follows on the stream is the registry's).

Written here rather than with ``socksio``: the protocol is a few fixed-size messages,
a dependency would still need this glue for two pools, and every failure becomes one
:class:`SocksFailure` whose message names the proxy without its credentials.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import httpx

from regview.registry.proxies import Proxy

__all__ = [
    "MAX_ADDRESSES",
    "SocksFailure",
    "SocksUnreachable",
    "handshake",
    "socks_address",
    "socks_addresses",
    "through_each_address",
]

T = TypeVar("T")

Send = Callable[[bytes], Awaitable[None]]
ReceiveExactly = Callable[[int], Awaitable[bytes]]
"""Reads exactly that many bytes, or raises (the caller's stream error)."""

_VERSION = 5
_NO_AUTH, _USER_PASSWORD, _NO_ACCEPTABLE = 0x00, 0x02, 0xFF
_CONNECT = 1
_IPV4, _NAME, _IPV6 = 1, 3, 4
_REPLIES = {
    1: "general SOCKS server failure",
    2: "connection not allowed by ruleset",
    3: "network unreachable",
    4: "host unreachable",
    5: "connection refused",
    6: "TTL expired",
    7: "command not supported",
    8: "address type not supported",
}
_UNREACHABLE = frozenset({3, 4, 5, 6})
"""Replies about the address asked for, not the proxy: another address may do."""
MAX_ADDRESSES = 8
"""Addresses of one name tried through the proxy, at most (one proxy connection each)."""


class SocksFailure(httpx.ProxyError):
    """The SOCKS proxy said no, is not one, or the target cannot be named to it;
    ``str()`` is the one-line message to show (no credentials in it)."""


class SocksUnreachable(SocksFailure):
    """The proxy cannot reach the address asked for (``reason``: REP 3 to 6)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _named(proxy: Proxy) -> str:
    return f"the SOCKS {proxy.named}"


def _target(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _ip_address(host: str) -> bytes | None:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    kind = _IPV4 if address.version == 4 else _IPV6
    return bytes([kind]) + address.packed


def _shown_address(address: bytes) -> str:
    """The IP address of an ``ATYP DST.ADDR DST.PORT`` (1 or 4), as messages write it."""
    if address[0] == _IPV4:
        return str(ipaddress.IPv4Address(address[1:5]))
    return f"[{ipaddress.IPv6Address(address[1:17])}]"


def _resolved_here(proxy: Proxy, host: str) -> bool:
    return not proxy.resolves_names and _ip_address(host) is None


async def socks_address(proxy: Proxy, host: str, port: int) -> bytes:
    """The first of :func:`socks_addresses`."""
    return (await socks_addresses(proxy, host, port))[0]


async def socks_addresses(proxy: Proxy, host: str, port: int) -> list[bytes]:
    """``ATYP DST.ADDR DST.PORT`` for a ``CONNECT`` to ``host:port`` through ``proxy``,
    each one to try in turn: one for an IP address or ``socks5h://``, every address the
    name resolves to here (in the resolver's order, at most :data:`MAX_ADDRESSES`) for
    ``socks5://``.

    Raises :class:`SocksFailure` when ``socks5://`` needs the name resolved here and it
    does not resolve (or a name is longer than SOCKS5 can carry).
    """
    tail = port.to_bytes(2, "big")
    address = _ip_address(host)
    if address is not None:
        return [address + tail]
    if proxy.resolves_names:
        name = host.encode("idna")
        if not 0 < len(name) <= 255:
            raise SocksFailure(f"{host[:80]!r} is too long a name to send to {_named(proxy)}")
        return [bytes([_NAME, len(name)]) + name + tail]
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        found = []
    addresses: list[bytes] = []
    for _family, _type, _proto, _name, sockaddr in found:
        address = _ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address is not None and address + tail not in addresses:
            addresses.append(address + tail)
    if addresses:
        return addresses[:MAX_ADDRESSES]
    raise SocksFailure(
        f"cannot resolve {host} here to reach it through {_named(proxy)}: socks5:// "
        "resolves registry names on this machine, socks5h:// has the proxy resolve them"
    )


def _refused(proxy: Proxy, target: tuple[str, int], reasons: str) -> str:
    return (
        f"{_named(proxy)} refused the connection to {_target(*target)} ({reasons}): is "
        "the registry name right, and may the proxy reach it? (NO_PROXY lists hosts to "
        "reach directly)"
    )


async def through_each_address(
    proxy: Proxy,
    target: tuple[str, int],
    addresses: Sequence[bytes],
    attempt: Callable[[bytes], Awaitable[T]],
) -> T:
    """``attempt(address)`` (a new connection to ``proxy`` and :func:`handshake` on it)
    for each of ``addresses`` (:func:`socks_addresses` of ``target``) until one is not
    refused as unreachable; what it returned.

    Raises :class:`SocksUnreachable` when every address was, naming each with the
    proxy's reason when the name was resolved here; any other failure at once.
    """
    tried: list[str] = []
    for address in addresses:
        try:
            return await attempt(address)
        except SocksUnreachable as exc:
            if not _resolved_here(proxy, target[0]):
                raise  # the name or address as given: the message names it already
            tried.append(f"{exc.reason} at {_shown_address(address)}")
    reasons = ", ".join(tried)
    raise SocksUnreachable(_refused(proxy, target, reasons), reasons)


async def handshake(
    proxy: Proxy, address: bytes, target: tuple[str, int], send: Send, receive: ReceiveExactly
) -> None:
    """Open a tunnel through ``proxy`` to ``address`` (:func:`socks_address` of
    ``target``, which messages name). Raises :class:`SocksFailure` when the proxy says
    no; stream errors are the caller's ``send``/``receive``'s own."""
    methods = [_NO_AUTH, _USER_PASSWORD] if proxy.has_credentials else [_NO_AUTH]
    await send(bytes([_VERSION, len(methods), *methods]))
    version, method = await receive(2)
    if version != _VERSION:
        raise SocksFailure(
            f"{_named(proxy)} did not answer as a SOCKS5 proxy: is it one? (an HTTP "
            "proxy's URL is http://HOST:PORT)"
        )
    if method == _NO_ACCEPTABLE or method not in methods:
        form = f"{proxy.scheme}://USER:PASSWORD@HOST:PORT"
        if not proxy.has_credentials:
            raise SocksFailure(f"{_named(proxy)} wants credentials: give them in its URL, {form}")
        raise SocksFailure(
            f"{_named(proxy)} takes neither no authentication nor a user and password "
            "(the methods regview speaks)"
        )
    if method == _USER_PASSWORD:
        user, password = proxy.username.encode(), proxy.password.encode()
        await send(bytes([1, len(user)]) + user + bytes([len(password)]) + password)
        _auth_version, status = await receive(2)
        if status != 0:
            raise SocksFailure(
                f"{_named(proxy)} rejected the credentials in its URL: check the user and "
                f"password in {proxy.scheme}://USER:PASSWORD@HOST:PORT"
            )
    await send(bytes([_VERSION, _CONNECT, 0]) + address)
    version, reply, _reserved, kind = await receive(4)
    if version != _VERSION:
        raise SocksFailure(f"{_named(proxy)} answered CONNECT with something that is not SOCKS5")
    if reply != 0:
        reason = _REPLIES.get(reply, f"reply {reply}")
        if reply in _UNREACHABLE:
            raise SocksUnreachable(_refused(proxy, target, reason), reason)
        raise SocksFailure(_refused(proxy, target, reason))
    # BND.ADDR and BND.PORT: read to the end of the reply, and ignored.
    if kind == _IPV4:
        await receive(4 + 2)
    elif kind == _IPV6:
        await receive(16 + 2)
    elif kind == _NAME:
        (length,) = await receive(1)
        await receive(length + 2)
    else:
        raise SocksFailure(f"{_named(proxy)} answered CONNECT with an unknown address type")
