"""The read interface shared by a remote registry and a local OCI image layout.

The TUI and the CLI only ever talk to a :class:`Source`. Every method is a coroutine
(or an async iterator) that may be cancelled at any await point; cancelling one caller
never breaks another caller waiting on the same content.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from regview.registry.blobs import BlobStream
from regview.registry.models import Descriptor, ImageConfig, Manifest

__all__ = ["FetchedConfig", "FetchedManifest", "RateLimit", "Source", "Stats"]


@dataclass(frozen=True, slots=True)
class FetchedManifest:
    """A manifest as served: its verified digest, raw bytes and the parsed model."""

    repository: str
    digest: str
    media_type: str
    raw: bytes
    manifest: Manifest

    @property
    def size(self) -> int:
        """Size of the raw bytes."""
        return len(self.raw)

    def descriptor(self) -> Descriptor:
        """A descriptor of this manifest (media type, digest, size)."""
        return Descriptor(media_type=self.media_type, digest=self.digest, size=len(self.raw))


@dataclass(frozen=True, slots=True)
class FetchedConfig:
    """An image configuration blob: verified digest, raw bytes and the parsed model."""

    digest: str
    raw: bytes
    config: ImageConfig


@dataclass(frozen=True, slots=True)
class RateLimit:
    """What the server said of its pull budget (``RateLimit-Limit``/``-Remaining``)."""

    limit: int | None
    remaining: int | None
    window_seconds: int | None = None


@dataclass
class Stats:
    """Counters a UI shows in its status bar. Updated in place by the source.

    ``requests`` counts every HTTP request (token requests too), ``in_flight`` those not
    answered yet. ``local`` is set by a source that reads local files (an OCI layout):
    its ``requests`` are file reads, nothing is cached and nothing goes over a network.
    """

    requests: int = 0
    cache_hits: int = 0
    in_flight: int = 0
    bytes_received: int = 0
    rate_limit: RateLimit | None = None
    started: float = field(default_factory=time.monotonic)
    local: bool = False
    credential_origin: str | None = None
    """Where the credentials in use came from: an auth file's path, a credential helper
    (``docker-credential-NAME``) or ``--password-stdin``; None when anonymous."""
    login_refused: bool = False
    """The registry refused the credentials (a 401 after authenticating)."""


@runtime_checkable
class Source(Protocol):
    """Somewhere to read repositories, tags, manifests and blobs from."""

    @property
    def name(self) -> str:
        """What to show as the source: ``host[:port]`` or ``oci:PATH``."""
        ...

    @property
    def identity(self) -> str:
        """Who we are there: a user name, ``anonymous``, or ``local``."""
        ...

    @property
    def stats(self) -> Stats:
        """Counters a UI shows in its status bar, updated in place."""
        ...

    def repositories(self, *, page_size: int | None = None) -> AsyncIterator[list[str]]:
        """Repository names, one page at a time, in server order."""
        ...

    def tags(self, repository: str) -> AsyncIterator[list[str]]:
        """Tags of ``repository``, one page at a time (server order; empty if none)."""
        ...

    async def resolve(self, repository: str, reference: str) -> Descriptor:
        """Digest, media type and size of a tag or digest, as cheaply as possible."""
        ...

    async def manifest(self, repository: str, reference: str) -> FetchedManifest:
        """Fetch (or read from cache) and verify the manifest a tag or digest names."""
        ...

    def peek_manifest(self, repository: str, digest: str) -> FetchedManifest | None:
        """The manifest for ``digest`` if it can be had without a network request."""
        ...

    @property
    def meters_pulls(self) -> bool:
        """True when manifest GETs count against a pull budget (Docker Hub): callers
        that only decorate a listing should then HEAD and peek instead of GET."""
        ...

    async def config(self, repository: str, descriptor: Descriptor) -> FetchedConfig:
        """Fetch (or read from cache) and verify an image configuration blob."""
        ...

    async def blob_size(self, repository: str, digest: str) -> int:
        """Size of a blob (HEAD), without reading it."""
        ...

    async def referrers(self, repository: str, digest: str) -> list[Descriptor]:
        """Manifests whose ``subject`` is ``digest``: signatures, SBOMs, attestations."""
        ...

    def open_blob(
        self, repository: str, digest: str, *, offset: int = 0, length: int | None = None
    ) -> AbstractAsyncContextManager[BlobStream]:
        """Stream a blob (a layer), verified at the end; or a byte range of it."""
        ...

    def invalidate(self, repository: str | None = None) -> None:
        """Drop cached listings (the tag list of ``repository``) so they are read anew."""
        ...

    async def aclose(self) -> None:
        """Release connections and flush what the source owns."""
        ...
