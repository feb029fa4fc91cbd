"""Sparse tar entries: their maps, checked, and their content expanded with its holes.

A sparse entry stores only the chunks of a file that hold data, with a map of where they
go (``(offset, length)`` pairs) and the file's real size; the rest are holes, which read
as zeros. GNU tar writes four kinds of map, all handled by :mod:`.tarstream`:

* GNU old sparse (type ``S``): four pairs in the header, more in extension blocks;
* PAX 0.0: repeated ``GNU.sparse.offset`` / ``GNU.sparse.numbytes`` records;
* PAX 0.1: ``GNU.sparse.map`` = ``offset,length,offset,length,...``;
* PAX 1.0: the map at the start of the data, decimal numbers one a line (the count
  first), padded to a 512-byte block.

:class:`SparseExpander` turns the stored chunks into the file's content as they pass,
with the holes emitted as zeros in pieces of at most :data:`ZERO_PIECE` bytes: a 30 MiB
file with 8 KiB of data never allocates 30 MiB, and a file of exabytes streams (it
never buffers). A map that is not sorted, overlaps, points past the real size, uses
numbers beyond a 63-bit file offset or does not add up to the stored data is refused
with :class:`~regview.registry.errors.LayerFormatError`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from regview.registry.errors import LayerFormatError

__all__ = [
    "MAX_MAP_BYTES",
    "MAX_OFFSET",
    "ZERO_PIECE",
    "SparseExpander",
    "check_map",
    "parse_number_list",
]

#: Zeros of a hole go out in pieces of this size at most.
ZERO_PIECE: Final = 64 * 1024
#: Files cannot be larger than a signed 64-bit offset allows.
MAX_OFFSET: Final = (1 << 63) - 1
#: A PAX 1.0 map in the data is refused beyond this size (one pair is at most 40 bytes).
MAX_MAP_BYTES: Final = 1024 * 1024

_ZEROS: Final = bytes(ZERO_PIECE)
_BLOCK: Final = 512

Chunk = tuple[int, int]


def parse_number_list(raw: bytes, what: str, offset: int) -> list[int]:
    """``b"12,4096,0"`` → ``[12, 4096, 0]``: a ``GNU.sparse.map`` (or the 0.0 pairs)."""
    if not raw.strip():
        return []
    out: list[int] = []
    for part in raw.split(b","):
        out.append(_decimal(part, what, offset))
    return out


def _decimal(raw: bytes, what: str, offset: int) -> int:
    digits = raw.strip()
    if not digits.isdigit() or len(digits) > 19:
        raise LayerFormatError(
            f"the sparse map of the tar entry at offset {offset:,} has an invalid "
            f"{what} {digits[:20]!r}"
        )
    return int(digits)


def check_map(chunks: Sequence[Chunk], realsize: int, stored: int, offset: int) -> None:
    """Refuse a map that is unsorted, overlaps, leaves the file or misses its data."""
    where = f"the sparse map of the tar entry at offset {offset:,}"
    if not 0 <= realsize <= MAX_OFFSET:
        raise LayerFormatError(f"{where} gives an impossible real size {realsize:,}")
    end = 0
    total = 0
    for start, length in chunks:
        if start < end:
            raise LayerFormatError(f"{where} is not sorted or its chunks overlap (at {start:,})")
        end = start + length
        if end > realsize:
            raise LayerFormatError(
                f"{where} has a chunk ending at {end:,}, past the real size {realsize:,}"
            )
        total += length
    if total != stored:
        raise LayerFormatError(
            f"{where} lists {total:,} bytes of data but the entry stores {stored:,}"
        )


class SparseExpander:
    """Feed it a sparse entry's stored data; it sends the whole content to ``out``.

    ``chunks`` is the map when the header gave it; None for PAX 1.0, whose map leads
    the data (``stored`` is then the data size including the map's blocks). Call
    :meth:`finish` once the data has ended: it emits the trailing hole and checks that
    exactly the mapped bytes arrived.
    """

    def __init__(
        self,
        out: Callable[[bytes], None],
        realsize: int,
        chunks: Sequence[Chunk] | None,
        stored: int,
        offset: int,
    ) -> None:
        self._out = out
        self._realsize = realsize
        self._offset = offset
        self._stored = stored
        self._map_text: bytearray | None = None
        self._map_skip = 0  # padding of a PAX 1.0 map still to skip
        self._chunks: list[Chunk] = []
        self._index = 0  # the chunk being filled
        self._left = 0  # its bytes still to come
        self._pos = 0  # content bytes emitted so far
        if chunks is None:
            self._map_text = bytearray()
        else:
            self._start(list(chunks), stored)

    def _start(self, chunks: list[Chunk], stored: int) -> None:
        check_map(chunks, self._realsize, stored, self._offset)
        self._chunks = [c for c in chunks if c[1] > 0]
        self._next_chunk()

    def _next_chunk(self) -> None:
        """Emit the hole before the next chunk with data."""
        if self._index < len(self._chunks):
            start, length = self._chunks[self._index]
            self._zeros(start - self._pos)
            self._left = length

    def _zeros(self, count: int) -> None:
        while count > 0:
            piece = min(count, ZERO_PIECE)
            self._out(_ZEROS if piece == ZERO_PIECE else _ZEROS[:piece])
            count -= piece
            self._pos += piece

    def feed(self, data: bytes | memoryview) -> None:
        mv = memoryview(data)
        if self._map_text is not None:
            mv = self._read_map(mv)
        if self._map_skip:
            skip = min(self._map_skip, len(mv))
            self._map_skip -= skip
            mv = mv[skip:]
        while len(mv):
            if self._left == 0:
                raise LayerFormatError(
                    f"the tar entry at offset {self._offset:,} has more data than its sparse map"
                )
            take = min(self._left, len(mv))
            self._out(bytes(mv[:take]))
            mv = mv[take:]
            self._left -= take
            self._pos += take
            if self._left == 0:
                self._index += 1
                self._next_chunk()

    def _read_map(self, mv: memoryview) -> memoryview:
        """PAX 1.0: gather the map's lines; the rest of ``mv`` is data (or map padding)."""
        assert self._map_text is not None
        text = self._map_text
        before = len(text)
        text += mv
        numbers = self._complete_map(bytes(text))
        if numbers is None:
            if len(text) > MAX_MAP_BYTES:
                raise LayerFormatError(
                    f"the sparse map of the tar entry at offset {self._offset:,} is larger "
                    f"than the {MAX_MAP_BYTES:,} byte limit"
                )
            return mv[len(mv) :]
        used, values = numbers
        self._map_text = None
        padded = used + (-used % _BLOCK)
        chunks = list(zip(values[1::2], values[2::2], strict=True))
        self._start(chunks, self._stored - padded)
        consumed = used - before  # bytes of ``mv`` that were map text
        self._map_skip = padded - used
        return mv[consumed:]

    def _complete_map(self, text: bytes) -> tuple[int, list[int]] | None:
        """(bytes used, [count, offset, length, ...]) once the whole map is in ``text``."""
        first = text.find(b"\n")
        if first < 0:
            if len(text) > 20:
                _decimal(text[:21], "chunk count", self._offset)
            return None
        count = _decimal(text[:first], "chunk count", self._offset)
        if count > MAX_MAP_BYTES // 4:
            raise LayerFormatError(
                f"the sparse map of the tar entry at offset {self._offset:,} claims "
                f"{count:,} chunks"
            )
        values = [count]
        pos = first + 1
        while len(values) < 1 + 2 * count:
            nl = text.find(b"\n", pos)
            if nl < 0:
                return None
            values.append(_decimal(text[pos:nl], "chunk offset or length", self._offset))
            pos = nl + 1
        return pos, values

    def finish(self) -> None:
        """The data ended: emit the trailing hole; refuse missing data or a missing map."""
        if self._map_text is not None or self._left or self._index < len(self._chunks):
            raise LayerFormatError(
                f"the tar entry at offset {self._offset:,} has less data than its sparse map"
            )
        self._zeros(self._realsize - self._pos)
