"""Filtering large lists fast: substring matches first, then fuzzy (subsequence) matches.

The work is split into chunks so a caller can yield to the event loop between them; each
chunk is a C-level pass (``map``/``compress``) over a slice of the lower-cased items.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import compress, pairwise, repeat
from operator import contains

__all__ = ["fuzzy_pattern", "match_chunk"]


def fuzzy_pattern(query: str) -> re.Pattern[str]:
    """A regex that matches strings holding the characters of ``query`` in order.

    ``abc`` becomes ``a[^b]*b[^c]*c``: greedy negated classes never backtrack badly.
    """
    q = query.lower()
    parts = [
        re.escape(ch) + f"[^{re.escape(nxt)}]*" for ch, nxt in pairwise(q)
    ]
    parts.append(re.escape(q[-1]) if q else "")
    return re.compile("".join(parts), re.S)


def match_chunk(
    lower: Sequence[str],
    indices: Sequence[int] | None,
    start: int,
    stop: int,
    query: str,
    pattern: re.Pattern[str] | None,
) -> list[int]:
    """Item indices in ``[start, stop)`` (of ``indices``, or of everything) that match.

    With ``pattern`` None the test is substring containment of the lower-cased ``query``;
    otherwise it is ``pattern.search``.
    """
    if indices is None:
        candidates: Sequence[int] = range(start, stop)
        values: Sequence[str] = lower[start:stop]
    else:
        candidates = indices[start:stop]
        values = [lower[i] for i in candidates]
    if pattern is None:
        return list(compress(candidates, map(contains, values, repeat(query))))
    return list(compress(candidates, map(pattern.search, values)))
