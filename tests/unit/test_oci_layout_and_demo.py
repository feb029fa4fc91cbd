"""OCI layouts as a Source, and the embedded demo built from them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from regview.demo import build_demo, demo_path
from regview.registry import media_types as mt
from regview.registry.errors import CycleError, DigestMismatch, NotFound
from regview.registry.inspection import inspect, resolve_image
from regview.registry.models import Artifact, ImageIndex, ImageManifest, Platform
from regview.registry.oci_layout import LayoutWriter, OciLayoutSource, descriptor_json
from regview.registry.source import Source


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_path(tmp_path_factory.mktemp("cache"))


def test_the_demo_is_deterministic(tmp_path: Path, demo: Path) -> None:
    build_demo(tmp_path)
    ours = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    theirs = {p.relative_to(demo): p.read_bytes() for p in demo.rglob("*") if p.is_file()}
    theirs.pop(Path(".complete"))
    assert ours == theirs


def test_demo_path_builds_once(tmp_path: Path) -> None:
    first = demo_path(tmp_path)
    marker = first / ".complete"
    stamp = marker.stat().st_mtime_ns
    assert demo_path(tmp_path) == first
    assert marker.stat().st_mtime_ns == stamp


async def test_demo_repositories_and_tags(demo: Path) -> None:
    source = OciLayoutSource(demo)
    assert isinstance(source, Source)
    repos = [name async for page in source.repositories() for name in page]
    assert repos == [
        "acme/api",
        "acme/web",
        "acme/worker",
        "charts/web",
        "stress/many-tags",
        "tools/debug",
    ]
    tags = [t async for page in source.tags("stress/many-tags") for t in page]
    assert len(tags) == 500
    with pytest.raises(NotFound):
        [t async for page in source.tags("nope") for t in page]


async def test_demo_has_every_kind_of_content(demo: Path) -> None:
    source = OciLayoutSource(demo)
    web = await source.manifest("acme/web", "latest")
    assert isinstance(web.manifest, ImageIndex)
    assert len(web.manifest.images) == 3 and len(web.manifest.attestations) == 2
    api = await source.manifest("acme/api", "v3")
    assert api.media_type == mt.DOCKER_MANIFEST
    worker = await source.manifest("acme/worker", "stable")
    assert worker.media_type == mt.DOCKER_MANIFEST_LIST
    chart = await source.manifest("charts/web", "0.3.1")
    assert isinstance(chart.manifest, Artifact)
    referrers = await source.referrers("acme/web", web.digest)
    assert sorted(mt.referrer_kind(d.artifact_type) for d in referrers) == ["sbom", "signature"]
    arm = await resolve_image(source, "acme/web", "latest", Platform.parse("linux/arm/v7"))
    assert isinstance(arm.manifest, ImageManifest)
    config = await source.config("acme/web", arm.manifest.config)
    assert config.config.architecture == "arm" and config.config.variant == "v7"
    assert [h.layer_index for h in config.config.history] == [0, None, 1, None, None]


async def test_inspect_json_shape_on_the_demo(demo: Path) -> None:
    source = OciLayoutSource(demo)
    out = await inspect(
        source, "acme/web", "latest", display="demo/acme/web:latest", recursive=True
    )
    assert out["mediaType"] == mt.OCI_INDEX
    platforms = [m["platform"] for m in out["manifests"]]
    assert platforms[:3] == ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"]
    image = out["manifests"][0]["image"]
    assert image["reference"].startswith("demo/acme/web@sha256:")
    assert image["layersSize"] == sum(layer["size"] for layer in image["layers"])
    assert image["config"]["entrypoint"] == ["/usr/bin/web"]
    assert image["config"]["exposedPorts"] == ["8080/tcp"]
    assert image["config"]["history"][1]["emptyLayer"] is True
    json.dumps(out)


async def test_tampered_blob_is_refused(tmp_path: Path) -> None:
    w = LayoutWriter(tmp_path / "repo")
    d = w.add_json({"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": []}, mt.OCI_INDEX)
    w.tag(d, "t")
    w.close()
    blob = tmp_path / "repo" / "blobs" / "sha256" / d.digest.split(":")[1]
    blob.write_bytes(blob.read_bytes() + b" ")
    with pytest.raises(DigestMismatch):
        await OciLayoutSource(tmp_path).manifest("repo", "t")


async def test_an_index_that_contains_itself_is_a_cycle(tmp_path: Path) -> None:
    """Two indexes listing each other cannot exist by content address; but a
    malicious store can claim it. Simulate it with a source that lies."""
    w = LayoutWriter(tmp_path / "repo")
    leaf = w.add_json(
        {"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": []}, mt.OCI_INDEX
    )
    outer = w.add_json(
        {"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": [descriptor_json(leaf)]},
        mt.OCI_INDEX,
    )
    w.tag(outer, "t")
    w.close()
    source = OciLayoutSource(tmp_path)
    real_manifest = source.manifest

    async def lying(repository: str, reference: str):  # type: ignore[no-untyped-def]
        fetched = await real_manifest(repository, reference)
        if reference == leaf.digest:  # the leaf "contains" the outer index
            outer_fetched = await real_manifest(repository, outer.digest)
            return outer_fetched
        return fetched

    source.manifest = lying  # type: ignore[method-assign]
    with pytest.raises(CycleError):
        await inspect(source, "repo", "t", display="x", recursive=True)


async def test_single_layout_is_one_repository(tmp_path: Path) -> None:
    w = LayoutWriter(tmp_path / "myimage")
    d = w.add_json({"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": []}, mt.OCI_INDEX)
    w.tag(d, "docker.io/library/myimage:1.0")
    w.close()
    source = OciLayoutSource(tmp_path / "myimage")
    assert [n async for page in source.repositories() for n in page] == ["myimage"]
    assert [t async for page in source.tags("myimage") for t in page] == ["1.0"]


async def test_a_layout_says_its_stats_are_local(demo: Path) -> None:
    source = OciLayoutSource(demo)
    assert source.stats.local
    await source.manifest("acme/web", "latest")
    assert source.stats.cache_hits == 0 and source.stats.in_flight == 0
