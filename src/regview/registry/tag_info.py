"""What a tag list shows next to each tag (digest, kind, platforms, size, created).

Read lazily, one tag at a time, through a :class:`~regview.registry.source.Source`: the
TUI fills its visible rows with it, the notebook and the CLI whole listings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from regview.natural import sort_tags
from regview.registry import media_types as mt
from regview.registry.errors import RegistryError
from regview.registry.models import (
    Artifact,
    Descriptor,
    ImageIndex,
    ImageManifest,
    Manifest,
    Platform,
    parse_timestamp,
)
from regview.registry.source import Source

__all__ = ["TagInfo", "order_tags", "preferred_platform", "read_tag_info", "referrer_tag_kind"]

# Tags that point at what refers to an image rather than at an image of their own: the
# OCI 1.1 referrers tag schema (``<alg>-<subject digest, 64 characters>``, an index of the
# referrers, for registries without the referrers API) and cosign's ``.sig``, ``.att``
# and ``.sbom`` tags next to it.
_REFERRER_TAG = re.compile(r"(?:sha256|sha512)-[0-9a-f]{64}(?:\.(sig|att|sbom))?")
_REFERRER_KINDS = {None: "referrers", "sig": "signature", "att": "attestation", "sbom": "sbom"}


def referrer_tag_kind(tag: str) -> str | None:
    """``"referrers"``, ``"signature"``, ``"attestation"`` or ``"sbom"`` for a tag named
    by the referrers tag schema or by cosign; None for an ordinary tag."""
    if not tag.startswith(("sha256-", "sha512-")):
        return None
    m = _REFERRER_TAG.fullmatch(tag)
    return _REFERRER_KINDS[m.group(1)] if m is not None else None


def order_tags(tags: Iterable[str]) -> list[str]:
    """Tags in natural order, those of :func:`referrer_tag_kind` after the ordinary ones."""
    ordered = sort_tags(tags)
    ordinary = [t for t in ordered if referrer_tag_kind(t) is None]
    if len(ordinary) == len(ordered):
        return ordered
    return ordinary + [t for t in ordered if referrer_tag_kind(t) is not None]


@dataclass(frozen=True, slots=True)
class TagInfo:
    """Columns of one tag; ``error`` set when the tag could not be read."""

    digest: str | None = None
    kind: str = ""  # "image", "index", "artifact", "schema1"
    platforms: int | None = None
    size: int | None = None
    created: datetime | None = None
    error: str | None = None
    #: The manifest's media type (what the tag names), when known.
    media_type: str | None = None


_PREFERRED = Platform("linux", "amd64")


def preferred_platform(index: ImageIndex) -> Descriptor | None:
    """The entry a person most likely means: linux/amd64, else the first real image."""
    images = [d for d in index.images if d.platform is None or not d.platform.is_unknown]
    for d in images:
        if d.platform is not None and d.platform.matches(_PREFERRED):
            return d
    return images[0] if images else None


async def _image_info(source: Source, repository: str, manifest: ImageManifest) -> tuple[
    int, datetime | None
]:
    size = manifest.layers_size
    if not manifest.config_readable:
        created = parse_timestamp(manifest.annotations.get(mt.ANNOTATION_CREATED))
        return size, created
    config = await source.config(repository, manifest.config)
    return size, config.config.created_at


async def read_tag_info(source: Source, repository: str, tag: str) -> TagInfo:
    """Digest, platform count, compressed size and creation date of ``tag``.

    For an index the size and date are those of its preferred platform (linux/amd64
    or the first image). Registry errors become ``TagInfo(error=...)``.

    When the source meters pulls (Docker Hub counts every manifest GET against a
    budget of ~100 per 6 hours), a listing must not spend them: the tag is resolved with
    a HEAD (free) and only manifests already in the cache are read; the other columns
    stay empty until the user opens the tag.
    """
    try:
        if source.meters_pulls:
            found = await source.resolve(repository, tag)
            peeked = source.peek_manifest(repository, found.digest)
            if peeked is None:
                kind = _kind_of(found.media_type)
                return TagInfo(found.digest, kind, None, None, None, media_type=found.media_type)
            fetched = peeked
        else:
            fetched = await source.manifest(repository, tag)
        m = fetched.manifest
        if isinstance(m, ImageIndex):
            chosen = preferred_platform(m)
            size: int | None = None
            created: datetime | None = None
            if chosen is not None and mt.is_image_manifest(chosen.media_type):
                sub = await _child(source, repository, chosen.digest)
                if isinstance(sub, ImageManifest):
                    size, created = await _image_info(source, repository, sub)
            return TagInfo(
                fetched.digest, "index", len(m.images), size, created, media_type=fetched.media_type
            )
        if isinstance(m, Artifact):
            size, created = await _image_info(source, repository, m)
            return TagInfo(
                fetched.digest, "artifact", None, size, created, media_type=fetched.media_type
            )
        if isinstance(m, ImageManifest):
            size, created = await _image_info(source, repository, m)
            return TagInfo(fetched.digest, "image", 1, size, created, media_type=fetched.media_type)
        return TagInfo(fetched.digest, "schema1", 1, None, None, media_type=fetched.media_type)
    except RegistryError as exc:
        return TagInfo(error=str(exc))


async def _child(source: Source, repository: str, digest: str) -> Manifest | None:
    if source.meters_pulls:
        peeked = source.peek_manifest(repository, digest)
        return peeked.manifest if peeked is not None else None
    return (await source.manifest(repository, digest)).manifest


def _kind_of(media_type: str) -> str:
    if mt.is_index(media_type):
        return "index"
    if mt.is_schema1(media_type):
        return "schema1"
    return "image" if mt.is_image_manifest(media_type) else ""
