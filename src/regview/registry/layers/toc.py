"""A layer's table of contents: every entry of its tar, plus its sizes and provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from regview.registry.errors import MalformedContent
from regview.registry.layers.entry import Entry, EntryType

if TYPE_CHECKING:
    from regview.registry.layers.tree import FileTree

__all__ = ["LayerToc", "Origin", "entry_from_row", "entry_to_row"]

#: Where the entries came from: the whole tar stream, the TOC a lazy-pull format embeds,
#: or the zTOC of the image's SOCI index (:mod:`.soci`).
Origin = Literal["tar", "estargz", "zstd:chunked", "soci"]


@dataclass(frozen=True, slots=True)
class LayerToc:
    """What one layer blob holds. ``uncompressed_size`` is None when no one can tell
    without reading the whole blob (an eStargz layer without its size annotation)."""

    digest: str
    entries: tuple[Entry, ...]
    compressed_size: int
    uncompressed_size: int | None
    compression: str
    origin: Origin = "tar"
    media_type: str | None = None
    #: True when the entries are backed by a digest: the blob's (read whole) or the TOC's
    #: (an annotation of the verified manifest). Only verified TOCs are kept on disk.
    verified: bool = True
    #: ``sha256:`` of the uncompressed tar, when the whole stream was read (origin
    #: ``"tar"``): what the image config's ``rootfs.diff_ids`` must list for this layer.
    #: None for a TOC embedded in the blob (eStargz, zstd:chunked), which never saw the
    #: whole stream, and for TOCs stored before regview recorded it.
    diff_id: str | None = None
    #: Hex sha256 of the restart points kept next to this TOC (gzip layers read whole,
    #: :mod:`.gzip_index`), so a damaged or swapped checkpoint file is never used.
    checkpoints_sha256: str | None = None
    _by_path: dict[str, Entry] = field(default_factory=dict, init=False, repr=False, compare=False)

    def find(self, path: str) -> Entry | None:
        """The entry for ``path`` (normalised); the last one if the tar repeats it."""
        if not self._by_path and self.entries:
            for e in self.entries:
                self._by_path[e.path] = e
        return self._by_path.get(path)

    @property
    def files_size(self) -> int:
        """Bytes of regular-file content (what ``du --apparent-size`` would count)."""
        return sum(e.size for e in self.entries if e.type is EntryType.FILE)

    @property
    def file_count(self) -> int:
        """Regular files in the layer."""
        return sum(1 for e in self.entries if e.type is EntryType.FILE)

    def whiteouts(self) -> list[Entry]:
        """The deletion markers of this layer (``.wh.name`` and opaque markers)."""
        return [e for e in self.entries if e.is_whiteout]

    def tree(self) -> FileTree:
        """A browsable tree of this layer alone (whiteout markers included, flagged)."""
        from regview.registry.layers.tree import FileTree

        return FileTree.from_entries(self.entries)


_FIELDS = 14
_TYPES = {t.value: t for t in EntryType}  # a dict lookup: EntryType(kind) costs ~10x more
_HEX = frozenset("0123456789abcdef")


def _is_sha256_hex(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and _HEX.issuperset(value)


def entry_to_row(e: Entry) -> list[Any]:
    """A compact JSON array for the on-disk TOC."""
    return [
        e.path,
        e.type.value,
        e.size,
        e.mode,
        e.uid,
        e.gid,
        e.mtime,
        e.link,
        e.uname,
        e.gname,
        e.devmajor,
        e.devminor,
        e.sha256,
        e.offset,
    ]


def entry_from_row(row: Any) -> Entry:
    if type(row) is not list or len(row) != _FIELDS:
        raise MalformedContent(f"a TOC row is not a list of {_FIELDS} fields")
    path, kind, size, mode, uid, gid, mtime, link, uname, gname, major, minor, sha, offset = row
    # Spelled out, not all(...) over a generator: a warm ``cat`` decodes every row first.
    if (
        type(path) is not str
        or type(uname) is not str
        or type(gname) is not str
        or type(size) is not int
        or type(mode) is not int
        or type(uid) is not int
        or type(gid) is not int
        or type(mtime) is not int
        or type(major) is not int
        or type(minor) is not int
        or not (link is None or type(link) is str)
        or not (sha is None or _is_sha256_hex(sha))
        or not (offset is None or (type(offset) is int and offset >= 0))
    ):
        raise MalformedContent("a TOC row has fields of the wrong type")
    entry_type = _TYPES.get(kind) if type(kind) is str else None
    if entry_type is None:
        raise MalformedContent(f"unknown entry type {kind!r} in a TOC row")
    return Entry(
        path, entry_type, size, mode, uid, gid, mtime, link, uname, gname, major, minor, sha, offset
    )
