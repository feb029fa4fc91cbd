"""Look inside layers: tables of contents, file trees, the merged filesystem, one file.

The pieces, bottom up:

* :mod:`.decompress` and :mod:`.tarstream`: push-style gzip/zstd/plain decompression
  and tar parsing with bounded memory;
* :mod:`.indexer`: :class:`LayerIndexer` builds a :class:`LayerToc` per layer (from the
  cache, an embedded eStargz/zstd:chunked TOC, or the whole stream) with progress
  reports and cancellation; :mod:`.store` keeps TOCs on disk by digest;
* :mod:`.tree`: :class:`FileTree`, browsed lazily by directory, sortable by name/size;
* :mod:`.merge`: :func:`merge_layers` applies layers with whiteouts, attributing each
  path to the layer that added, changed or deleted it;
* :mod:`.extract`: :func:`read_file` streams one file of the merged filesystem;
* :mod:`.image`: :func:`image_layers` finds an image's layers, and
  :func:`verify_diff_ids` checks layers read whole against the config's ``diff_ids``.

Nothing here imports Textual; a UI drives it through these objects.
"""

from __future__ import annotations

from regview.registry.layers.entry import Entry, EntryType, display_path, normalize_path
from regview.registry.layers.extract import FoundFile, NotARegularFile, read_file
from regview.registry.layers.image import check_diff_id, image_layers, verify_diff_ids
from regview.registry.layers.indexer import IndexProgress, LayerIndexer, ProgressCallback
from regview.registry.layers.merge import (
    Deletion,
    LayerChanges,
    MergedEntry,
    MergedFilesystem,
    merge_layers,
)
from regview.registry.layers.store import TocStore
from regview.registry.layers.toc import LayerToc
from regview.registry.layers.tree import FileTree, TreeNode

__all__ = [
    "Deletion",
    "Entry",
    "EntryType",
    "FileTree",
    "FoundFile",
    "IndexProgress",
    "LayerChanges",
    "LayerIndexer",
    "LayerToc",
    "MergedEntry",
    "MergedFilesystem",
    "NotARegularFile",
    "ProgressCallback",
    "TocStore",
    "TreeNode",
    "check_diff_id",
    "display_path",
    "image_layers",
    "merge_layers",
    "normalize_path",
    "read_file",
    "verify_diff_ids",
]
