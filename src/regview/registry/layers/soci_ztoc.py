"""Read a SOCI zTOC: a FlatBuffers document listing one gzip layer's files and its zran index.

The layout, from ``ztoc/fbs/ztoc.fbs`` of awslabs/soci-snapshotter (root table ``Ztoc``)::

    Ztoc           0 version: string, 1 build_tool_identifier: string,
                   2 compressed_archive_size: long, 3 uncompressed_archive_size: long,
                   4 toc: TOC, 5 compression_info: CompressionInfo
    TOC            0 metadata: [FileMetadata]
    FileMetadata   0 name, 1 type ("reg", "dir", "symlink", "hardlink", "char", "block",
                   "fifo"), 2 uncompressed_offset: long (where the file's *data* starts in
                   the tar), 3 uncompressed_size: long, 4 linkname, 5 mode: long,
                   6 uid: uint, 7 gid: uint, 8 uname, 9 gname, 10 mod_time: string
                   (RFC 3339), 11 devmajor: long, 12 devminor: long, 13 xattrs
    CompressionInfo 0 compression_algorithm: byte (1 gzip, the default; 2 uncompressed:
                   the only two the schema's enum has, so a zstd layer has no zTOC),
                   1 max_span_id: int, 2 span_digests: [string], 3 checkpoints: [ubyte]

``checkpoints`` is zran's index as SOCI serialises it (``gzip_zinfo.c``, little endian):
an int32 count of points, an int64 span size, then per point the compressed offset
(int64, the first byte *after* the one holding ``bits`` leftover bits), the uncompressed
offset (int64), ``bits`` (one byte) and the 32 KiB window. Version 1 blobs omit the first
point (implied: compressed 10, uncompressed 0, no bits, an empty window), which is told
by the blob's length. An uncompressed (plain tar) layer's ``checkpoints`` are SOCI's
``TarZinfo`` (``tar_zinfo.go``): an int32 version, an int64 span size and the int64 size
of the tar, 20 bytes; a file is then read at its offset, nothing to resume.

This is a hand-written reader of those few tables, not the ``flatbuffers`` package: a
document from a registry is untrusted, so every offset is checked against the buffer
before it is followed (FlatBuffers' own readers trust the buffer), vectors are bounded
before they are walked, and anything out of bounds is :class:`ZtocError`, one line.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from regview.registry.errors import MalformedContent
from regview.registry.layers.gzip_index import WINDOW, GzipCheckpoint

__all__ = [
    "MAX_FILES",
    "MAX_POINTS",
    "Ztoc",
    "ZtocError",
    "ZtocFile",
    "parse_tar_zinfo",
    "parse_zinfo",
    "parse_ztoc",
]

#: Most file records read from one zTOC, and most zran points (32 KiB of window each).
MAX_FILES: Final = 2_000_000
MAX_POINTS: Final = 8192
#: Longest string field (a path, a link target, a user name).
MAX_STRING: Final = 64 * 1024
GZIP: Final = 1
UNCOMPRESSED: Final = 2

_POINT = struct.Struct("<QQB")
_POINT_SIZE: Final = _POINT.size + WINDOW
_HEADER = struct.Struct("<iQ")
_TAR_ZINFO = struct.Struct("<iqq")


class ZtocError(MalformedContent):
    """A zTOC (or its zran index) that does not parse, or points outside itself."""


@dataclass(frozen=True, slots=True)
class ZtocFile:
    """One file record of a zTOC, as written (not normalised yet)."""

    name: str
    type: str
    offset: int
    size: int
    linkname: str
    mode: int
    uid: int
    gid: int
    uname: str
    gname: str
    mod_time: str
    devmajor: int
    devminor: int


@dataclass(frozen=True, slots=True)
class Ztoc:
    """The parts of a zTOC regview uses."""

    version: str
    compressed_size: int
    uncompressed_size: int
    files: tuple[ZtocFile, ...]
    algorithm: int
    #: The zran index, still serialised (:func:`parse_zinfo`).
    checkpoints: bytes


class _Buffer:
    """Bounds-checked FlatBuffers reads over ``data``."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)

    def _need(self, pos: int, n: int) -> None:
        if pos < 0 or pos + n > self.size:
            raise ZtocError(f"the zTOC points outside itself (offset {pos} of {self.size} bytes)")

    def u8(self, pos: int) -> int:
        self._need(pos, 1)
        return self.data[pos]

    def i8(self, pos: int) -> int:
        self._need(pos, 1)
        return int(struct.unpack_from("<b", self.data, pos)[0])

    def u16(self, pos: int) -> int:
        self._need(pos, 2)
        return int(struct.unpack_from("<H", self.data, pos)[0])

    def i32(self, pos: int) -> int:
        self._need(pos, 4)
        return int(struct.unpack_from("<i", self.data, pos)[0])

    def u32(self, pos: int) -> int:
        self._need(pos, 4)
        return int(struct.unpack_from("<I", self.data, pos)[0])

    def i64(self, pos: int) -> int:
        self._need(pos, 8)
        return int(struct.unpack_from("<q", self.data, pos)[0])

    def follow(self, pos: int) -> int:
        """The position a uoffset at ``pos`` points to."""
        return pos + self.u32(pos)


class _Table:
    """One table: its position and its vtable's field offsets."""

    def __init__(self, buf: _Buffer, pos: int) -> None:
        self.buf = buf
        self.pos = pos
        vtable = pos - buf.i32(pos)
        vsize = buf.u16(vtable)
        if vsize < 4 or vsize % 2:
            raise ZtocError("a zTOC table has a malformed vtable")
        buf._need(vtable, vsize)
        self.vtable = vtable
        self.fields = (vsize - 4) // 2
        self.table_size = buf.u16(vtable + 2)

    def _field(self, index: int) -> int:
        """The field's position, or 0 when the table does not have it."""
        if index >= self.fields:
            return 0
        off = self.buf.u16(self.vtable + 4 + 2 * index)
        if off and off >= self.table_size:
            raise ZtocError("a zTOC field lies outside its table")
        return self.pos + off if off else 0

    def long(self, index: int, default: int = 0) -> int:
        at = self._field(index)
        return self.buf.i64(at) if at else default

    def uint(self, index: int) -> int:
        at = self._field(index)
        return self.buf.u32(at) if at else 0

    def byte(self, index: int, default: int) -> int:
        at = self._field(index)
        return self.buf.i8(at) if at else default

    def string(self, index: int) -> str:
        at = self._field(index)
        if not at:
            return ""
        start = self.buf.follow(at)
        length = self.buf.u32(start)
        if length > MAX_STRING:
            raise ZtocError(f"a zTOC string is {length} bytes long")
        self.buf._need(start + 4, length)
        raw = self.buf.data[start + 4 : start + 4 + length]
        return raw.decode("utf-8", "surrogateescape")

    def table(self, index: int) -> _Table | None:
        at = self._field(index)
        return _Table(self.buf, self.buf.follow(at)) if at else None

    def vector(self, index: int, element: int, limit: int) -> tuple[int, int]:
        """(position of the first element, count) of a vector field; (0, 0) if absent."""
        at = self._field(index)
        if not at:
            return 0, 0
        start = self.buf.follow(at)
        count = self.buf.u32(start)
        if count > limit:
            raise ZtocError(f"a zTOC vector claims {count} elements (at most {limit} read)")
        self.buf._need(start + 4, count * element)
        return start + 4, count


def parse_ztoc(data: bytes) -> Ztoc:
    """The zTOC in ``data``; :class:`ZtocError` when it is not one we can trust to parse."""
    buf = _Buffer(data)
    if buf.size < 8:
        raise ZtocError("the zTOC is too short to be a FlatBuffers document")
    root = _Table(buf, buf.follow(0))
    version = root.string(0)
    compressed = root.long(2)
    uncompressed = root.long(3)
    if compressed < 0 or uncompressed < 0:
        raise ZtocError("the zTOC declares a negative archive size")
    toc = root.table(4)
    info = root.table(5)
    if toc is None or info is None:
        raise ZtocError("the zTOC has no TOC or no compression info")
    first, count = toc.vector(0, 4, MAX_FILES)
    files: list[ZtocFile] = []
    for i in range(count):
        at = first + 4 * i
        files.append(_file(_Table(buf, buf.follow(at))))
    algorithm = info.byte(0, GZIP)
    start, length = info.vector(3, 1, buf.size)
    checkpoints = data[start : start + length] if length else b""
    return Ztoc(version, compressed, uncompressed, tuple(files), algorithm, checkpoints)


def _file(t: _Table) -> ZtocFile:
    f = ZtocFile(
        name=t.string(0),
        type=t.string(1),
        offset=t.long(2),
        size=t.long(3),
        linkname=t.string(4),
        mode=t.long(5),
        uid=t.uint(6),
        gid=t.uint(7),
        uname=t.string(8),
        gname=t.string(9),
        mod_time=t.string(10),
        devmajor=t.long(11),
        devminor=t.long(12),
    )
    if f.offset < 0 or f.size < 0:
        raise ZtocError("a zTOC file record has a negative offset or size")
    return f


def parse_zinfo(data: bytes) -> list[GzipCheckpoint]:
    """The zran points of a SOCI ``gzip_zinfo`` blob, as :class:`GzipCheckpoint`\\ s.

    SOCI's compressed offset is that of the first whole byte of the next block; ours is
    that of the byte holding its first bit, one less when ``bits`` is not 0."""
    if len(data) < _HEADER.size:
        raise ZtocError("the zTOC's gzip index is too short")
    count, _span = _HEADER.unpack_from(data, 0)
    if not 0 < count <= MAX_POINTS:
        raise ZtocError(f"the zTOC's gzip index claims {count} points")
    body = len(data) - _HEADER.size
    if body == count * _POINT_SIZE:
        stored, implied = count, False
    elif body == (count - 1) * _POINT_SIZE:
        stored, implied = count - 1, True  # version 1: the first point is not written
    else:
        raise ZtocError("the zTOC's gzip index is not as long as its count of points says")
    points: list[GzipCheckpoint] = []
    if implied:
        points.append(GzipCheckpoint(10, 0, 0, b""))
    pos = _HEADER.size
    for _ in range(stored):
        compressed, uncompressed, bits = _POINT.unpack_from(data, pos)
        window = data[pos + _POINT.size : pos + _POINT_SIZE]
        pos += _POINT_SIZE
        if bits > 7 or (bits and compressed == 0):
            raise ZtocError("a point of the zTOC's gzip index has an impossible bit offset")
        start = compressed - 1 if bits else compressed
        if points and (start <= points[-1].compressed or uncompressed < points[-1].uncompressed):
            raise ZtocError("the points of the zTOC's gzip index are out of order")
        points.append(GzipCheckpoint(start, uncompressed, bits, window))
    return points


def parse_tar_zinfo(data: bytes) -> int:
    """The tar size an uncompressed layer's ``TarZinfo`` records."""
    if len(data) != _TAR_ZINFO.size:
        raise ZtocError(
            f"the zTOC's index of an uncompressed layer is {len(data)} bytes, not {_TAR_ZINFO.size}"
        )
    _version, span, size = _TAR_ZINFO.unpack(data)
    if span <= 0 or size < 0:
        raise ZtocError("the zTOC's index of an uncompressed layer has no span or a negative size")
    return int(size)


def parse_mod_time(text: str) -> int:
    """Seconds since the epoch of an RFC 3339 time (nanoseconds dropped); 0 if unreadable."""
    if not text:
        return 0
    head, dot, rest = text.partition(".")
    if dot:  # Python's parser takes at most microseconds: drop the fraction, keep the zone
        zone = next((i for i, c in enumerate(rest) if not c.isdigit()), len(rest))
        text = head + rest[zone:]
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    except (ValueError, OverflowError):
        return 0
