"""The documented Python API (README), used directly against the real registry."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from regview.registry import media_types as mt
from regview.registry.client import ClientPool, RegistryClient
from regview.registry.errors import NotFound
from regview.registry.inspection import inspect, resolve_image
from regview.registry.models import ImageIndex, ImageManifest, Platform
from regview.registry.settings import RequestRecord, Settings
from tests.support.content import Published
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration


def client(registry: RegistryServer, tmp_path: Path, **options: object) -> RegistryClient:
    opts = Settings(cache_dir=tmp_path, **options)  # type: ignore[arg-type]
    return RegistryClient(registry.host, settings=opts)


async def test_listing_and_reading_through_the_python_api(
    registry: RegistryServer, content: Published, tmp_path: Path
) -> None:
    index = content.manifest("oci-index")
    async with client(registry, tmp_path) as c:
        repos = [name async for page in c.repositories() for name in page]
        assert content.repo("oci-index") in repos
        tags = [t async for page in c.tags(content.repo("oci-index")) for t in page]
        assert "latest" in tags

        fetched = await c.manifest(content.repo("oci-index"), "latest")
        assert fetched.raw == index.raw and fetched.digest == index.digest
        assert isinstance(fetched.manifest, ImageIndex)
        assert len(fetched.manifest.attestations) >= 1
        for attestation in fetched.manifest.attestations:
            assert attestation.attests in {d.digest for d in fetched.manifest.images}

        image = await resolve_image(
            c, content.repo("oci-index"), "latest", Platform.parse("linux/arm64")
        )
        assert isinstance(image.manifest, ImageManifest)
        config = await c.config(content.repo("oci-index"), image.manifest.config)
        assert config.config.architecture == "arm64"

        described = await inspect(
            c, content.repo("oci-index"), index.digest, display="x", recursive=True
        )
        assert len(described["manifests"]) == len(fetched.manifest.manifests)


async def test_referrers_found_through_the_tag_schema(
    registry: RegistryServer, content: Published, tmp_path: Path
) -> None:
    subject = content.manifest("oci-image")
    async with client(registry, tmp_path) as c:
        found = await c.referrers(content.repo("oci-image"), subject.digest)
    kinds = {mt.referrer_kind(d.artifact_type) for d in found}
    assert {"sbom", "signature"} <= kinds


async def test_many_concurrent_asks_share_requests_and_respect_the_host_limit(
    registry: RegistryServer, content: Published, tmp_path: Path
) -> None:
    in_flight_peak = 0
    records: list[RequestRecord] = []
    repo = content.repo("oci-index")
    index = content.manifest("oci-index")
    async with client(registry, tmp_path, concurrency=2, logger=records.append) as c:

        async def watch() -> None:
            nonlocal in_flight_peak
            while True:
                in_flight_peak = max(in_flight_peak, c.stats.in_flight)
                await asyncio.sleep(0)

        watcher = asyncio.ensure_future(watch())
        children = [d.digest for d in (await c.manifest(repo, index.digest)).manifest.children()]
        results = await asyncio.gather(*(c.manifest(repo, d) for d in children * 5))
        watcher.cancel()
    assert [r.digest for r in results] == children * 5
    assert in_flight_peak <= 2
    gets = [r for r in records if r.method == "GET" and r.status is not None]
    assert len(gets) == 1 + len(set(children))  # the index, then each child once


async def test_pool_shares_one_cache_between_clients(
    registry: RegistryServer, content: Published, tmp_path: Path
) -> None:
    digest = content.manifest("oci-image").digest
    async with ClientPool(settings=Settings(cache_dir=tmp_path)) as pool:
        await pool.get(registry.host).manifest(content.repo("oci-image"), digest)
        mark = registry.mark()
        again = await pool.get(registry.host).manifest(content.repo("oci-image"), digest)
        assert again.digest == digest
        assert registry.requests_since(mark) == []
        with pytest.raises(NotFound):
            await pool.get(registry.host).manifest(content.repo("oci-image"), "no-such-tag")
