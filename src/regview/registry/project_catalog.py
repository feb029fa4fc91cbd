"""One project's repositories: Harbor's ``GET /api/v2.0/projects/<project>/repositories``.

Harbor lists the whole ``_catalog`` only to system administrators, but any member (and,
for a public project, anyone) may list a project's repositories through its REST API:
a JSON array of objects whose ``name`` is ``project/repository``, paged with ``page`` and
``page_size`` (at most 100) and a ``Link`` to the next page. The API takes Basic
credentials, not the registry's tokens.

A registry that is not Harbor answers that path with a plain 404: the catalog is then
read and only the names under ``project/`` are kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from regview.registry.catalog import list_repositories
from regview.registry.errors import (
    AuthError,
    Denied,
    InvalidReference,
    MalformedContent,
    NotFound,
    ProtocolError,
    RegistryError,
)
from regview.registry.link_header import next_link
from regview.registry.parsers import load_json
from regview.registry.responses import error_for
from regview.registry.session import Session
from regview.registry.urls import segment
from regview.registry.vendors import catalog_refusal, lists_no_repositories

__all__ = ["HARBOR_PAGE", "list_project_repositories"]

HARBOR_PAGE = 100
"""Harbor's largest ``page_size``."""


async def list_project_repositories(
    session: Session, project: str, *, page_size: int | None = None
) -> AsyncIterator[list[str]]:
    """Names (``project/repository``) of ``project``'s repositories, a page at a time."""
    if not project or "/" in project:
        raise InvalidReference(
            "a project is one name (the first part of a repository name), e.g. library"
        )
    if lists_no_repositories(session.registry):
        raise Denied(catalog_refusal(session.registry))  # Docker Hub, GHCR: no listing at all
    transport = session.transport
    what = f"repositories of project {project}"
    size = max(1, min(page_size or HARBOR_PAGE, HARBOR_PAGE))
    url = transport.url(
        f"/api/v2.0/projects/{segment(project)}/repositories", {"page": 1, "page_size": size}
    )
    seen: set[str] = set()
    pages = 0
    while True:
        pages += 1
        if pages > session.settings.max_pages or str(url) in seen:
            raise ProtocolError(f"stopped after {pages - 1:,} pages of the {what}")
        seen.add(str(url))
        response = await transport.request("GET", url, scope=None, what=what, basic_only=True)
        if response.status == 404 and pages == 1:
            if _is_api_error(response.body):
                raise NotFound(f"{session.registry} has no project {project}")
            async for page in _catalog_under(session, project):
                yield page
            return
        if response.status == 401:
            raise AuthError(
                f"{session.registry} lists project {project} only to its members: log in "
                f"(docker login {session.registry}, or -u USER --password-stdin)"
            )
        if response.status == 403:
            raise Denied(
                f"{session.identity} may not list project {project} on {session.registry}: "
                "ask its administrators for access"
            )
        if response.status != 200:
            raise error_for(response, what)
        names = _names(response.body, what)
        yield names
        link = next_link(response.headers.get_list("link"))
        if link is None or not names:
            return
        try:
            url = response.url.join(link)
        except httpx.InvalidURL:
            raise ProtocolError(f"the {what} has an invalid Link header; stopped") from None
        if not transport.same_origin(url):
            raise ProtocolError(f"the {what} continues on another host; stopped there")


async def _catalog_under(session: Session, project: str) -> AsyncIterator[list[str]]:
    """Not Harbor: the catalog's names under ``project/``."""
    prefix = project + "/"
    async for page in list_repositories(session):
        kept = [name for name in page if name.startswith(prefix)]
        if kept:
            yield kept


def _is_api_error(body: bytes) -> bool:
    """A JSON ``{"errors": [...]}`` 404 (Harbor's "project not found"), not a plain one."""
    with contextlib.suppress(RegistryError):
        obj: Any = load_json(body, "error body")
        return isinstance(obj, dict) and isinstance(obj.get("errors"), list)
    return False


def _names(body: bytes, what: str) -> list[str]:
    obj: Any = load_json(body, what)
    if not isinstance(obj, list):
        raise MalformedContent(f"the {what} is not a JSON array")
    names = []
    for item in obj:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str):
            raise MalformedContent(f"the {what} holds an entry without a name")
        names.append(name)
    return names
