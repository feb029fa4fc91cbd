"""Where the lines of a text are, in memory bounded by its size, not its line count.

Keeping every line start of a 2 GB file with a hundred million lines would take
hundreds of megabytes. :class:`LineIndex` keeps one number per :data:`BLOCK` (64 KiB)
of content instead: how many newlines come before that block. A line start is found
by reading the one block that holds its newline and counting there, so any line is one
64 KiB read away, and a 2 GB file costs 32 768 numbers (256 KiB) whatever its lines.

Lines longer than :data:`MAX_LINE_BYTES` are shown cut (:attr:`Line.cut`): the hex view
shows all of them. The index is fed the content in order, as it arrives
(:meth:`LineIndex.feed`); only lines whose end has been fed are counted, and the last
line without a newline counts once the content is complete.
"""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass

from regview.content.source import ContentSource

__all__ = ["BLOCK", "MAX_LINE_BYTES", "Line", "LineIndex", "read_lines"]

BLOCK = 64 * 1024
#: Bytes of one line read and shown at most (the rest: the hex view).
MAX_LINE_BYTES = 8192


@dataclass(frozen=True, slots=True)
class Line:
    """One line: where it starts, its bytes (without the newline), whether they are cut."""

    offset: int
    data: bytes
    cut: bool = False


class LineIndex:
    """Newline counts per 64 KiB block of content fed in order."""

    def __init__(self) -> None:
        #: ``_before[j]``: newlines in the bytes before block ``j``.
        self._before = array("q", [0])
        self._newlines = 0
        self._fed = 0
        self._last = b""

    @property
    def fed(self) -> int:
        """Bytes indexed so far."""
        return self._fed

    @property
    def newlines(self) -> int:
        return self._newlines

    @property
    def entries(self) -> int:
        """Numbers held (one per block): what the index costs in memory."""
        return len(self._before)

    def feed(self, data: bytes) -> None:
        """Index the next ``data`` of the content."""
        pos = 0
        while pos < len(data):
            room = BLOCK - self._fed % BLOCK
            piece = data[pos : pos + room]
            self._newlines += piece.count(b"\n")
            self._fed += len(piece)
            pos += len(piece)
            if self._fed % BLOCK == 0:
                self._before.append(self._newlines)
        if data:
            self._last = data[-1:]

    def line_count(self, *, complete: bool) -> int:
        """Lines known; with ``complete`` (every byte fed), the last one without a newline
        counts too."""
        tail = complete and self._fed > 0 and self._last != b"\n"
        return self._newlines + (1 if tail else 0)

    async def line_start(self, source: ContentSource, line: int) -> int:
        """The offset where ``line`` (0-based, at most :attr:`newlines`) starts."""
        if line <= 0:
            return 0
        if line > self._newlines:
            raise IndexError(f"line {line + 1} is not indexed yet")
        j = bisect.bisect_left(self._before, line) - 1
        start = j * BLOCK
        block = await source.read(start, min(BLOCK, self._fed - start))
        wanted = line - self._before[j]
        pos = -1
        for _ in range(wanted):
            pos = block.find(b"\n", pos + 1)
        return start + pos + 1

    async def line_of(self, source: ContentSource, offset: int) -> int:
        """The line (0-based) holding the byte at ``offset`` (which must be fed)."""
        offset = max(0, min(offset, self._fed))
        j = offset // BLOCK
        start = j * BLOCK
        block = await source.read(start, offset - start)
        return self._before[j] + block.count(b"\n")


async def read_lines(
    source: ContentSource, index: LineIndex, first: int, count: int, *, complete: bool
) -> list[Line]:
    """Up to ``count`` lines from ``first`` (0-based), from bytes already indexed."""
    total = index.line_count(complete=complete)
    lines: list[Line] = []
    k = first
    if k >= total or count <= 0:
        return lines
    start = await index.line_start(source, k)
    while len(lines) < count and k < total:
        length = min(BLOCK, index.fed - start)
        chunk = await source.read(start, length) if length > 0 else b""
        if not chunk:
            break
        pos = 0
        while len(lines) < count:
            nl = chunk.find(b"\n", pos)
            if nl < 0:
                break
            lines.append(_line(start + pos, chunk[pos:nl]))
            pos = nl + 1
            k += 1
        if len(lines) >= count or k >= total:
            break
        if len(chunk) < BLOCK:  # the indexed end: the last line, without a newline
            if pos < len(chunk):
                lines.append(_line(start + pos, chunk[pos:]))
            break
        if pos == 0:  # a line longer than a block: show its beginning, go to the next
            lines.append(Line(start, chunk[:MAX_LINE_BYTES], cut=True))
            k += 1
            if k > index.newlines:
                break
            start = await index.line_start(source, k)
        else:
            start += pos
    return lines


def _line(offset: int, data: bytes) -> Line:
    if len(data) > MAX_LINE_BYTES:
        return Line(offset, data[:MAX_LINE_BYTES], cut=True)
    return Line(offset, data)
