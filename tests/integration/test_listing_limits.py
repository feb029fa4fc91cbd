"""The listing limits against the real registry: under them nothing changes; at them the
CLI keeps what was listed and says, in one line, how to raise the limit.

distribution sends all 2,000 tags of ``bulk/tags`` in one page (it ignores ``n``), so
the entry limit cuts that page and the byte limit refuses it whole.
"""

from __future__ import annotations

import pytest

from tests.support.cli import Regview
from tests.support.content import BULK_TAGS_REPO, natural_key
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration


def test_a_2000_tag_listing_at_the_entry_limit_is_complete_and_unchanged(
    regview: Regview, registry: RegistryServer, bulk_tags: list[str]
) -> None:
    ref = registry.ref(BULK_TAGS_REPO)
    obj = regview("--max-entries", "2000", "tags", ref, "--json").ok().json()
    assert obj == {"repository": ref, "tags": sorted(bulk_tags, key=natural_key)}


def test_one_entry_less_keeps_1999_tags_and_says_the_list_is_incomplete(
    regview: Regview, registry: RegistryServer, bulk_tags: list[str]
) -> None:
    result = regview("--max-entries", "1999", "tags", registry.ref(BULK_TAGS_REPO)).failed()
    assert result.returncode == 1
    assert (
        f"the tag list of {BULK_TAGS_REPO} goes on past 1,999 entries; stopped there, so "
        "the list is incomplete: raise the limit with --max-entries" in result.stderr
    )
    listed = result.text.splitlines()
    assert len(listed) == len(set(listed)) == 1999
    assert set(listed) < set(bulk_tags)
    assert listed == sorted(listed, key=natural_key)


def test_the_byte_limit_against_the_one_page_of_2000_tags(
    regview: Regview, registry: RegistryServer, bulk_tags: list[str]
) -> None:
    size = len(registry.client.get(f"/v2/{BULK_TAGS_REPO}/tags/list").content)
    ref = registry.ref(BULK_TAGS_REPO)
    # --no-cache: a cached list would be served without reading the page again.
    obj = regview("--no-cache", "--max-list-bytes", str(size), "tags", ref, "--json").ok().json()
    assert len(obj["tags"]) == 2000
    result = regview("--no-cache", "--max-list-bytes", str(size - 1), "tags", ref).failed()
    assert result.text == ""
    assert f"goes on past {size - 1:,} bytes" in result.stderr
    assert "--max-list-bytes" in result.stderr


def test_the_catalog_stops_at_the_entry_limit_after_the_pages_it_listed(
    regview: Regview, registry: RegistryServer, catalog_repos: list[str]
) -> None:
    first_pages: list[str] = []
    url: str | None = "/v2/_catalog?n=100"
    while url is not None and len(first_pages) < 300:
        r = registry.client.get(url)
        first_pages += r.json()["repositories"]
        url = r.links.get("next", {}).get("url")
    result = regview(
        "--max-entries", "250", "catalog", registry.host, "--page-size", "100"
    ).failed()
    assert result.text.splitlines() == first_pages[:250]
    assert "the catalog goes on past 250 entries" in result.stderr
