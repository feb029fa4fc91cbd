"""The footer at 80 columns: the help key stays on screen whatever has focus.

Textual's footer lists the focused widget's bindings first and the app's (Quit, Keys)
last, and cuts off what does not fit; these tests walk every screen with a footer, in
each of its focus states, and read the footer line as a person would.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from regview.registry.settings import Settings
from regview.targets import open_target
from regview.tui.app import RegviewApp, create_app
from regview.tui.bindings import all_bindings
from regview.tui.screens.files import FilesScreen
from regview.tui.screens.help import HelpScreen
from regview.tui.screens.start import StartChoice, StartScreen
from tests.tui.fakes import FakeSource
from tests.tui.helpers import footer_line, settle

SIZE = (80, 24)


async def _footer_after(app: RegviewApp, keys: Sequence[str], width: int = SIZE[0]) -> str:
    async with app.run_test(size=(width, SIZE[1])) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, rounds=2)
        await settle(pilot)
        return footer_line(app)


MAIN_STATES = [
    pytest.param({}, (), id="repositories"),
    pytest.param({}, ("j", "enter"), id="tags"),
    pytest.param({"repository": "team/app", "reference": "v1.10"}, (), id="tree-image"),
    pytest.param({"repository": "team/app", "reference": "v1.10"}, ("j", "j"), id="tree-layer"),
    pytest.param({"repository": "library/alpine", "reference": "latest"}, ("j",),
                 id="tree-platform"),
    pytest.param({"repository": "team/app", "reference": "v1.10"}, ("j", "j", "tab"),
                 id="details"),
    pytest.param({"repository": "tools/many"}, ("slash", "1"), id="filtering"),
    pytest.param({"repository": "tools/many"}, ("slash", "1", "enter"), id="filtered"),
]


@pytest.mark.parametrize(("start", "keys"), MAIN_STATES)
async def test_main_screen_footer_shows_the_help_key_at_80_columns(
    source: FakeSource, start: dict[str, str], keys: tuple[str, ...]
) -> None:
    line = await _footer_after(create_app(source, **start), keys)
    # In the filter input "?" is text: F1 is the help key there.
    assert "? Keys" in line or "f1 Keys" in line, line
    assert "Palette" in line


FILES_STATES = [
    pytest.param(("j", "f"), id="merged-tree"),
    pytest.param(("j", "f", "L"), id="merged-largest"),
    pytest.param(("j", "f", "c"), id="merged-changes"),
    pytest.param(("j", "f", "slash", "a"), id="merged-find"),
    pytest.param(("j", "f", "slash", "a", "enter"), id="merged-found"),
    pytest.param(("j", "l", "j", "j", "enter"), id="layer-tree"),
]


@pytest.mark.parametrize("keys", FILES_STATES)
async def test_files_screen_footer_shows_the_help_key_at_80_columns(
    file_source: FakeSource, keys: tuple[str, ...]
) -> None:
    app = create_app(file_source, repository="files/app", reference="v1")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, rounds=2)
        await settle(pilot)
        assert isinstance(app.screen, FilesScreen)
        line = footer_line(app)
    assert "? Keys" in line or "f1 Keys" in line, line


@pytest.mark.parametrize("keys", [(), ("down",)], ids=["typing", "choices"])
async def test_start_picker_footer_shows_the_help_key(layouts: Path,
                                                      keys: tuple[str, ...]) -> None:
    app = create_app(
        None,
        opener=lambda text: open_target(
            text, lambda registry: FakeSource(layouts, name=registry), Settings()
        ),
        start_choices=[StartChoice("demo", "the embedded demo")],
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, StartScreen)
        line = footer_line(app)
    assert "? Keys" in line or "f1 Keys" in line, line


async def test_f1_opens_the_help_while_typing_in_a_filter(source: FakeSource) -> None:
    app = create_app(source, repository="tools/many")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", "1", "question_mark")
        assert not isinstance(app.screen, HelpScreen)  # "?" is typed into the filter
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        assert not isinstance(app.screen, HelpScreen)


async def test_bindings_left_out_of_the_footer_are_in_the_help_screen(
    source: FakeSource,
) -> None:
    from rich.console import Console
    from textual.widgets import Static

    app = create_app(source)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-body Static", Static).content
    console = Console(width=160, record=True, file=open("/dev/null", "w"),  # noqa: SIM115
                      color_system=None)
    console.print(table)  # type: ignore[arg-type]
    text = console.export_text()
    for _, bindings in all_bindings():
        for binding in bindings:
            assert binding.id and binding.id in text
    # Short in the footer, in full here.
    assert "Copy @digest" in text and "Sort name/size" in text and "Layer changes" in text
    assert "?, F1" in text and "Ctrl+P" in text
