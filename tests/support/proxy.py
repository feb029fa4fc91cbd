"""A forward and ``CONNECT`` proxy for tests, that counts what passes through it.

:class:`TestProxy` listens on 127.0.0.1 (its own asyncio loop in a thread) and maps
fake host names to loopback servers (``routes``: ``"registry.example.test:443"`` ->
``("127.0.0.1", 43121)``), so a client that resolves the fake name itself fails, and one
that goes through the proxy reaches the server: routing is really exercised.

* ``CONNECT host:port``: a tunnel to the mapped address (502 for a name it does not
  know), recorded in :attr:`connects`;
* ``GET http://host:port/path`` (absolute form): forwarded to the mapped address as an
  origin-form request without ``Proxy-*`` headers, recorded in :attr:`forwarded`, keep-
  alive on the client's side;
* with ``credentials``: anything without the right ``Proxy-Authorization: Basic`` gets
  407 (with ``Proxy-Authenticate``), recorded in :attr:`refused`.

Every ``Proxy-Authorization`` value received is kept in :attr:`authorizations`, and the
request heads regview sent in :attr:`heads` (for checks that credentials go nowhere else).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from tests.support.serving import LoopbackServer

__all__ = ["PROXY_VARIABLES", "TestProxy", "clear_proxy_environment"]

#: Every variable regview reads a proxy (or its exceptions) from, in both cases, and the
#: one ``regview serve`` hands its tabs.
PROXY_VARIABLES = (
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "REGVIEW_SERVE_PROXY",
)


def clear_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy variable of the machine running the tests reaches the code under test."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)

_HOP_BY_HOP = {b"proxy-authorization", b"proxy-connection", b"connection", b"keep-alive"}


@dataclass
class _Head:
    method: str
    target: str
    headers: list[tuple[bytes, bytes]]
    raw: bytes

    def header(self, name: bytes) -> bytes | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


@dataclass
class TestProxy(LoopbackServer):
    """See the module docstring. Use as a context manager; ``url`` is ``http://127.0.0.1:P``."""

    routes: Mapping[str, tuple[str, int]]
    credentials: tuple[str, str] | None = None
    port: int = 0
    connects: list[str] = field(default_factory=list)
    forwarded: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str, int]] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)
    heads: list[bytes] = field(default_factory=list)
    __test__ = False  # not a pytest test class


    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url_with(self, user: str, password: str) -> str:
        return f"http://{user}:{password}@127.0.0.1:{self.port}"

    def clear(self) -> None:
        for found in (self.connects, self.forwarded, self.refused, self.authorizations,
                      self.heads):
            found.clear()

    # --- one client connection ---------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await self._read_head(reader)
                if head is None:
                    return
                self.heads.append(head.raw)
                authorization = head.header(b"proxy-authorization")
                self.authorizations.append(authorization.decode() if authorization else None)
                if not self._authorized(authorization):
                    self.refused.append((head.method, head.target, 407))
                    writer.write(
                        b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                        b'Proxy-Authenticate: Basic realm="regview-test"\r\n'
                        b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                    await writer.drain()
                    return
                if head.method == "CONNECT":
                    await self._tunnel(head, reader, writer)
                    return
                if not await self._forward(head, reader, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return
        finally:
            writer.close()

    @staticmethod
    async def _read_head(reader: asyncio.StreamReader) -> _Head | None:
        try:
            raw = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = raw[:-4].split(b"\r\n")
        method, target, _ = lines[0].decode("latin-1").split(" ", 2)
        headers = []
        for line in lines[1:]:
            key, _, value = line.partition(b":")
            headers.append((key.strip(), value.strip()))
        return _Head(method, target, headers, raw)

    def _authorized(self, value: bytes | None) -> bool:
        if self.credentials is None:
            return True
        expected = base64.b64encode(":".join(self.credentials).encode()).decode()
        return value is not None and value.decode("latin-1") == f"Basic {expected}"

    async def _tunnel(
        self, head: _Head, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        address = self.routes.get(head.target)
        if address is None:
            self.refused.append(("CONNECT", head.target, 502))
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*address)
        except OSError:
            self.refused.append(("CONNECT", head.target, 502))
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return
        self.connects.append(head.target)
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await asyncio.gather(
            pipe(reader, up_writer), pipe(up_reader, writer), return_exceptions=True
        )

    async def _forward(
        self, head: _Head, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Forward one absolute-form request; True when the client may send another."""
        if not head.target.startswith("http://"):
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return False
        authority, _, path = head.target[len("http://"):].partition("/")
        if ":" not in authority:
            authority += ":80"
        address = self.routes.get(authority)
        if address is None:
            self.refused.append((head.method, head.target, 502))
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return True
        self.forwarded.append((head.method, head.target))
        length = int(head.header(b"content-length") or b"0")
        body = await reader.readexactly(length) if length else b""
        out = [f"{head.method} /{path} HTTP/1.1".encode()]
        out += [k + b": " + v for k, v in head.headers if k.lower() not in _HOP_BY_HOP]
        out.append(b"Connection: close")
        up_reader, up_writer = await asyncio.open_connection(*address)
        up_writer.write(b"\r\n".join(out) + b"\r\n\r\n" + body)
        await up_writer.drain()
        # The server closes after its answer (Connection: close), which is framed by
        # Content-Length or chunks: relayed without its Connection header, it keeps the
        # client's connection usable.
        answer = (await up_reader.readuntil(b"\r\n\r\n"))[:-4].split(b"\r\n")
        kept = [line for line in answer if not line.lower().startswith(b"connection:")]
        writer.write(b"\r\n".join(kept) + b"\r\n\r\n")
        await pipe(up_reader, writer, close=False)
        up_writer.close()
        return True


async def pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, close: bool = True
) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        if close:
            with contextlib.suppress(Exception):
                writer.close()
