"""Blobs: ``GET``/``HEAD /v2/<name>/blobs/<digest>``.

Small blobs (image configs) are read whole, verified and cached by digest; their size
is checked against the limit before anything is sent. Large ones (layers) are streamed
(:class:`~regview.registry.blobs.HttpBlobStream`) and verified as they are read. Blob
sizes from HEAD answers are remembered per digest.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from regview.registry.blobs import BlobStream, HttpBlobStream
from regview.registry.digests import parse_digest, verify_digest
from regview.registry.errors import ProtocolError, RangeNotServed, TooLarge
from regview.registry.models import Descriptor
from regview.registry.offload import off_loop
from regview.registry.parsers import parse_config
from regview.registry.responses import content_length
from regview.registry.session import Session
from regview.registry.singleflight import SingleFlight
from regview.registry.source import FetchedConfig
from regview.registry.urls import repo_path, segment

__all__ = ["Blobs"]


class Blobs:
    """Reads configs and layers for one registry's session."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._flights: SingleFlight[bytes] = SingleFlight()
        self._sizes: dict[str, int] = {}

    async def config(self, repository: str, descriptor: Descriptor) -> FetchedConfig:
        """The verified, parsed image config a manifest's ``config`` descriptor names."""
        raw = await self.config_bytes(repository, descriptor)
        return FetchedConfig(descriptor.digest, raw, await off_loop(len(raw), parse_config, raw))

    async def config_bytes(self, repository: str, descriptor: Descriptor) -> bytes:
        """The verified bytes of a config (or any small blob) named by ``descriptor``."""
        digest = parse_digest(descriptor.digest)
        limit = self._session.settings.max_body_bytes
        if descriptor.size > limit:
            raise TooLarge(
                f"config {digest[:19]}… declares {descriptor.size:,} bytes, over the "
                f"{limit:,} byte limit",
                limit=limit,
            )
        cached = self._session.cache.get(digest)
        if cached is not None:
            self._session.hit(f"/v2/{repo_path(repository)}/blobs/{digest}")
            return cached
        return await self._flights.do(("blob", digest), lambda: self._fetch(repository, digest))

    async def _fetch(self, repository: str, digest: str) -> bytes:
        response = await self._session.get(
            f"/v2/{repo_path(repository)}/blobs/{segment(digest)}",
            scope=f"repository:{repository}:pull",
            what=f"blob {digest[:19]}…",
            not_found=f"blob {digest[:19]}… not found in {repository}",
        )
        verify_digest(response.body, digest, what=f"blob {digest[:19]}…")
        self._session.cache.put(digest, response.body)
        return response.body

    async def size(self, repository: str, digest: str) -> int:
        """Size of a blob from a HEAD request, remembered per digest."""
        parse_digest(digest)
        known = self._sizes.get(digest)
        if known is not None:
            self._session.stats.cache_hits += 1
            return known
        response = await self._session.get(
            f"/v2/{repo_path(repository)}/blobs/{segment(digest)}",
            method="HEAD",
            scope=f"repository:{repository}:pull",
            what=f"blob {digest[:19]}…",
            not_found=f"blob {digest[:19]}… not found in {repository}",
        )
        size = content_length(response.headers)
        if size is None:
            raise ProtocolError(f"{self._session.registry} gave no size for blob {digest[:19]}…")
        self._sizes[digest] = size
        return size

    @contextlib.asynccontextmanager
    async def open(
        self, repository: str, digest: str, *, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[BlobStream]:
        """Stream a blob (e.g. a layer), or ``length`` bytes of it from ``offset``."""
        session = self._session
        parse_digest(digest)
        ranged = offset > 0 or length is not None
        headers: dict[str, str] = {}
        if ranged:
            end = "" if length is None else str(offset + length - 1)
            headers["Range"] = f"bytes={offset}-{end}"
        url = session.transport.url(f"/v2/{repo_path(repository)}/blobs/{segment(digest)}")
        async with session.transport.open_stream(
            url,
            scope=f"repository:{repository}:pull",
            headers=headers,
            what=f"blob {digest[:19]}…",
            not_found=f"blob {digest[:19]}… not found in {repository}",
        ) as response:
            if ranged and response.status_code != 206:
                # The body is not read: leaving the block closes the connection.
                raise RangeNotServed(f"{session.registry} does not serve byte ranges of blobs")

            def count(n: int) -> None:
                session.stats.bytes_received += n

            yield HttpBlobStream(response, digest, ranged=ranged, on_bytes=count)
