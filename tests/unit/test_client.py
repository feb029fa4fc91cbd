"""RegistryClient against in-process fakes (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import json
from pathlib import Path

import httpx
import pytest

from regview.registry import media_types as mt
from regview.registry.client import RegistryClient
from regview.registry.credentials import Credential
from regview.registry.errors import (
    AuthError,
    Denied,
    DigestMismatch,
    LoginFailed,
    MalformedContent,
    NetworkError,
    NotFound,
    ProtocolError,
    RateLimited,
    ServerError,
    TooLarge,
)
from regview.registry.models import ImageManifest
from regview.registry.settings import Settings
from tests.support.fake_registry import FakeRegistry, digest_of, make_image

FAST = dict(backoff_base=0.001, retry_after_cap=5.0)


def client_for(
    fake: FakeRegistry,
    tmp_path: Path | None = None,
    credential: Credential | None = None,
    **options: object,
) -> RegistryClient:
    opts = Settings(
        cache_dir=tmp_path,
        use_cache=tmp_path is not None,
        **{**FAST, **options},  # type: ignore[arg-type]
    )
    return RegistryClient(
        fake.host, settings=opts, credential=credential, http_transport=fake.transport()
    )


def user(name: str = "alice", password: str = "s3cret-pw") -> Credential:
    return Credential(username=name, password=password, identity_token=None, source="test")


async def test_manifest_and_config_are_fetched_verified_and_parsed(tmp_path: Path) -> None:
    fake = FakeRegistry()
    digest, manifest_bytes, config_bytes = fake.push_image("team/app", "1.0")
    async with client_for(fake, tmp_path) as client:
        fetched = await client.manifest("team/app", "1.0")
        assert fetched.digest == digest
        assert fetched.raw == manifest_bytes
        assert isinstance(fetched.manifest, ImageManifest)
        config = await client.config("team/app", fetched.manifest.config)
        assert config.raw == config_bytes
        assert config.config.env == ("LABEL=x",)


async def test_digest_content_is_served_from_disk_by_a_new_client(tmp_path: Path) -> None:
    fake = FakeRegistry()
    digest, _, _ = fake.push_image("team/app", "1.0")
    async with client_for(fake, tmp_path) as client:
        fetched = await client.manifest("team/app", digest)
        assert isinstance(fetched.manifest, ImageManifest)
        await client.config("team/app", fetched.manifest.config)
    before = len(fake.requests)
    async with client_for(fake, tmp_path) as client:
        again = await client.manifest("team/app", digest)
        assert isinstance(again.manifest, ImageManifest)
        await client.config("team/app", again.manifest.config)
        assert client.stats.cache_hits == 2
    assert len(fake.requests) == before


async def test_tag_is_trusted_for_the_ttl_then_revalidated_with_head(tmp_path: Path) -> None:
    fake = FakeRegistry()
    fake.push_image("team/app", "1.0")
    async with client_for(fake, tmp_path, tag_ttl=0.0) as client:
        await client.manifest("team/app", "1.0")
        await client.manifest("team/app", "1.0")
    methods = [r.method for r in fake.requests]
    assert methods == ["GET", "HEAD"]


async def test_a_retagged_image_is_noticed_after_the_ttl(tmp_path: Path) -> None:
    fake = FakeRegistry()
    first, _, _ = fake.push_image("team/app", "1.0", label="one")
    async with client_for(fake, tmp_path, tag_ttl=0.0) as client:
        assert (await client.manifest("team/app", "1.0")).digest == first
        second, _, _ = fake.push_image("team/app", "1.0", label="two")
        assert (await client.manifest("team/app", "1.0")).digest == second


async def test_corrupt_cache_entry_is_dropped_and_refetched(tmp_path: Path) -> None:
    fake = FakeRegistry()
    digest, manifest_bytes, _ = fake.push_image("team/app", "1.0")
    async with client_for(fake, tmp_path) as client:
        await client.manifest("team/app", digest)
    [blob_file] = [p for p in tmp_path.rglob(digest.split(":")[1]) if p.is_file()]
    blob_file.write_bytes(b'{"tampered": true}')
    async with client_for(fake, tmp_path) as client:
        fetched = await client.manifest("team/app", digest)
        assert fetched.raw == manifest_bytes
        assert client.cache.disk_errors == 1
    assert blob_file.read_bytes() == manifest_bytes
    assert sum(1 for r in fake.requests if r.method == "GET") == 2


async def test_concurrent_requests_for_one_manifest_share_one_request() -> None:
    fake = FakeRegistry()
    digest, _, _ = fake.push_image("team/app", "1.0")
    async with client_for(fake) as client:
        results = await asyncio.gather(*(client.manifest("team/app", digest) for _ in range(10)))
    assert {r.digest for r in results} == {digest}
    assert len(fake.requests) == 1


# --- integrity and limits ------------------------------------------------------------


async def test_docker_content_digest_that_disagrees_with_the_body_is_rejected() -> None:
    fake = FakeRegistry()
    fake.push_image("team/app", "1.0")

    def lie(request: httpx.Request) -> httpx.Response | None:
        if "/manifests/" in request.url.path:
            manifest, _, _ = make_image("other")
            return httpx.Response(
                200,
                content=manifest,
                headers={
                    "Content-Type": mt.OCI_MANIFEST,
                    "Docker-Content-Digest": "sha256:" + "0" * 64,
                },
            )
        return None

    fake.hooks.append(lie)
    async with client_for(fake) as client:
        with pytest.raises(DigestMismatch, match="Docker-Content-Digest"):
            await client.manifest("team/app", "1.0")


async def test_bytes_that_do_not_hash_to_the_requested_digest_are_rejected() -> None:
    fake = FakeRegistry()
    digest, _, _ = fake.push_image("team/app", "1.0")
    other, _, _ = make_image("evil")
    fake.manifests["team/app"][digest] = (other, mt.OCI_MANIFEST)

    def no_header(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith(digest):
            return httpx.Response(200, content=other, headers={"Content-Type": mt.OCI_MANIFEST})
        return None

    fake.hooks.append(no_header)
    async with client_for(fake) as client:
        with pytest.raises(DigestMismatch, match="refusing"):
            await client.manifest("team/app", digest)


async def test_config_blob_with_wrong_bytes_is_rejected(tmp_path: Path) -> None:
    fake = FakeRegistry()
    _, _, config = fake.push_image("team/app", "1.0")
    fake.blobs[digest_of(config)] = config + b" "
    async with client_for(fake, tmp_path) as client:
        fetched = await client.manifest("team/app", "1.0")
        assert isinstance(fetched.manifest, ImageManifest)
        with pytest.raises(DigestMismatch):
            await client.config("team/app", fetched.manifest.config)
    assert not list(tmp_path.rglob(digest_of(config).split(":")[1]))


async def test_body_over_the_cap_is_refused_from_content_length() -> None:
    fake = FakeRegistry()
    fake.push("team/app", "big", b"{" + b" " * 5000 + b"}")
    async with client_for(fake, max_body_bytes=1000) as client:
        with pytest.raises(TooLarge, match="over the 1,000 byte limit"):
            await client.manifest("team/app", "big")


async def test_gzip_bomb_stops_at_the_cap() -> None:
    fake = FakeRegistry()
    bomb = gzip.compress(b"[" + b" " * (50 * 1024 * 1024) + b"]")
    assert len(bomb) < 100_000

    def serve_bomb(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/tags/list"):
            return httpx.Response(200, content=bomb, headers={"Content-Encoding": "gzip"})
        return None

    fake.hooks.append(serve_bomb)
    async with client_for(fake, max_body_bytes=1024 * 1024) as client:
        with pytest.raises(TooLarge):
            async for _ in client.tags("team/app"):
                pass


async def test_declared_config_size_over_the_cap_is_refused_without_a_request() -> None:
    fake = FakeRegistry()
    fake.push_image("team/app", "1.0")
    async with client_for(fake) as client:
        manifest = (await client.manifest("team/app", "1.0")).manifest
        assert isinstance(manifest, ImageManifest)
        huge = dataclasses.replace(manifest.config, size=200 * 1024 * 1024)
        before = len(fake.requests)
        with pytest.raises(TooLarge, match="declares 209,715,200 bytes"):
            await client.config("team/app", huge)
        assert len(fake.requests) == before


async def test_wrong_json_types_become_a_clear_error() -> None:
    fake = FakeRegistry()
    bad = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": {"mediaType": mt.OCI_CONFIG, "digest": "sha256:" + "a" * 64, "size": "12"},
            "layers": [],
        }
    ).encode()
    fake.push("team/app", "bad", bad)
    async with client_for(fake) as client:
        with pytest.raises(MalformedContent, match=r"manifest.config.size must be an integer"):
            await client.manifest("team/app", "bad")


# --- retries ---------------------------------------------------------------------------


def fail_first(status: int, times: int = 1, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    remaining = [times]

    def hook(request: httpx.Request) -> httpx.Response | None:
        if remaining[0] > 0 and "/manifests/" in request.url.path:
            remaining[0] -= 1
            return httpx.Response(status, headers=headers or {})
        return None

    return hook


@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_transient_statuses_are_retried(status: int) -> None:
    fake = FakeRegistry()
    digest, _, _ = fake.push_image("team/app", "1.0")
    fake.hooks.append(fail_first(status, headers={"Retry-After": "0"}))
    async with client_for(fake) as client:
        assert (await client.manifest("team/app", "1.0")).digest == digest
    assert len(fake.requests) == 2


async def test_retries_are_bounded() -> None:
    fake = FakeRegistry()
    fake.push_image("team/app", "1.0")
    fake.hooks.append(fail_first(503, times=100))
    async with client_for(fake) as client:
        with pytest.raises(ServerError, match="HTTP 503"):
            await client.manifest("team/app", "1.0")
    assert len(fake.requests) == 3


async def test_absurd_retry_after_gives_up_at_once_with_the_wait() -> None:
    fake = FakeRegistry()
    fake.push_image("team/app", "1.0")
    fake.hooks.append(fail_first(429, times=100, headers={"Retry-After": "86400"}))
    async with client_for(fake) as client:
        with pytest.raises(RateLimited) as info:
            await client.manifest("team/app", "1.0")
    assert info.value.retry_after == 86400
    assert "retry after 86400 s" in str(info.value)
    assert len(fake.requests) == 1


async def test_connection_errors_are_retried_then_reported() -> None:
    fake = FakeRegistry()
    fake.push_image("team/app", "1.0")

    def refuse(request: httpx.Request) -> httpx.Response | None:
        raise httpx.ConnectError("connection refused", request=request)

    fake.hooks.append(refuse)
    async with client_for(fake) as client:
        with pytest.raises(NetworkError, match=r"cannot connect to registry\.example"):
            await client.manifest("team/app", "1.0")
    assert len(fake.requests) == 3


async def test_not_found_says_what_was_missing() -> None:
    fake = FakeRegistry()
    fake.push_image("team/app", "1.0")
    async with client_for(fake) as client:
        with pytest.raises(NotFound, match=r"team/app:nope not found: MANIFEST_UNKNOWN"):
            await client.manifest("team/app", "nope")


# --- pagination ------------------------------------------------------------------------


async def collect(client: RegistryClient, page_size: int | None = None) -> list[list[str]]:
    return [page async for page in client.repositories(page_size=page_size)]


async def test_catalog_follows_relative_links_page_by_page() -> None:
    fake = FakeRegistry(catalog=[f"repo{i:04d}" for i in range(250)])
    async with client_for(fake) as client:
        pages = await collect(client, page_size=100)
    assert [len(p) for p in pages] == [100, 100, 50]
    assert [name for page in pages for name in page] == sorted(fake.catalog or [])
    assert all("n=100" in r.url for r in fake.requests)


async def test_catalog_falls_back_to_a_smaller_page_on_pagination_number_invalid() -> None:
    fake = FakeRegistry(catalog=[f"r{i}" for i in range(150)], page_size_limit=100)
    async with client_for(fake) as client:
        pages = await collect(client)
    assert sum(len(p) for p in pages) == 150
    assert "n=1000" in fake.requests[0].url and "n=100" in fake.requests[1].url


async def test_catalog_link_to_another_host_is_not_followed() -> None:
    fake = FakeRegistry(catalog=["a", "b"])

    def redirect_link(request: httpx.Request) -> httpx.Response | None:
        if request.url.path == "/v2/_catalog" and request.url.host == fake.host:
            return httpx.Response(
                200,
                json={"repositories": ["a"]},
                headers={"Link": '<https://evil.example/v2/_catalog?last=a>; rel="next"'},
            )
        return None

    fake.hooks.append(redirect_link)
    async with client_for(fake, credential=user()) as client:
        pages: list[list[str]] = []
        with pytest.raises(ProtocolError, match="another host"):
            async for page in client.repositories():
                pages.append(page)
    assert pages == [["a"]]
    assert not fake.requests_to("evil.example")


async def test_a_catalog_that_links_to_itself_stops_and_says_so() -> None:
    fake = FakeRegistry()

    def loop(request: httpx.Request) -> httpx.Response | None:
        return httpx.Response(
            200, json={"repositories": ["a"]}, headers={"Link": '</v2/_catalog?n=1000>; rel="next"'}
        )

    fake.hooks.append(loop)
    pages: list[list[str]] = []
    async with client_for(fake) as client:
        with pytest.raises(ProtocolError, match=r"links back to a page.*may be incomplete"):
            async for page in client.repositories():
                pages.append(page)
    assert pages == [["a"]]  # what came before the loop is kept


async def test_endless_catalog_stops_at_the_page_limit() -> None:
    fake = FakeRegistry()
    counter = [0]

    def endless(request: httpx.Request) -> httpx.Response | None:
        counter[0] += 1
        return httpx.Response(
            200,
            json={"repositories": [f"r{counter[0]}"]},
            headers={"Link": f'</v2/_catalog?last=r{counter[0]}&n=1>; rel="next"'},
        )

    fake.hooks.append(endless)
    async with client_for(fake, max_pages=20) as client:
        with pytest.raises(ProtocolError, match=r"stopped after 20 pages"):
            await collect(client)
    assert counter[0] == 20


async def test_tags_null_means_no_tags_and_name_unknown_is_not_found() -> None:
    fake = FakeRegistry()

    def null_tags(request: httpx.Request) -> httpx.Response | None:
        if request.url.path == "/v2/deleted/tags/list":
            return httpx.Response(200, json={"name": "deleted", "tags": None})
        if request.url.path == "/v2/emptied/tags/list":
            return httpx.Response(200, json={"name": "emptied", "tags": []})
        return None

    fake.hooks.append(null_tags)
    async with client_for(fake) as client:
        assert [p async for p in client.tags("deleted")] == [[]]
        assert [p async for p in client.tags("emptied")] == [[]]
        with pytest.raises(NotFound) as caught:
            [p async for p in client.tags("team/unknown")]
    assert str(caught.value).startswith("no repository team/unknown, or it has no tags: ")
    assert caught.value.codes == ("NAME_UNKNOWN",)


async def test_a_cached_tag_list_is_dropped_when_the_repository_is_gone(tmp_path: Path) -> None:
    fake = FakeRegistry()
    fake.push_image("team/app", "1.0")
    gone = [False]
    asked_with: list[str | None] = []

    def etag_or_gone(request: httpx.Request) -> httpx.Response | None:
        if request.url.path != "/v2/team/app/tags/list":
            return None
        asked_with.append(request.headers.get("if-none-match"))
        if gone[0]:
            return httpx.Response(404, json={"errors": [{"code": "NAME_UNKNOWN"}]})
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, json={"tags": ["1.0"]}, headers={"ETag": '"v1"'})

    fake.hooks.append(etag_or_gone)
    async with client_for(fake, tmp_path, tag_ttl=0.0) as client:
        assert [t async for page in client.tags("team/app") for t in page] == ["1.0"]
        gone[0] = True
        with pytest.raises(NotFound, match=r"^no repository team/app, or it has no tags"):
            [t async for page in client.tags("team/app") for t in page]
        gone[0] = False
        assert [t async for page in client.tags("team/app") for t in page] == ["1.0"]
    # The list cached before the 404 was dropped: the third look did not revalidate it.
    assert asked_with == [None, '"v1"', None]


async def test_tag_list_is_revalidated_with_its_etag(tmp_path: Path) -> None:
    fake = FakeRegistry()
    etags: list[str | None] = []

    def etag(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/tags/list"):
            etags.append(request.headers.get("if-none-match"))
            if request.headers.get("if-none-match") == '"v1"':
                return httpx.Response(304)
            return httpx.Response(200, json={"tags": ["a", "b"]}, headers={"ETag": '"v1"'})
        return None

    fake.hooks.append(etag)
    async with client_for(fake, tmp_path, tag_ttl=0.0) as client:
        first = [t async for page in client.tags("x") for t in page]
        second = [t async for page in client.tags("x") for t in page]
    assert first == second == ["a", "b"]
    assert etags == [None, '"v1"']


# --- auth ------------------------------------------------------------------------------


async def test_docker_hub_style_anonymous_token_from_another_host() -> None:
    fake = FakeRegistry(auth="bearer")
    digest, _, _ = fake.push_image("library/alpine", "latest")
    fake.push_image("library/busybox", "latest", label="b")
    async with client_for(fake) as client:
        assert (await client.manifest("library/alpine", "latest")).digest == digest
        await client.resolve("library/alpine", digest)
        await client.manifest("library/busybox", "latest")
        assert client.identity == "anonymous"
    # one 401 for the first request only; then one token per repository scope
    assert [r.method for r in fake.requests_to(fake.host)].count("GET") == 3
    assert fake.tokens_issued == 2
    realm_requests = fake.requests_to(fake.realm_host)
    assert all(r.authorization is None for r in realm_requests)
    assert "scope=repository%3Alibrary%2Fbusybox%3Apull" in realm_requests[1].url


async def test_credentials_go_to_the_realm_and_only_tokens_to_the_registry() -> None:
    fake = FakeRegistry(auth="bearer", users={"alice": "s3cret-pw"}, anonymous_pull=False)
    fake.push_image("team/app", "1.0")
    async with client_for(fake, credential=user()) as client:
        await client.manifest("team/app", "1.0")
        assert client.identity == "alice"
    for r in fake.requests_to(fake.host):
        assert r.authorization is None or r.authorization.startswith("Bearer ")
    assert all(
        r.authorization and r.authorization.startswith("Basic ")
        for r in fake.requests_to(fake.realm_host)
    )


async def test_identity_token_uses_the_oauth2_refresh_grant() -> None:
    fake = FakeRegistry(auth="bearer", anonymous_pull=False)
    fake.push_image("team/app", "1.0")
    cred = Credential(username="<token>", password=None, identity_token="refresh-me", source="t")
    async with client_for(fake, credential=cred) as client:
        await client.manifest("team/app", "1.0")
    [token_request] = fake.requests_to(fake.realm_host)
    assert token_request.method == "POST"


async def test_wrong_password_is_a_clear_auth_error_without_the_password() -> None:
    fake = FakeRegistry(auth="bearer", users={"alice": "right"}, anonymous_pull=False)
    fake.push_image("team/app", "1.0")
    async with client_for(fake, credential=user(password="wrong-pw-123")) as client:
        with pytest.raises(AuthError) as info:
            await client.manifest("team/app", "1.0")
    assert "refused the credentials" in str(info.value)
    assert "wrong-pw-123" not in str(info.value)


async def test_basic_auth_registry() -> None:
    fake = FakeRegistry(auth="basic", users={"alice": "s3cret-pw"})
    digest, _, _ = fake.push_image("team/app", "1.0")
    async with client_for(fake) as client:
        with pytest.raises(AuthError, match="requires authentication"):
            await client.manifest("team/app", "1.0")
    async with client_for(fake, credential=user()) as client:
        assert (await client.manifest("team/app", "1.0")).digest == digest
        assert (await client.resolve("team/app", "1.0")).digest == digest


async def test_registry_that_refuses_the_catalog_is_denied_with_advice() -> None:
    fake = FakeRegistry(auth="bearer", catalog_denied=True)
    async with client_for(fake) as client:
        with pytest.raises(
            Denied, match=r"only to authenticated users: log in .* or open a repository"
        ):
            await collect(client)


async def test_blob_redirect_to_another_host_drops_authorization() -> None:
    fake = FakeRegistry(auth="basic", users={"alice": "s3cret-pw"})
    _, _, config = fake.push_image("team/app", "1.0")
    config_digest = digest_of(config)

    def redirect(request: httpx.Request) -> httpx.Response | None:
        is_blob = request.url.path.endswith(f"/blobs/{config_digest}")
        if request.url.host == fake.host and is_blob and request.headers.get("authorization"):
            return httpx.Response(
                307, headers={"Location": f"https://storage.example/{config_digest}"}
            )
        if request.url.host == "storage.example":
            return httpx.Response(200, content=config)
        return None

    fake.hooks.append(redirect)
    async with client_for(fake, credential=user()) as client:
        manifest = (await client.manifest("team/app", "1.0")).manifest
        assert isinstance(manifest, ImageManifest)
        assert (await client.config("team/app", manifest.config)).raw == config
    [storage] = fake.requests_to("storage.example")
    assert storage.authorization is None


async def test_rate_limit_headers_reach_the_stats() -> None:
    fake = FakeRegistry(rate_limit=(100, 76))
    fake.push_image("team/app", "1.0")
    async with client_for(fake) as client:
        await client.resolve("team/app", "1.0")
        assert client.stats.rate_limit is not None
        assert (client.stats.rate_limit.limit, client.stats.rate_limit.remaining) == (100, 76)
        assert client.stats.rate_limit.window_seconds == 21600


# --- referrers -------------------------------------------------------------------------


async def test_referrers_fall_back_to_the_tag_schema() -> None:
    fake = FakeRegistry()
    digest, _, _ = fake.push_image("team/app", "1.0")
    sig = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "artifactType": mt.COSIGN_ARTIFACT_SIG,
            "config": {"mediaType": mt.OCI_EMPTY, "digest": digest_of(b"{}"), "size": 2},
            "layers": [],
            "subject": {"mediaType": mt.OCI_MANIFEST, "digest": digest, "size": 1},
        }
    ).encode()
    sig_digest = fake.push("team/app", None, sig)
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_INDEX,
            "manifests": [
                {
                    "mediaType": mt.OCI_MANIFEST,
                    "digest": sig_digest,
                    "size": len(sig),
                    "artifactType": mt.COSIGN_ARTIFACT_SIG,
                }
            ],
        }
    ).encode()
    fake.push("team/app", digest.replace(":", "-"), index, mt.OCI_INDEX)
    async with client_for(fake) as client:
        found = await client.referrers("team/app", digest)
        again = await client.referrers("team/app", digest)
    assert [d.digest for d in found] == [sig_digest]
    assert found[0].artifact_type == mt.COSIGN_ARTIFACT_SIG
    assert [d.digest for d in again] == [sig_digest]
    # the referrers API 404 is remembered: asked once only
    assert sum("/referrers/" in r.url for r in fake.requests) == 1


# --- streaming blobs ---------------------------------------------------------------------


async def test_blob_stream_is_verified_at_the_end() -> None:
    fake = FakeRegistry()
    layer = bytes(range(256)) * 4000
    digest = digest_of(layer)
    fake.blobs[digest] = layer
    async with client_for(fake) as client, client.open_blob("team/app", digest) as stream:
        data = b"".join([chunk async for chunk in stream.chunks()])
    assert data == layer and stream.read == len(layer) and stream.size == len(layer)
    fake.blobs[digest] = layer[:-1] + b"X"
    async with client_for(fake) as client, client.open_blob("team/app", digest) as stream:
        with pytest.raises(DigestMismatch, match="discarded"):
            [chunk async for chunk in stream.chunks()]


async def test_blob_range_reads_only_that_part() -> None:
    fake = FakeRegistry(auth="basic", users={"alice": "s3cret-pw"})
    layer = b"0123456789" * 100
    digest = digest_of(layer)
    fake.blobs[digest] = layer
    async with (
        client_for(fake, credential=user()) as client,
        client.open_blob("team/app", digest, offset=990, length=10) as stream,
    ):
        data = b"".join([chunk async for chunk in stream.chunks()])
    assert data == b"0123456789" and stream.ranged
    assert fake.requests[-1].headers["range"] == "bytes=990-999"


async def test_missing_blob_stream_is_not_found() -> None:
    fake = FakeRegistry()
    async with client_for(fake) as client:
        with pytest.raises(NotFound, match="not found in team/app"):
            async with client.open_blob("team/app", "sha256:" + "9" * 64):
                pass


async def test_invalidate_makes_tags_and_tag_lists_revalidate(tmp_path: Path) -> None:
    fake = FakeRegistry()
    fake.push_image("team/app", "1.0")
    async with client_for(fake, tmp_path, tag_ttl=3600.0) as client:
        await client.manifest("team/app", "1.0")
        [t async for page in client.tags("team/app") for t in page]
        await client.manifest("team/app", "1.0")
        [t async for page in client.tags("team/app") for t in page]
        assert [(r.method, r.url.rsplit("/", 1)[-1]) for r in fake.requests] == [
            ("GET", "1.0"),
            ("GET", "list?n=1000"),
        ]
        client.invalidate("team/app")
        await client.manifest("team/app", "1.0")
        [t async for page in client.tags("team/app") for t in page]
    assert [(r.method, r.url.rsplit("/", 1)[-1]) for r in fake.requests[2:]] == [
        ("HEAD", "1.0"),
        ("GET", "list?n=1000"),
    ]


async def test_a_wrong_password_on_the_catalog_says_so_not_that_listing_is_refused() -> None:
    fake = FakeRegistry(auth="bearer", users={"alice": "right"}, catalog_denied=True)
    async with client_for(fake, credential=user(password="wrong")) as client:
        with pytest.raises(LoginFailed, match="refused the credentials"):
            await collect(client)


# --- the status bar's counters ---------------------------------------------------------


async def test_token_requests_are_counted_in_the_stats() -> None:
    fake = FakeRegistry(auth="bearer")
    fake.push_image("team/app", "1.0")
    in_flight_at_realm: list[int] = []
    async with client_for(fake) as client:

        def watch(request: httpx.Request) -> httpx.Response | None:
            if request.url.host == fake.realm_host:
                in_flight_at_realm.append(client.stats.in_flight)
            return None

        fake.hooks.append(watch)
        await client.manifest("team/app", "1.0")
        assert client.token_requests == 1 and fake.tokens_issued == 1
        # the 401, the token request, the retry with the token: all three are counted
        assert len(fake.requests_to(fake.realm_host)) == 1
        assert client.stats.requests == len(fake.requests) == 3
        assert client.stats.in_flight == 0
    assert in_flight_at_realm == [1]  # the token request was in flight while it ran


async def test_a_failed_token_request_is_counted_and_not_left_in_flight() -> None:
    fake = FakeRegistry(auth="bearer", users={"alice": "right"}, anonymous_pull=False)
    fake.push_image("team/app", "1.0")
    async with client_for(fake, credential=user(password="wrong")) as client:
        with pytest.raises(LoginFailed):
            await client.manifest("team/app", "1.0")
        assert client.stats.requests == len(fake.requests) == 2  # the 401, the token
        assert client.stats.in_flight == 0
