"""Inflate gzip through the system libz, keeping restart points ("checkpoints") on the way.

Python's :mod:`zlib` cannot stop at a deflate block boundary nor start again at a bit
offset, so it cannot resume in the middle of a gzip stream. This module calls libz
(``libz.so.1``, the library Python's own zlib links to) through :mod:`ctypes`, the way
zlib's ``examples/zran.c`` does: while a layer streams by, ``inflate(Z_BLOCK)`` stops at
a block boundary once every :data:`SPACING` compressed bytes, and the compressed offset,
the uncompressed offset, the bit offset and the last 32 KiB of output (the window) are
kept as a :class:`GzipCheckpoint`. Later, :meth:`GzipInflater.resume` primes a raw
inflater with those bits and that window and decodes from there: a file deep inside a
layer costs one Range GET of at most two spacings plus its own compressed size.

Why not a library (figures in ``benchmarks/gzip_checkpoints.py`` and the report of issue
14): ``indexed_gzip`` and ``rapidgzip`` both build and import zran-style indexes, but
both want a seekable file object to pull from; our layers arrive as async chunks pushed by
httpx and are never written to disk whole. rapidgzip's parallel decoder needs random
access to the compressed file (it starts threads at guessed offsets), so it cannot run on
a stream at all; indexed_gzip can be fed through a blocking pipe from a thread, but then
adds a thread hop per chunk and a seek emulation for no speed gain (it is the same libz
code). Here the inflate loop is libz's, at the speed of Python's zlib, with no new
dependency, and checkpoints are only sought (``Z_BLOCK``) once per spacing.

Multi-member gzip (pigz, eStargz: one member per file chunk) is handled: a member that
starts after a spacing is a checkpoint with no window (:attr:`GzipCheckpoint.member_start`).
Hostile input costs time, not memory: output goes out :data:`OUT_CHUNK` bytes at a time,
at most :data:`MAX_CHECKPOINTS` windows are kept (a longer layer gets a wider spacing),
and any libz error is a one-line :class:`~regview.registry.errors.LayerFormatError`.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from regview.registry.errors import LayerFormatError

__all__ = [
    "MAX_CHECKPOINTS",
    "SPACING",
    "WINDOW",
    "GzipCheckpoint",
    "GzipInflater",
    "available",
    "decode_checkpoints",
    "encode_checkpoints",
]

#: Compressed bytes between checkpoints: a ranged read starts at most this far before a file.
SPACING: Final = 4 * 1024 * 1024
#: Most checkpoints kept (32 KiB of window each): then every other one is dropped and the
#: spacing doubles, so memory stays under 16 MiB and a 2 GiB layer keeps 4 MiB spacing.
MAX_CHECKPOINTS: Final = 512
#: Deflate's window: the history a resumed inflater needs.
WINDOW: Final = 32 * 1024
OUT_CHUNK: Final = 256 * 1024

_Z_OK, _Z_STREAM_END, _Z_NEED_DICT, _Z_BUF_ERROR = 0, 1, 2, -5
_Z_NO_FLUSH, _Z_BLOCK = 0, 5
_GZIP_MAGIC = b"\x1f\x8b"


class _ZStream(ctypes.Structure):
    _fields_ = [
        ("next_in", ctypes.c_void_p),
        ("avail_in", ctypes.c_uint),
        ("total_in", ctypes.c_ulong),
        ("next_out", ctypes.c_void_p),
        ("avail_out", ctypes.c_uint),
        ("total_out", ctypes.c_ulong),
        ("msg", ctypes.c_char_p),
        ("state", ctypes.c_void_p),
        ("zalloc", ctypes.c_void_p),
        ("zfree", ctypes.c_void_p),
        ("opaque", ctypes.c_void_p),
        ("data_type", ctypes.c_int),
        ("adler", ctypes.c_ulong),
        ("reserved", ctypes.c_ulong),
    ]


def _load_libz() -> ctypes.CDLL:
    name = ctypes.util.find_library("z") or "libz.so.1"
    lib = ctypes.CDLL(name)
    ptr = ctypes.POINTER(_ZStream)
    lib.zlibVersion.restype = ctypes.c_char_p
    lib.inflateInit2_.argtypes = [ptr, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.inflate.argtypes = [ptr, ctypes.c_int]
    lib.inflateEnd.argtypes = [ptr]
    lib.inflateReset2.argtypes = [ptr, ctypes.c_int]
    lib.inflatePrime.argtypes = [ptr, ctypes.c_int, ctypes.c_int]
    lib.inflateSetDictionary.argtypes = [ptr, ctypes.c_char_p, ctypes.c_uint]
    return lib


_libz: ctypes.CDLL | None = None
_missing = False


def _lib() -> ctypes.CDLL:
    global _libz
    if _libz is None:
        _libz = _load_libz()
    return _libz


def available() -> bool:
    """True when the system libz can be loaded; without it, gzip layers are inflated by
    Python's zlib, without checkpoints, and files are read by streaming as before."""
    global _missing
    if _libz is None and not _missing:
        try:
            _lib()
        except (OSError, AttributeError):
            _missing = True
    return _libz is not None


@dataclass(frozen=True, slots=True)
class GzipCheckpoint:
    """Where inflating can start again.

    ``compressed`` is the blob offset of the byte holding the first bit of the next
    deflate block; its top ``bits`` bits belong to that block (0: it starts on a byte).
    With ``member_start`` a new gzip member begins at ``compressed`` (no window needed).
    ``uncompressed`` is the offset in the tar of the first byte produced from there.
    """

    compressed: int
    uncompressed: int
    bits: int
    window: bytes
    member_start: bool = False


Sink = Callable[[bytes], None]


class GzipInflater:
    """Inflate gzip fed in pieces to ``sink``; with ``spacing``, record :attr:`checkpoints`.

    A fresh inflater reads a whole blob from its start (members in sequence, zeros
    allowed after the last); :meth:`resume` makes one that starts at a checkpoint (feed
    it the blob from ``checkpoint.compressed`` on) and stops caring about trailers it
    cannot check: a ranged read is checked by the file's sha256, not here.
    """

    def __init__(self, sink: Sink, *, spacing: int | None = None, first_offset: int = 0) -> None:
        self._sink = sink
        self._spacing = spacing
        self.checkpoints: list[GzipCheckpoint] = []
        #: Compressed bytes consumed (as a blob offset) and uncompressed bytes produced.
        self.bytes_in = first_offset
        self.bytes_out = 0
        self.members = 0
        self._lib = _lib()
        self._z = _ZStream()
        self._out = ctypes.create_string_buffer(OUT_CHUNK)
        self._out_addr = ctypes.addressof(self._out)
        self._in_member = False
        self._raw = False
        self._trailer = 0  # bytes of a member trailer still to skip (raw mode)
        self._trailing_zeros = False
        self._initialised = False
        self._prime: tuple[int, bytes] | None = None  # bits and window to prime a resume
        self._tail = b""
        self._last_checkpoint = first_offset
        self._closed = False

    @classmethod
    def resume(cls, checkpoint: GzipCheckpoint, sink: Sink) -> GzipInflater:
        """An inflater that starts at ``checkpoint``; feed it the blob from its offset."""
        inflater = cls(sink, first_offset=checkpoint.compressed)
        inflater.bytes_out = checkpoint.uncompressed
        if not checkpoint.member_start:
            inflater._raw = True
            inflater._prime = (checkpoint.bits, checkpoint.window)
        return inflater

    # --- libz calls ----------------------------------------------------------------------

    def _init(self, wbits: int) -> None:
        lib = self._lib
        if not self._initialised:
            ret = lib.inflateInit2_(
                ctypes.byref(self._z), wbits, lib.zlibVersion(), ctypes.sizeof(_ZStream)
            )
            self._initialised = True
        else:
            ret = lib.inflateReset2(ctypes.byref(self._z), wbits)
        if ret != _Z_OK:
            raise LayerFormatError(f"libz could not start inflating (error {ret})")
        self._in_member = True
        self._tail = b""

    def close(self) -> None:
        """Free libz's state (also done when the object is collected)."""
        if self._initialised and not self._closed:
            self._lib.inflateEnd(ctypes.byref(self._z))
            self._closed = True

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at interpreter shutdown
            self.close()

    def _fail(self, ret: int) -> LayerFormatError:
        msg = self._z.msg.decode("ascii", "replace") if self._z.msg else f"error {ret}"
        return LayerFormatError(f"the layer is not valid gzip ({msg})")

    # --- feeding -------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Inflate ``data``, the next bytes of the blob."""
        pos = 0
        n = len(data)
        while pos < n:
            if self._trailing_zeros:
                if data[pos:].strip(b"\0"):
                    raise LayerFormatError("garbage after the end of the gzip data")
                self.bytes_in += n - pos
                return
            if self._trailer:
                skip = min(self._trailer, n - pos)
                self._trailer -= skip
                pos += skip
                self.bytes_in += skip
                continue
            if not self._in_member:
                if self._prime is not None:
                    pos = self._start_raw(data, pos)
                    continue
                rest = data[pos : pos + 2]
                if self.members and not _GZIP_MAGIC.startswith(rest):
                    self._trailing_zeros = True  # some tools pad with zeros after the end
                    continue
                self._member_starts()
            pos = self._inflate(data, pos)

    def _member_starts(self) -> None:
        if (
            self._spacing is not None
            and self.members
            and self.bytes_in - self._last_checkpoint >= self._spacing
        ):
            self._keep(GzipCheckpoint(self.bytes_in, self.bytes_out, 0, b"", member_start=True))
        self._raw = False
        self._init(31)

    def _start_raw(self, data: bytes, pos: int) -> int:
        assert self._prime is not None
        bits, window = self._prime
        self._prime = None
        self._init(-15)
        self._raw = True
        lib = self._lib
        if bits:
            value = data[pos] >> (8 - bits)
            ret = lib.inflatePrime(ctypes.byref(self._z), bits, value)
            if ret != _Z_OK:
                raise LayerFormatError("a gzip checkpoint is not valid (bad bit offset)")
            pos += 1
            self.bytes_in += 1
        if window:
            ret = lib.inflateSetDictionary(ctypes.byref(self._z), window, len(window))
            if ret != _Z_OK:
                raise LayerFormatError("a gzip checkpoint is not valid (bad window)")
            self._tail = window
        return pos

    def _inflate(self, data: bytes, pos: int) -> int:
        """Inflate from ``data[pos:]`` until the input is used or the member ends."""
        z = self._z
        lib = self._lib
        buf = ctypes.c_char_p(data)
        base = ctypes.cast(buf, ctypes.c_void_p).value
        assert base is not None
        z.next_in = base + pos
        z.avail_in = len(data) - pos
        spacing = self._spacing
        while True:
            seeking = spacing is not None and self.bytes_in - self._last_checkpoint >= spacing
            z.next_out = self._out_addr
            z.avail_out = OUT_CHUNK
            before = z.avail_in
            ret = lib.inflate(ctypes.byref(z), _Z_BLOCK if seeking else _Z_NO_FLUSH)
            self.bytes_in += before - z.avail_in
            produced = OUT_CHUNK - z.avail_out
            if produced:
                piece = ctypes.string_at(self._out_addr, produced)
                self.bytes_out += produced
                self._tail = piece if produced >= WINDOW else (self._tail + piece)[-WINDOW:]
                self._sink(piece)
            if ret == _Z_STREAM_END:
                self._member_ends()
                return len(data) - int(z.avail_in)
            if ret == _Z_BUF_ERROR:
                if z.avail_in == 0:
                    return len(data)
                raise self._fail(ret)
            if ret != _Z_OK:
                raise self._fail(ret)
            if seeking and z.data_type & 128 and not z.data_type & 64:
                bits = z.data_type & 7
                point = GzipCheckpoint(
                    self.bytes_in - (1 if bits else 0), self.bytes_out, bits, self._tail[-WINDOW:]
                )
                self._keep(point)
                spacing = self._spacing
            if z.avail_in == 0 and z.avail_out != 0:
                return len(data)

    def _keep(self, point: GzipCheckpoint) -> None:
        """Record ``point``; past :data:`MAX_CHECKPOINTS`, thin the list and widen the spacing,
        so a huge (or hostile) layer keeps at most that many windows in memory."""
        self.checkpoints.append(point)
        self._last_checkpoint = self.bytes_in
        if len(self.checkpoints) > MAX_CHECKPOINTS and self._spacing is not None:
            self.checkpoints = self.checkpoints[1::2]
            self._spacing *= 2

    def _member_ends(self) -> None:
        self.members += 1
        self._in_member = False
        if self._raw:
            self._trailer = 8  # CRC-32 and ISIZE, not checked on a ranged read

    def finish(self) -> None:
        """The blob ended: complain when it stopped inside a member."""
        if self._in_member or self._trailer:
            raise LayerFormatError(
                f"the gzip data ends early (after {self.bytes_in:,} compressed bytes)"
            )
        if self.members == 0:
            raise LayerFormatError("the layer is not valid gzip (no complete member)")


# --- on disk ----------------------------------------------------------------------------

_MAGIC = b"regview-gzip-checkpoints-1\n"
_HEAD = struct.Struct("<QQbBI")  # compressed, uncompressed, bits, member_start, window len


def encode_checkpoints(points: Sequence[GzipCheckpoint]) -> bytes:
    """Checkpoints as bytes for the store: windows compressed (they are mostly text)."""
    parts = [_MAGIC, struct.pack("<I", len(points))]
    for p in points:
        window = zlib.compress(p.window, 6) if p.window else b""
        parts.append(_HEAD.pack(p.compressed, p.uncompressed, p.bits, p.member_start, len(window)))
        parts.append(window)
    return b"".join(parts)


_MAX_PACKED = WINDOW + 1024  # what zlib.compress can make of 32 KiB at worst, and more


def _unpack_window(packed: bytes) -> bytes:
    if not packed:
        return b""
    d = zlib.decompressobj()
    window = d.decompress(packed, WINDOW + 1)  # a bomb stops at 32 KiB + 1
    if not d.eof:
        raise zlib.error("a window does not end where it should")
    return window


def decode_checkpoints(data: bytes) -> list[GzipCheckpoint]:
    """The inverse of :func:`encode_checkpoints`; ValueError when the bytes are not that."""
    if not data.startswith(_MAGIC):
        raise ValueError("not a gzip checkpoint file")
    pos = len(_MAGIC)
    (count,) = struct.unpack_from("<I", data, pos)
    pos += 4
    points: list[GzipCheckpoint] = []
    last_c = last_u = -1
    for _ in range(count):
        compressed, uncompressed, bits, member, size = _HEAD.unpack_from(data, pos)
        pos += _HEAD.size
        if size > _MAX_PACKED or pos + size > len(data) or not 0 <= bits <= 7 or member > 1:
            raise ValueError("a gzip checkpoint is out of bounds")
        try:
            window = _unpack_window(data[pos : pos + size])
        except zlib.error:
            raise ValueError("a gzip checkpoint window is damaged") from None
        pos += size
        if len(window) > WINDOW or compressed <= last_c or uncompressed < last_u:
            raise ValueError("gzip checkpoints are out of order")
        last_c, last_u = compressed, uncompressed
        points.append(GzipCheckpoint(compressed, uncompressed, bits, window, bool(member)))
    if pos != len(data):
        raise ValueError("gzip checkpoint file has trailing bytes")
    return points
