"""LayerIndexer over real sources: OCI layouts and the fake registry; the on-disk TOC
store; embedded eStargz / zstd:chunked TOCs read with ranges; progress; cancellation."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from regview.registry import media_types as mt
from regview.registry.blobs import BlobStream
from regview.registry.client import RegistryClient
from regview.registry.errors import DigestMismatch, LayerFormatError
from regview.registry.layers import IndexProgress, LayerIndexer, TocStore, image_layers
from regview.registry.layers.entry import Entry
from regview.registry.models import Descriptor
from regview.registry.oci_layout import OciLayoutSource
from regview.registry.settings import Settings
from regview.registry.source import Source
from tests.support.fake_registry import FakeRegistry
from tests.support.layer_builders import (
    Layer,
    TarBuilder,
    estargz,
    gz,
    sample_tar,
    sha256,
    tar_members,
    write_image,
    zst,
    zstd_chunked,
    zstd_chunked_v1,
)


class Recording:
    """Wraps a Source; records every blob read (digest, offset, length, bytes)."""

    def __init__(self, inner: Source, *, delay: float = 0.0) -> None:
        self.inner = inner
        self.reads: list[tuple[str, int, int | None]] = []
        self.bytes = 0
        self.delay = delay

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @contextlib.asynccontextmanager
    async def open_blob(
        self, repository: str, digest: str, *, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[BlobStream]:
        self.reads.append((digest, offset, length))
        async with self.inner.open_blob(repository, digest, offset=offset, length=length) as stream:
            outer = self
            original = stream.chunks

            async def chunks() -> AsyncIterator[bytes]:
                async for chunk in original():
                    outer.bytes += len(chunk)
                    if outer.delay:
                        await asyncio.sleep(outer.delay)
                    yield chunk

            stream.chunks = chunks  # type: ignore[method-assign]
            yield stream


def comparable(entries: tuple[Entry, ...] | list[Entry]) -> list[tuple[Any, ...]]:
    return [(e.path, e.type, e.size, e.mode, e.uid, e.gid, e.mtime, e.link) for e in entries]


async def one_layer(tmp_path: Path, layer: Layer) -> tuple[Recording, Descriptor]:
    write_image(tmp_path / "img", [layer])
    source = Recording(OciLayoutSource(tmp_path / "img"))
    _, layers = await image_layers(source, "img", "latest")  # type: ignore[arg-type]
    return source, layers[0]


# --- streaming the whole blob -----------------------------------------------------------


async def test_index_streams_a_layer_and_stores_its_toc(tmp_path: Path) -> None:
    raw = sample_tar()
    source, layer = await one_layer(tmp_path, Layer(gz(raw)))
    store = TocStore(tmp_path / "cache")
    reports: list[IndexProgress] = []
    toc = await LayerIndexer(source, store=store).index("img", layer, progress=reports.append)  # type: ignore[arg-type]
    assert toc.uncompressed_size == len(raw)
    assert toc.compressed_size == layer.size
    assert (toc.compression, toc.origin, toc.verified) == ("gzip", "tar", True)
    assert reports[0].phase == "stream" and reports[-1].phase == "done"
    assert reports[-1].fraction == 1.0 and reports[-1].entries == len(toc.entries)
    path = tmp_path / "cache" / "layers" / "sha256" / (layer.digest[7:] + ".json.gz")
    assert path.is_file()

    # A second indexer (a new process) finds it on disk: no blob is read.
    again = Recording(OciLayoutSource(tmp_path / "img"))
    fresh = LayerIndexer(again, store=TocStore(tmp_path / "cache"))  # type: ignore[arg-type]
    seen: list[IndexProgress] = []
    cached = await fresh.index("img", layer, progress=seen.append)
    assert again.reads == []
    assert [p.phase for p in seen] == ["cached"]
    assert comparable(cached.entries) == comparable(toc.entries)
    assert cached.uncompressed_size == len(raw)


async def test_a_corrupt_toc_file_is_dropped_and_rebuilt(tmp_path: Path) -> None:
    source, layer = await one_layer(tmp_path, Layer(gz(sample_tar())))
    store = TocStore(tmp_path / "cache")
    path = store.path_for(layer.digest)
    assert path is not None
    path.parent.mkdir(parents=True)
    for junk in (b"not gzip", gzip.compress(b"{not json"), gzip.compress(b'{"format": 99}')):
        path.write_bytes(junk)
        fresh = TocStore(tmp_path / "cache")
        assert fresh.get(layer.digest) is None
        assert not path.exists() and fresh.dropped == 1
        path.write_bytes(junk)
    toc = await LayerIndexer(source, store=TocStore(tmp_path / "cache")).index("img", layer)  # type: ignore[arg-type]
    assert toc.entries
    assert TocStore(tmp_path / "cache").get(layer.digest) is not None


async def test_a_blob_that_does_not_match_its_digest_leaves_no_toc(tmp_path: Path) -> None:
    source, layer = await one_layer(tmp_path, Layer(gz(sample_tar())))
    blob = tmp_path / "img" / "blobs" / "sha256" / layer.digest[7:]
    blob.write_bytes(gz(TarBuilder().file("evil", b"x").bytes()))
    store = TocStore(tmp_path / "cache")
    with pytest.raises(DigestMismatch):
        await LayerIndexer(source, store=store).index("img", layer)  # type: ignore[arg-type]
    assert store.get(layer.digest) is None
    assert not (tmp_path / "cache" / "layers").exists()


async def test_without_a_cache_nothing_is_written(tmp_path: Path) -> None:
    source, layer = await one_layer(tmp_path, Layer(zst(sample_tar()), mt.OCI_LAYER_ZSTD))
    indexer = LayerIndexer(source)  # type: ignore[arg-type]
    toc = await indexer.index("img", layer)
    assert toc.compression == "zstd"
    assert indexer.cached(layer.digest) is toc
    assert list(tmp_path.rglob("*.json.gz")) == []


async def test_a_damaged_layer_is_a_clear_error(tmp_path: Path) -> None:
    source, layer = await one_layer(tmp_path, Layer(gz(sample_tar()[:3000])))
    with pytest.raises(LayerFormatError, match=r"layer sha256:.*truncated"):
        await LayerIndexer(source).index("img", layer)  # type: ignore[arg-type]


async def test_a_media_type_that_lies_is_ignored(tmp_path: Path) -> None:
    raw = sample_tar()
    source, layer = await one_layer(tmp_path, Layer(zst(raw), mt.OCI_LAYER_GZIP))
    toc = await LayerIndexer(source).index("img", layer)  # type: ignore[arg-type]
    assert (toc.compression, toc.uncompressed_size) == ("zstd", len(raw))


# --- sharing and cancelling --------------------------------------------------------------


async def test_concurrent_callers_share_one_read(tmp_path: Path) -> None:
    source, layer = await one_layer(tmp_path, Layer(gz(sample_tar())))
    indexer = LayerIndexer(source)  # type: ignore[arg-type]
    a, b = await asyncio.gather(indexer.index("img", layer), indexer.index("img", layer))
    assert a is b
    assert len(source.reads) == 1


async def test_cancelling_the_task_stops_the_read(tmp_path: Path) -> None:
    payload = bytes(range(256)) * 40_000  # ~10 MB, incompressible enough for many chunks
    raw = TarBuilder().file("blob", payload).bytes()
    source, layer = await one_layer(tmp_path, Layer(raw, mt.OCI_LAYER))
    source.delay = 0.01
    store = TocStore(tmp_path / "cache")
    indexer = LayerIndexer(source, store=store, progress_interval=0)  # type: ignore[arg-type]
    started = asyncio.Event()
    reports: list[IndexProgress] = []

    def progress(p: IndexProgress) -> None:
        reports.append(p)
        if p.read > 0:
            started.set()

    task = asyncio.create_task(indexer.index("img", layer, progress=progress))
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    read_when_cancelled = source.bytes
    await asyncio.sleep(0.1)
    assert source.bytes == read_when_cancelled < layer.size
    assert store.get(layer.digest) is None
    assert reports[-1].phase == "stream" and reports[-1].rate > 0
    assert reports[-1].total == layer.size


# --- embedded tables of contents ---------------------------------------------------------


async def test_estargz_toc_is_read_with_ranges_only(tmp_path: Path) -> None:
    raw = sample_tar()
    blob, annotations = estargz(raw)
    source, layer = await one_layer(tmp_path, Layer(blob, annotations=annotations))
    store = TocStore(tmp_path / "cache")
    toc = await LayerIndexer(source, store=store).index("img", layer)  # type: ignore[arg-type]
    assert (toc.origin, toc.verified) == ("estargz", True)
    assert all(length is not None for _, _, length in source.reads)
    assert source.bytes < len(blob)
    full = await LayerIndexer(source).index("img", layer, full=True)  # type: ignore[arg-type]
    assert full.origin == "tar"
    assert comparable(toc.entries) == comparable(full.entries)
    assert toc.uncompressed_size == full.uncompressed_size  # from the size annotation
    assert store.get(layer.digest) is not None  # verified by the annotation: kept


async def test_estargz_with_a_wrong_toc_digest_falls_back_to_the_stream(tmp_path: Path) -> None:
    blob, annotations = estargz(sample_tar(), size_annotation=False)
    annotations = {k: sha256(b"something else") for k in annotations}
    source, layer = await one_layer(tmp_path, Layer(blob, annotations=annotations))
    toc = await LayerIndexer(source).index("img", layer)  # type: ignore[arg-type]
    assert toc.origin == "tar"
    assert any(length is None for _, _, length in source.reads)


async def test_zstd_chunked_toc_and_exact_uncompressed_size(tmp_path: Path) -> None:
    raw = sample_tar()
    for annotate in (True, False):
        blob, annotations = zstd_chunked(raw, annotate=annotate)
        source, layer = await one_layer(
            tmp_path / str(annotate), Layer(blob, mt.OCI_LAYER_ZSTD, annotations)
        )
        toc = await LayerIndexer(source).index("img", layer)  # type: ignore[arg-type]
        assert toc.origin == "zstd:chunked"
        assert source.bytes < len(blob)
        full = await LayerIndexer(source).index("img", layer, full=True)  # type: ignore[arg-type]
        assert comparable(toc.entries) == comparable(full.entries)
        assert full.uncompressed_size == len(raw)
        if annotate:
            assert toc.uncompressed_size == len(raw)


async def test_zstd_chunked_first_version_toc_from_annotation_or_footer(tmp_path: Path) -> None:
    raw = sample_tar()
    for position in (True, False):
        blob, annotations = zstd_chunked_v1(raw, position=position)
        source, layer = await one_layer(
            tmp_path / str(position), Layer(blob, mt.OCI_LAYER_ZSTD, annotations)
        )
        toc = await LayerIndexer(source).index("img", layer)  # type: ignore[arg-type]
        assert toc.origin == "zstd:chunked" and toc.verified
        assert source.bytes < len(blob) // 2
        # Without the position: the 48-byte footer, then the manifest; nothing else.
        assert len(source.reads) == (1 if position else 2)
        full = await LayerIndexer(source).index("img", layer, full=True)  # type: ignore[arg-type]
        assert comparable(toc.entries) == comparable(full.entries)
        assert len(toc.entries) == len(tar_members(raw))


# --- over HTTP ----------------------------------------------------------------------------


def fake_with_layer(blob: bytes, annotations: dict[str, str] | None = None) -> FakeRegistry:
    fake = FakeRegistry()
    config = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
    fake.blobs[sha256(config)] = config
    fake.blobs[sha256(blob)] = blob
    import json

    layer: dict[str, Any] = {
        "mediaType": mt.OCI_LAYER_GZIP,
        "digest": sha256(blob),
        "size": len(blob),
    }
    if annotations:
        layer["annotations"] = annotations
    manifest = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "config": {"mediaType": mt.OCI_CONFIG, "digest": sha256(config), "size": len(config)},
        "layers": [layer],
    }
    fake.push("team/app", "1", json.dumps(manifest).encode())
    return fake


def client(fake: FakeRegistry) -> RegistryClient:
    return RegistryClient(
        fake.host, settings=Settings(use_cache=False), http_transport=fake.transport()
    )


async def test_index_over_http_with_ranges() -> None:
    blob, annotations = estargz(sample_tar())
    fake = fake_with_layer(blob, annotations)
    async with client(fake) as c:
        _, layers = await image_layers(c, "team/app", "1")
        toc = await LayerIndexer(c).index("team/app", layers[0])
    assert toc.origin == "estargz"
    ranges = [r.headers.get("range") for r in fake.requests if "/blobs/" in r.url]
    assert ranges and all(ranges)


async def test_a_registry_that_refuses_ranges_gets_a_full_read() -> None:
    blob, annotations = estargz(sample_tar())
    fake = fake_with_layer(blob, annotations)

    def no_ranges(request: httpx.Request) -> httpx.Response | None:
        if "/blobs/" in request.url.path and "range" in request.headers:
            return httpx.Response(200, content=blob)
        return None

    fake.hooks.append(no_ranges)
    async with client(fake) as c:
        _, layers = await image_layers(c, "team/app", "1")
        toc = await LayerIndexer(c).index("team/app", layers[0])
    assert toc.origin == "tar"
    assert toc.find("etc/big") is not None
