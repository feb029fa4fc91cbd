"""``--with-referrers``: the manifests that refer to an image, to delete before it.

A registry deletes one manifest at a time, by digest. To take an image's signatures,
SBOMs and attestations with it, each is deleted on its own: the referrers found for the
image (the referrers API, the ``sha256-<hex>`` tag-schema index, cosign's ``.sig``,
``.att`` and ``.sbom`` tags), the referrers of those (a signature of an SBOM), down to
:data:`MAX_DEPTH` levels, and the tag-schema index of each subject, which is a manifest
too. A digest is taken once however many times it is found, and never the image itself
(a cycle guard: a "referrer" that names its own subject's subject is not followed).

The order is what leaves the registry consistent if it stops midway: a referrer's own
referrers go before it, every referrer of a subject before the tag-schema index that
lists them (an index is never gone while what it lists is left, so a second run finds
them again), and the image last. :func:`referrer_deletes` finds them;
:class:`PartialDelete` says, when one delete fails, what went and what did not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal

from regview.natural import sort_tags
from regview.registry.digests import short_digest
from regview.registry.errors import RegistryError
from regview.registry.models import Descriptor
from regview.registry.referrers import FoundBy, FoundReferrer, Referrers

__all__ = [
    "MAX_DEPTH",
    "MAX_REFERRER_DELETES",
    "DeleteStep",
    "PartialDelete",
    "ReferrerDeletes",
    "referrer_deletes",
]

#: Levels of referrers followed: 1 is what refers to the image, 2 what refers to those.
MAX_DEPTH = 4
#: Referrers (and tag-schema indexes) a plan deletes at most; the rest are said to stay.
MAX_REFERRER_DELETES = 1000

#: What a deleted manifest is: an artifact that refers to another, the ``sha256-<hex>``
#: index listing a subject's referrers, or the image that was asked for.
Role = Literal["referrer", "referrers-index", "image"]


@dataclass(frozen=True, slots=True)
class DeleteStep:
    """One ``DELETE`` of a plan: a manifest by digest, and the tags that go with it.

    ``subject`` is the digest a referrer refers to, or whose referrers an index lists
    (None for the image); ``depth`` is 1 for the image's own referrers (and its index),
    2 for theirs, 0 for the image.
    """

    digest: str
    media_type: str
    role: Role
    subject: str | None = None
    depth: int = 0
    artifact_type: str | None = None
    found_by: FoundBy | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReferrerDeletes:
    """The referrers to delete before the image, in order, and what could not be followed."""

    steps: tuple[DeleteStep, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(slots=True)
class _Node:
    found: FoundReferrer
    depth: int
    children: list[_Node] = field(default_factory=list)
    found_under: list[FoundReferrer] = field(default_factory=list)


class PartialDelete(RegistryError):
    """A delete of several manifests stopped at one that failed.

    ``deleted`` went (in order), ``not_deleted`` did not: the one that failed first, then
    those not tried. ``cause`` is the registry's error for the one that failed.
    """

    def __init__(
        self,
        cause: RegistryError,
        deleted: tuple[DeleteStep, ...],
        not_deleted: tuple[DeleteStep, ...],
    ) -> None:
        total = len(deleted) + len(not_deleted)
        done = f"{len(deleted)} of {total} manifests" if deleted else "nothing"
        super().__init__(f"{cause}; stopped there: {done} deleted", codes=cause.codes)
        self.cause = cause
        self.deleted = deleted
        self.not_deleted = not_deleted


def _tags_on(tagged: Mapping[str, Descriptor], digest: str) -> tuple[str, ...]:
    return tuple(sort_tags({t for t, d in tagged.items() if d.digest == digest}))


async def referrer_deletes(
    referrers: Referrers,
    repository: str,
    digest: str,
    found: Collection[FoundReferrer],
    tagged: Mapping[str, Descriptor],
) -> ReferrerDeletes:
    """What ``--with-referrers`` deletes before ``digest``: ``found`` (what refers to it),
    what refers to those (down to :data:`MAX_DEPTH`), and each subject's tag-schema index.

    ``tagged`` is every tag of the repository and what it points to (read for the plan):
    it names the tags that go with each manifest and the digest of each ``sha256-<hex>``
    index, and spares probes for referrer tags that do not exist. Lookups that fail, and
    referrers past the bounds, are written in ``notes``: they stay.
    """
    seen = {digest}
    listed = set(tagged)
    notes: list[str] = []
    count = 0
    dropped = 0

    def adopt(items: Collection[FoundReferrer], depth: int) -> list[_Node]:
        nonlocal count, dropped
        nodes = []
        for f in items:
            if f.descriptor.digest in seen:
                continue  # found twice, or a cycle
            if count >= MAX_REFERRER_DELETES:
                dropped += 1
                continue
            seen.add(f.descriptor.digest)
            count += 1
            nodes.append(_Node(f, depth))
        return nodes

    top = adopt(found, 1)
    level = top
    deeper = 0
    while level:
        results = await _lookups(
            referrers, repository, [n.found.descriptor.digest for n in level], listed
        )
        following: list[_Node] = []
        for node, result in zip(level, results, strict=True):
            if isinstance(result, str):
                short = short_digest(node.found.descriptor.digest)
                notes.append(
                    f"could not check for artifacts that refer to {short}… ({result}): "
                    "any stay, without their subject"
                )
                continue
            node.found_under = result
            if node.depth >= MAX_DEPTH:
                deeper += len([f for f in result if f.descriptor.digest not in seen])
                continue
            node.children = adopt(result, node.depth + 1)
            following.extend(node.children)
        level = following
    if deeper:
        notes.append(
            f"{deeper:,} artifact{'s' if deeper != 1 else ''} more than {MAX_DEPTH} levels "
            "of referrers down stay (not followed further)"
        )
    if dropped:
        notes.append(
            f"{dropped:,} more referrer{'s' if dropped != 1 else ''} stay, and the "
            f"sha256-<hex> indexes that list them: a plan deletes at most "
            f"{MAX_REFERRER_DELETES:,}"
        )

    steps: list[DeleteStep] = []

    def index_steps(subject: str, items: Collection[FoundReferrer], depth: int) -> None:
        if dropped:
            return  # an index goes only with all it lists
        for tag in sorted({f.tag for f in items if f.found_by == "referrers-tag" and f.tag}):
            index = tagged.get(tag)
            if index is None or index.digest in seen:
                continue
            seen.add(index.digest)
            steps.append(
                DeleteStep(
                    digest=index.digest,
                    media_type=index.media_type,
                    role="referrers-index",
                    subject=subject,
                    depth=depth,
                    tags=_tags_on(tagged, index.digest),
                )
            )

    def emit(node: _Node, subject: str) -> None:
        d = node.found.descriptor
        for child in node.children:
            emit(child, d.digest)
        if node.depth < MAX_DEPTH:
            index_steps(d.digest, node.found_under, node.depth + 1)
        steps.append(
            DeleteStep(
                digest=d.digest,
                media_type=d.media_type,
                role="referrer",
                subject=subject,
                depth=node.depth,
                artifact_type=d.artifact_type,
                found_by=node.found.found_by,
                tags=_tags_on(tagged, d.digest),
            )
        )

    for node in top:
        emit(node, digest)
    index_steps(digest, found, 1)
    return ReferrerDeletes(tuple(steps), tuple(notes))


async def _lookups(
    referrers: Referrers, repository: str, digests: list[str], listed: set[str]
) -> list[list[FoundReferrer] | str]:
    """What refers to each of ``digests`` (at once); the error's text where it failed."""

    async def one(digest: str) -> list[FoundReferrer] | str:
        try:
            return await referrers.find_where(repository, digest, tags=listed)
        except RegistryError as exc:
            return str(exc)

    return list(await asyncio.gather(*(one(d) for d in digests)))
