"""Tables of contents that eStargz and zstd:chunked layers carry: read with a few Range
requests instead of the whole blob.

* eStargz: the last 51 bytes are an empty gzip member whose extra field holds the TOC
  offset (``%016xSTARGZ``; the older 47-byte stargz footer too). At that offset, a gzip
  member holds a tar holding ``stargz.index.json``. The descriptor's
  ``containerd.io/snapshot/stargz/toc.digest`` annotation is the digest of that JSON.
* zstd:chunked: ``io.github.containers.zstd-chunked.manifest-position`` is
  ``offset:length:uncompressedLength:type`` of a zstd frame holding the same kind of JSON
  (``manifest-checksum`` is the digest of the compressed range). Without the annotation,
  a 72-byte skippable frame at the end of the blob gives the same numbers. The tar-split
  data (``tarsplit-position``) yields the exact uncompressed tar size. The first version
  of the format, which Debian's skopeo 1.9 still writes, names the annotations
  ``io.containers.zstd-chunked.*``, has no tar-split, and ends in a 48-byte skippable
  frame (the manifest's four numbers, then ``GnUlInUx``).

Anything unexpected (no footer, a server that refuses ranges, a digest that does not
match) returns None, and the caller streams the whole blob instead: an embedded TOC is
a shortcut, never a requirement.

Such a TOC never sees the whole uncompressed stream, so its :attr:`LayerToc.diff_id`
stays None and it is never checked against the image config's ``rootfs.diff_ids``
(``regview files --full`` reads the whole layer, and that TOC is checked).
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from collections.abc import Callable
from datetime import datetime
from typing import Any

from regview.registry.errors import (
    DigestMismatch,
    LayerFormatError,
    MalformedContent,
    ProtocolError,
)
from regview.registry.layers.decompress import Decompressor
from regview.registry.layers.entry import TOC_TYPE_NAMES, Entry, EntryType, normalize_path
from regview.registry.layers.tarstream import TarParser
from regview.registry.layers.toc import LayerToc, Origin
from regview.registry.models import Descriptor
from regview.registry.source import Source

__all__ = [
    "ESTARGZ_TOC_DIGEST",
    "ESTARGZ_UNCOMPRESSED_SIZE",
    "ZSTD_CHUNKED_MANIFEST_CHECKSUM",
    "ZSTD_CHUNKED_MANIFEST_POSITION",
    "ZSTD_CHUNKED_TARSPLIT_CHECKSUM",
    "ZSTD_CHUNKED_TARSPLIT_POSITION",
    "ZSTD_CHUNKED_V1_MANIFEST_CHECKSUM",
    "ZSTD_CHUNKED_V1_MANIFEST_POSITION",
    "estargz_footer_offset",
    "parse_toc_json",
    "read_embedded_toc",
]

ESTARGZ_TOC_DIGEST = "containerd.io/snapshot/stargz/toc.digest"
ESTARGZ_UNCOMPRESSED_SIZE = "io.containers.estargz.uncompressed-size"
ZSTD_CHUNKED_MANIFEST_CHECKSUM = "io.github.containers.zstd-chunked.manifest-checksum"
ZSTD_CHUNKED_MANIFEST_POSITION = "io.github.containers.zstd-chunked.manifest-position"
ZSTD_CHUNKED_TARSPLIT_CHECKSUM = "io.github.containers.zstd-chunked.tarsplit-checksum"
ZSTD_CHUNKED_TARSPLIT_POSITION = "io.github.containers.zstd-chunked.tarsplit-position"
#: The first version's names (containers/storage before the tar-split was added).
ZSTD_CHUNKED_V1_MANIFEST_CHECKSUM = "io.containers.zstd-chunked.manifest-checksum"
ZSTD_CHUNKED_V1_MANIFEST_POSITION = "io.containers.zstd-chunked.manifest-position"

ESTARGZ_FOOTER_SIZE = 51
_LEGACY_FOOTER_SIZE = 47
_ZSTD_FOOTER_SIZE = 72
_ZSTD_FOOTER_MAGIC = b"GNUlInUx"
_ZSTD_V1_FOOTER_SIZE = 48
_ZSTD_V1_FOOTER_MAGIC = b"GnUlInUx"
_SKIPPABLE_MAGIC = 0x184D2A50
ESTARGZ_TOC_NAME = "stargz.index.json"
#: Largest compressed TOC range we fetch, and largest TOC JSON we inflate.
MAX_TOC_COMPRESSED = 64 * 1024 * 1024
MAX_TOC_JSON = 512 * 1024 * 1024

_TOC_TYPES = TOC_TYPE_NAMES

OnBytes = Callable[[int], None]

_ZSTD_CHUNKED_KEYS = (
    ZSTD_CHUNKED_MANIFEST_POSITION,
    ZSTD_CHUNKED_MANIFEST_CHECKSUM,
    ZSTD_CHUNKED_V1_MANIFEST_POSITION,
    ZSTD_CHUNKED_V1_MANIFEST_CHECKSUM,
)


class _RangeRefused(Exception):
    """The source cannot serve a byte range: stream the whole blob instead."""


async def _read_range(
    source: Source,
    repository: str,
    digest: str,
    offset: int,
    length: int,
    counter: list[int],
    on_bytes: OnBytes | None,
) -> bytes:
    if length <= 0 or length > MAX_TOC_COMPRESSED:
        raise _RangeRefused
    parts: list[bytes] = []
    try:
        async with source.open_blob(repository, digest, offset=offset, length=length) as stream:
            async for chunk in stream.chunks():
                parts.append(chunk)
                counter[0] += len(chunk)
                if on_bytes is not None:
                    on_bytes(counter[0])
    except ProtocolError:
        raise _RangeRefused from None
    data = b"".join(parts)
    if len(data) != length:
        raise _RangeRefused
    return data


async def read_embedded_toc(
    source: Source,
    repository: str,
    layer: Descriptor,
    *,
    on_bytes: OnBytes | None = None,
) -> LayerToc | None:
    """The embedded TOC of ``layer``, or None when it has none we can use."""
    annotations = layer.annotations
    counter = [0]
    try:
        if ESTARGZ_TOC_DIGEST in annotations:
            return await _estargz(source, repository, layer, counter, on_bytes)
        if any(key in annotations for key in _ZSTD_CHUNKED_KEYS):
            return await _zstd_chunked(source, repository, layer, counter, on_bytes)
    except (_RangeRefused, LayerFormatError, MalformedContent, DigestMismatch):
        return None
    return None


# --- eStargz ---------------------------------------------------------------------------


def estargz_footer_offset(footer: bytes) -> tuple[int, int] | None:
    """(TOC offset, footer length) from an eStargz (51 bytes) or legacy stargz (47 bytes)
    footer at the end of ``footer``; None when neither is there."""
    if len(footer) >= ESTARGZ_FOOTER_SIZE:
        f = footer[-ESTARGZ_FOOTER_SIZE:]
        if (
            f[:2] == b"\x1f\x8b"
            and f[3] & 0x04
            and f[10:16] == b"\x1a\x00SG\x16\x00"
            and f[32:38] == b"STARGZ"
        ):
            offset = _hex_offset(f[16:32])
            return None if offset is None else (offset, ESTARGZ_FOOTER_SIZE)
    if len(footer) >= _LEGACY_FOOTER_SIZE:
        f = footer[-_LEGACY_FOOTER_SIZE:]
        if (
            f[:2] == b"\x1f\x8b"
            and f[3] & 0x04
            and f[10:12] == b"\x16\x00"
            and f[28:34] == b"STARGZ"
        ):
            offset = _hex_offset(f[12:28])
            return None if offset is None else (offset, _LEGACY_FOOTER_SIZE)
    return None


def _hex_offset(text: bytes) -> int | None:
    try:
        return int(text, 16)
    except ValueError:
        return None


async def _estargz(
    source: Source, repository: str, layer: Descriptor, counter: list[int], on: OnBytes | None
) -> LayerToc | None:
    size = layer.size
    if size < ESTARGZ_FOOTER_SIZE:
        return None
    footer = await _read_range(
        source,
        repository,
        layer.digest,
        size - ESTARGZ_FOOTER_SIZE,
        ESTARGZ_FOOTER_SIZE,
        counter,
        on,
    )
    found_footer = estargz_footer_offset(footer)
    if found_footer is None:
        return None
    toc_offset, footer_len = found_footer
    if not 0 <= toc_offset < size - footer_len:
        return None
    compressed = await _read_range(
        source, repository, layer.digest, toc_offset, size - footer_len - toc_offset, counter, on
    )
    found: list[bytes] = []
    total = [0]
    toc_entry: list[Entry] = []

    def hook(entry: Entry) -> Callable[[bytes], None] | None:
        if entry.path != ESTARGZ_TOC_NAME:
            return None
        toc_entry.append(entry)

        def sink(piece: bytes) -> None:
            total[0] += len(piece)
            if total[0] > MAX_TOC_JSON:
                raise LayerFormatError("the eStargz TOC is too large")
            found.append(piece)

        return sink

    parser = TarParser(hook, collect=False)
    decompressor = Decompressor(parser.feed, declared="gzip")
    decompressor.feed(compressed)
    decompressor.finish()
    if not toc_entry:
        return None
    raw = b"".join(found)
    expected = layer.annotations.get(ESTARGZ_TOC_DIGEST, "")
    if not _digest_matches(raw, expected):
        return None
    entries = parse_toc_json(raw)
    entries.append(toc_entry[0])  # the TOC is itself the last entry of the tar
    uncompressed: int | None = None
    declared = layer.annotations.get(ESTARGZ_UNCOMPRESSED_SIZE)
    if declared is not None and declared.isdigit():
        uncompressed = int(declared)
    return _toc(layer, entries, uncompressed, "gzip", "estargz", verified=True)


# --- zstd:chunked ----------------------------------------------------------------------


def _position(text: str | None, fields: int) -> tuple[int, ...] | None:
    if not text:
        return None
    parts = text.split(":")
    if len(parts) != fields or not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


def _zstd_footer(footer: bytes) -> tuple[tuple[int, ...], tuple[int, ...] | None] | None:
    """(manifest position, tar-split position) from the blob's last 72 bytes (or fewer):
    the current footer, or the first version's 48-byte one; None when neither is there."""
    if len(footer) >= _ZSTD_FOOTER_SIZE:
        magic, frame_size, *numbers = struct.unpack("<II7Q8s", footer[-_ZSTD_FOOTER_SIZE:])
        if magic == _SKIPPABLE_MAGIC and frame_size == 64 and numbers[-1] == _ZSTD_FOOTER_MAGIC:
            return tuple(numbers[0:4]), tuple(numbers[4:7]) if numbers[4] else None
    if len(footer) >= _ZSTD_V1_FOOTER_SIZE:
        magic, frame_size, *numbers = struct.unpack("<II4Q8s", footer[-_ZSTD_V1_FOOTER_SIZE:])
        if magic == _SKIPPABLE_MAGIC and frame_size == 40 and numbers[-1] == _ZSTD_V1_FOOTER_MAGIC:
            return tuple(numbers[0:4]), None
    return None


async def _zstd_chunked(
    source: Source, repository: str, layer: Descriptor, counter: list[int], on: OnBytes | None
) -> LayerToc | None:
    annotations = layer.annotations
    checksum_key = ZSTD_CHUNKED_MANIFEST_CHECKSUM
    position = annotations.get(ZSTD_CHUNKED_MANIFEST_POSITION)
    if position is None and ZSTD_CHUNKED_MANIFEST_CHECKSUM not in annotations:
        checksum_key = ZSTD_CHUNKED_V1_MANIFEST_CHECKSUM
        position = annotations.get(ZSTD_CHUNKED_V1_MANIFEST_POSITION)
    manifest_pos = _position(position, 4)
    tarsplit_pos = _position(annotations.get(ZSTD_CHUNKED_TARSPLIT_POSITION), 3)
    if manifest_pos is None:
        size = min(layer.size, _ZSTD_FOOTER_SIZE)
        if size < _ZSTD_V1_FOOTER_SIZE:
            return None
        footer = await _read_range(
            source, repository, layer.digest, layer.size - size, size, counter, on
        )
        found = _zstd_footer(footer)
        if found is None:
            return None
        manifest_pos, tarsplit_pos = found
    offset, length, uncompressed_length, kind = manifest_pos
    if kind != 1 or uncompressed_length > MAX_TOC_JSON:
        return None
    compressed = await _read_range(source, repository, layer.digest, offset, length, counter, on)
    if not _digest_matches(compressed, annotations.get(checksum_key, "")):
        return None
    raw = _inflate_zstd(compressed, uncompressed_length)
    entries = parse_toc_json(raw)
    uncompressed: int | None = None
    if tarsplit_pos is not None:
        t_offset, t_length, _ = tarsplit_pos
        split = await _read_range(source, repository, layer.digest, t_offset, t_length, counter, on)
        if _digest_matches(split, annotations.get(ZSTD_CHUNKED_TARSPLIT_CHECKSUM, "")):
            uncompressed = tar_size_from_tarsplit(split)
    verified = checksum_key in annotations
    return _toc(layer, entries, uncompressed, "zstd", "zstd:chunked", verified=verified)


def _inflate_zstd(data: bytes, limit: int) -> bytes:
    parts: list[bytes] = []
    total = [0]

    def sink(piece: bytes) -> None:
        total[0] += len(piece)
        if total[0] > max(limit, 0) + 1024 * 1024 or total[0] > MAX_TOC_JSON:
            raise LayerFormatError("the zstd:chunked TOC is larger than announced")
        parts.append(piece)

    d = Decompressor(sink, declared="zstd")
    d.feed(data)
    d.finish()
    return b"".join(parts)


def tar_size_from_tarsplit(compressed: bytes) -> int | None:
    """The length of the tar stream: tar-split's inline bytes plus the file sizes."""
    total = 0
    pending = bytearray()

    def line(raw: bytes) -> None:
        nonlocal total
        if not raw.strip():
            return
        obj = json.loads(raw)
        if not isinstance(obj, dict):
            raise MalformedContent("tar-split line is not an object")
        if obj.get("type") == 1:
            size = obj.get("size", 0)
            if type(size) is not int:
                raise MalformedContent("tar-split size is not an integer")
            total += size
        elif obj.get("type") == 2:
            payload = obj.get("payload") or ""
            if not isinstance(payload, str):
                raise MalformedContent("tar-split payload is not a string")
            total += len(base64.b64decode(payload))

    def sink(piece: bytes) -> None:
        pending.extend(piece)
        while True:
            end = pending.find(b"\n")
            if end < 0:
                if len(pending) > 64 * 1024 * 1024:
                    raise MalformedContent("tar-split line too long")
                return
            line(bytes(pending[:end]))
            del pending[: end + 1]

    try:
        d = Decompressor(sink, declared="zstd")
        d.feed(compressed)
        d.finish()
        line(bytes(pending))
    except (ValueError, MalformedContent, LayerFormatError):
        return None
    return total


# --- shared ----------------------------------------------------------------------------


def _digest_matches(data: bytes, expected: str) -> bool:
    """True when ``expected`` is empty (nothing to check) or names ``data``."""
    if not expected:
        return True
    algorithm, _, encoded = expected.partition(":")
    if algorithm not in ("sha256", "sha512"):
        raise DigestMismatch(
            f"unsupported TOC digest {expected[:30]!r}", expected=expected, actual=""
        )
    return hashlib.new(algorithm, data).hexdigest() == encoded


def _modtime(value: Any) -> int:
    if not isinstance(value, str) or not value:
        return 0
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except (ValueError, OverflowError):
        return 0


def _int(obj: dict[str, Any], key: str) -> int:
    value = obj.get(key, 0)
    if value is None:
        return 0
    if type(value) is not int:
        raise MalformedContent(f"TOC field {key!r} is not an integer")
    return value


def _str(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedContent(f"TOC field {key!r} is not a string")
    return value


def _content_sha256(row: dict[str, Any]) -> str | None:
    """The hex sha256 of a file's whole content from a TOC row's ``digest``, if it has one."""
    value = row.get("digest")
    if not isinstance(value, str) or not value.startswith("sha256:"):
        return None
    hex_part = value[len("sha256:") :]
    if len(hex_part) != 64 or any(c not in "0123456789abcdef" for c in hex_part):
        return None
    return hex_part


def parse_toc_json(raw: bytes) -> list[Entry]:
    """Entries of an eStargz / zstd:chunked TOC (``chunk`` rows are parts of a file)."""
    try:
        obj = json.loads(raw)
    except ValueError as exc:
        raise MalformedContent(f"the embedded TOC is not JSON ({exc})") from None
    if not isinstance(obj, dict) or obj.get("version") != 1:
        raise MalformedContent("the embedded TOC has no version 1")
    rows = obj.get("entries")
    if not isinstance(rows, list):
        raise MalformedContent("the embedded TOC has no entries")
    entries: list[Entry] = []
    for row in rows:
        if not isinstance(row, dict):
            raise MalformedContent("an embedded TOC entry is not an object")
        kind = _TOC_TYPES.get(_str(row, "type"))
        if kind is None:
            continue  # "chunk" (more of the previous file) or a type we do not know
        path = normalize_path(_str(row, "name"))
        if not path:
            continue
        link: str | None = None
        if kind in (EntryType.SYMLINK, EntryType.HARDLINK):
            link = _str(row, "linkName")
            if kind is EntryType.HARDLINK:
                link = normalize_path(link)
        is_device = kind in (EntryType.CHAR, EntryType.BLOCK)
        entries.append(
            Entry(
                path=path,
                type=kind,
                size=_int(row, "size") if kind is EntryType.FILE else 0,
                mode=_int(row, "mode") & 0o7777,
                uid=_int(row, "uid"),
                gid=_int(row, "gid"),
                mtime=_modtime(row.get("modtime")),
                link=link,
                uname=_str(row, "userName"),
                gname=_str(row, "groupName"),
                devmajor=_int(row, "devMajor") if is_device else 0,
                devminor=_int(row, "devMinor") if is_device else 0,
                sha256=_content_sha256(row) if kind is EntryType.FILE else None,
                # Where the file's first chunk's compressed stream starts in the blob.
                offset=(_int(row, "offset") or None) if kind is EntryType.FILE else None,
            )
        )
    return entries


def _toc(
    layer: Descriptor,
    entries: list[Entry],
    uncompressed: int | None,
    compression: str,
    origin: Origin,
    *,
    verified: bool,
) -> LayerToc:
    return LayerToc(
        digest=layer.digest,
        entries=tuple(entries),
        compressed_size=layer.size,
        uncompressed_size=uncompressed,
        compression=compression,
        origin=origin,
        media_type=layer.media_type,
        verified=verified,
        diff_id=None,  # the whole stream was not read: nothing to compare with the config
    )
