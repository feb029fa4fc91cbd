"""What a cell may name: a reference with its registry, or ``source=`` and a reference in it.

In-process (the coroutines are plain coroutines outside a kernel too), against the demo's
OCI layouts and the real registry. Expected digests are read from the layouts with json.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import regview.notebook as rv
from regview.demo import demo_path
from regview.registry import InvalidReference, NotFound, OciLayoutSource, RegistryClient, Settings
from tests.support.content import Published

REF_NAME = "org.opencontainers.image.ref.name"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_path(tmp_path_factory.mktemp("demo-cache"))


def tag_digests(layout: Path) -> dict[str, str]:
    index = json.loads((layout / "index.json").read_text())
    return {d["annotations"][REF_NAME]: d["digest"] for d in index["manifests"]
            if REF_NAME in d.get("annotations", {})}


def index_entry(layout: Path, tag: str, arch: str) -> str:
    digest = tag_digests(layout)[tag]
    index = json.loads((layout / "blobs" / "sha256" / digest.split(":")[1]).read_text())
    [entry] = [m["digest"] for m in index["manifests"]
               if m.get("platform", {}).get("architecture") == arch]
    return str(entry)


async def test_one_image_named_four_ways(demo: Path, tmp_path: Path) -> None:
    layout = demo / "acme" / "web"
    arm = index_entry(layout, "1.10.0", "arm64")
    settings = {"cache_dir": tmp_path}
    ways = [
        rv.image("acme/web:1.10.0", source="demo", platform="linux/arm64", **settings),
        rv.image("acme/web:1.10.0", source=OciLayoutSource(demo), platform="linux/arm64",
                 **settings),
        rv.image(f"oci:{layout}:1.10.0", platform="linux/arm64", **settings),
        rv.image(f"acme/web@{arm}", source=f"oci:{demo}", **settings),
    ]
    for way in ways:
        result = await way
        assert result.digest == arm
    assert result.reference == f"acme/web@{arm}" and result.index is None


async def test_a_repository_alone_means_latest(demo: Path, tmp_path: Path) -> None:
    layout = demo / "acme" / "web"
    result = await rv.image("acme/web", source="demo", cache_dir=tmp_path)
    assert result.index is not None and result.index.digest == tag_digests(layout)["latest"]
    assert result.platform == "linux/amd64"  # the default platform of an index


async def test_bad_references_are_clear_errors(demo: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidReference, match="not a digest"):
        await rv.image("acme/web@sha256:nothex", source="demo", cache_dir=tmp_path)
    with pytest.raises(InvalidReference, match="names no repository"):
        await rv.tags(":tag", source="demo", cache_dir=tmp_path)
    with pytest.raises(NotFound, match="no image for platform linux/s390x"):
        await rv.image("acme/web:1.10.0", source="demo", platform="linux/s390x",
                       cache_dir=tmp_path)
    with pytest.raises(TypeError, match="unknown setting"):
        await rv.tags("acme/web", source="demo", no_such_setting=1)
    with pytest.raises(NotFound, match="artifact"):
        await rv.files("charts/web:0.3.1", source="demo", cache_dir=tmp_path)


async def test_an_open_client_as_the_source(content: Published, tmp_path: Path) -> None:
    index = content.manifest("oci-index")
    host = content.registry.host
    async with RegistryClient(host, settings=Settings(use_cache=False)) as client:
        ts = await rv.tags(content.repo("oci-index"), source=client, cache_dir=tmp_path)
        assert [(r.tag, r.digest) for r in ts] == [("latest", index.digest)]
        # The host may be given too: it is the client's.
        img = await rv.image(f"{host}/{content.repo('oci-index')}", source=client,
                             cache_dir=tmp_path)
        assert img.index is not None and img.index.digest == index.digest
        assert img.digest == index.child("linux/amd64").digest
        assert client.stats.requests > 0  # the client given was the one used
