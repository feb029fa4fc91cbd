"""Loopback registries: plain http first, https when the server says it speaks TLS."""

from __future__ import annotations

import httpx
import pytest

from regview.registry.client import RegistryClient
from regview.registry.errors import CertificateError, ProtocolError, ServerError
from regview.registry.models import ImageManifest
from regview.registry.responses import asks_for_https
from regview.registry.settings import Settings
from tests.support.fake_registry import FakeRegistry

GO_ANSWER = b"Client sent an HTTP request to an HTTPS server.\n"
NGINX_ANSWER = (
    b"<html><head><title>400 The plain HTTP request was sent to HTTPS port</title></head>"
    b"<body><center><h1>400 Bad Request</h1></center></body></html>"
)


def tls_only(answer: bytes) -> FakeRegistry:
    fake = FakeRegistry(host="localhost")

    def refuse_plain_http(request: httpx.Request) -> httpx.Response | None:
        if request.url.scheme == "http":
            return httpx.Response(400, content=answer)
        return None

    fake.hooks.append(refuse_plain_http)
    return fake


def client(fake: FakeRegistry, **options: object) -> RegistryClient:
    return RegistryClient(
        fake.host,
        settings=Settings(use_cache=False, **options),  # type: ignore[arg-type]
        http_transport=fake.transport(),
    )


@pytest.mark.parametrize("answer", [GO_ANSWER, NGINX_ANSWER], ids=["go", "nginx"])
async def test_a_loopback_registry_that_speaks_tls_is_switched_to_https(answer: bytes) -> None:
    fake = tls_only(answer)
    digest, _manifest, config = fake.push_image("team/app", "1.0")
    async with client(fake) as c:
        assert (await c.resolve("team/app", "1.0")).digest == digest
        fetched = await c.manifest("team/app", "1.0")
        assert isinstance(fetched.manifest, ImageManifest)
        assert (await c.config("team/app", fetched.manifest.config)).raw == config
        assert [t async for t in c.tags("team/app")] == [["1.0"]]
    tried = [(r.method, httpx.URL(r.url).scheme, httpx.URL(r.url).path) for r in fake.requests]
    # The first try over plain http was a HEAD, whose answer has no body to read the
    # reason from: one GET of /v2/ asked, then everything went over https.
    assert tried[:2] == [
        ("HEAD", "http", "/v2/team/app/manifests/1.0"),
        ("GET", "http", "/v2/"),
    ]
    assert {scheme for _, scheme, _ in tried[2:]} == {"https"}


async def test_many_first_requests_at_once_all_land_on_https() -> None:
    import asyncio

    fake = tls_only(GO_ANSWER)
    for i in range(5):
        fake.push_image("team/app", f"v{i}", label=str(i))
    async with client(fake) as c:
        found = await asyncio.gather(*(c.resolve("team/app", f"v{i}") for i in range(5)))
    assert len({d.digest for d in found}) == 5
    # One HEAD probed (and its /v2/ check read why it was refused); the rest waited.
    assert sum(httpx.URL(r.url).scheme == "http" for r in fake.requests) == 2


async def test_forced_plain_http_says_to_drop_the_flag() -> None:
    fake = tls_only(GO_ANSWER)
    fake.push_image("team/app", "1.0")
    async with client(fake, plain_http=True) as c:
        with pytest.raises(ProtocolError, match=r"speaks https.*drop --plain-http"):
            await c.resolve("team/app", "1.0")
    assert {httpx.URL(r.url).scheme for r in fake.requests} == {"http"}


async def test_a_plain_http_registry_is_never_switched() -> None:
    fake = FakeRegistry(host="127.0.0.1")
    fake.push_image("team/app", "1.0")

    def json_400(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/manifests/bad"):
            body = b'{"errors":[{"code":"MANIFEST_INVALID","message":"see https://x, http://y"}]}'
            return httpx.Response(400, content=body)
        return None

    fake.hooks.append(json_400)
    async with client(fake) as c:
        await c.resolve("team/app", "1.0")
        with pytest.raises(ServerError, match="HTTP 400"):
            await c.manifest("team/app", "bad")
    assert {httpx.URL(r.url).scheme for r in fake.requests} == {"http"}


def test_what_counts_as_a_tls_servers_answer_to_plain_http() -> None:
    assert asks_for_https(GO_ANSWER)
    assert asks_for_https(NGINX_ANSWER)
    assert not asks_for_https(b'{"errors":[{"message":"https://docs http://x"}]}')
    assert not asks_for_https(b"Bad Request")
    assert not asks_for_https(b"see https://example.com")


async def test_a_known_plain_registry_is_not_probed_after_a_head_400() -> None:
    fake = FakeRegistry(host="127.0.0.1")
    fake.push_image("team/app", "1.0")

    def bad_tag(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/manifests/bad"):
            return httpx.Response(400, content=b"")
        return None

    fake.hooks.append(bad_tag)
    async with client(fake) as c:
        await c.resolve("team/app", "1.0")  # answered in plain http: a plain registry
        with pytest.raises(ServerError, match="HTTP 400"):
            await c.resolve("team/app", "bad")
    assert [httpx.URL(r.url).path for r in fake.requests].count("/v2/") == 0


async def test_an_unverifiable_certificate_is_not_retried() -> None:
    fake = FakeRegistry()  # registry.example: https
    fake.push_image("team/app", "1.0")
    tries: list[str] = []

    def bad_certificate(request: httpx.Request) -> httpx.Response | None:
        tries.append(str(request.url))
        raise httpx.ConnectError(
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed "
            "certificate (_ssl.c:1006)",
            request=request,
        )

    fake.hooks.append(bad_certificate)
    async with client(fake, max_tries=3) as c:
        with pytest.raises(CertificateError, match=r"TLS verification failed.*--insecure"):
            await c.resolve("team/app", "1.0")
    assert len(tries) == 1  # a certificate does not get better by asking again
