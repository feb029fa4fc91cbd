"""The caching registry client: a :class:`~regview.registry.source.Source` over HTTP.

One :class:`RegistryClient` talks to one registry. :class:`ClientPool` hands out clients
for several registries that share one cache and one credential store (the CLI's
``inspect`` of references on different hosts uses it).

Content addressed by digest (manifests, configs) comes from the cache without a request;
tags and tag lists are trusted for ``tag_ttl`` seconds, then revalidated (a HEAD for a
tag, ``If-None-Match`` for a tag list when the server gave an ETag).

The client is a thin composition of one module per operation, as regclient's
``scheme/reg`` is: :mod:`~regview.registry.catalog`, :mod:`~regview.registry.tag_list`,
:mod:`~regview.registry.manifests`, :mod:`~regview.registry.blob_fetch` and
:mod:`~regview.registry.referrers`, which share a :class:`~regview.registry.session.Session`
(transport, cache, settings, counters).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from regview.registry import tag_list
from regview.registry.blob_fetch import Blobs
from regview.registry.blobs import BlobStream
from regview.registry.cache import ContentCache
from regview.registry.catalog import list_repositories
from regview.registry.credential import Credential
from regview.registry.credentials import CredentialStore
from regview.registry.delete import PLAN_CONCURRENCY, DeletePlan, Deletes
from regview.registry.hosts import normalize_registry
from regview.registry.manifests import Manifests
from regview.registry.models import Descriptor
from regview.registry.project_catalog import list_project_repositories
from regview.registry.pull_budget import read_pull_budget
from regview.registry.referrers import Referrers
from regview.registry.responses import error_for
from regview.registry.session import Session
from regview.registry.settings import Settings
from regview.registry.source import FetchedConfig, FetchedManifest, RateLimit, Stats
from regview.registry.urls import api_base_url

__all__ = ["ApiVersion", "ClientPool", "RegistryClient", "api_base_url"]


@dataclass(frozen=True, slots=True)
class ApiVersion:
    """What ``GET /v2/`` told us."""

    status: int
    api_version: str | None
    auth_schemes: tuple[str, ...]


class RegistryClient:
    """Client for one registry, with verification, limits and caching (it writes only
    when asked to delete: :meth:`plan_delete`, then :meth:`delete`)."""

    def __init__(
        self,
        registry: str,
        *,
        settings: Settings | None = None,
        credentials: CredentialStore | None = None,
        credential: Credential | None = None,
        cache: ContentCache | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.registry = normalize_registry(registry)
        self.settings = settings or Settings()
        if cache is None:
            cache = ContentCache(self.settings.cache_root(), write_behind=True)
            self._owns_cache = True
        else:
            self._owns_cache = False
        self.cache = cache
        self._session = Session(
            self.registry,
            settings=self.settings,
            cache=cache,
            credentials=credentials,
            credential=credential,
            http_transport=http_transport,
        )
        self._manifests = Manifests(self._session)
        self._blobs = Blobs(self._session)
        self._referrers = Referrers(self._session, self._manifests)
        self._deletes = Deletes(self._session, self._manifests, self._referrers)

    # --- Source properties -------------------------------------------------------------

    @property
    def name(self) -> str:
        """The registry host (``host[:port]``, ``docker.io`` for Docker Hub)."""
        return self.registry

    @property
    def identity(self) -> str:
        """Who we are there: the user name once credentials are used, else ``anonymous``."""
        return self._session.identity

    @property
    def stats(self) -> Stats:
        """Request, cache-hit and pull-budget counters, updated in place."""
        return self._session.stats

    @property
    def token_requests(self) -> int:
        """Token requests sent to the auth realm so far."""
        return self._session.transport.auth.token_requests

    @property
    def meters_pulls(self) -> bool:
        """True on Docker Hub, or once a registry sent rate-limit headers."""
        return self._session.meters_pulls

    async def aclose(self) -> None:
        """Close the connections and wait for the cache writes this client owns."""
        try:
            await self._session.transport.aclose()
        finally:
            if self._owns_cache:
                await asyncio.to_thread(self.cache.flush)

    async def __aenter__(self) -> RegistryClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- the API check -----------------------------------------------------------------

    async def ping(self) -> ApiVersion:
        """``GET /v2/``: is this a registry, and which auth does it want?"""
        transport = self._session.transport
        response = await transport.request(
            "GET", transport.url("/v2/"), scope=None, what="API check"
        )
        if response.status not in (200, 401):
            raise error_for(response, "API check")
        schemes = tuple(
            sorted(
                {
                    v.split(" ", 1)[0].lower()
                    for v in response.headers.get_list("www-authenticate")
                    if v.strip()
                }
            )
        )
        return ApiVersion(
            response.status, response.headers.get("docker-distribution-api-version"), schemes
        )

    # --- listings ----------------------------------------------------------------------

    async def repositories(self, *, page_size: int | None = None) -> AsyncIterator[list[str]]:
        """Repository names from ``_catalog``, one page at a time (Link pagination)."""
        async for page in list_repositories(self._session, page_size=page_size):
            yield page

    async def project_repositories(
        self, project: str, *, page_size: int | None = None
    ) -> AsyncIterator[list[str]]:
        """Repositories of one project (Harbor's project API; elsewhere the catalog's
        names under ``project/``), one page at a time."""
        async for page in list_project_repositories(self._session, project, page_size=page_size):
            yield page

    async def tags(self, repository: str) -> AsyncIterator[list[str]]:
        """Tags of ``repository``, one page at a time; cached, then revalidated."""
        async for page in tag_list.list_tags(self._session, repository):
            yield page

    def invalidate(self, repository: str | None = None) -> None:
        """Ask the registry again, next time, for tags (all repositories when None).

        The tag list is dropped, and every tag -> digest answer fetched until now counts
        as stale, so the next look at a tag is revalidated (a HEAD). Content addressed by
        digest is never invalidated: it cannot change.
        """
        tag_list.invalidate(self._session, repository)

    # --- manifests ---------------------------------------------------------------------

    def peek_manifest(self, repository: str, digest: str) -> FetchedManifest | None:
        """The manifest for ``digest`` from the cache, without a request; or None."""
        return self._manifests.peek(repository, digest)

    async def resolve(self, repository: str, reference: str) -> Descriptor:
        """Digest, media type and size of a tag or digest: from the cache, else a HEAD."""
        return await self._manifests.resolve(repository, reference)

    async def manifest(self, repository: str, reference: str) -> FetchedManifest:
        """The verified manifest a tag or digest names, from the cache when it can be."""
        return await self._manifests.manifest(repository, reference)

    async def pull_budget(self, repository: str, reference: str = "latest") -> RateLimit | None:
        """The pull budget, read with one HEAD of a manifest (not a pull on Docker Hub).

        Always asks the registry (never the cache); None when it sends no
        ``RateLimit-*`` headers. :attr:`stats` ``.rate_limit`` is updated too.
        """
        return await read_pull_budget(self._session, repository, reference)

    # --- blobs -------------------------------------------------------------------------

    async def config(self, repository: str, descriptor: Descriptor) -> FetchedConfig:
        """The verified, parsed image config a manifest's ``config`` descriptor names."""
        return await self._blobs.config(repository, descriptor)

    async def config_bytes(self, repository: str, descriptor: Descriptor) -> bytes:
        """The verified bytes of a config (or any small blob) named by ``descriptor``."""
        return await self._blobs.config_bytes(repository, descriptor)

    async def blob_size(self, repository: str, digest: str) -> int:
        """Size of a blob from a HEAD request, remembered per digest."""
        return await self._blobs.size(repository, digest)

    @contextlib.asynccontextmanager
    async def open_blob(
        self, repository: str, digest: str, *, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[BlobStream]:
        """Stream a blob (e.g. a layer), or ``length`` bytes of it from ``offset``."""
        async with self._blobs.open(repository, digest, offset=offset, length=length) as stream:
            yield stream

    # --- referrers ---------------------------------------------------------------------

    async def referrers(self, repository: str, digest: str) -> list[Descriptor]:
        """Referrers API when offered, else the ``sha256-<hex>`` tag schema, plus cosign tags."""
        return await self._referrers.find(repository, digest)

    # --- delete ------------------------------------------------------------------------

    async def plan_delete(
        self, repository: str, reference: str, *, concurrency: int = PLAN_CONCURRENCY
    ) -> DeletePlan:
        """What deleting a tag or digest would remove: its digest (a HEAD, not the cache)
        and every tag of the repository on that digest; and what it would leave behind:
        the artifacts that refer to it, an index's child manifests. Nothing is deleted."""
        return await self._deletes.plan(repository, reference, concurrency=concurrency)

    async def delete(self, plan: DeletePlan) -> None:
        """Delete the manifest of ``plan`` by digest (never by tag); every tag on it goes.

        The repository's tag list and tag -> digest answers are dropped from the cache.
        A registry that does not allow it raises :class:`~regview.registry.errors.Unsupported`.
        """
        if plan.registry != self.registry:
            raise ValueError(f"a plan for {plan.registry} given to the client of {self.registry}")
        await self._deletes.delete(plan)


class ClientPool:
    """Clients for any number of registries, sharing one cache and one credential store."""

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        credentials: CredentialStore | None = None,
        static: dict[str, Credential] | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.credentials = credentials
        self.static = dict(static or {})
        self.cache = ContentCache(self.settings.cache_root(), write_behind=True)
        self._http_transport = http_transport
        self._clients: dict[str, RegistryClient] = {}

    def get(self, registry: str) -> RegistryClient:
        """The client for ``registry``, made on first use."""
        key = normalize_registry(registry)
        client = self._clients.get(key)
        if client is None:
            client = RegistryClient(
                key,
                settings=self.settings,
                credentials=self.credentials,
                credential=self.static.get(key),
                cache=self.cache,
                http_transport=self._http_transport,
            )
            self._clients[key] = client
        return client

    @property
    def clients(self) -> list[RegistryClient]:
        """The clients made so far."""
        return list(self._clients.values())

    async def aclose(self) -> None:
        """Close every client, then wait for the cache writes."""
        try:
            await asyncio.gather(*(c.aclose() for c in self._clients.values()))
        finally:
            await asyncio.to_thread(self.cache.flush)

    async def __aenter__(self) -> ClientPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
