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
* :mod:`.gzip_index`: gzip inflated through libz with restart points (checkpoints) every
  few MiB, kept by :mod:`.store` next to the TOC;
* :mod:`.soci` (with :mod:`.soci_ztoc`): a gzip layer that the image's SOCI index
  describes gets its TOC and checkpoints from its zTOC, without reading the layer;
* :mod:`.extract`: :func:`read_file` streams one file of the merged filesystem, or, once
  its layer was read whole (or has a zTOC), reads it with one Range GET
  (:mod:`.ranged_read`, :mod:`.soci`);
* :mod:`.image`: :func:`image_layers` finds an image's layers, and
  :func:`verify_diff_ids` checks layers read whole against the config's ``diff_ids``.

Nothing here imports Textual; a UI drives it through these objects.
"""

from __future__ import annotations

from regview.registry.layers.entry import Entry, EntryType, display_path, normalize_path
from regview.registry.layers.extract import FoundFile, NotARegularFile, read_file
from regview.registry.layers.image import (
    check_diff_id,
    image_diff_ids,
    image_layers,
    select_layer,
    verify_diff_ids,
)
from regview.registry.layers.indexer import IndexProgress, LayerIndexer, ProgressCallback
from regview.registry.layers.listing import (
    deletion_json,
    entry_json,
    format_size,
    format_time,
    layer_json,
    merged_json,
    tar_line,
)
from regview.registry.layers.merge import (
    Deletion,
    LayerChanges,
    MergedEntry,
    MergedFilesystem,
    merge_layers,
)
from regview.registry.layers.store import TocStore
from regview.registry.layers.toc import LayerToc
from regview.registry.layers.tree import FileTree, SortKey, TreeNode

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
    "SortKey",
    "TocStore",
    "TreeNode",
    "check_diff_id",
    "deletion_json",
    "display_path",
    "entry_json",
    "format_size",
    "format_time",
    "image_diff_ids",
    "image_layers",
    "layer_json",
    "merge_layers",
    "merged_json",
    "normalize_path",
    "read_file",
    "select_layer",
    "tar_line",
    "verify_diff_ids",
]
