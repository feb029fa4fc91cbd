"""Find bytes in a :class:`~regview.content.source.ContentSource`, a window at a time.

Forward searches wait for bytes still arriving; backward ones read what came before.
``ignore_case`` folds ASCII letters only (bytes, not decoded text): a query without
capitals finds any case of it (as ``less`` and ``vim`` with ``smartcase``).
"""

from __future__ import annotations

import asyncio

from regview.content.source import ContentSource

__all__ = ["WINDOW", "find_backward", "find_forward", "smart_case"]

WINDOW = 1 << 20


def smart_case(query: bytes) -> tuple[bytes, bool]:
    """(the needle, whether to ignore case): case matters only when the query has capitals."""
    ignore = query == query.lower()
    return query, ignore


async def find_forward(
    source: ContentSource, needle: bytes, start: int, *, ignore_case: bool = False
) -> int | None:
    """The offset of the first ``needle`` at or after ``start``, or None."""
    if not needle:
        return None
    overlap = len(needle) - 1
    pos = max(start, 0)
    while True:
        available = source.received - pos
        if source.done or available >= WINDOW + overlap:
            length = WINDOW + overlap
        elif available >= len(needle):
            length = available  # search what has come; never wait for a whole window
        else:
            await source.read(pos, len(needle))  # wait for more bytes (or the end)
            continue
        data = await source.read(pos, length)
        if ignore_case:
            data = data.lower()
        i = data.find(needle)
        if i >= 0:
            return pos + i
        if len(data) < length or len(data) <= overlap:
            return None  # the end
        pos += len(data) - overlap
        await asyncio.sleep(0)


async def find_backward(
    source: ContentSource, needle: bytes, before: int, *, ignore_case: bool = False
) -> int | None:
    """The offset of the last ``needle`` that starts before ``before``, or None."""
    if not needle or before <= 0:
        return None
    overlap = len(needle) - 1
    end = min(before + overlap, source.received)
    while end > 0:
        begin = max(0, end - WINDOW - overlap)
        data = await source.read(begin, end - begin)
        if ignore_case:
            data = data.lower()
        i = data.rfind(needle)
        if i >= 0 and begin + i < before:
            return begin + i
        if begin == 0:
            return None
        end = begin + overlap
        await asyncio.sleep(0)
    return None
