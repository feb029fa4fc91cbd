"""Referrers: the manifests whose ``subject`` is an image (signatures, SBOMs, ...).

Found three ways, merged by digest: the OCI 1.1 referrers API
(``GET /v2/<name>/referrers/<digest>``) when the registry offers it, else the
"referrers tag schema" (an index tagged ``sha256-<hex>``); plus cosign's tags
(``sha256-<hex>.sig``, ``.att``, ``.sbom``). Where a listing leaves ``artifactType``
out, it is read from the referrer's own manifest (not on registries that meter pulls).

:meth:`Referrers.find_where` also says how each was found and which tag holds it, for
those (a guarded delete) that must say what a deleted image leaves behind.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from regview.registry import media_types as mt
from regview.registry.digests import parse_digest
from regview.registry.errors import MalformedContent, NotFound, RegistryError
from regview.registry.manifests import Manifests
from regview.registry.models import Descriptor, ImageIndex
from regview.registry.parsers import parse_manifest
from regview.registry.responses import content_type, error_for
from regview.registry.session import Session
from regview.registry.urls import repo_path, segment

__all__ = ["FoundReferrer", "Referrers"]

_COSIGN_SUFFIXES = {
    ".sig": mt.COSIGN_SIGNATURE,
    ".att": "application/vnd.dsse.envelope.v1+json",
    ".sbom": "application/vnd.dev.cosign.sbom",
}
#: Longest tag a registry accepts.
_TAG_MAX = 128


#: How a referrer was found: the referrers API, the ``sha256-<hex>`` tag schema index,
#: or a cosign ``sha256-<hex>.sig``/``.att``/``.sbom`` tag.
FoundBy = Literal["referrers-api", "referrers-tag", "cosign-tag"]


@dataclass(frozen=True, slots=True)
class FoundReferrer:
    """A referrer, how it was found, and the tag that holds it (None: the API lists it).

    ``tag`` is the tag schema's index tag (``sha256-<hex>``, which lists the referrer)
    or cosign's tag (``sha256-<hex>.sig``, which names it).
    """

    descriptor: Descriptor
    found_by: FoundBy
    tag: str | None = None


class Referrers:
    """Lists referrers for one registry's session, learning whether it has the API."""

    def __init__(self, session: Session, manifests: Manifests) -> None:
        self._session = session
        self._manifests = manifests
        self._api: bool | None = None  # does the registry offer the referrers API?

    async def find(self, repository: str, digest: str) -> list[Descriptor]:
        """Referrers API when offered, else the ``sha256-<hex>`` tag schema, plus cosign tags."""
        return [f.descriptor for f in await self.find_where(repository, digest)]

    async def find_where(
        self, repository: str, digest: str, *, tags: Collection[str] | None = None
    ) -> list[FoundReferrer]:
        """As :meth:`find`, saying for each referrer how it was found and which tag holds it.

        ``tags``, when given, is the repository's tag list, read just before: a tag-schema
        or cosign tag not in it is not asked for (most images have none, and each probe is
        a request).
        """
        parse_digest(digest)
        found: dict[str, FoundReferrer] = {}
        listed = await self._via_api(repository, digest)
        if listed is not None:
            for d in listed:
                found.setdefault(d.digest, FoundReferrer(d, "referrers-api"))
        else:
            tag = digest.replace(":", "-")
            if tags is None or tag in tags:
                for d in await self._via_tag(repository, tag):
                    found.setdefault(d.digest, FoundReferrer(d, "referrers-tag", tag))
        for d in await self._cosign_tags(repository, digest, tags):
            found.setdefault(d.digest, FoundReferrer(d, "cosign-tag", d.annotations["regview.tag"]))
        typed = await self._with_artifact_types(repository, [f.descriptor for f in found.values()])
        return [
            dataclasses.replace(f, descriptor=d) for f, d in zip(found.values(), typed, strict=True)
        ]

    async def _with_artifact_types(
        self, repository: str, referrers: list[Descriptor]
    ) -> list[Descriptor]:
        """Fill in ``artifactType`` where the listing left it out, from the manifests.

        The referrers API sets it, but a tag-schema index written by an older client
        (skopeo 1.9 drops it when it copies an index) may not, and the user then sees
        "referrer" where "signature" or "SBOM" was meant. A referrer manifest is small and
        cached forever by digest. Not on registries that meter pulls: every GET counts.
        """
        if self._session.meters_pulls or all(d.artifact_type for d in referrers):
            return referrers

        async def typed(d: Descriptor) -> Descriptor:
            if d.artifact_type:
                return d
            try:
                fetched = await self._manifests.manifest(repository, d.digest)
            except RegistryError:
                return d  # listed, but unreadable: shown untyped, and fails when opened
            kind = getattr(fetched.manifest, "artifact_type", None)
            return dataclasses.replace(d, artifact_type=kind) if kind else d

        return list(await asyncio.gather(*(typed(d) for d in referrers)))

    async def _via_api(self, repository: str, digest: str) -> list[Descriptor] | None:
        if self._api is False:
            return None
        transport = self._session.transport
        response = await transport.request(
            "GET",
            transport.url(f"/v2/{repo_path(repository)}/referrers/{segment(digest)}"),
            scope=f"repository:{repository}:pull",
            headers={"Accept": mt.OCI_INDEX},
            what="referrers",
        )
        if response.status == 200 and content_type(response.headers) == mt.OCI_INDEX:
            self._api = True
            index = parse_manifest(response.body, mt.OCI_INDEX)
            if not isinstance(index, ImageIndex):
                raise MalformedContent("the referrers answer is not an image index")
            return list(index.manifests)
        if response.status in (404, 405, 400) or response.status == 200:
            self._api = False
            return None
        raise error_for(response, "referrers")

    async def _via_tag(self, repository: str, tag: str) -> list[Descriptor]:
        try:
            if self._session.meters_pulls:
                # Most images have no referrers: find out with a HEAD, which is not a pull.
                found = await self._manifests.resolve(repository, tag)
                fetched = await self._manifests.manifest(repository, found.digest)
            else:
                fetched = await self._manifests.manifest(repository, tag)
        except NotFound:
            return []
        if not isinstance(fetched.manifest, ImageIndex):
            return []
        return list(fetched.manifest.manifests)

    async def _cosign_tags(
        self, repository: str, digest: str, tags: Collection[str] | None = None
    ) -> list[Descriptor]:
        base = digest.replace(":", "-")

        async def probe(suffix: str, artifact_type: str) -> Descriptor | None:
            tag = base + suffix
            if tags is not None and tag not in tags:
                return None
            try:
                d = await self._manifests.resolve(repository, tag)
            except NotFound:
                return None
            return Descriptor(
                media_type=d.media_type,
                digest=d.digest,
                size=d.size,
                artifact_type=artifact_type,
                annotations={"regview.tag": tag},
            )

        if len(base) + len(".sbom") > _TAG_MAX:
            return []
        results = await asyncio.gather(*(probe(s, t) for s, t in _COSIGN_SUFFIXES.items()))
        return [d for d in results if d is not None]
