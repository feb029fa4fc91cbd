"""Paginated listings (``_catalog``, ``tags/list``): pages followed by ``Link`` header.

Each page is a JSON object holding one list of strings (``repositories`` or ``tags``).
The walk is bounded and careful with what a server sends: at most ``max_pages`` pages,
``max_entries`` entries and ``max_bytes`` bytes of pages in all (a listing whose ``Link``
goes on forever stops there, with the entries read so far already yielded), never a
page twice, never onto another host; a server that refuses the page size we
ask for (400, e.g. ECR above 1,000) is asked again with a smaller one; a server that
ignores ``last`` and sends the same page again ends the list. A first page can be
revalidated with ``If-None-Match``: a 304 raises :class:`NotModified`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from regview.registry.errors import MalformedContent, ProtocolError, TooLarge
from regview.registry.link_header import next_link
from regview.registry.offload import off_loop
from regview.registry.parsers import load_json
from regview.registry.responses import error_for
from regview.registry.transport import Transport

__all__ = [
    "CATALOG_PAGE",
    "FALLBACK_PAGE",
    "FirstPage",
    "NotModified",
    "paginate",
    "parse_page",
    "size_text",
]

CATALOG_PAGE = 1000
"""Entries asked for per page (distribution's default ``catalog.maxentries``)."""
FALLBACK_PAGE = 100
"""Entries asked for per page after a server refused the first page size."""


class NotModified(Exception):
    """The first page answered 304 to ``If-None-Match``: the cached list still holds."""


@dataclass(slots=True)
class FirstPage:
    """What the first page said about the list as a whole."""

    etag: str | None = None


async def paginate(
    transport: Transport,
    path: str,
    key: str,
    *,
    scope: str,
    page_size: int,
    max_pages: int,
    max_entries: int,
    max_bytes: int,
    what: str,
    first_headers: dict[str, str] | None = None,
    first_page: FirstPage | None = None,
) -> AsyncIterator[list[str]]:
    """The lists under ``key`` of every page from ``path``, one page at a time.

    Past ``max_entries`` entries the last page is cut at the limit, yielded, and
    :class:`TooLarge` raised; past ``max_bytes`` bytes of page bodies :class:`TooLarge`
    is raised before that page is read. Either way what was yielded stays with the
    caller, and the message says the list is incomplete and how to raise the limit.
    ``first_headers`` go with the first request only (``If-None-Match``);
    ``first_page`` receives the first page's ETag.
    """
    url = transport.url(path, {"n": page_size})
    seen: set[str] = set()
    previous: list[str] | None = None
    pages = 0
    entries = 0
    received = 0
    fell_back = False
    headers = first_headers
    while True:
        if str(url) in seen:
            # Pages already yielded stay with the caller; the error says the list may
            # be short. (A registry that ignores ``last`` and repeats one page is
            # caught below, silently: what it sent was the whole list.)
            raise ProtocolError(
                f"the {what} links back to a page it already sent; stopped, so the "
                "list may be incomplete"
            )
        seen.add(str(url))
        pages += 1
        if pages > max_pages:
            raise ProtocolError(
                f"stopped after {max_pages:,} pages of the {what}; raise the limit with --max-pages"
            )
        response = await transport.request("GET", url, scope=scope, headers=headers, what=what)
        if response.status == 304 and headers and "If-None-Match" in headers:
            raise NotModified
        headers = None
        if response.status == 400 and not fell_back and url.params.get("n"):
            fell_back = True
            seen.discard(str(url))
            url = _smaller_page(url)
            continue
        if response.status != 200:
            raise error_for(response, what)
        if pages == 1 and first_page is not None:
            first_page.etag = response.headers.get("etag")
        received += len(response.body)
        if received > max_bytes:
            raise TooLarge(
                f"the {what} goes on past {size_text(max_bytes)}; stopped there, so the "
                "list is incomplete: raise the limit with --max-list-bytes",
                limit=max_bytes,
            )
        items = await off_loop(len(response.body), parse_page, response.body, key, what)
        if previous is not None and items == previous and items:
            return
        previous = items
        if entries + len(items) > max_entries:
            kept = items[: max_entries - entries]
            if kept:
                yield kept
            raise TooLarge(
                f"the {what} goes on past {max_entries:,} entries; stopped there, so the "
                "list is incomplete: raise the limit with --max-entries",
                limit=max_entries,
            )
        entries += len(items)
        yield items
        link = next_link(response.headers.get_list("link"))
        if link is None:
            return
        try:
            next_url = response.url.join(link)
        except httpx.InvalidURL:
            raise ProtocolError(f"the {what} has an invalid Link header; stopped") from None
        if not transport.same_origin(next_url):
            raise ProtocolError(
                f"the {what} continues on another host ({_clip(next_url.host, 60)}); "
                "stopped there rather than follow it"
            )
        url = next_url


def _clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with a visible ``…`` (a secret cut off before
    an ellipsis is still hidden)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def size_text(n: int) -> str:
    """``n`` bytes for a message: ``64 MiB`` when a whole number of MiB, else bytes."""
    mib = 1024 * 1024
    return f"{n // mib:,} MiB" if n >= mib and n % mib == 0 else f"{n:,} bytes"


def _smaller_page(url: httpx.URL) -> httpx.URL:
    """``url`` asking for a smaller page, or for the server's own page size."""
    # ``n`` may come from the server's own Link header: it need not be a number.
    try:
        current = int(url.params["n"])
    except ValueError:
        current = 0
    smaller = min(FALLBACK_PAGE, current // 2 or 1)
    return url.copy_set_param("n", smaller) if smaller < current else url.copy_remove_param("n")


def parse_page(body: bytes, key: str, what: str) -> list[str]:
    """The list of strings under ``key`` in one page; a missing or null list is empty."""
    obj = load_json(body, what)
    if not isinstance(obj, dict):
        raise MalformedContent(f"the {what} is not a JSON object")
    items = obj.get(key)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        raise MalformedContent(f"the {what} field {key!r} is not a list of strings")
    return items
