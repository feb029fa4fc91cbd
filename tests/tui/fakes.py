"""Fake sources: a layout with a fixed name, injected errors, stalls, huge catalogs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from regview.registry.blobs import BlobStream
from regview.registry.errors import RegistryError
from regview.registry.models import Descriptor
from regview.registry.oci_layout import OciLayoutSource
from regview.registry.source import FetchedConfig, FetchedManifest, RateLimit, Stats

Failure = Callable[[str], RegistryError | None]


class FakeSource:
    """An :class:`OciLayoutSource` wrapper whose name, catalog and failures we choose."""

    def __init__(
        self,
        path: Path,
        *,
        name: str = "registry.test",
        identity: str = "alice",
        repositories: list[str] | None = None,
        extra_tags: dict[str, list[str]] | None = None,
        catalog_error: RegistryError | None = None,
        fail: dict[str, RegistryError] | None = None,
        stall: set[str] | None = None,
        slow_blobs: dict[str, int] | None = None,
        page_size: int = 1000,
    ) -> None:
        self.inner = OciLayoutSource(path)
        self._name = name
        self._identity = identity
        self._repositories = repositories
        self.extra_tags = extra_tags or {}
        self.catalog_error = catalog_error
        #: "op:repo:ref" keys (or prefixes of them) that raise the given error.
        self.fail = fail or {}
        #: keys that never answer (until cancelled).
        self.stall = stall or set()
        #: "blob-stream:repo:digest" keys (or prefixes) that deliver this many bytes, in
        #: small pieces, then never another one (until cancelled).
        self.slow_blobs = slow_blobs or {}
        #: Blob streams opened and not closed yet (a cancelled read must close its stream).
        self.open_streams = 0
        self.page_size = page_size
        #: Pretend manifest GETs count against a pull budget (Docker Hub).
        self.metered = False
        self.calls: list[str] = []
        self._stats = Stats(rate_limit=RateLimit(limit=100, remaining=97, window_seconds=21600))

    @property
    def name(self) -> str:
        return self._name

    @property
    def identity(self) -> str:
        return self._identity

    @property
    def stats(self) -> Stats:
        return self._stats

    async def _check(self, key: str) -> None:
        self.calls.append(key)
        for prefix, error in self.fail.items():
            if key.startswith(prefix):
                raise error
        for prefix in self.stall:
            if key.startswith(prefix):
                await asyncio.Event().wait()

    async def repositories(self, *, page_size: int | None = None) -> AsyncIterator[list[str]]:
        await self._check("repositories")
        if self.catalog_error is not None:
            raise self.catalog_error
        if self._repositories is None:
            async for page in self.inner.repositories(page_size=page_size):
                yield page
            return
        step = page_size or self.page_size
        for i in range(0, len(self._repositories), step):
            yield self._repositories[i : i + step]
            await asyncio.sleep(0)

    async def tags(self, repository: str) -> AsyncIterator[list[str]]:
        await self._check(f"tags:{repository}")
        if repository in self.extra_tags:
            yield self.extra_tags[repository]
            return
        async for page in self.inner.tags(repository):
            yield page

    async def resolve(self, repository: str, reference: str) -> Descriptor:
        await self._check(f"resolve:{repository}:{reference}")
        return await self.inner.resolve(repository, reference)

    async def manifest(self, repository: str, reference: str) -> FetchedManifest:
        await self._check(f"manifest:{repository}:{reference}")
        self._stats.requests += 1
        return await self.inner.manifest(repository, reference)

    async def config(self, repository: str, descriptor: Descriptor) -> FetchedConfig:
        await self._check(f"config:{repository}:{descriptor.digest}")
        self._stats.requests += 1
        return await self.inner.config(repository, descriptor)

    async def blob_size(self, repository: str, digest: str) -> int:
        await self._check(f"blob:{repository}:{digest}")
        return await self.inner.blob_size(repository, digest)

    async def referrers(self, repository: str, digest: str) -> list[Descriptor]:
        await self._check(f"referrers:{repository}:{digest}")
        return await self.inner.referrers(repository, digest)

    @contextlib.asynccontextmanager
    async def open_blob(
        self, repository: str, digest: str, *, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[BlobStream]:
        key = f"blob-stream:{repository}:{digest}"
        await self._check(key)
        limit = next((n for prefix, n in self.slow_blobs.items() if key.startswith(prefix)),
                     None)
        async with self.inner.open_blob(
            repository, digest, offset=offset, length=length
        ) as stream:
            self.open_streams += 1
            try:
                yield stream if limit is None else _StallingStream(stream, limit)
            finally:
                self.open_streams -= 1

    def peek_manifest(self, repository: str, digest: str) -> FetchedManifest | None:
        return self.inner.peek_manifest(repository, digest)

    @property
    def meters_pulls(self) -> bool:
        return self.metered

    def invalidate(self, repository: str | None = None) -> None:
        self.calls.append(f"invalidate:{repository}")
        self.inner.invalidate(repository)

    async def aclose(self) -> None:
        await self.inner.aclose()


class _StallingStream(BlobStream):
    """Delivers ``limit`` bytes of ``inner``, 64 bytes every 20 ms, then waits forever."""

    def __init__(self, inner: BlobStream, limit: int) -> None:
        super().__init__(inner.digest, inner.size, ranged=inner.ranged)
        self.inner = inner
        self.limit = limit

    async def chunks(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner.chunks():
            for i in range(0, len(chunk), 64):
                if self.read >= self.limit:
                    await asyncio.Event().wait()
                piece = chunk[i : i + 64]
                self._account(piece)
                await asyncio.sleep(0.02)
                yield piece
        self._finish()
