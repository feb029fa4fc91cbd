"""The repository listing: ``GET /v2/_catalog``, paginated.

Many registries do not offer it (Docker Hub, GHCR, ...) or offer it only to some users;
every refusal becomes :class:`~regview.registry.errors.Denied` with a message that says
what to do instead (open a repository by name, or log in).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from regview.registry.errors import AuthError, Denied, LoginFailed, NotFound
from regview.registry.pagination import CATALOG_PAGE, paginate
from regview.registry.session import Session
from regview.registry.vendors import catalog_refusal, lists_no_repositories

__all__ = ["list_repositories"]


async def list_repositories(
    session: Session, *, page_size: int | None = None
) -> AsyncIterator[list[str]]:
    """Repository names from ``_catalog``, one page at a time (Link pagination)."""
    try:
        async for page in paginate(
            session.transport,
            "/v2/_catalog",
            "repositories",
            scope="registry:catalog:*",
            page_size=page_size or CATALOG_PAGE,
            max_pages=session.settings.max_pages,
            max_entries=session.settings.max_list_entries,
            max_bytes=session.settings.max_list_bytes,
            what="catalog",
        ):
            yield page
    except NotFound:
        raise Denied(catalog_refusal(session.registry)) from None
    except AuthError as exc:
        if isinstance(exc, LoginFailed):
            raise
        if lists_no_repositories(session.registry):
            # Docker Hub, GHCR...: nobody gets the catalog, logged in or not.
            raise Denied(catalog_refusal(session.registry), codes=exc.codes) from None
        if isinstance(exc, Denied):
            raise
        if session.identity == "anonymous":
            raise Denied(
                f"{session.registry} lists its repositories only to authenticated users: "
                "log in (docker login, or -u with --password-stdin) or open a "
                "repository by name",
                codes=exc.codes,
            ) from None
        raise Denied(
            f"{session.registry} does not list its repositories to {session.identity}: "
            "open a repository by name",
            codes=exc.codes,
        ) from None
