"""regview through SOCKS5 proxies (``socks5h://``, ``socks5://``, with and without
user/password), against the real registry behind a test SOCKS5 proxy.

As in :mod:`tests.integration.test_proxy`: the registries serve a throwaway certificate
for fake names that only the test proxy can reach (it maps them to the loopback
registries), so a request that goes direct fails to resolve, and one that goes through
the proxy reaches the registry, whose certificate is verified for that name. The proxy
records what it was asked: the address type, the name or IP, the port, the user.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_proxy import ours, run
from tests.support.cli import Regview
from tests.support.images import Kinds, build_all
from tests.support.proxied_registries import H1_NAME, H2_NAME, PLAIN_NAME, proxied_registries
from tests.support.registry import RegistryServer, free_port
from tests.support.socks_proxy import SocksRequest, TestSocksProxy
from tests.support.tls import LoopbackCertificate, make_certificate

pytestmark = pytest.mark.integration

SECRET = "hunter2-socks-secret"
FAKE_IP = "192.0.2.80"  # TEST-NET-1: reachable only as the proxy maps it


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> LoopbackCertificate:
    return make_certificate(Path(tmp_path_factory.mktemp("socks-cert")), [H2_NAME, H1_NAME])


@pytest.fixture(scope="module")
def kinds() -> Kinds:
    return build_all()


@pytest.fixture(scope="module")
def registries(
    tmp_path_factory: pytest.TempPathFactory, certificate: LoopbackCertificate, kinds: Kinds
) -> Iterator[dict[str, RegistryServer]]:
    with proxied_registries(tmp_path_factory, certificate, kinds.oci_image, "socks") as servers:
        yield servers


def routes(registries: dict[str, RegistryServer]) -> dict[str, tuple[str, int]]:
    plain = ("127.0.0.1", registries[PLAIN_NAME].port)
    return {
        f"{H2_NAME}:443": ("127.0.0.1", registries[H2_NAME].port),
        f"{H1_NAME}:443": ("127.0.0.1", registries[H1_NAME].port),
        f"{PLAIN_NAME}:80": plain,
        f"{FAKE_IP}:80": plain,
    }


@pytest.fixture
def socks(registries: dict[str, RegistryServer]) -> Iterator[TestSocksProxy]:
    with TestSocksProxy(routes(registries)) as p:
        yield p


@pytest.fixture
def auth_socks(registries: dict[str, RegistryServer]) -> Iterator[TestSocksProxy]:
    with TestSocksProxy(routes(registries), credentials=("alice", SECRET)) as p:
        yield p


# --- routing ---------------------------------------------------------------------------------


def test_plain_http_goes_through_the_tunnel_in_origin_form(
    regview: Regview,
    certificate: LoopbackCertificate,
    socks: TestSocksProxy,
    registries: dict[str, RegistryServer],
    kinds: Kinds,
) -> None:
    server = registries[PLAIN_NAME]
    mark = server.mark()
    result = run(
        regview,
        certificate,
        "--plain-http",
        "manifest",
        f"{PLAIN_NAME}/proxied/app:1.0",
        HTTP_PROXY=socks.url(),
    ).ok()
    assert result.stdout == kinds.oci_image.raw
    assert socks.requests and set(socks.requests) == {SocksRequest(3, PLAIN_NAME, 80)}
    # Inside the tunnel: the registry's request as to the registry itself.
    assert socks.payloads and all(p.startswith(b"GET /v2/") for p in socks.payloads)
    assert all(b"proxy-" not in p.lower() for p in socks.payloads)
    assert ours(server, mark)


def test_https_goes_through_socks5h_and_speaks_http2_inside(
    regview: Regview,
    certificate: LoopbackCertificate,
    socks: TestSocksProxy,
    registries: dict[str, RegistryServer],
    kinds: Kinds,
) -> None:
    server = registries[H2_NAME]
    mark = server.mark()
    result = run(
        regview, certificate, "manifest", f"{H2_NAME}/proxied/app:1.0", ALL_PROXY=socks.url()
    ).ok()
    assert result.stdout == kinds.oci_image.raw
    assert socks.requests == [SocksRequest(3, H2_NAME, 443)]  # one tunnel, the name sent
    assert socks.payloads[0][:2] == b"\x16\x03"  # TLS inside the tunnel
    lines = ours(server, mark)
    assert len(lines) == 1 and ' HTTP/2.0" 200 ' in lines[0], lines


def test_an_http11_registry_is_tunnelled_by_regviews_own_pool(
    regview: Regview,
    certificate: LoopbackCertificate,
    socks: TestSocksProxy,
    registries: dict[str, RegistryServer],
    kinds: Kinds,
) -> None:
    server = registries[H1_NAME]
    mark = server.mark()
    result = run(
        regview,
        certificate,
        "inspect",
        "--json",
        f"{H1_NAME}/proxied/app:1.0",
        https_proxy=socks.url(),
    ).ok()
    assert json.loads(result.stdout)["digest"] == kinds.oci_image.digest
    lines = ours(server, mark)
    assert len(lines) >= 2 and all(' HTTP/1.1" 200 ' in line for line in lines), lines
    # httpx's tunnel said HTTP/1.1; the rest came through our pool's own tunnels.
    assert len(socks.requests) >= 2
    assert set(socks.requests) == {SocksRequest(3, H1_NAME, 443)}


def test_socks5_sends_the_address_not_the_name(
    regview: Regview,
    certificate: LoopbackCertificate,
    socks: TestSocksProxy,
    kinds: Kinds,
) -> None:
    result = run(
        regview,
        certificate,
        "--proxy",
        socks.url("socks5"),
        "--plain-http",
        "manifest",
        f"{FAKE_IP}/proxied/app:1.0",
    ).ok()
    assert result.stdout == kinds.oci_image.raw
    assert socks.requests and set(socks.requests) == {SocksRequest(1, FAKE_IP, 80)}


def test_socks5_resolves_the_name_here_and_says_so_when_it_cannot(
    regview: Regview,
    certificate: LoopbackCertificate,
    socks: TestSocksProxy,
) -> None:
    result = run(
        regview,
        certificate,
        "manifest",
        f"{H2_NAME}/proxied/app:1.0",
        ALL_PROXY=socks.url("socks5"),
    ).failed()
    assert (
        f"cannot resolve {H2_NAME} here to reach it through the SOCKS proxy "
        f"{socks.url('socks5')} (ALL_PROXY): socks5:// resolves registry names on this "
        "machine, socks5h:// has the proxy resolve them"
    ) in result.stderr
    assert socks.connections == 0


@pytest.mark.parametrize("no_proxy", [H2_NAME, ".example.test", "*"])
def test_no_proxy_sends_the_request_direct(
    regview: Regview, certificate: LoopbackCertificate, socks: TestSocksProxy, no_proxy: str
) -> None:
    result = run(
        regview,
        certificate,
        "manifest",
        f"{H2_NAME}/proxied/app:1.0",
        ALL_PROXY=socks.url(),
        NO_PROXY=f"other.test,{no_proxy}",
    ).failed()
    assert f"cannot connect to {H2_NAME}" in result.stderr  # direct: the name does not resolve
    assert socks.connections == 0


def test_loopback_is_never_proxied(
    regview: Regview,
    certificate: LoopbackCertificate,
    socks: TestSocksProxy,
    registries: dict[str, RegistryServer],
    kinds: Kinds,
) -> None:
    server = registries[PLAIN_NAME]
    for variable in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"):
        result = run(
            regview,
            certificate,
            "manifest",
            server.ref("proxied/app", "1.0"),
            **{variable: socks.url()},
        ).ok()
        assert result.stdout == kinds.oci_image.raw
    result = run(
        regview,
        certificate,
        "--proxy",
        socks.url("socks5"),
        "tags",
        f"localhost:{server.port}/proxied/app",
    ).ok()
    assert result.text.split() == ["1.0"]
    assert socks.connections == 0


# --- credentials -------------------------------------------------------------------------------


@pytest.mark.parametrize("plain", [False, True])
def test_credentials_go_to_the_proxy_only_and_are_never_shown(
    regview: Regview,
    certificate: LoopbackCertificate,
    auth_socks: TestSocksProxy,
    kinds: Kinds,
    plain: bool,
) -> None:
    url = auth_socks.url_with("alice", SECRET)
    if plain:
        args = ("--plain-http", "manifest", f"{PLAIN_NAME}/proxied/app:1.0")
        name, port = PLAIN_NAME, 80
    else:
        args = ("manifest", f"{H2_NAME}/proxied/app:1.0")
        name, port = H2_NAME, 443
    result = run(regview, certificate, "-v", *args, ALL_PROXY=url).ok()
    assert result.stdout == kinds.oci_image.raw
    assert auth_socks.requests and set(auth_socks.requests) == {
        SocksRequest(3, name, port, "alice")
    }
    assert set(auth_socks.offered) == {b"\x00\x02"}  # no auth, user/password
    assert SECRET not in result.stderr  # -v logs every request
    assert f"{name}/v2/proxied/app/manifests/1.0" in result.stderr  # (it did log them)
    assert all(SECRET.encode() not in p for p in auth_socks.payloads)
    assert regview.files_containing([SECRET.encode()]) == []


@pytest.mark.parametrize("plain", [False, True])
def test_wrong_credentials_are_rejected_in_one_line_without_showing_them(
    regview: Regview,
    certificate: LoopbackCertificate,
    auth_socks: TestSocksProxy,
    plain: bool,
) -> None:
    wrong = auth_socks.url_with("alice", "not-" + SECRET)
    if plain:
        args: tuple[str, ...] = ("--plain-http", "tags", f"{PLAIN_NAME}/proxied/app")
    else:
        args = ("tags", f"{H2_NAME}/proxied/app")
    result = run(regview, certificate, *args, ALL_PROXY=wrong).failed()
    assert (
        f"the SOCKS proxy {auth_socks.url()} (ALL_PROXY) rejected the credentials in its "
        "URL: check the user and password in socks5h://USER:PASSWORD@HOST:PORT" in result.stderr
    )
    assert SECRET not in result.stderr and "alice" not in result.stderr
    assert auth_socks.rejected == [("alice", "not-" + SECRET)]  # asked once, not retried
    assert auth_socks.requests == []


def test_a_proxy_that_wants_credentials_says_so(
    regview: Regview,
    certificate: LoopbackCertificate,
    auth_socks: TestSocksProxy,
) -> None:
    result = run(
        regview, certificate, "manifest", f"{H2_NAME}/proxied/app:1.0", HTTPS_PROXY=auth_socks.url()
    ).failed()
    assert (
        f"the SOCKS proxy {auth_socks.url()} (HTTPS_PROXY) wants credentials: give them "
        "in its URL, socks5h://USER:PASSWORD@HOST:PORT"
    ) in result.stderr
    assert auth_socks.offered == [b"\x00"] and auth_socks.requests == []


def test_the_flag_with_a_password_works_and_warns(
    regview: Regview,
    certificate: LoopbackCertificate,
    auth_socks: TestSocksProxy,
    kinds: Kinds,
) -> None:
    result = run(
        regview,
        certificate,
        "--proxy",
        auth_socks.url_with("alice", SECRET),
        "manifest",
        f"{H2_NAME}/proxied/app:1.0",
    ).ok()
    assert result.stdout == kinds.oci_image.raw
    assert result.stderr.startswith("regview: warning: the password in --proxy is visible")
    assert result.stderr.count("\n") == 1
    assert SECRET not in result.stderr and "alice" not in result.stderr
    assert auth_socks.requests == [SocksRequest(3, H2_NAME, 443, "alice")]


# --- refusals ----------------------------------------------------------------------------------


def test_a_target_the_proxy_cannot_reach_is_named(
    regview: Regview,
    certificate: LoopbackCertificate,
    socks: TestSocksProxy,
) -> None:
    result = run(
        regview, certificate, "tags", "unknown.example.test/proxied/app", HTTPS_PROXY=socks.url()
    ).failed()
    assert (
        f"the SOCKS proxy {socks.url()} (HTTPS_PROXY) refused the connection to "
        "unknown.example.test:443 (host unreachable)"
    ) in result.stderr
    assert socks.refused == [("unknown.example.test:443", 4)]  # not retried


@pytest.mark.parametrize(
    ("code", "reason"), [(2, "connection not allowed by ruleset"), (5, "connection refused")]
)
def test_a_refusing_proxy_gives_its_reason(
    regview: Regview,
    certificate: LoopbackCertificate,
    registries: dict[str, RegistryServer],
    code: int,
    reason: str,
) -> None:
    with TestSocksProxy(routes(registries), refuse=code) as refusing:
        result = run(
            regview,
            certificate,
            "--plain-http",
            "tags",
            f"{PLAIN_NAME}/proxied/app",
            HTTP_PROXY=refusing.url(),
        ).failed()
    assert (
        f"the SOCKS proxy {refusing.url()} (HTTP_PROXY) refused the connection to "
        f"{PLAIN_NAME}:80 ({reason})"
    ) in result.stderr
    assert refusing.refused == [(f"{PLAIN_NAME}:80", code)]


def test_an_unreachable_proxy_is_named_without_its_password(
    regview: Regview,
    certificate: LoopbackCertificate,
) -> None:
    port = free_port()
    for args in (
        ("manifest", f"{H2_NAME}/proxied/app:1.0"),
        ("--plain-http", "tags", f"{PLAIN_NAME}/proxied/app"),
    ):
        result = run(
            regview, certificate, *args, ALL_PROXY=f"socks5h://alice:{SECRET}@127.0.0.1:{port}"
        ).failed()
        assert f"cannot connect to proxy socks5h://127.0.0.1:{port} (ALL_PROXY) for " in (
            result.stderr
        )
        assert SECRET not in result.stderr and "alice" not in result.stderr
