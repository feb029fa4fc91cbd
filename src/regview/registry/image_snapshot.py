"""Read one side of an image diff: the manifest for a platform, its config, and the
merged filesystem of its layers (indexed through a :class:`LayerIndexer`, so TOCs
cached by digest are not read again, and layers read whole are checked against the
config's ``rootfs.diff_ids``)."""

from __future__ import annotations

import asyncio

from regview.registry.image_diff import ImageSnapshot
from regview.registry.layers.image import image_layers, verify_diff_ids
from regview.registry.layers.indexer import LayerIndexer, ProgressCallback
from regview.registry.layers.merge import merge_layers
from regview.registry.models import ImageManifest, Platform

__all__ = ["read_image_snapshot"]


async def read_image_snapshot(
    indexer: LayerIndexer,
    repository: str,
    reference: str,
    *,
    display: str,
    platform: Platform | None = None,
    progress: ProgressCallback | None = None,
    concurrency: int = 4,
    max_depth: int = 8,
) -> ImageSnapshot:
    """The :class:`ImageSnapshot` of ``repository`` at ``reference`` (a tag or digest;
    an index is followed down to ``platform``), read from ``indexer.source``."""
    source = indexer.source
    fetched, layers = await image_layers(
        source, repository, reference, platform, max_depth=max_depth
    )
    manifest = fetched.manifest
    assert isinstance(manifest, ImageManifest)  # image_layers refuses anything else
    config, tocs = await asyncio.gather(
        source.config(repository, manifest.config),
        indexer.index_all(repository, layers, progress=progress, concurrency=concurrency),
    )
    await verify_diff_ids(source, repository, fetched, list(enumerate(tocs)))
    return ImageSnapshot(
        display=display,
        digest=fetched.digest,
        media_type=fetched.media_type,
        manifest_size=fetched.size,
        config_descriptor=manifest.config,
        config=config.config,
        layers=layers,
        filesystem=merge_layers(tocs),
    )
