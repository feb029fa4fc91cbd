"""Parsing large bodies on a worker thread, so the event loop (and a UI) never freezes.

A 4 MiB manifest takes ~0.3 s to parse and a million-tag list over a second; small ones
are parsed in place, where a thread hop would cost more than the parse.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["PARSE_IN_THREAD", "off_loop"]

PARSE_IN_THREAD = 256 * 1024
"""Bodies larger than this many bytes are parsed on a thread."""

_T = TypeVar("_T")


async def off_loop(size: int, fn: Callable[..., _T], *args: Any) -> _T:
    """``fn(*args)``; on a worker thread when its input (``size`` bytes) is large."""
    if size > PARSE_IN_THREAD:
        return await asyncio.to_thread(fn, *args)
    return fn(*args)
