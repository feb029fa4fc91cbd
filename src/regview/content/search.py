"""Find bytes in a :class:`~regview.content.source.ContentSource`, a window at a time.

Both directions search the whole content and wrap, waiting for bytes still arriving
when they must (:func:`search`): forward from ``start`` to the end, then from the top
back to ``start``; backward from ``start`` to the top, then from the end back to
``start``. Nothing is read whole: windows of :data:`WINDOW` bytes that overlap by
``len(needle) - 1`` (so a match across two windows is found once).

``ignore_case`` folds ASCII letters only (bytes, not decoded text): a query without
capitals finds any case of it (as ``less`` and ``vim`` with ``smartcase``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from regview.content.source import ContentSource

__all__ = [
    "WINDOW",
    "Hit",
    "Progress",
    "find_backward",
    "find_forward",
    "search",
    "smart_case",
    "wait_for_all",
]

WINDOW = 1 << 20

#: Told the offset a search has reached (or, while it waits, the bytes received).
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Hit:
    """Where a match starts, and whether the search went past an end to find it."""

    offset: int
    wrapped: bool


def smart_case(query: bytes) -> tuple[bytes, bool]:
    """(the needle, whether to ignore case): case matters only when the query has capitals."""
    ignore = query == query.lower()
    return query, ignore


async def search(
    source: ContentSource,
    needle: bytes,
    start: int,
    *,
    forward: bool,
    ignore_case: bool = False,
    progress: Progress | None = None,
) -> Hit | None:
    """The next match from ``start`` in that direction, wrapping at the end (or top).

    Forward: the first match at or after ``start``, else the first before it. Backward:
    the last match before ``start``, else the last at or after it (which needs the whole
    content: this waits for it). None only once every byte of the content was searched.
    """
    if not needle:
        return None
    start = max(start, 0)
    if forward:
        found = await find_forward(
            source, needle, start, ignore_case=ignore_case, progress=progress
        )
        if found is not None:
            return Hit(found, wrapped=False)
        if start == 0:
            return None
        found = await find_forward(
            source, needle, 0, stop=start, ignore_case=ignore_case, progress=progress
        )
    else:
        found = await find_backward(
            source, needle, start, ignore_case=ignore_case, progress=progress
        )
        if found is not None:
            return Hit(found, wrapped=False)
        await wait_for_all(source, progress)
        found = await find_backward(
            source,
            needle,
            source.received,
            floor=start,
            ignore_case=ignore_case,
            progress=progress,
        )
    return None if found is None else Hit(found, wrapped=True)


async def wait_for_all(source: ContentSource, progress: Progress | None = None) -> None:
    """Return once no more bytes will come, telling ``progress`` as they arrive."""
    while not source.done:
        # One byte a window ahead: wakes once that much more has come (or at the end).
        await source.read(source.received + WINDOW - 1, 1)
        if progress is not None:
            progress(source.received)


async def find_forward(
    source: ContentSource,
    needle: bytes,
    start: int,
    *,
    stop: int | None = None,
    ignore_case: bool = False,
    progress: Progress | None = None,
) -> int | None:
    """The offset of the first ``needle`` at or after ``start`` (and before ``stop``, if
    given), or None; waits for bytes still arriving."""
    if not needle:
        return None
    overlap = len(needle) - 1
    pos = max(start, 0)
    while stop is None or pos < stop:
        available = source.received - pos
        if source.done or available >= WINDOW + overlap:
            length = WINDOW + overlap
        elif available >= len(needle):
            length = available  # search what has come; never wait for a whole window
        else:
            await source.read(pos, len(needle))  # wait for more bytes (or the end)
            continue
        if stop is not None:
            length = min(length, stop - pos + overlap)
        data = await source.read(pos, length)
        if ignore_case:
            data = data.lower()
        i = data.find(needle)
        if i >= 0:
            return pos + i if stop is None or pos + i < stop else None
        if len(data) < length or len(data) <= overlap:
            return None  # the end
        pos += len(data) - overlap
        if progress is not None:
            progress(pos)
        await asyncio.sleep(0)
    return None


async def find_backward(
    source: ContentSource,
    needle: bytes,
    before: int,
    *,
    floor: int = 0,
    ignore_case: bool = False,
    progress: Progress | None = None,
) -> int | None:
    """The offset of the last ``needle`` that starts before ``before`` (and at or after
    ``floor``), or None; waits for the bytes a match just before ``before`` would end in."""
    floor = max(floor, 0)
    if not needle or before <= floor:
        return None
    overlap = len(needle) - 1
    if overlap:
        await source.read(before, overlap)
    end = min(before + overlap, source.received)
    while end - floor >= len(needle):
        begin = max(floor, end - WINDOW - overlap)
        data = await source.read(begin, end - begin)
        if ignore_case:
            data = data.lower()
        i = data.rfind(needle)
        if i >= 0 and begin + i < before:
            return begin + i
        if begin == floor:
            return None
        end = begin + overlap
        if progress is not None:
            progress(begin)
        await asyncio.sleep(0)
    return None
