"""What every operation on one registry shares: the transport, the cache, the counters.

The operations (:mod:`~regview.registry.catalog`, :mod:`~regview.registry.tag_list`,
:mod:`~regview.registry.manifests`, :mod:`~regview.registry.blob_fetch`,
:mod:`~regview.registry.referrers`) each take a :class:`Session`;
:class:`~regview.registry.client.RegistryClient` composes them.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from regview.registry.cache import ContentCache
from regview.registry.credential import Credential
from regview.registry.credentials import CredentialStore
from regview.registry.responses import Response, error_for
from regview.registry.settings import RequestRecord, Settings
from regview.registry.source import Stats
from regview.registry.transport import Transport
from regview.registry.urls import api_base_url

__all__ = ["Session"]


class Session:
    """One registry's transport, cache, settings and counters, and who we are there."""

    def __init__(
        self,
        registry: str,
        *,
        settings: Settings,
        cache: ContentCache,
        credentials: CredentialStore | None,
        credential: Credential | None,
        http_transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self.registry = registry
        self.settings = settings
        self.cache = cache
        self.stats = Stats()
        self._store = credentials
        self._static = credential
        self.identity = "anonymous"
        #: Tag answers fetched before these times are stale: by repository, "" for all.
        self.stale_before: dict[str, float] = {}
        self.transport = Transport(
            registry,
            api_base_url(registry, plain_http=settings.plain_http),
            settings=settings,
            stats=self.stats,
            credentials=self._credential,
            http_transport=http_transport,
            may_switch_to_https=not settings.plain_http,
        )

    async def _credential(self) -> Credential | None:
        cred = self._static
        if cred is None and self._store is not None:
            cred = await asyncio.to_thread(self._store.lookup, self.registry)
        if cred is not None and not cred.is_anonymous:
            self.identity = cred.username or "token"
        return cred

    @property
    def meters_pulls(self) -> bool:
        """True on Docker Hub, or once a registry sent rate-limit headers."""
        return self.registry == "docker.io" or self.stats.rate_limit is not None

    def hit(self, path: str) -> None:
        """Count a cache hit, and log it with ``-v`` like a request that was not sent."""
        self.stats.cache_hits += 1
        logger = self.settings.logger
        if logger is not None:
            url = str(self.transport.url(path))
            logger(RequestRecord(method="GET", url=url, status=None, elapsed_ms=0.0, cache="hit"))

    def mark_stale(self, repository: str | None) -> None:
        """Every tag answer of ``repository`` (of all, when None) fetched until now is stale."""
        self.stale_before["" if repository is None else repository] = time.time()

    def stale_time(self, repository: str) -> float:
        """Tag answers of ``repository`` fetched at or before this time are stale."""
        return max(self.stale_before.get(repository, 0.0), self.stale_before.get("", 0.0))

    async def get(
        self,
        path: str,
        *,
        scope: str | None,
        what: str,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        params: dict[str, str | int] | None = None,
        max_bytes: int | None = None,
        not_found: str | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> Response:
        """Send ``method`` to ``path``; any status but ``ok`` raises the matching error."""
        url = self.transport.url(path, params)
        response = await self.transport.request(
            method, url, scope=scope, headers=headers, max_bytes=max_bytes, what=what
        )
        if response.status not in ok:
            raise error_for(response, what, not_found=not_found)
        return response
