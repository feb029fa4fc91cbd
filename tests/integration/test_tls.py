"""A real registry serving TLS on loopback (Go answers in HTTP/2 over ALPN).

Loopback registries are tried over plain http first (most local registries are plain);
one that answers "HTTP request to an HTTPS server" is switched to https, and its
certificate is verified unless ``--insecure`` says otherwise.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from regview.registry.client import RegistryClient
from regview.registry.settings import Settings
from tests.support.cli import Regview, run_regview
from tests.support.content import Published
from tests.support.counting_proxy import counting_proxy
from tests.support.images import Kinds, build_all, write_layout
from tests.support.publish import run_parallel, skopeo_copy_args, skopeo_inspect
from tests.support.registry import RegistryServer
from tests.support.tls import LoopbackCertificate, make_certificate

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> LoopbackCertificate:
    return make_certificate(Path(tmp_path_factory.mktemp("tls-cert")))


@pytest.fixture(scope="module")
def tls_registry(
    tmp_path_factory: pytest.TempPathFactory, certificate: LoopbackCertificate
) -> Iterator[tuple[RegistryServer, Kinds]]:
    workdir = tmp_path_factory.mktemp("registry-tls")
    server = RegistryServer(workdir, name="TLS registry", tls=certificate)
    server.start()
    try:
        kinds = build_all()
        layout = write_layout(workdir / "layout", {"image": kinds.oci_image})
        run_parallel([skopeo_copy_args(f"oci:{layout}:image", server.ref("tls/app", "1.0"))])
        yield server, kinds
    finally:
        server.cleanup()


def test_insecure_reads_a_tls_registry_on_loopback(
    regview: Regview, tls_registry: tuple[RegistryServer, Kinds]
) -> None:
    server, kinds = tls_registry
    mark = server.mark()
    result = regview("--insecure", "manifest", server.ref("tls/app", "1.0"), plain_http=False).ok()
    assert result.stdout == kinds.oci_image.raw
    assert result.stdout == skopeo_inspect(server.ref("tls/app", "1.0"))
    # The plain-http try is refused before routing (it is not in the access log); the
    # manifest itself is asked for once, over HTTP/2.
    ours = [e for e in server.requests_since(mark) if e.user_agent.startswith("regview/")]
    assert [(e.method, e.path) for e in ours] == [("GET", "/v2/tls/app/manifests/1.0")]
    assert ' HTTP/2.0" 200 ' in ours[0].line, ours[0].line  # ALPN chose h2: one connection


def test_an_untrusted_certificate_is_a_one_line_error(
    regview: Regview, tls_registry: tuple[RegistryServer, Kinds]
) -> None:
    server, _ = tls_registry
    result = regview("tags", server.ref("tls/app"), plain_http=False).failed()
    assert "TLS verification failed" in result.stderr
    assert "--insecure" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_trusted_certificate_is_verified(
    regview: Regview, tls_registry: tuple[RegistryServer, Kinds], certificate: LoopbackCertificate
) -> None:
    server, kinds = tls_registry
    env = {**regview.env(), "SSL_CERT_FILE": str(certificate.cert_path)}
    result = run_regview("inspect", "--json", server.ref("tls/app", "1.0"), env=env).ok()
    assert json.loads(result.stdout)["digest"] == kinds.oci_image.digest


def test_plain_http_forced_on_a_tls_registry_says_what_is_wrong(
    regview: Regview, tls_registry: tuple[RegistryServer, Kinds]
) -> None:
    server, _ = tls_registry
    result = regview("tags", server.ref("tls/app")).failed()  # --plain-http
    assert "https" in result.stderr.lower()
    assert "--plain-http" in result.stderr


BURST = 40


@pytest.fixture(scope="module")
def burst_tags(tls_registry: tuple[RegistryServer, Kinds]) -> list[str]:
    """``tls/burst:t0`` .. ``t39``: one image under many tags, put with the registry API."""
    server, kinds = tls_registry
    image = kinds.oci_image
    tags = [f"t{i}" for i in range(BURST)]
    for tag in tags:
        answer = server.client.put(
            f"/v2/tls/app/manifests/{tag}",
            content=image.raw,
            headers={"Content-Type": image.media_type},
        )
        assert answer.status_code == 201, answer.text
    return tags


def test_a_cold_burst_over_tls_makes_one_scheme_probe_and_one_connection(
    regview: Regview, tls_registry: tuple[RegistryServer, Kinds], burst_tags: list[str]
) -> None:
    server, kinds = tls_registry
    with counting_proxy(server.host) as proxy:
        refs = [f"{proxy.host}/tls/app:{tag}" for tag in burst_tags]
        mark = server.mark()
        result = regview("--insecure", "inspect", "--json", *refs, plain_http=False).ok()
        ours = [e for e in server.requests_since(mark) if e.user_agent.startswith("regview/")]
        opened = list(proxy.opened)
    lines = [json.loads(line) for line in result.text.splitlines()]
    assert [x["digest"] for x in lines] == [kinds.oci_image.digest] * BURST
    # One plain-http try found out that the port speaks TLS; everything else went over
    # one HTTP/2 connection (Go refuses the plain try before its access log).
    assert sorted(opened) == ["plain", "tls"], opened
    manifests = sorted(e.path for e in ours if "/manifests/" in e.path)
    assert manifests == sorted(f"/v2/tls/app/manifests/{tag}" for tag in burst_tags)
    assert all(' HTTP/2.0" ' in e.line for e in ours), [e.line for e in ours]


def test_insecure_still_reads_a_plain_http_registry(
    regview: Regview, registry: RegistryServer, content: Published
) -> None:
    ref = content.ref("oci-image")
    with counting_proxy(registry.host) as proxy:
        proxied = ref.replace(registry.host, proxy.host, 1)
        result = regview("--insecure", "manifest", proxied, plain_http=False).ok()
        opened = list(proxy.opened)
    assert result.stdout == skopeo_inspect(ref)
    assert opened == ["plain"]  # the probe was the request: no https try, no second one


async def test_http2_carries_more_requests_at_once_than_the_http11_limit(
    tls_registry: tuple[RegistryServer, Kinds], burst_tags: list[str], tmp_path: Path
) -> None:
    server, kinds = tls_registry
    settings = Settings(cache_dir=tmp_path / "cache", insecure=True, concurrency=4)
    peak = 0
    async with RegistryClient(server.host, settings=settings) as c:

        async def watch() -> None:
            nonlocal peak
            while True:
                peak = max(peak, c.stats.in_flight)
                await asyncio.sleep(0)

        watcher = asyncio.ensure_future(watch())
        try:
            found = await asyncio.gather(*(c.manifest("tls/app", tag) for tag in burst_tags))
        finally:
            watcher.cancel()
    assert {f.digest for f in found} == {kinds.oci_image.digest}
    # Four at once would be the HTTP/1.1 limit; HTTP/2 streams are not held to it.
    assert 4 < peak <= settings.http2_streams, peak
