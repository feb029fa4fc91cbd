"""One registry session per kernel and settings: the client pool, the sources opened.

Every cell coroutine and every widget of a kernel that use the same settings share one
:class:`Session`, so they share one cache and one connection pool per registry, on the
kernel's running event loop. Nothing here imports Textual.
"""

from __future__ import annotations

from typing import Any

from regview.registry import ClientPool, CredentialStore, Settings, Source
from regview.targets import Opened, Ref, open_target, parse_ref, source_for

__all__ = ["Session", "session"]


class Session:
    """Settings, a client pool over them, and the OCI layouts opened so far."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pool = ClientPool(
            settings=settings, credentials=CredentialStore(auth_files=settings.auth_files)
        )
        self._layouts: dict[str, Source] = {}

    def source(self, key: str) -> Source:
        """The source of a :attr:`~regview.targets.Ref.source_key`: a registry client from
        the pool, or an OCI layout (opened once)."""
        if key.startswith("oci:"):
            layout = self._layouts.get(key)
            if layout is None:
                layout = source_for(key, self.pool.get, self.settings)
                self._layouts[key] = layout
            return layout
        return self.pool.get(key)

    def open(self, target: str) -> Opened:
        """Open what a person typed (``HOST``, ``HOST/REPO``, ``REF``, ``oci:PATH``, ``demo``)."""
        return open_target(target, self.pool.get, self.settings)

    def resolve(self, text: str, *, need_reference: bool = True) -> tuple[Source, Ref]:
        """The source and the parsed reference of ``text``."""
        ref = parse_ref(text, need_reference=need_reference)
        return self.source(ref.source_key), ref

    async def aclose(self) -> None:
        """Close every client and wait for the cache writes."""
        await self.pool.aclose()


_sessions: dict[Settings, Session] = {}


def session(**settings: Any) -> Session:
    """The kernel's session for ``settings`` (keyword names of
    :class:`~regview.registry.Settings`, read with the environment), made on first use."""
    resolved = Settings.from_environment(**settings)
    found = _sessions.get(resolved)
    if found is None:
        found = _sessions[resolved] = Session(resolved)
    return found
