"""Natural ordering of tags: ``v1.9`` before ``v1.10``, ``latest`` first."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["natural_key", "sort_tags"]

_CHUNK = re.compile(r"(\d+)")
#: Tags people look for first, shown at the top in this order.
_PINNED = ("latest", "stable", "main", "master", "edge", "nightly")
_PIN_RANK = {name: i for i, name in enumerate(_PINNED)}


def natural_key(tag: str) -> tuple[int, tuple[tuple[int, int, str], ...], str]:
    """Sort key: pinned names first, then digit runs compared as numbers.

    Each chunk is ``(kind, number, text)`` so numbers and words never compare against
    each other's types; ties (``v01`` vs ``v1``) fall back to the raw string.
    """
    pin = _PIN_RANK.get(tag.lower())
    if pin is not None:
        return (pin, (), tag)
    parts: list[tuple[int, int, str]] = []
    for i, chunk in enumerate(_CHUNK.split(tag.lower())):
        if not chunk:
            continue
        if i % 2:  # digits
            parts.append((0, int(chunk) if len(chunk) < 40 else 10**40, ""))
        else:
            parts.append((1, 0, chunk))
    return (len(_PINNED), tuple(parts), tag)


def sort_tags(tags: Iterable[str]) -> list[str]:
    """Tags in natural order (see :func:`natural_key`)."""
    return sorted(tags, key=natural_key)
