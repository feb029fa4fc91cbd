"""Listings bounded by entries and bytes: a ``Link`` that goes on forever stops at the limit.

The fake here is an endless tag list (and catalog): every page links to a new next page
with a new ``last``, as the listing in issue #12 that reached 814 MB did. Its pages are
built by hand, so the number of entries and bytes served is known independently of the
client.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from regview.registry.client import RegistryClient
from regview.registry.errors import ProtocolError, TooLarge
from regview.registry.settings import MiB, Settings
from tests.support.fake_registry import FakeRegistry

PAGE = 50


def page_body(key: str, page_no: int) -> bytes:
    names = [f"p{page_no:05d}-{i:03d}" for i in range(PAGE)]
    return json.dumps({"name": "team/app", key: names}).encode()


def endless(fake: FakeRegistry, path: str, key: str) -> list[int]:
    """Serve ``path`` forever, ``PAGE`` names a page; returns the page numbers served."""
    served: list[int] = []

    def hook(request: httpx.Request) -> httpx.Response | None:
        if request.url.path != path:
            return None
        last = request.url.params.get("last", "")
        page_no = int(last[1:6]) + 1 if last.startswith("p") else 0
        served.append(page_no)
        nxt = f"p{page_no:05d}-{PAGE - 1:03d}"
        return httpx.Response(
            200,
            content=page_body(key, page_no),
            headers={"Content-Type": "application/json",
                     "Link": f'<{path}?last={nxt}&n={PAGE}>; rel="next"'},
        )

    fake.hooks.append(hook)
    return served


def client(fake: FakeRegistry, **options: int) -> RegistryClient:
    settings = Settings(use_cache=False, backoff_base=0.001, **options)  # type: ignore[arg-type]
    return RegistryClient(fake.host, settings=settings, http_transport=fake.transport())


async def read_tags(c: RegistryClient, pages: list[list[str]]) -> None:
    async for page in c.tags("team/app"):
        pages.append(page)


async def read_catalog(c: RegistryClient, pages: list[list[str]]) -> None:
    async for page in c.repositories():
        pages.append(page)


def test_the_defaults_bound_a_listing_by_a_million_entries_and_64_mib() -> None:
    assert Settings().max_list_entries == 1_000_000
    assert Settings().max_list_bytes == 64 * MiB
    for name in ("max_list_entries", "max_list_bytes"):
        with pytest.raises(ValueError, match=name):
            Settings(**{name: 0})  # type: ignore[arg-type]


async def test_an_endless_tag_list_stops_at_the_entry_limit_keeping_what_was_listed() -> None:
    fake = FakeRegistry()
    served = endless(fake, "/v2/team/app/tags/list", "tags")
    pages: list[list[str]] = []
    async with client(fake, max_list_entries=120) as c:
        with pytest.raises(TooLarge) as caught:
            await read_tags(c, pages)
    message = str(caught.value)
    assert message == (
        "the tag list of team/app goes on past 120 entries; stopped there, so the list is "
        "incomplete: raise the limit with --max-entries"
    )
    assert "\n" not in message
    assert [len(p) for p in pages] == [50, 50, 20]
    assert pages[2] == [f"p00002-{i:03d}" for i in range(20)]
    assert served == [0, 1, 2]  # no page read after the limit


async def test_an_endless_tag_list_stops_at_the_byte_limit() -> None:
    fake = FakeRegistry()
    served = endless(fake, "/v2/team/app/tags/list", "tags")
    three_pages = sum(len(page_body("tags", n)) for n in range(3))
    pages: list[list[str]] = []
    async with client(fake, max_list_bytes=three_pages) as c:
        with pytest.raises(TooLarge) as caught:
            await read_tags(c, pages)
    assert str(caught.value) == (
        f"the tag list of team/app goes on past {three_pages:,} bytes; stopped there, so the "
        "list is incomplete: raise the limit with --max-list-bytes"
    )
    assert [len(p) for p in pages] == [50, 50, 50]  # the fourth page went over
    assert served == [0, 1, 2, 3]


async def test_a_whole_mib_byte_limit_is_said_in_mib() -> None:
    fake = FakeRegistry()
    endless(fake, "/v2/team/app/tags/list", "tags")
    pages: list[list[str]] = []
    async with client(fake, max_list_bytes=MiB) as c:
        with pytest.raises(TooLarge, match=r"goes on past 1 MiB; .*--max-list-bytes"):
            await read_tags(c, pages)
    per_page = len(page_body("tags", 0))  # every page has the same length
    assert sum(len(p) for p in pages) == PAGE * (MiB // per_page)


async def test_an_endless_catalog_stops_at_the_entry_limit() -> None:
    fake = FakeRegistry()
    served = endless(fake, "/v2/_catalog", "repositories")
    pages: list[list[str]] = []
    async with client(fake, max_list_entries=75) as c:
        with pytest.raises(TooLarge, match=r"^the catalog goes on past 75 entries; .*entries$"):
            await read_catalog(c, pages)
    assert [len(p) for p in pages] == [50, 25]
    assert served == [0, 1]


async def test_an_endless_catalog_stops_at_the_byte_limit() -> None:
    fake = FakeRegistry()
    endless(fake, "/v2/_catalog", "repositories")
    pages: list[list[str]] = []
    limit = len(page_body("repositories", 0)) + 10
    async with client(fake, max_list_bytes=limit) as c:
        with pytest.raises(TooLarge, match=r"^the catalog goes on past .* bytes; .*"):
            await read_catalog(c, pages)
    assert [len(p) for p in pages] == [50]


async def test_the_page_limit_still_stops_first_when_it_is_lowest() -> None:
    fake = FakeRegistry()
    endless(fake, "/v2/team/app/tags/list", "tags")
    pages: list[list[str]] = []
    async with client(fake, max_pages=2) as c:
        with pytest.raises(ProtocolError, match="stopped after 2 pages"):
            await read_tags(c, pages)
    assert len(pages) == 2


async def test_a_list_of_exactly_the_limit_is_complete() -> None:
    fake = FakeRegistry()
    tags = [f"t{i}" for i in range(30)]
    for tag in tags:
        fake.push_image("team/app", tag)
    async with client(fake, max_list_entries=30) as c:
        listed = [t async for page in c.tags("team/app") for t in page]
    assert sorted(listed) == sorted(tags)
    async with client(fake, max_list_entries=29) as c:
        kept: list[list[str]] = []
        with pytest.raises(TooLarge, match="past 29 entries"):
            await read_tags(c, kept)
    assert sum(len(p) for p in kept) == 29


async def test_a_cached_list_longer_than_the_limit_is_not_served_whole(tmp_path: Path) -> None:
    fake = FakeRegistry()
    for i in range(30):
        fake.push_image("team/app", f"t{i}")
    cached = Settings(cache_dir=tmp_path, backoff_base=0.001)
    async with RegistryClient(fake.host, settings=cached, http_transport=fake.transport()) as c:
        assert len([t async for page in c.tags("team/app") for t in page]) == 30
    lower = cached.replace(max_list_entries=29)
    kept: list[list[str]] = []
    async with RegistryClient(fake.host, settings=lower, http_transport=fake.transport()) as c:
        with pytest.raises(TooLarge, match="past 29 entries"):
            await read_tags(c, kept)
    assert sum(len(p) for p in kept) == 29
