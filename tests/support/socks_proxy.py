"""A SOCKS5 proxy for tests (RFC 1928, user/password of RFC 1929) that records what it
was asked.

:class:`TestSocksProxy` listens on 127.0.0.1 (its own asyncio loop in a thread) and maps
``"host:port"`` targets to loopback servers (``routes``), as
:class:`tests.support.proxy.TestProxy` does for ``CONNECT``: a host name
(``"registry.example.test:443"``, what ``socks5h`` sends) or an IP address
(``"192.0.2.7:443"``, what ``socks5`` sends after resolving the name itself). A client
that resolves a fake name itself fails; one that goes through the proxy reaches the
server.

* Every ``CONNECT`` is recorded in :attr:`requests` (:class:`SocksRequest`: the address
  type, the name or IP, the port, the user it authenticated as), and the first bytes the
  client sent through the tunnel in :attr:`payloads`;
* a target it has no route for is refused with reply 4, "host unreachable"; with
  ``refuse=CODE`` every ``CONNECT`` is refused with that reply, and with
  ``refusing={"host:port": CODE}`` those targets only (an IPv6 one as ``"[ip]:port"``);
  each refusal is recorded in :attr:`refused`;
* with ``credentials``: only the user/password method is accepted (a client that offers
  no-auth only gets 0xFF), and a wrong pair gets status 1 (recorded in
  :attr:`rejected`); the methods each client offered are in :attr:`offered`.

The bytes written here are RFC 1928's, built by hand: they are not regview's.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field

from tests.support.proxy import pipe
from tests.support.serving import LoopbackServer

__all__ = ["SocksRequest", "TestSocksProxy"]

HOST_UNREACHABLE = 4


@dataclass(frozen=True)
class SocksRequest:
    atyp: int  # 1 IPv4, 3 a domain name, 4 IPv6
    host: str
    port: int
    user: str = ""  # the user it authenticated as ("" without authentication)


@dataclass
class TestSocksProxy(LoopbackServer):
    """See the module docstring. Use as a context manager; ``url`` is
    ``socks5h://127.0.0.1:P``."""

    routes: Mapping[str, tuple[str, int]]
    credentials: tuple[str, str] | None = None
    refuse: int | None = None
    refusing: Mapping[str, int] = field(default_factory=dict)
    port: int = 0
    requests: list[SocksRequest] = field(default_factory=list)
    offered: list[bytes] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)
    payloads: list[bytes] = field(default_factory=list)
    connections: int = 0
    __test__ = False  # not a pytest test class

    def url(self, scheme: str = "socks5h") -> str:
        return f"{scheme}://127.0.0.1:{self.port}"

    def url_with(self, user: str, password: str, scheme: str = "socks5h") -> str:
        return f"{scheme}://{user}:{password}@127.0.0.1:{self.port}"

    # --- one client connection ---------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            user = await self._negotiate(reader, writer)
            if user is None:
                return
            version, command, _reserved, atyp = await reader.readexactly(4)
            if version != 5 or command != 1:
                writer.write(bytes([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]))  # command not supported
                return
            host = await self._read_address(reader, atyp)
            port = int.from_bytes(await reader.readexactly(2), "big")
            if host is None:
                writer.write(bytes([5, 8, 0, 1, 0, 0, 0, 0, 0, 0]))
                return
            self.requests.append(SocksRequest(atyp, host, port, user))
            target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            await self._tunnel(target, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def _negotiate(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> str | None:
        """The method exchange and, with credentials, RFC 1929; the user, or None."""
        version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        self.offered.append(methods)
        if version != 5:
            return None
        if self.credentials is None:
            if 0 not in methods:
                writer.write(b"\x05\xff")
                return None
            writer.write(b"\x05\x00")
            return ""
        if 2 not in methods:
            writer.write(b"\x05\xff")
            return None
        writer.write(b"\x05\x02")
        _auth_version, length = await reader.readexactly(2)
        user = (await reader.readexactly(length)).decode()
        (length,) = await reader.readexactly(1)
        password = (await reader.readexactly(length)).decode()
        if (user, password) != self.credentials:
            self.rejected.append((user, password))
            writer.write(b"\x01\x01")
            await writer.drain()
            return None
        writer.write(b"\x01\x00")
        return user

    @staticmethod
    async def _read_address(reader: asyncio.StreamReader, atyp: int) -> str | None:
        if atyp == 1:
            return str(ipaddress.IPv4Address(await reader.readexactly(4)))
        if atyp == 4:
            return str(ipaddress.IPv6Address(await reader.readexactly(16)))
        if atyp == 3:
            (length,) = await reader.readexactly(1)
            return (await reader.readexactly(length)).decode("ascii")
        return None

    async def _tunnel(
        self, target: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        address = self.routes.get(target)
        if self.refuse is not None:
            reply = self.refuse
        elif target in self.refusing:
            reply = self.refusing[target]
        else:
            reply = 0 if address else HOST_UNREACHABLE
        if reply == 0 and address is not None:
            try:
                up_reader, up_writer = await asyncio.open_connection(*address)
            except OSError:
                reply = 5  # connection refused
        if reply != 0 or address is None:
            self.refused.append((target, reply))
            writer.write(bytes([5, reply, 0, 1, 0, 0, 0, 0, 0, 0]))
            await writer.drain()
            return
        # BND.ADDR as a domain name, to check that the client reads the variable length.
        bound = b"bound.test"
        writer.write(bytes([5, 0, 0, 3, len(bound)]) + bound + (1080).to_bytes(2, "big"))
        await writer.drain()
        first = await reader.read(65536)
        self.payloads.append(first)
        up_writer.write(first)
        # Two tasks and asyncio.wait, not gather: a tunnel still open when the proxy
        # stops is cancelled without a gathering future's "exception never retrieved"
        # being logged from the proxy's thread (which, on Python 3.11, formats a
        # traceback with the ast module while pytest may be using it on the main thread).
        both = [
            asyncio.ensure_future(pipe(reader, up_writer)),
            asyncio.ensure_future(pipe(up_reader, writer)),
        ]
        try:
            await asyncio.wait(both)
        finally:
            for task in both:
                task.cancel()
