"""The indexes of a repository that list a manifest about to be deleted.

Deleting a platform image (``repo@sha256:child``) that an index tagged in the same
repository lists leaves that index pointing at a missing manifest: a pull of the index's
tag then fails for that platform. A delete plan says so. The repository's tags are
resolved for the plan already, with their media types: the index manifests among them
are read (by digest: cached, else one GET each, at most :data:`LISTING_CHECK_LIMIT`
distinct ones, the rest counted as not checked) and those whose ``manifests`` name the
digest are returned, with their tags.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from regview.natural import sort_tags
from regview.registry import media_types as mt
from regview.registry.errors import RegistryError
from regview.registry.manifests import Manifests
from regview.registry.models import Descriptor, ImageIndex

__all__ = ["LISTING_CHECK_LIMIT", "ListedBy", "ListingIndex", "indexes_listing"]

#: Distinct index manifests read for one plan; beyond, they are counted, not read.
LISTING_CHECK_LIMIT = 50


@dataclass(frozen=True, slots=True)
class ListingIndex:
    """An index of the repository that lists the digest: its digest, type and tags."""

    digest: str
    media_type: str
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ListedBy:
    """The indexes found listing the digest; how many tagged indexes were not read
    (more than :data:`LISTING_CHECK_LIMIT`); and why some could not be read, if so."""

    indexes: tuple[ListingIndex, ...] = ()
    unchecked: int = 0
    error: str | None = None


async def indexes_listing(
    manifests: Manifests,
    repository: str,
    digest: str,
    tagged: Mapping[str, Descriptor],
    *,
    concurrency: int,
    limit: int | None = None,
) -> ListedBy:
    """The indexes among ``tagged`` (tag -> what it points to) whose children include
    ``digest``, in the natural order of their first tag; at most ``limit`` (by default
    :data:`LISTING_CHECK_LIMIT`) index manifests are read."""
    if limit is None:
        limit = LISTING_CHECK_LIMIT
    by_digest: dict[str, list[str]] = {}
    kinds: dict[str, str] = {}
    for tag, d in tagged.items():
        if mt.is_index(d.media_type) and d.digest != digest:
            by_digest.setdefault(d.digest, []).append(tag)
            kinds[d.digest] = d.media_type
    first = {sort_tags(tags)[0]: d for d, tags in by_digest.items()}  # a tag names one
    candidates = [first[t] for t in sort_tags(first)]
    checked, unchecked = candidates[:limit], len(candidates) - min(limit, len(candidates))
    gate = asyncio.Semaphore(max(1, concurrency))

    async def lists_it(index_digest: str) -> bool | str:
        async with gate:
            try:
                fetched = await manifests.manifest(repository, index_digest)
            except RegistryError as exc:
                return str(exc)
        index = fetched.manifest
        return isinstance(index, ImageIndex) and any(c.digest == digest for c in index.manifests)

    answers = await asyncio.gather(*(lists_it(d) for d in checked))
    errors = [a for a in answers if isinstance(a, str)]
    found = tuple(
        ListingIndex(d, kinds[d], tuple(sort_tags(by_digest[d])))
        for d, a in zip(checked, answers, strict=True)
        if a is True
    )
    error = None
    if errors:
        error = (
            f"{len(errors)} of the {len(checked)} index manifests tagged here "
            f"could not be read ({errors[0]})"
        )
    return ListedBy(found, unchecked, error)
