"""Which rows a filtered list shows: the items holding the query (substring hits first,
then fuzzy subsequence hits), found a chunk of items at a time.

No widget here: :class:`~regview.tui.widgets.virtual_list.VirtualList` runs a
:class:`FilterRun` in a worker, yielding to the event loop between its steps, and
draws the rows of the :class:`FilterResult` as it grows.
"""

from __future__ import annotations

import bisect
import heapq
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from regview.tui.filtering import fuzzy_pattern, match_chunk

__all__ = ["CHUNK", "FilterResult", "FilterRun", "extend_result", "lowered", "without"]

#: Items matched between two yields to the event loop.
CHUNK = 50_000


@dataclass(frozen=True)
class FilterResult:
    """A filter's outcome: substring hits then fuzzy hits, both in item order.

    Item indices are kept in arrays of machine integers: a filter that matches a million
    items (the first letter typed) holds 8 MB, not the 40 MB of a list of ints.
    """

    query: str
    exact: array[int]
    fuzzy: array[int]
    done: bool


def without(hits: list[int], exact: array[int]) -> list[int]:
    """``hits`` that are not in ``exact`` (both in ascending order): a walk of the two,
    not a set of every exact hit (a million of them when the query is one common letter)."""
    out: list[int] = []
    j = bisect.bisect_left(exact, hits[0]) if hits else 0
    n = len(exact)
    for i in hits:
        while j < n and exact[j] < i:
            j += 1
        if j < n and exact[j] == i:
            continue
        out.append(i)
    return out


def lowered(items: Iterable[str]) -> list[str]:
    """The items in lower case, for matching; an item already in lower case is itself
    (not a copy: most tags are, and a million copies would cost ~60 MB)."""
    return [item if (low := item.lower()) == item else low for item in items]


def extend_result(result: FilterResult, lower: Sequence[str], start: int, fuzzy: bool) -> None:
    """Add to ``result`` the hits among the items ``lower[start:]`` (a page just added
    at the end of the list); fuzzy hits only if ``fuzzy``."""
    q = result.query.lower()
    exact = match_chunk(lower, None, start, len(lower), q, None)
    fuzzy_hits = match_chunk(lower, None, start, len(lower), q, fuzzy_pattern(q)) if fuzzy else []
    exact_set = set(exact)
    result.exact.extend(exact)
    result.fuzzy.extend(i for i in fuzzy_hits if i not in exact_set)


class FilterRun:
    """One filter over ``lower`` (the items in lower case), as steps that each match a
    chunk of items into :attr:`result`.

    A query that narrows ``previous`` (a finished filter whose query it contains) is
    matched against ``previous``'s hits alone: whatever matches the longer query matched
    the shorter one.
    """

    def __init__(
        self, lower: Sequence[str], previous: FilterResult | None, query: str, *, fuzzy: bool
    ) -> None:
        self.query = query
        self.lowered_query = q = query.lower()
        self.fuzzy = fuzzy
        self._lower = lower
        self._candidates: array[int] | None = None
        if previous is not None and previous.done and previous.query.lower() in q:
            # Both runs are in item order: merged, not sorted, so no list of ints is built.
            self._candidates = array("q", heapq.merge(previous.exact, previous.fuzzy))
        candidates = self._candidates
        self._total = len(candidates) if candidates is not None else len(lower)
        #: The hits so far; the same arrays grow as the steps run.
        self.result = FilterResult(query, array("q"), array("q"), False)

    def steps(self) -> Iterator[Literal["chunk", "fuzzy"]]:
        """``chunk`` after each chunk matched; ``fuzzy`` once, when every substring hit
        is in and the fuzzy pass starts (never for a one-letter query: its fuzzy hits
        are its substring hits)."""
        q = self.lowered_query
        result = self.result
        for phase in (0, 1):
            pattern = fuzzy_pattern(q) if phase else None
            if phase and (len(q) == 1 or not self.fuzzy):
                break  # a one-letter fuzzy match is a substring match
            if phase:
                yield "fuzzy"
            for start in range(0, self._total, CHUNK):
                stop = min(start + CHUNK, self._total)
                hits = match_chunk(self._lower, self._candidates, start, stop, q, pattern)
                if phase:
                    result.fuzzy.extend(without(hits, result.exact))
                else:
                    result.exact.extend(hits)
                yield "chunk"

    def finished(self) -> FilterResult:
        """The result once every step ran, marked done."""
        return FilterResult(self.query, self.result.exact, self.result.fuzzy, True)
