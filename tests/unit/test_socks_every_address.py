"""``socks5://`` resolves the registry's name here and, when the proxy answers that it
cannot reach one address (REP 3 network unreachable, 4 host unreachable, 5 connection
refused, 6 TTL expired), tries the next over a new proxy connection; when none will do,
one line names each address tried with the proxy's reason. ``socks5h://`` (the proxy
resolves) sends the name once, as before.

The name "resolves" here (socket.getaddrinfo, which the event loop's calls, is replaced)
to an IPv6 and an IPv4 documentation address; the test SOCKS proxy refuses the first as
told and maps the second to a loopback TLS origin (a throwaway certificate for the name).
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from regview.registry import Settings
from regview.registry.http_client import make_http_client
from regview.registry.proxies import parse_proxy
from regview.registry.socks5 import MAX_ADDRESSES, socks_addresses
from tests.support.socks_proxy import SocksRequest, TestSocksProxy
from tests.support.tls import make_certificate
from tests.unit.test_proxy_tunnel import tls_origin

NAME = "registry.example.test"
FIRST = "2001:db8::7"  # documentation addresses: reachable only as the proxy maps them
SECOND = "192.0.2.8"
SECRET = "socks-every-s3cret"


def resolve_to(monkeypatch: pytest.MonkeyPatch, *addresses: str) -> list[str]:
    """``NAME`` resolves to ``addresses`` here, in that order; returns the names looked up."""
    looked_up: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(str(host))
        if host != NAME:
            return real(host, port, *args, **kwargs)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return looked_up


async def test_every_address_of_the_name_is_a_target_in_the_resolvers_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolve_to(monkeypatch, FIRST, SECOND, FIRST)
    proxy = parse_proxy("socks5://proxy.test:1080", "ALL_PROXY")
    ipv6 = b"\x20\x01\x0d\xb8" + b"\x00" * 11 + b"\x07"
    assert await socks_addresses(proxy, NAME, 443) == [
        b"\x04" + ipv6 + b"\x01\xbb",
        b"\x01\xc0\x00\x02\x08\x01\xbb",  # the repeated address once
    ]
    many = [f"192.0.2.{n}" for n in range(1, 21)]
    resolve_to(monkeypatch, *many)
    found = await socks_addresses(proxy, NAME, 443)
    assert found == [b"\x01\xc0\x00\x02" + bytes([n]) + b"\x01\xbb" for n in range(1, 9)]
    assert MAX_ADDRESSES == 8
    named = parse_proxy("socks5h://proxy.test:1080", "ALL_PROXY")
    assert await socks_addresses(named, NAME, 443) == [b"\x03\x15" + NAME.encode() + b"\x01\xbb"]


@pytest.mark.parametrize("code", [3, 4, 5, 6])
async def test_an_address_the_proxy_cannot_reach_is_followed_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    certificate = make_certificate(tmp_path, [NAME])
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert_path))  # trusted, verified
    resolve_to(monkeypatch, FIRST, SECOND)
    async with tls_origin(certificate.server_context(alpn=["http/1.1"])) as (port, heads):
        routes = {f"{SECOND}:443": ("127.0.0.1", port)}
        with TestSocksProxy(
            routes, credentials=("bob", SECRET), refusing={f"[{FIRST}]:443": code}
        ) as proxy:
            settings = Settings(proxy=proxy.url_with("bob", SECRET, "socks5"))
            async with make_http_client(settings) as client:
                answers = [await client.get(f"https://{NAME}/v2/{n}") for n in range(3)]
                answers += await asyncio.gather(
                    client.get(f"https://{NAME}/v2/a"), client.get(f"https://{NAME}/v2/b")
                )
    assert [a.status_code for a in answers] == [200] * 5
    assert len(heads) == 5
    tunnels = len(proxy.payloads)
    assert tunnels >= 3  # httpx's tunnel, then at least two of regview's own pool
    # Each tunnel: the first address refused, then the second over a new connection.
    assert proxy.refused == [(f"[{FIRST}]:443", code)] * tunnels
    first, second = SocksRequest(4, FIRST, 443, "bob"), SocksRequest(1, SECOND, 443, "bob")
    assert proxy.requests[:2] == [first, second]  # (the two at once may interleave)
    assert Counter(proxy.requests) == {first: tunnels, second: tunnels}
    assert proxy.connections == 2 * tunnels


async def test_when_no_address_will_do_one_line_names_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolve_to(monkeypatch, FIRST, SECOND)
    refusing = {f"[{FIRST}]:443": 4, f"{SECOND}:443": 5}
    with TestSocksProxy({}, credentials=("bob", SECRET), refusing=refusing) as proxy:
        url = proxy.url_with("bob", SECRET, "socks5")
        async with make_http_client(Settings(proxy=url)) as client:
            with pytest.raises(httpx.ProxyError) as caught:
                await client.get(f"https://{NAME}/v2/")
    assert str(caught.value) == (
        f"the SOCKS proxy socks5://127.0.0.1:{proxy.port} (--proxy) refused the connection "
        f"to {NAME}:443 (host unreachable at [{FIRST}], connection refused at {SECOND}): "
        "is the registry name right, and may the proxy reach it? (NO_PROXY lists hosts to "
        "reach directly)"
    )
    assert SECRET not in str(caught.value) and "bob" not in str(caught.value)
    assert proxy.requests == [
        SocksRequest(4, FIRST, 443, "bob"),
        SocksRequest(1, SECOND, 443, "bob"),
    ]
    assert proxy.connections == 2


async def test_a_refusal_that_is_not_about_the_address_is_not_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolve_to(monkeypatch, FIRST, SECOND)
    with TestSocksProxy({}, refusing={f"[{FIRST}]:443": 2}) as proxy:
        async with make_http_client(Settings(proxy=proxy.url("socks5"))) as client:
            with pytest.raises(httpx.ProxyError) as caught:
                await client.get(f"https://{NAME}/v2/")
    assert f"refused the connection to {NAME}:443 (connection not allowed by ruleset): " in str(
        caught.value
    )
    assert proxy.requests == [SocksRequest(4, FIRST, 443, "")]
    assert proxy.connections == 1


async def test_socks5h_sends_the_name_once_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    looked_up = resolve_to(monkeypatch, FIRST, SECOND)
    with TestSocksProxy({}) as proxy:  # no route: host unreachable
        async with make_http_client(Settings(proxy=proxy.url("socks5h"))) as client:
            with pytest.raises(httpx.ProxyError) as caught:
                await client.get(f"https://{NAME}/v2/")
    assert str(caught.value) == (
        f"the SOCKS proxy socks5h://127.0.0.1:{proxy.port} (--proxy) refused the connection "
        f"to {NAME}:443 (host unreachable): is the registry name right, and may the proxy "
        "reach it? (NO_PROXY lists hosts to reach directly)"
    )
    assert proxy.requests == [SocksRequest(3, NAME, 443, "")]
    assert NAME not in looked_up
