"""Keys typed in one burst with the filter key are not lost (fast typing, paste, SSH)."""

from __future__ import annotations

from textual import events

from regview.tui.app import create_app
from regview.tui.widgets.filter_input import FilterInput
from tests.tui.fakes import FakeSource
from tests.tui.helpers import settle


async def burst(app: object, keys: str) -> None:
    names = {"/": "slash"}
    for ch in keys:
        app.post_message(events.Key(names.get(ch, ch), ch))  # type: ignore[attr-defined]


async def test_a_burst_after_slash_goes_into_the_filter(source: FakeSource) -> None:
    app = create_app(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        repo_list = app.main.repositories.list
        cursor_before = repo_list.highlighted
        await burst(app, "/jk")  # j and k are list bindings: they must not move the cursor
        await settle(pilot)
        assert isinstance(app.focused, FilterInput)
        assert app.focused.value == "jk"
        await pilot.press("escape")
        await settle(pilot)
        assert app.focused is repo_list
        assert repo_list.highlighted == cursor_before


async def test_keys_without_the_filter_key_still_navigate(source: FakeSource) -> None:
    app = create_app(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        repo_list = app.main.repositories.list
        await burst(app, "jj")
        await settle(pilot)
        assert repo_list.highlighted == 2
        assert app.focused is repo_list


async def test_a_long_burst_with_slashes_goes_whole_into_the_filter(source: FakeSource) -> None:
    """As a browser (regview serve) or a paste delivers "/team/app": every key after the
    filter key reaches the input, the slash inside the name included."""
    app = create_app(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(app, "/team/app-kinds/oci-image")
        await settle(pilot)
        assert isinstance(app.focused, FilterInput)
        assert app.focused.value == "team/app-kinds/oci-image"
