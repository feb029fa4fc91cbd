"""``await regview.notebook.diff(a, b)``: compare two images in a cell, as ``regview
diff`` does (the same :func:`regview.registry.diff_images`)."""

from __future__ import annotations

import asyncio
from typing import Any

from regview.notebook.cells import SourceArg, _platform, _remembering, _resolve
from regview.notebook.diff_result import DiffResult
from regview.registry import LayerIndexer, Platform, TocStore, diff_images, read_image_snapshot

__all__ = ["diff"]


async def diff(
    a: str,
    b: str,
    *,
    platform: str | Platform | None = None,
    source: SourceArg = None,
    **settings: Any,
) -> DiffResult:
    """The differences of image ``a`` and image ``b``: manifests, config, history, sizes
    and the merged filesystems (each path added, removed or changed, with its layer on
    each side; **1 is the bottom layer**).

    Either may be a tag, a digest, another repository or registry, or ``oci:PATH``
    (with ``source=``, both are inside that source). Layers are indexed once and their
    tables of contents cached on disk, as ``regview files`` does.

    Example::

        d = await regview.notebook.diff("127.0.0.1:5000/acme/web:1", "127.0.0.1:5000/acme/web:2")
        d.to_pandas().query("section == 'files'")
    """
    s, src_a, repo_a, ref_a, display_a = _resolve(a, source, settings)
    _, src_b, repo_b, ref_b, display_b = _resolve(b, source, settings)
    wanted = _platform(platform)
    store = TocStore(s.settings.cache_root())  # a layer both images share is read once
    indexer_a = LayerIndexer(src_a, store=store)
    indexer_b = indexer_a if src_b is src_a else LayerIndexer(src_b, store=store)
    depth = s.settings.max_index_depth
    with _remembering(s):
        side_a, side_b = await asyncio.gather(
            read_image_snapshot(
                indexer_a, repo_a, ref_a, display=display_a, platform=wanted, max_depth=depth
            ),
            read_image_snapshot(
                indexer_b, repo_b, ref_b, display=display_b, platform=wanted, max_depth=depth
            ),
        )
    return DiffResult(diff_images(side_a, side_b))
