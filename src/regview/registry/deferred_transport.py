"""A transport built on its first request: what it costs to build (TLS contexts, and the
imports of h11, httpcore and h2: ~30 ms of start-up) is paid only by a run that sends a
request, never by one the cache answers."""

from __future__ import annotations

from collections.abc import Callable

import httpx

__all__ = ["DeferredTransport"]


class DeferredTransport(httpx.AsyncBaseTransport):
    """Builds its transport on the first request (TLS contexts and h2 cost ~90 ms)."""

    def __init__(self, factory: Callable[[], httpx.AsyncBaseTransport]) -> None:
        self._factory = factory
        self._inner: httpx.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._inner is None:
            self._inner = self._factory()
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        if self._inner is not None:
            await self._inner.aclose()
