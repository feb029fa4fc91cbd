"""A repository's tags: ``GET /v2/<name>/tags/list``, paginated, cached and revalidated.

A tag list read within ``tag_ttl`` seconds is served from the cache without a request;
after that it is asked for again, with ``If-None-Match`` when the server gave an ETag
(a 304 keeps the cached list). :func:`invalidate` makes the next look ask again. A
cached list belongs to the identity that read it, and is served to an authenticated
one only once the registry accepted its credentials in this process (see
:mod:`regview.registry.session`).

An empty list (``{"tags": null}`` or ``[]``: a repository whose manifests were all
deleted) is the only "no tags" that is an answer. A 404 (``NAME_UNKNOWN``) raises
:class:`~regview.registry.errors.NotFound`: distribution answers it both for a
repository that does not exist and for one holding only untagged manifests, and one
request cannot tell the two apart, so the message names both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from regview.registry.errors import NotFound
from regview.registry.pagination import CATALOG_PAGE, FirstPage, NotModified, paginate
from regview.registry.session import Session
from regview.registry.urls import repo_path

__all__ = ["forget", "invalidate", "list_tags"]


def _key(session: Session, owner: str, repository: str) -> str:
    return session.listing_key(owner, f"tags:{session.registry}/{repository}")


async def list_tags(session: Session, repository: str) -> AsyncIterator[list[str]]:
    """Tags of ``repository``, one page at a time; cached, then revalidated."""
    owner = await session.listing_owner()
    key = None if owner is None else _key(session, owner, repository)
    cache = session.cache
    entry = None if key is None else cache.get_ref(key)
    if key is not None and entry is not None and not _is_tag_list(entry.value):
        # Not what we wrote (a corrupt or tampered cache file): refuse it.
        cache.drop_ref(key)
        entry = None
    if entry is not None and len(entry.value) > session.settings.max_list_entries:
        entry = None  # read under a higher limit: list again, and stop at this one
    if (
        entry is not None
        and entry.age() < session.settings.tag_ttl
        and entry.fetched_at > session.stale_time(repository)
    ):
        await session.confirm_login()
        session.hit(f"/v2/{repo_path(repository)}/tags/list")
        yield list(entry.value)
        return
    first_page = FirstPage()
    first_headers = {}
    if entry is not None and entry.etag:
        first_headers["If-None-Match"] = entry.etag
    collected: list[str] = []
    pages = 0
    try:
        async for page in paginate(
            session.transport,
            f"/v2/{repo_path(repository)}/tags/list",
            "tags",
            scope=f"repository:{repository}:pull",
            page_size=CATALOG_PAGE,
            max_pages=session.settings.max_pages,
            max_entries=session.settings.max_list_entries,
            max_bytes=session.settings.max_list_bytes,
            what=f"tag list of {repository}",
            first_headers=first_headers,
            first_page=first_page,
        ):
            pages += 1
            collected.extend(page)
            yield page
    except NotModified:
        assert key is not None and entry is not None
        session.stats.cache_hits += 1  # the 304 itself was logged as a request
        cache.put_ref(key, entry.value, etag=entry.etag)
        yield list(entry.value)
        return
    except NotFound as exc:
        if pages:
            raise  # a later page went missing: the list is incomplete
        if key is not None and entry is not None:
            cache.drop_ref(key)
        raise NotFound(
            f"no repository {repository}, or it has no tags: check the name, or open an "
            "untagged image by its digest (NAME@sha256:…)",
            codes=exc.codes,
        ) from None
    if key is not None:
        cache.put_ref(key, collected, etag=first_page.etag if pages == 1 else None)


def invalidate(session: Session, repository: str | None = None) -> None:
    """Ask the registry again, next time, for tags (all repositories when None)."""
    session.mark_stale(repository)
    if repository is not None and session.owner is not None:
        session.cache.drop_ref(_key(session, session.owner, repository))


def forget(session: Session, repository: str, owners: Iterable[str]) -> None:
    """Drop the cached tag list of ``repository`` read by each of ``owners`` (on disk too)."""
    for owner in owners:
        session.cache.drop_ref(_key(session, owner, repository))


def _is_tag_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)
