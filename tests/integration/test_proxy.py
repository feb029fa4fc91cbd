"""regview through proxies: ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``, ``NO_PROXY``
and ``--proxy``, against the real registry behind a test proxy.

The registries serve a throwaway certificate for fake names (``registry.example.test``,
``h1.example.test``) that only the test proxy knows how to reach (it maps them to the
loopback registries), so a request that goes direct fails to resolve, and one that goes
through the proxy reaches the registry, whose certificate is verified for that name.
"""

from __future__ import annotations

import base64
import json
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import CliResult, Regview, base_env, run_regview
from tests.support.images import Kinds, build_all, write_layout
from tests.support.proxied_registries import H1_NAME, H2_NAME, PLAIN_NAME, proxied_registries
from tests.support.proxy import TestProxy
from tests.support.publish import run_parallel, skopeo_copy_args
from tests.support.registry import RegistryServer, free_port, registry_config_for_token
from tests.support.terminal import Terminal
from tests.support.tls import LoopbackCertificate, make_certificate
from tests.support.token_server import TokenServer

pytestmark = pytest.mark.integration

SECRET = "hunter2-proxy-secret"




@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> LoopbackCertificate:
    return make_certificate(Path(tmp_path_factory.mktemp("proxy-cert")), [H2_NAME, H1_NAME])


@pytest.fixture(scope="module")
def kinds() -> Kinds:
    return build_all()


@pytest.fixture(scope="module")
def registries(
    tmp_path_factory: pytest.TempPathFactory, certificate: LoopbackCertificate, kinds: Kinds
) -> Iterator[dict[str, RegistryServer]]:
    with proxied_registries(tmp_path_factory, certificate, kinds.oci_image, "proxy") as servers:
        yield servers


def routes(registries: dict[str, RegistryServer]) -> dict[str, tuple[str, int]]:
    return {
        f"{H2_NAME}:443": ("127.0.0.1", registries[H2_NAME].port),
        f"{H1_NAME}:443": ("127.0.0.1", registries[H1_NAME].port),
        f"{PLAIN_NAME}:80": ("127.0.0.1", registries[PLAIN_NAME].port),
    }


@pytest.fixture
def proxy(registries: dict[str, RegistryServer]) -> Iterator[TestProxy]:
    with TestProxy(routes(registries)) as p:
        yield p


@pytest.fixture
def auth_proxy(registries: dict[str, RegistryServer]) -> Iterator[TestProxy]:
    with TestProxy(routes(registries), credentials=("alice", SECRET)) as p:
        yield p


def run(
    regview: Regview, certificate: LoopbackCertificate, *args: str, **env: str
) -> CliResult:
    """regview with the test certificate trusted and the given proxy variables only."""
    full = {**regview.env(), "SSL_CERT_FILE": str(certificate.cert_path), "NO_PROXY": "", **env}
    return run_regview(*args, env=full)


def ours(server: RegistryServer, mark: int) -> list[str]:
    return [e.line for e in server.requests_since(mark) if e.user_agent.startswith("regview/")]


# --- routing ---------------------------------------------------------------------------------


def test_https_goes_through_connect_and_speaks_http2_in_the_tunnel(
    regview: Regview, certificate: LoopbackCertificate, proxy: TestProxy,
    registries: dict[str, RegistryServer], kinds: Kinds,
) -> None:
    server = registries[H2_NAME]
    mark = server.mark()
    result = run(regview, certificate, "manifest", f"{H2_NAME}/proxied/app:1.0",
                 HTTPS_PROXY=proxy.url).ok()
    assert result.stdout == kinds.oci_image.raw
    assert proxy.connects == [f"{H2_NAME}:443"]  # one tunnel, one connection
    assert proxy.forwarded == []
    lines = ours(server, mark)
    assert len(lines) == 1 and ' HTTP/2.0" 200 ' in lines[0], lines


def test_an_http11_registry_is_tunnelled_by_regviews_own_pool(
    regview: Regview, certificate: LoopbackCertificate, proxy: TestProxy,
    registries: dict[str, RegistryServer], kinds: Kinds,
) -> None:
    server = registries[H1_NAME]
    mark = server.mark()
    result = run(regview, certificate, "inspect", "--json", f"{H1_NAME}/proxied/app:1.0",
                 https_proxy=proxy.url).ok()
    assert json.loads(result.stdout)["digest"] == kinds.oci_image.digest
    lines = ours(server, mark)
    assert len(lines) >= 2 and all(' HTTP/1.1" 200 ' in line for line in lines), lines
    # The first answer (httpx's tunnel) said HTTP/1.1; the rest came through our pool's
    # own tunnels: every connection was a CONNECT to that registry, none went direct.
    assert len(proxy.connects) >= 2
    assert set(proxy.connects) == {f"{H1_NAME}:443"}


def test_plain_http_is_sent_to_the_proxy_in_absolute_form(
    regview: Regview, certificate: LoopbackCertificate, proxy: TestProxy,
    registries: dict[str, RegistryServer], kinds: Kinds,
) -> None:
    result = run(regview, certificate, "--plain-http", "manifest",
                 f"{PLAIN_NAME}/proxied/app:1.0", HTTP_PROXY=proxy.url).ok()
    assert result.stdout == kinds.oci_image.raw
    assert ("GET", f"http://{PLAIN_NAME}/v2/proxied/app/manifests/1.0") in proxy.forwarded
    assert proxy.connects == []


def test_all_proxy_stands_in_for_https_proxy(
    regview: Regview, certificate: LoopbackCertificate, proxy: TestProxy, kinds: Kinds,
) -> None:
    result = run(regview, certificate, "manifest", f"{H2_NAME}/proxied/app:1.0",
                 ALL_PROXY=proxy.url).ok()
    assert result.stdout == kinds.oci_image.raw
    assert proxy.connects == [f"{H2_NAME}:443"]


def test_the_flag_wins_over_the_environment(
    regview: Regview, certificate: LoopbackCertificate, proxy: TestProxy, kinds: Kinds,
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    result = run(regview, certificate, "--proxy", proxy.url, "manifest",
                 f"{H2_NAME}/proxied/app:1.0", HTTPS_PROXY=dead).ok()
    assert result.stdout == kinds.oci_image.raw
    assert proxy.connects == [f"{H2_NAME}:443"]


@pytest.mark.parametrize("no_proxy", [H2_NAME, ".example.test", "example.test:443", "*"])
def test_no_proxy_sends_the_request_direct(
    regview: Regview, certificate: LoopbackCertificate, proxy: TestProxy, no_proxy: str
) -> None:
    result = run(regview, certificate, "manifest", f"{H2_NAME}/proxied/app:1.0",
                 HTTPS_PROXY=proxy.url, NO_PROXY=f"other.test,{no_proxy}").failed()
    # Direct, the fake name does not resolve: the proxy never saw a thing.
    assert f"cannot connect to {H2_NAME}" in result.stderr
    assert proxy.heads == []


def test_a_no_proxy_entry_for_another_port_does_not_apply(
    regview: Regview, certificate: LoopbackCertificate, proxy: TestProxy, kinds: Kinds,
) -> None:
    result = run(regview, certificate, "manifest", f"{H2_NAME}/proxied/app:1.0",
                 HTTPS_PROXY=proxy.url, NO_PROXY=f"{H2_NAME}:5000,example.test.org").ok()
    assert result.stdout == kinds.oci_image.raw
    assert proxy.connects == [f"{H2_NAME}:443"]


def test_loopback_is_never_proxied(
    regview: Regview, certificate: LoopbackCertificate, proxy: TestProxy,
    registries: dict[str, RegistryServer], kinds: Kinds,
) -> None:
    server = registries[PLAIN_NAME]
    for variable in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"):
        result = run(regview, certificate, "manifest", server.ref("proxied/app", "1.0"),
                     **{variable: proxy.url}).ok()
        assert result.stdout == kinds.oci_image.raw
    result = run(regview, certificate, "--proxy", proxy.url, "tags",
                 f"localhost:{server.port}/proxied/app").ok()
    assert result.text.split() == ["1.0"]
    assert proxy.heads == []


# --- proxy credentials -------------------------------------------------------------------------


def test_proxy_credentials_go_to_the_proxy_only(
    regview: Regview, certificate: LoopbackCertificate, auth_proxy: TestProxy, kinds: Kinds,
) -> None:
    result = run(regview, certificate, "-v", "manifest", f"{H2_NAME}/proxied/app:1.0",
                 HTTPS_PROXY=auth_proxy.url_with("alice", SECRET)).ok()
    assert result.stdout == kinds.oci_image.raw
    expected = "Basic " + base64.b64encode(f"alice:{SECRET}".encode()).decode()
    assert auth_proxy.authorizations == [expected]
    assert auth_proxy.connects == [f"{H2_NAME}:443"]
    assert SECRET not in result.stderr  # -v logs every request
    assert regview.files_containing([SECRET.encode(), expected.encode()]) == []


def test_plain_http_carries_proxy_credentials_only_in_proxy_authorization(
    regview: Regview, certificate: LoopbackCertificate, auth_proxy: TestProxy, kinds: Kinds,
) -> None:
    result = run(regview, certificate, "--plain-http", "tags", f"{PLAIN_NAME}/proxied/app",
                 HTTP_PROXY=auth_proxy.url_with("alice", SECRET)).ok()
    assert result.text.split() == ["1.0"]
    expected = "Basic " + base64.b64encode(f"alice:{SECRET}".encode()).decode()
    assert auth_proxy.forwarded and set(auth_proxy.authorizations) == {expected}
    for head in auth_proxy.heads:
        others = [line for line in head.split(b"\r\n")
                  if not line.lower().startswith(b"proxy-authorization:")]
        assert expected.split()[1].encode() not in b"\n".join(others)
        assert SECRET.encode() not in head


def test_a_proxy_that_wants_credentials_says_so(
    regview: Regview, certificate: LoopbackCertificate, auth_proxy: TestProxy,
) -> None:
    result = run(regview, certificate, "manifest", f"{H2_NAME}/proxied/app:1.0",
                 HTTPS_PROXY=auth_proxy.url).failed()
    assert f"proxy {auth_proxy.url} (HTTPS_PROXY) wants credentials (407)" in result.stderr
    assert "USER:PASSWORD" in result.stderr
    assert auth_proxy.connects == []


@pytest.mark.parametrize("plain", [False, True])
def test_wrong_proxy_credentials_are_refused_without_showing_them(
    regview: Regview, certificate: LoopbackCertificate, auth_proxy: TestProxy, plain: bool,
) -> None:
    wrong = auth_proxy.url_with("alice", "not-" + SECRET)
    if plain:
        args = ("--plain-http", "tags", f"{PLAIN_NAME}/proxied/app")
        result = run(regview, certificate, *args, HTTP_PROXY=wrong).failed()
    else:
        args = ("tags", f"{H2_NAME}/proxied/app")
        result = run(regview, certificate, *args, HTTPS_PROXY=wrong).failed()
    source = "HTTP_PROXY" if plain else "HTTPS_PROXY"
    assert (f"proxy {auth_proxy.url} ({source}) refused the credentials in its URL (407)"
            in result.stderr)
    assert SECRET not in result.stderr and "alice" not in result.stderr
    assert auth_proxy.refused  # it was asked, and said no
    assert len(auth_proxy.refused) == 1  # not retried


# --- broken proxies ----------------------------------------------------------------------------


def test_an_unreachable_proxy_is_named_without_its_password(
    regview: Regview, certificate: LoopbackCertificate,
) -> None:
    port = free_port()
    for args, variable in (
        (("manifest", f"{H2_NAME}/proxied/app:1.0"), "HTTPS_PROXY"),
        (("--plain-http", "tags", f"{PLAIN_NAME}/proxied/app"), "HTTP_PROXY"),
    ):
        result = run(regview, certificate, *args,
                     **{variable: f"http://alice:{SECRET}@127.0.0.1:{port}"}).failed()
        assert f"cannot connect to proxy http://127.0.0.1:{port} ({variable}) for " in result.stderr
        assert SECRET not in result.stderr and "alice" not in result.stderr


def test_a_proxy_that_cannot_reach_the_registry_says_so(
    regview: Regview, certificate: LoopbackCertificate, proxy: TestProxy,
) -> None:
    result = run(regview, certificate, "tags", "unknown.example.test/proxied/app",
                 HTTPS_PROXY=proxy.url).failed()
    assert "would not connect to unknown.example.test:443 (HTTP 502)" in result.stderr
    assert proxy.refused == [("CONNECT", "unknown.example.test:443", 502)]


def test_a_bad_proxy_flag_is_a_usage_error(
    regview: Regview, certificate: LoopbackCertificate,
) -> None:
    result = run(regview, certificate, "--proxy", f"socks4://alice:{SECRET}@127.0.0.1:1080",
                 "tags", f"{H2_NAME}/proxied/app")
    assert result.returncode == 2, result.describe()
    assert "--proxy names a socks4 proxy" in result.stderr
    assert "http://, socks5:// and socks5h:// proxies only" in result.stderr
    assert SECRET not in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_bad_proxy_variable_fails_only_where_it_is_needed(
    regview: Regview, certificate: LoopbackCertificate,
    registries: dict[str, RegistryServer], kinds: Kinds,
) -> None:
    bad = f"http://alice:{SECRET}@proxy host:3128"
    result = run(regview, certificate, "tags", f"{H2_NAME}/proxied/app", HTTPS_PROXY=bad).failed()
    assert "HTTPS_PROXY" in result.stderr and "proxy" in result.stderr
    assert SECRET not in result.stderr
    server = registries[PLAIN_NAME]
    result = run(regview, certificate, "manifest", server.ref("proxied/app", "1.0"),
                 HTTPS_PROXY=bad, HTTP_PROXY=bad).ok()
    assert result.stdout == kinds.oci_image.raw


# --- a token realm on another host ---------------------------------------------------------------

AUTH_NAME = "auth.example.test"


@pytest.fixture(scope="module")
def token_setup(
    tmp_path_factory: pytest.TempPathFactory, certificate: LoopbackCertificate, kinds: Kinds
) -> Iterator[tuple[RegistryServer, TokenServer]]:
    """A TLS registry whose token realm, ``http://auth.example.test/token``, only the proxy
    can reach (as Docker Hub's realm is another host). Filled before auth is turned on."""
    tokens = TokenServer(tmp_path_factory.mktemp("proxy-token"))
    tokens.start()
    server = RegistryServer(tmp_path_factory.mktemp("proxy-tok"), name="token", tls=certificate)
    try:
        server.start()
        layout = write_layout(tmp_path_factory.mktemp("proxy-tok-layout"),
                              {"image": kinds.oci_image})
        run_parallel([skopeo_copy_args(f"oci:{layout}:image", server.ref("proxied/app", "1.0"))])
        server.stop()
        server.auth = registry_config_for_token(
            f"http://{AUTH_NAME}/token", tokens.service, tokens.issuer, tokens.cert_path
        )
        server.start()
        yield server, tokens
    finally:
        server.cleanup()
        tokens.stop()


def test_the_token_realm_is_reached_through_the_proxy_too(
    regview: Regview, certificate: LoopbackCertificate, kinds: Kinds,
    token_setup: tuple[RegistryServer, TokenServer],
) -> None:
    server, tokens = token_setup
    routes = {f"{H2_NAME}:443": ("127.0.0.1", server.port),
              f"{AUTH_NAME}:80": ("127.0.0.1", tokens.port)}
    mark = tokens.mark()
    with TestProxy(routes) as proxy:
        result = run(regview, certificate, "manifest", f"{H2_NAME}/proxied/app:1.0",
                     HTTPS_PROXY=proxy.url, HTTP_PROXY=proxy.url).ok()
        assert result.stdout == kinds.oci_image.raw
        assert [m for m, url in proxy.forwarded] == ["GET"]
        assert proxy.forwarded[0][1].startswith(f"http://{AUTH_NAME}/token?")
        assert proxy.connects == [f"{H2_NAME}:443"]
        assert len(tokens.requests_since(mark)) == 1
        # NO_PROXY for the realm alone: the token request goes direct, and cannot resolve.
        result = run(regview, certificate, "--no-cache", "manifest",
                     f"{H2_NAME}/proxied/app:1.0", HTTPS_PROXY=proxy.url,
                     HTTP_PROXY=proxy.url, NO_PROXY=AUTH_NAME).failed()
        assert "cannot reach the token service" in result.stderr, result.stderr
        assert len(tokens.requests_since(mark)) == 1
    # The realm's proxy (HTTP_PROXY: it is http) is down: the message names that proxy.
    dead = free_port()
    with TestProxy(routes) as proxy:
        result = run(regview, certificate, "--no-cache", "manifest",
                     f"{H2_NAME}/proxied/app:1.0", HTTPS_PROXY=proxy.url,
                     HTTP_PROXY=f"http://alice:{SECRET}@127.0.0.1:{dead}").failed()
    assert (f"the token service for {H2_NAME}: cannot connect to proxy "
            f"http://127.0.0.1:{dead} (HTTP_PROXY) for {AUTH_NAME}:80") in result.stderr
    assert SECRET not in result.stderr


@pytest.mark.parametrize("name", [H2_NAME, H1_NAME])
def test_layers_stream_through_the_tunnel(
    regview: Regview, certificate: LoopbackCertificate, proxy: TestProxy, name: str
) -> None:
    ref = f"{name}/proxied/app:1.0"
    readme = run(regview, certificate, "cat", ref, "/srv/app/README", HTTPS_PROXY=proxy.url).ok()
    assert readme.stdout == b"regview integration test image\n" * 8  # as the tests built it
    app = run(regview, certificate, "cat", ref, "/bin/app", HTTPS_PROXY=proxy.url).ok()
    assert app.stdout.startswith(b"#!/bin/sh\necho regview-oci-image on ")
    assert proxy.connects and set(proxy.connects) == {f"{name}:443"}


def test_the_explorer_goes_through_the_proxy_flag(
    regview: Regview, certificate: LoopbackCertificate, auth_proxy: TestProxy,
) -> None:
    argv = shlex.join([
        sys.executable, "-m", "regview", "--proxy", auth_proxy.url_with("alice", SECRET),
        f"{H2_NAME}/proxied/app",
    ])
    env = {**base_env(), **regview.env(), "SSL_CERT_FILE": str(certificate.cert_path)}
    with Terminal(argv, env, columns=120, rows=40) as term:
        term.read_until("proxied/app:1.0")  # the tag list came, and its manifest
        term.send("q")
        assert term.wait() == 0
    assert SECRET not in term.text and "alice" not in term.text
    assert auth_proxy.connects and set(auth_proxy.connects) == {f"{H2_NAME}:443"}
    assert auth_proxy.refused == []
