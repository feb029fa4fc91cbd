"""What the files view reads from the registry: a layer's index (or every layer's, merged)
checked against the image config, and one file's bytes for the viewer.

No widget here: :class:`~regview.tui.screens.files.FilesScreen` runs these in its
worker and shows what they return; progress comes back through the callbacks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from regview.content.source import SpooledContent
from regview.registry import Descriptor, LayerIndexer
from regview.registry.layers import (
    IndexProgress,
    LayerToc,
    MergedFilesystem,
    display_path,
    image_layers,
    merge_layers,
    read_file,
    verify_diff_ids,
)
from regview.registry.layers import TreeNode as FsNode
from regview.tui.node_targets import LayerTarget

__all__ = ["file_content", "index_image", "index_layer"]

#: Hears how far each layer's indexing has come.
OnProgress = Callable[[IndexProgress], None]


async def index_layer(
    indexer: LayerIndexer, target: LayerTarget, layer: Descriptor, progress: OnProgress
) -> LayerToc:
    """The index of ``layer`` (``target``'s), refused if read whole and its content does
    not match the image config's ``rootfs.diff_ids``."""
    if target.reference.startswith("sha256:"):  # the image's: its SOCI index may serve
        indexer.add_image(target.reference, (layer,))
    toc = await indexer.index(target.repository, layer, progress=progress)
    await _verify_layer(indexer, target, layer, toc)
    return toc


async def _verify_layer(
    indexer: LayerIndexer, target: LayerTarget, layer: Descriptor, toc: LayerToc
) -> None:
    """Check a layer read whole against its image's config (``rootfs.diff_ids``)."""
    if target.layer_index is None or toc.origin != "tar" or not toc.diff_id:
        return  # an embedded TOC never saw the whole stream: nothing to compare
    fetched, layers = await image_layers(indexer.source, target.repository, target.reference)
    i = target.layer_index
    if i < len(layers) and layers[i].digest == layer.digest:
        await verify_diff_ids(indexer.source, target.repository, fetched, [(i, toc)])


async def index_image(
    indexer: LayerIndexer,
    target: LayerTarget,
    progress: OnProgress,
    layers_known: Callable[[tuple[Descriptor, ...]], None],
) -> MergedFilesystem:
    """Every layer of ``target``'s image indexed (two at a time), checked against its
    config, and merged; ``layers_known`` hears the layers before their indexing starts."""
    fetched, layers = await image_layers(indexer.source, target.repository, target.reference)
    indexer.add_image(fetched.digest, layers)  # a SOCI index may serve
    layers_known(layers)
    tocs = await indexer.index_all(target.repository, layers, progress=progress, concurrency=2)
    await verify_diff_ids(indexer.source, target.repository, fetched, enumerate(tocs))
    return await asyncio.to_thread(merge_layers, tocs)


def file_content(
    indexer: LayerIndexer, repository: str, layers: tuple[Descriptor, ...], node: FsNode
) -> SpooledContent:
    """``node``'s bytes, streamed from ``layers`` (the top one that has it) into a spool
    as they arrive; this starts the read, so it must run on the event loop."""
    source, path = indexer.source, node.path
    entry = node.entry
    size = node.size if entry is not None and entry.is_file else None

    async def produce(write: Callable[[bytes], None]) -> None:
        await read_file(source, repository, layers, path, write, indexer=indexer)

    return SpooledContent("/" + display_path(path), size, produce)
