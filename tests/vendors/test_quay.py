"""Quay (the fake in :mod:`tests.vendors.quay`): short tag pages unless ``n`` is sent,
an opaque ``next_page`` cursor, and (as in 2024) a 400 for ``n`` above 100."""

from __future__ import annotations

import pytest

from regview.registry import RegistryClient, Settings
from tests.vendors.quay import Quay

TAGS = [f"v{i:03d}" for i in range(250)]


@pytest.mark.parametrize("refuse_over_100", [False, True])
async def test_every_tag_is_listed_in_few_pages(refuse_over_100: bool) -> None:
    with Quay(refuse_over_100=refuse_over_100) as quay:
        quay.images.put("acme/app", *TAGS)
        settings = Settings(endpoints=quay.endpoints(), use_cache=False)
        async with RegistryClient("quay.io", settings=settings) as client:
            pages = [page async for page in client.tags("acme/app")]
        lists = [r for r in quay.seen if r.path.endswith("/tags/list")]
        assert not quay.errors
    assert [t for page in pages for t in page] == TAGS
    # n is always sent, so pages hold 100 tags, not Quay's default 50.
    assert [len(page) for page in pages] == [100, 100, 50]
    assert all(r.param("n") is not None for r in lists)
    sent_n = [r.param("n") for r in lists if r.param("last") is None]
    assert sent_n[0] == "1000"
    if refuse_over_100:
        # refused (400), then asked again with a smaller page
        assert sent_n[-1] == "100" and sent_n.count("1000") == 2


async def test_without_n_quay_would_send_fifty_with_an_opaque_cursor_which_is_followed() -> None:
    # The fake's own default, so that the test above means something.
    import httpx

    with Quay() as quay:
        quay.images.put("acme/app", *TAGS)
        url = quay.listeners["registry"].url
        async with httpx.AsyncClient() as http:
            token = (await http.get(f"{url}/v2/auth")).json()["token"]
            first = await http.get(f"{url}/v2/acme/app/tags/list",
                                   headers={"Authorization": f"Bearer {token}"})
    assert len(first.json()["tags"]) == 50
    assert "next_page=" in first.headers["link"]
