"""Pilot tests of the app on the real HTTP client, served by MockTransport fakes.

The UI only ever talks to a Source; here that Source is a RegistryClient whose httpx
transport is an in-process fake registry (other vendors' behaviours included).
"""

from __future__ import annotations

from pathlib import Path

from regview.registry.client import RegistryClient
from regview.registry.settings import Settings
from regview.tui.app import create_app
from tests.support.fake_registry import FakeRegistry
from tests.tui.helpers import details_text, screen_text, settle


def remote(fake: FakeRegistry, tmp_path: Path, name: str | None = None) -> RegistryClient:
    options = Settings(cache_dir=tmp_path, backoff_base=0.001)
    return RegistryClient(name or fake.host, settings=options, http_transport=fake.transport())


def manifest_requests(fake: FakeRegistry, method: str) -> list[str]:
    return [r.url for r in fake.requests if r.method == method and "/manifests/" in r.url]


async def test_browse_a_registry_over_http(tmp_path: Path) -> None:
    fake = FakeRegistry()
    fake.push_image("team/app", "1.0", label="one")
    fake.push_image("team/app", "2.0", label="two")
    fake.push_image("tools/debug", "latest", label="dbg")
    app = create_app(remote(fake, tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert list(app.main.repositories.list.items) == ["team/app", "tools/debug"]
        await pilot.press("enter")
        await settle(pilot)
        assert list(app.main.tags.list.items) == ["1.0", "2.0"]
        await pilot.press("j", "enter")
        await settle(pilot)
        assert "LABEL=two" in details_text(app)
        text = screen_text(app)
        assert "registry.example" in text and "anonymous" in text
        assert "requests" in text


async def test_revalidate_asks_the_registry_again(tmp_path: Path) -> None:
    fake = FakeRegistry()
    fake.push_image("team/app", "1.0")
    app = create_app(remote(fake, tmp_path), repository="team/app")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.main.tags.list.focus()
        lists_before = sum("/tags/list" in r.url for r in fake.requests)
        fake.push_image("team/app", "3.0", label="new")
        await pilot.press("r")
        await settle(pilot)
        assert sum("/tags/list" in r.url for r in fake.requests) == lists_before + 1
        assert "3.0" in list(app.main.tags.list.items)


async def test_a_metered_registry_lists_tags_without_spending_pulls(tmp_path: Path) -> None:
    fake = FakeRegistry(host="registry-1.docker.io", rate_limit=(100, 97))
    for i in range(30):
        fake.push_image("library/app", f"1.{i}", label=str(i))
    app = create_app(remote(fake, tmp_path, name="docker.io"), repository="library/app")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, rounds=5)
        heads = manifest_requests(fake, "HEAD")
        gets = manifest_requests(fake, "GET")
        assert len(heads) >= 20  # every visible row got its digest from a HEAD
        assert len(gets) <= 1  # only the tag under the cursor was opened
        assert "pulls left 97/100" in screen_text(app)


async def test_refused_catalog_on_a_token_registry_prompts_for_a_name(tmp_path: Path) -> None:
    fake = FakeRegistry(auth="bearer", catalog_denied=True)
    fake.push_image("team/app", "1.0")
    app = create_app(remote(fake, tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        text = " ".join(screen_text(app).replace("│", " ").split())
        assert "lists its repositories only to authenticated users" in text
        assert app.focused is app.main.query_one("#repo-input")
        await pilot.press(*"team/app", "enter")
        await settle(pilot)
        assert list(app.main.tags.list.items) == ["1.0"]
    assert all(r.authorization is None for r in fake.requests_to(fake.realm_host))
