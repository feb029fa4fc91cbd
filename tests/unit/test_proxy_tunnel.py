"""What goes inside a ``CONNECT`` tunnel: the registry's request, never the proxy's
credentials; and the explorer takes ``--proxy`` like every command.

The origin is a loopback TLS server (a throwaway certificate for a fake name) that
answers in HTTP/1.1 and records every request head it gets; the test proxy maps the
fake name to it. The first request goes through httpx's tunnel, which learns that the
origin speaks HTTP/1.1; the next ones through regview's own pool's tunnels.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from regview.cli.dispatch import parse_args
from regview.registry import Settings
from regview.registry.http_client import make_http_client
from tests.support.proxy import TestProxy
from tests.support.tls import make_certificate

NAME = "origin.example.test"
SECRET = "s3cret-of-the-proxy"


@asynccontextmanager
async def tls_origin(context: ssl.SSLContext) -> AsyncIterator[tuple[int, list[bytes]]]:
    heads: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                heads.append(head)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    try:
        yield server.sockets[0].getsockname()[1], heads
    finally:
        server.close()


async def test_the_tunnelled_request_carries_no_proxy_credentials(tmp_path: Path) -> None:
    certificate = make_certificate(tmp_path, [NAME])
    context = certificate.server_context(alpn=["http/1.1"])
    async with tls_origin(context) as (port, heads):
        with TestProxy({f"{NAME}:443": ("127.0.0.1", port)}, credentials=("bob", SECRET)) as proxy:
            settings = Settings(insecure=True, proxy=proxy.url_with("bob", SECRET))
            async with make_http_client(settings) as client:
                answers = [await client.get(f"https://{NAME}/v2/{n}") for n in range(3)]
                # Two at once: the pool opens a second tunnel for the second one.
                answers += await asyncio.gather(
                    client.get(f"https://{NAME}/v2/a"), client.get(f"https://{NAME}/v2/b")
                )
    assert [a.status_code for a in answers] == [200] * 5
    assert [a.http_version for a in answers] == ["HTTP/1.1"] * 5
    assert len(heads) == 5
    token = base64.b64encode(f"bob:{SECRET}".encode())
    for head in heads:
        assert b"proxy-authorization" not in head.lower()
        assert SECRET.encode() not in head and token not in head
        assert head.startswith(b"GET /v2/")  # origin form: the origin is not a proxy
    # httpx's tunnel, then at least two of the pool's own: every one authenticated.
    assert len(proxy.connects) >= 3 and set(proxy.connects) == {f"{NAME}:443"}
    assert set(proxy.authorizations) == {f"Basic {token.decode()}"}
    assert proxy.refused == []


@pytest.mark.parametrize("names", [[NAME], ["someone-else.test"]])
async def test_the_tunnelled_certificate_is_checked_for_the_registry_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, names: list[str]
) -> None:
    certificate = make_certificate(tmp_path, names)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert_path))  # trusted, verified
    async with tls_origin(certificate.server_context(alpn=["http/1.1"])) as (port, heads):
        with TestProxy({f"{NAME}:443": ("127.0.0.1", port)}) as proxy:
            async with make_http_client(Settings(proxy=proxy.url)) as client:
                if names == [NAME]:
                    assert (await client.get(f"https://{NAME}/v2/")).status_code == 200
                    assert len(heads) == 1
                else:
                    with pytest.raises(httpx.ConnectError, match=r"(?i)certificate"):
                        await client.get(f"https://{NAME}/v2/")
                    assert heads == []
    assert proxy.connects == [f"{NAME}:443"]


def test_the_explorer_takes_the_proxy_flag() -> None:
    from regview.cli.common import settings_from_flags

    command, args = parse_args(["--proxy", "http://u:p@proxy.test:3128", "localhost:5000"])
    assert command is None  # the explorer
    settings = settings_from_flags(args)
    assert settings.proxy is not None and settings.proxy.shown("https") == "http://proxy.test:3128"
    assert "u:p" not in repr(settings)
