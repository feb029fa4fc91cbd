"""The explorer on listings that never end: it stops at the limit, keeps what was listed,
and says the list is incomplete (title, border, notification), still answering keys.

The registry is the in-process endless fake of :mod:`tests.unit.test_listing_limits`
(every page links to a new one, 50 names a page), behind a real ``RegistryClient``.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from rich.text import Text

from regview.registry.client import RegistryClient
from regview.registry.settings import Settings
from regview.tui.app import create_app
from regview.tui.widgets import tags as tags_module
from tests.support.fake_registry import FakeRegistry
from tests.tui.helpers import screen_text, settle
from tests.unit.test_listing_limits import PAGE, endless, page_body


def client(fake: FakeRegistry, tmp_path: Path, **limits: int) -> RegistryClient:
    settings = Settings(cache_dir=tmp_path, backoff_base=0.001, **limits)  # type: ignore[arg-type]
    return RegistryClient(fake.host, settings=settings, http_transport=fake.transport())


def names(count: int) -> list[str]:
    return [f"p{i // PAGE:05d}-{i % PAGE:03d}" for i in range(count)]


def plain(text: object) -> str:
    """A border title or subtitle as read (Textual keeps them as markup strings)."""
    if isinstance(text, Text):
        return text.plain
    return Text.from_markup(str(text or "")).plain


async def test_endless_tags_stop_at_the_entry_limit_in_the_tui(tmp_path: Path) -> None:
    fake = FakeRegistry()
    fake.push_image("team/app", "1.0")  # the catalog lists team/app
    served = endless(fake, "/v2/team/app/tags/list", "tags")
    app = create_app(client(fake, tmp_path, max_list_entries=120), repository="team/app")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.main.tags
        assert list(pane.list.items) == names(120)
        assert plain(pane.border_title) == "Tags team/app (120, incomplete)"
        message = (
            "the tag list of team/app goes on past 120 entries; stopped there, so the "
            "list is incomplete: raise the limit with --max-entries"
        )
        assert message in plain(pane.border_subtitle)
        assert not pane.loaded
        assert served == [0, 1, 2]
        shown = screen_text(app)
        assert "Traceback" not in shown and "internal error" not in shown
        pane.list.focus()
        await pilot.press("end")
        await settle(pilot)
        assert pane.list.highlighted_value == names(120)[-1]  # still answers keys


async def test_endless_tags_stop_at_the_byte_limit_in_the_tui(tmp_path: Path) -> None:
    fake = FakeRegistry()
    fake.push_image("team/app", "1.0")
    endless(fake, "/v2/team/app/tags/list", "tags")
    two_pages = len(page_body("tags", 0)) + len(page_body("tags", 1))
    app = create_app(client(fake, tmp_path, max_list_bytes=two_pages), repository="team/app")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.main.tags
        assert list(pane.list.items) == names(2 * PAGE)
        assert plain(pane.border_title) == "Tags team/app (100, incomplete)"
        assert (
            f"goes on past {two_pages:,} bytes; stopped there, so the list is incomplete"
            in plain(pane.border_subtitle)
        )


async def test_an_endless_catalog_stops_at_the_entry_limit_in_the_tui(tmp_path: Path) -> None:
    fake = FakeRegistry()
    endless(fake, "/v2/_catalog", "repositories")
    app = create_app(client(fake, tmp_path, max_list_entries=70))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.main.repositories
        assert list(pane.list.items) == names(70)
        assert "(70, incomplete)" in plain(pane.border_title)
        assert "the catalog goes on past 70 entries" in plain(pane.border_subtitle)


async def test_a_long_listing_stopped_by_the_limit_is_still_sorted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past _SORT_IN_THREAD tags, pages join the end unsorted; a listing that stops there
    # is sorted before it is shown as incomplete. Here pages come in reverse order.
    monkeypatch.setattr(tags_module, "_SORT_IN_THREAD", 60)
    fake = FakeRegistry()
    fake.push_image("team/app", "1.0")

    def backwards(request: httpx.Request) -> httpx.Response | None:
        if request.url.path != "/v2/team/app/tags/list":
            return None
        page = int(request.url.params.get("last", "b0-0")[1:].partition("-")[0]) + 1
        body = {"tags": [f"b{page}-{j}" for j in range(PAGE)][::-1]}
        link = f'</v2/team/app/tags/list?last=b{page}-0&n={PAGE}>; rel="next"'
        return httpx.Response(200, json=body, headers={"Link": link})

    fake.hooks.append(backwards)
    app = create_app(client(fake, tmp_path, max_list_entries=130), repository="team/app")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.main.tags
        expected = [f"b{p}-{j}" for p in (1, 2) for j in range(PAGE)]
        expected += sorted((f"b3-{j}" for j in range(PAGE - 30, PAGE)),
                           key=lambda t: int(t[3:]))
        assert list(pane.list.items) == expected
        assert plain(pane.border_title) == "Tags team/app (130, incomplete)"
