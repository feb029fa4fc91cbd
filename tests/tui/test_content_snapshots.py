"""Snapshots of the content viewer: the text view, the hex view, the save prompt and a
search that wrapped, at 120x40 and 80x24 (look at each SVG as a PNG before accepting it).

Update with ``pytest tests/tui/test_content_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from regview.tui.app import create_app
from regview.tui.screens.files import FilesScreen
from tests.tui.content_layouts import build_content_layouts
from tests.tui.fakes import FakeSource
from tests.tui.helpers import settle

SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]

SnapCompare = Callable[..., bool]


@pytest.fixture(scope="session")
def content_layouts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_content_layouts(tmp_path_factory.mktemp("content-layouts"))


@pytest.fixture(autouse=True)
def _fixed_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    """The save prompt shows the directory a relative path is in: the same everywhere."""
    monkeypatch.chdir("/")


def _open(path: str, *keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, FilesScreen)
        screen.file_view.reveal(path)
        await pilot.press("enter")
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, rounds=2)
        await settle(pilot)

    return run


def _check(snap_compare: SnapCompare, layouts: Path, size: tuple[int, int], path: str,
           *keys: str) -> None:
    app = create_app(FakeSource(layouts), repository="view/app", reference="v1")
    assert snap_compare(app, terminal_size=size, run_before=_open(path, *keys))


@pytest.mark.parametrize("size", SIZES)
def test_text_view(snap_compare: SnapCompare, content_layouts: Path,
                   size: tuple[int, int]) -> None:
    _check(snap_compare, content_layouts, size, "app/main.py", "slash", "o", "s", "enter")


@pytest.mark.parametrize("size", SIZES)
def test_hostile_text_view(snap_compare: SnapCompare, content_layouts: Path,
                           size: tuple[int, int]) -> None:
    _check(snap_compare, content_layouts, size, "etc/hostile.txt")


@pytest.mark.parametrize("size", SIZES)
def test_hex_view(snap_compare: SnapCompare, content_layouts: Path,
                  size: tuple[int, int]) -> None:
    _check(snap_compare, content_layouts, size, "bin/tool", "slash", *"4e 45", "enter")


@pytest.mark.parametrize("size", SIZES)
def test_save_prompt(snap_compare: SnapCompare, content_layouts: Path,
                     size: tuple[int, int]) -> None:
    _check(snap_compare, content_layouts, size, "etc/hostile.txt", "s")


@pytest.mark.parametrize("size", SIZES)
def test_search_wrapped(snap_compare: SnapCompare, content_layouts: Path,
                        size: tuple[int, int]) -> None:
    # "os" is first on line 3: N from there has none above, so it wraps to line 7.
    _check(snap_compare, content_layouts, size, "app/main.py", "slash", "o", "s", "enter", "N")
