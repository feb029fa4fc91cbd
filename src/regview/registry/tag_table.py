"""Every tag of a repository with its digest, media type, size, platforms and date.

What ``regview tags --long`` prints: :func:`read_tag_table` reads :func:`read_tag_info`
for many tags at once, at most ``concurrency`` at a time, reporting each one done. A
config is read once per digest (the client caches blobs by digest, forever), so 2,000
tags on one image cost one config read; on a source that meters pulls the manifests
are resolved with HEAD and read from the cache only, as :func:`read_tag_info` does.

Cancelling the awaiting task cancels every read still running (nothing is left behind).
:func:`sort_tag_rows` and :func:`group_by_digest` order and fold the rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from regview.registry.source import Source
from regview.registry.tag_info import TagInfo, order_tags, read_tag_info

__all__ = [
    "DigestGroup",
    "TagSort",
    "TagTableRow",
    "group_by_digest",
    "read_tag_table",
    "sort_tag_rows",
]

TagSort = Literal["name", "created", "size"]

_OLDEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class TagTableRow:
    """One tag and what it names."""

    tag: str
    info: TagInfo


@dataclass(frozen=True, slots=True)
class DigestGroup:
    """The tags that name one digest (in the order of the rows they came from)."""

    digest: str | None
    tags: tuple[str, ...]
    info: TagInfo


async def read_tag_table(
    source: Source,
    repository: str,
    tags: Sequence[str],
    *,
    concurrency: int = 8,
    progress: Callable[[int, int], None] | None = None,
) -> list[TagTableRow]:
    """:func:`read_tag_info` of every tag, in natural tag order; ``progress(done, total)``
    after each. Errors stay per tag (``TagInfo.error``)."""
    ordered = order_tags(set(tags))
    limit = asyncio.Semaphore(max(1, concurrency))
    done = 0

    async def one(tag: str) -> TagTableRow:
        nonlocal done
        async with limit:
            info = await read_tag_info(source, repository, tag)
        done += 1
        if progress is not None:
            progress(done, len(ordered))
        return TagTableRow(tag, info)

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(one(tag)) for tag in ordered]
    return [t.result() for t in tasks]


def sort_tag_rows(rows: Sequence[TagTableRow], by: TagSort = "name") -> list[TagTableRow]:
    """Rows by name (natural order, as given), newest first, or largest first; rows
    without the value go last, in name order."""
    if by == "name":
        return list(rows)
    if by == "created":
        known = [r for r in rows if r.info.created is not None]
        known.sort(key=lambda r: r.info.created or _OLDEST, reverse=True)
    else:
        known = [r for r in rows if r.info.size is not None]
        known.sort(key=lambda r: r.info.size or 0, reverse=True)
    chosen = {id(r) for r in known}
    return known + [r for r in rows if id(r) not in chosen]


def group_by_digest(rows: Sequence[TagTableRow]) -> list[DigestGroup]:
    """One group per digest, in the order of each digest's first row; tags that could
    not be read (no digest) each stay a group of their own."""
    groups: dict[str, list[TagTableRow]] = {}
    result: list[list[TagTableRow]] = []
    for row in rows:
        digest = row.info.digest
        if digest is None:
            result.append([row])
            continue
        if digest not in groups:
            groups[digest] = []
            result.append(groups[digest])
        groups[digest].append(row)
    return [DigestGroup(g[0].info.digest, tuple(r.tag for r in g), g[0].info) for g in result]
