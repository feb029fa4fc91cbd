"""SOCKS5 tunnels: the handshake's bytes (RFC 1928 and 1929, written out by hand), and
``socks5://`` resolving the registry's name here while ``socks5h://`` leaves it to the
proxy, through both connection pools.

The origin is a loopback TLS server (a throwaway certificate for a fake name) that
answers in HTTP/1.1: the first request goes through httpx's transport, which learns
that, the next ones through regview's own pool; the test SOCKS proxy maps the fake name
(or the address it is made to resolve to) to it.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from regview.registry import Settings
from regview.registry.http_client import make_http_client
from regview.registry.proxies import parse_proxy
from regview.registry.socks5 import SocksFailure, handshake, socks_address
from tests.support.socks_proxy import SocksRequest, TestSocksProxy
from tests.support.tls import make_certificate
from tests.unit.test_proxy_tunnel import tls_origin

NAME = "registry.example.test"
FAKE_IP = "192.0.2.7"  # TEST-NET-1: what the name "resolves" to here, never reachable
SECRET = "socks-s3cret"


def scripted(
    replies: bytes,
) -> tuple[list[bytes], Callable[[bytes], Awaitable[None]], Callable[[int], Awaitable[bytes]]]:
    sent: list[bytes] = []
    buffer = bytearray(replies)

    async def send(data: bytes) -> None:
        sent.append(data)

    async def receive(size: int) -> bytes:
        assert len(buffer) >= size, "the handshake read past the proxy's replies"
        data = bytes(buffer[:size])
        del buffer[:size]
        return data

    return sent, send, receive


async def test_the_handshake_sends_rfc_1928_and_1929_bytes() -> None:
    proxy = parse_proxy(f"socks5h://alice:{SECRET}@proxy.test", "ALL_PROXY")
    address = await socks_address(proxy, NAME, 443)
    # Method 2 chosen; auth ok; CONNECT ok, bound to a 4-byte IPv4 address and a port.
    sent, send, receive = scripted(b"\x05\x02\x01\x00\x05\x00\x00\x01\x0a\x00\x00\x01\x04\x38")
    await handshake(proxy, address, (NAME, 443), send, receive)
    assert sent == [
        b"\x05\x02\x00\x02",  # version 5, two methods: no auth, user/password
        b"\x01\x05alice\x0c" + SECRET.encode(),
        b"\x05\x01\x00\x03\x15" + NAME.encode() + b"\x01\xbb",  # CONNECT name:443
    ]


async def test_the_handshake_without_credentials_offers_no_auth_only() -> None:
    proxy = parse_proxy("socks5h://proxy.test:1081", "ALL_PROXY")
    address = await socks_address(proxy, "2001:db8::1", 5000)
    reply = b"\x05\x00\x05\x00\x00\x03\x04host\x00\x50"  # bound to a name
    sent, send, receive = scripted(reply)
    await handshake(proxy, address, ("2001:db8::1", 5000), send, receive)
    ipv6 = b"\x20\x01\x0d\xb8" + b"\x00" * 11 + b"\x01"
    assert sent == [b"\x05\x01\x00", b"\x05\x01\x00\x04" + ipv6 + b"\x13\x88"]


@pytest.mark.parametrize(
    ("replies", "words"),
    [
        (
            b"\x05\x00\x05\x04\x00\x01",
            "refused the connection to registry.example.test:443 (host unreachable)",
        ),
        (b"\x05\x00\x05\x02\x00\x01", "(connection not allowed by ruleset)"),
        (b"\x05\xff", "wants credentials: give them in its URL, socks5h://USER:PASSWORD@"),
        (b"HTTP/1.1 400", "did not answer as a SOCKS5 proxy"),
    ],
)
async def test_refusals_are_one_line_and_name_the_proxy(replies: bytes, words: str) -> None:
    proxy = parse_proxy("socks5h://proxy.test:1080", "ALL_PROXY")
    _sent, send, receive = scripted(replies)
    with pytest.raises(SocksFailure) as caught:
        await handshake(proxy, await socks_address(proxy, NAME, 443), (NAME, 443), send, receive)
    message = str(caught.value)
    assert message.startswith("the SOCKS proxy socks5h://proxy.test:1080 (ALL_PROXY) ")
    assert words in message and "\n" not in message


async def test_rejected_credentials_are_not_shown() -> None:
    proxy = parse_proxy(f"socks5://alice:{SECRET}@proxy.test:1080", "HTTPS_PROXY")
    _sent, send, receive = scripted(b"\x05\x02\x01\x01")
    with pytest.raises(SocksFailure) as caught:
        await handshake(
            proxy, await socks_address(proxy, FAKE_IP, 443), (FAKE_IP, 443), send, receive
        )
    message = str(caught.value)
    assert "rejected the credentials in its URL" in message
    assert SECRET not in message and "alice" not in message


# --- through the client, both pools ------------------------------------------------------------


def fake_resolver(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``NAME`` resolves to ``FAKE_IP`` here; returns the names looked up."""
    looked_up: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(str(host))
        if host == NAME:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (FAKE_IP, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return looked_up


@pytest.mark.parametrize("scheme", ["socks5", "socks5h"])
async def test_https_through_socks_in_both_pools(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    certificate = make_certificate(tmp_path, [NAME])
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert_path))  # trusted, verified
    looked_up = fake_resolver(monkeypatch)
    async with tls_origin(certificate.server_context(alpn=["http/1.1"])) as (port, heads):
        routes = {f"{NAME}:443": ("127.0.0.1", port), f"{FAKE_IP}:443": ("127.0.0.1", port)}
        with TestSocksProxy(routes, credentials=("bob", SECRET)) as proxy:
            settings = Settings(proxy=proxy.url_with("bob", SECRET, scheme))
            async with make_http_client(settings) as client:
                answers = [await client.get(f"https://{NAME}/v2/{n}") for n in range(3)]
                answers += await asyncio.gather(
                    client.get(f"https://{NAME}/v2/a"), client.get(f"https://{NAME}/v2/b")
                )
    assert [a.status_code for a in answers] == [200] * 5
    assert [a.http_version for a in answers] == ["HTTP/1.1"] * 5
    assert len(heads) == 5 and all(h.startswith(b"GET /v2/") for h in heads)
    assert all(SECRET.encode() not in h and b"proxy-" not in h.lower() for h in heads)
    # httpx's tunnel, then at least two of the pool's own.
    assert len(proxy.requests) >= 3
    if scheme == "socks5":  # resolved here: the proxy was sent the address
        assert set(proxy.requests) == {SocksRequest(1, FAKE_IP, 443, "bob")}
        assert NAME in looked_up
    else:  # the proxy was sent the name, never resolved here
        assert set(proxy.requests) == {SocksRequest(3, NAME, 443, "bob")}
        assert NAME not in looked_up


async def test_the_certificate_is_checked_for_the_name_not_the_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    certificate = make_certificate(tmp_path, ["someone-else.test"])
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert_path))
    fake_resolver(monkeypatch)
    async with tls_origin(certificate.server_context(alpn=["http/1.1"])) as (port, heads):
        with TestSocksProxy({f"{FAKE_IP}:443": ("127.0.0.1", port)}) as proxy:
            async with make_http_client(Settings(proxy=proxy.url("socks5"))) as client:
                with pytest.raises(httpx.ConnectError, match=r"(?i)certificate"):
                    await client.get(f"https://{NAME}/v2/")
    assert heads == []
    assert proxy.requests == [SocksRequest(1, FAKE_IP, 443, "")]


async def test_socks5_with_a_name_that_does_not_resolve_here(tmp_path: Path) -> None:
    with TestSocksProxy({}) as proxy:
        async with make_http_client(Settings(proxy=proxy.url("socks5"))) as client:
            with pytest.raises(httpx.ProxyError) as caught:
                await client.get("https://nowhere.invalid/v2/")
    assert str(caught.value) == (
        f"cannot resolve nowhere.invalid here to reach it through the SOCKS proxy "
        f"{proxy.url('socks5')} (--proxy): socks5:// resolves registry names on this "
        "machine, socks5h:// has the proxy resolve them"
    )
    assert proxy.connections == 0  # resolved first: the proxy was never asked
