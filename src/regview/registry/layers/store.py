"""Tables of contents kept on disk, keyed by layer digest (a digest never changes).

Layout under the cache root::

    layers/sha256/<hex>.json.gz   {"format": 3, "digest": ..., sizes, "diffId": ...,
                                   "checkpoints": <hex sha256 or null>,
                                   "entries": [[...], ...]}
    layers/sha256/<hex>.ckpt      gzip restart points (:mod:`.gzip_index`), when any

Format 2 added each regular file's content sha256 as the 13th field of an entry row;
format 3 adds the 14th, the uncompressed offset of the entry's first header, and the
checkpoints of a gzip layer read whole, in a sibling file whose sha256 the TOC records
(so a damaged or swapped file is refused, :class:`DamagedCheckpoints`). A file of another
format is not misread: it is deleted and the layer indexed again, so every TOC on disk
carries the hashes a diff compares and the offsets a ranged read needs.

``diffId`` (the sha256 of the uncompressed tar) is written for TOCs read from the whole
stream; files written before it existed simply lack it, and load with ``diff_id=None``.

Written to a temporary name and renamed, so a crash never leaves half a file; only TOCs
that were verified (the whole blob hashed to its digest, or an embedded TOC matched the
digest its manifest announces) are written. A file that does not parse, or that names
another digest, is deleted and counts as a miss: the layer is simply indexed again.
With no root the store lives in memory only (``--no-cache``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import hashlib
import json
import zlib
from collections import OrderedDict
from pathlib import Path
from typing import Any

from regview.atomic import write_atomic
from regview.registry.digests import is_digest, parse_digest, short_digest
from regview.registry.errors import InvalidReference, LayerFormatError, MalformedContent
from regview.registry.layers.toc import LayerToc, entry_from_row, entry_to_row

__all__ = ["TOC_FORMAT", "DamagedCheckpoints", "TocStore"]

TOC_FORMAT = 3
#: A checkpoint file larger than this is not read (a layer's are a few hundred KB).
MAX_CHECKPOINTS = 64 * 1024 * 1024


class DamagedCheckpoints(LayerFormatError):
    """The checkpoint file of a layer does not match its TOC; both were deleted."""


_ORIGINS = ("tar", "estargz", "zstd:chunked", "soci")


class TocStore:
    """Memory (bounded by entry count) in front of the on-disk files."""

    def __init__(self, root: Path | None, *, memory_entries: int = 2_000_000) -> None:
        self.root = root / "layers" if root is not None else None
        self.memory_entries = memory_entries
        self._memory: OrderedDict[str, LayerToc] = OrderedDict()
        self._checkpoints: dict[str, bytes] = {}  # without a disk store only
        self._memory_total = 0
        #: Files found unreadable or corrupt (and deleted), and writes that failed.
        self.dropped = 0
        self.disk_errors = 0

    def path_for(self, digest: str) -> Path | None:
        """The file a layer's TOC is kept in, or None without a disk store."""
        if self.root is None:
            return None
        algorithm, _, encoded = parse_digest(digest).partition(":")
        return self.root / algorithm / f"{encoded}.json.gz"

    def checkpoints_path_for(self, digest: str) -> Path | None:
        """The file a layer's gzip checkpoints are kept in, or None without a disk store."""
        path = self.path_for(digest)
        if path is None:
            return None
        return path.with_name(path.name.removesuffix(".json.gz") + ".ckpt")

    def get(self, digest: str) -> LayerToc | None:
        """The TOC of ``digest`` from memory or disk, or None; a bad file is dropped."""
        try:
            parse_digest(digest)
        except InvalidReference:
            return None
        toc = self._memory.get(digest)
        if toc is not None:
            self._memory.move_to_end(digest)
            return toc
        path = self.path_for(digest)
        if path is None:
            return None
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        try:
            toc = decode_toc(gzip.decompress(raw), digest)
        except (OSError, EOFError, zlib.error, ValueError, MalformedContent):
            with contextlib.suppress(OSError):
                path.unlink()
            self.dropped += 1
            return None
        self._remember(toc)
        return toc

    def put(self, toc: LayerToc, checkpoints: bytes | None = None) -> LayerToc:
        """Keep ``toc`` (and the encoded ``checkpoints`` of its blob); on disk only when it
        is verified. Returns the TOC as kept (with :attr:`LayerToc.checkpoints_sha256`)."""
        if checkpoints is not None:
            toc = dataclasses.replace(
                toc, checkpoints_sha256=hashlib.sha256(checkpoints).hexdigest()
            )
        self._remember(toc)
        path = self.path_for(toc.digest)
        if path is None or not toc.verified:
            if checkpoints is not None:
                self._checkpoints[toc.digest] = checkpoints
            return toc
        if checkpoints is not None:
            ckpt = self.checkpoints_path_for(toc.digest)
            assert ckpt is not None
            if not write_atomic(ckpt, checkpoints):
                self.disk_errors += 1
                toc = dataclasses.replace(toc, checkpoints_sha256=None)
                self._remember(toc)
        data = gzip.compress(encode_toc(toc), compresslevel=6, mtime=0)
        if not write_atomic(path, data):
            self.disk_errors += 1  # a read-only or full disk degrades to memory only
        return toc

    def checkpoints(self, toc: LayerToc) -> bytes | None:
        """The encoded checkpoints kept with ``toc``, checked against its record of them.

        None when the TOC has none. Raises :class:`DamagedCheckpoints` (one line) when the
        file is missing, too large or not what the TOC recorded; the TOC and the file are
        deleted then, so the next run reads the layer whole again.
        """
        expected = toc.checkpoints_sha256
        if expected is None:
            return None
        data = self._checkpoints.get(toc.digest)
        path = self.checkpoints_path_for(toc.digest)
        if data is None and path is not None:
            with contextlib.suppress(OSError):
                if path.stat().st_size <= MAX_CHECKPOINTS:
                    data = path.read_bytes()
        if data is not None and hashlib.sha256(data).hexdigest() == expected:
            return data
        self.forget(toc.digest)
        raise DamagedCheckpoints(
            f"the cached checkpoints of layer {short_digest(toc.digest)} are missing or "
            "damaged; they were deleted: run the command again to read the layer anew"
        )

    def forget(self, digest: str) -> None:
        """Drop what is kept for ``digest`` (memory and disk): it will be indexed again."""
        old = self._memory.pop(digest, None)
        if old is not None:
            self._memory_total -= len(old.entries)
        self._checkpoints.pop(digest, None)
        self.dropped += 1
        for path in (self.path_for(digest), self.checkpoints_path_for(digest)):
            if path is not None:
                with contextlib.suppress(OSError):
                    path.unlink()

    def _remember(self, toc: LayerToc) -> None:
        old = self._memory.pop(toc.digest, None)
        if old is not None:
            self._memory_total -= len(old.entries)
        self._memory[toc.digest] = toc
        self._memory_total += len(toc.entries)
        while self._memory_total > self.memory_entries and len(self._memory) > 1:
            _, dropped = self._memory.popitem(last=False)
            self._memory_total -= len(dropped.entries)
            self._checkpoints.pop(dropped.digest, None)


def encode_toc(toc: LayerToc) -> bytes:
    obj: dict[str, Any] = {
        "format": TOC_FORMAT,
        "digest": toc.digest,
        "mediaType": toc.media_type,
        "compression": toc.compression,
        "origin": toc.origin,
        "compressedSize": toc.compressed_size,
        "uncompressedSize": toc.uncompressed_size,
        "diffId": toc.diff_id,
        "checkpoints": toc.checkpoints_sha256,
        "entries": [entry_to_row(e) for e in toc.entries],
    }
    # ensure_ascii keeps names that are not UTF-8 (surrogate escapes) representable.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def decode_toc(data: bytes, digest: str) -> LayerToc:
    obj = json.loads(data)
    if not isinstance(obj, dict) or obj.get("format") != TOC_FORMAT:
        raise MalformedContent("not a TOC of this format version")
    if obj.get("digest") != digest:
        raise MalformedContent("the TOC names another digest")
    compressed = obj.get("compressedSize")
    uncompressed = obj.get("uncompressedSize")
    origin = obj.get("origin")
    compression = obj.get("compression")
    media_type = obj.get("mediaType")
    diff_id = obj.get("diffId")  # absent from TOCs stored by older versions: None
    checkpoints = obj.get("checkpoints")
    rows = obj.get("entries")
    if (
        type(compressed) is not int
        or not (uncompressed is None or type(uncompressed) is int)
        or origin not in _ORIGINS
        or not isinstance(compression, str)
        or not (media_type is None or isinstance(media_type, str))
        or not (
            diff_id is None
            or (isinstance(diff_id, str) and diff_id.startswith("sha256:") and is_digest(diff_id))
        )
        or not (checkpoints is None or _is_hex64(checkpoints))
        or not isinstance(rows, list)
    ):
        raise MalformedContent("a TOC field has the wrong type")
    return LayerToc(
        digest=digest,
        entries=tuple(entry_from_row(r) for r in rows),
        compressed_size=compressed,
        uncompressed_size=uncompressed,
        compression=compression,
        origin=origin,
        media_type=media_type,
        verified=True,
        diff_id=diff_id,
        checkpoints_sha256=checkpoints,
    )


def _is_hex64(value: object) -> bool:
    return (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    )
