"""Snapshots of the diff screen at 120x40 and 80x24 (look at each SVG before accepting).

Update with ``pytest tests/tui/test_diff_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from regview.tui.app import create_app
from regview.tui.screens.diff import DiffScreen
from tests.support.diff_images import write_pair
from tests.tui.fakes import FakeSource
from tests.tui.helpers import settle

SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]

SnapCompare = Callable[..., bool]


@pytest.fixture(autouse=True)
def _fixed_config_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "/home/user/.config")


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pair(tmp_path_factory.mktemp("diff-pair"))


async def _open_diff(pilot: Pilot[Any], *more: str) -> None:
    await settle(pilot)
    await pilot.press("m", "j")
    await settle(pilot)
    await pilot.press("equals_sign")
    for _ in range(100):
        screen = pilot.app.screen
        if isinstance(screen, DiffScreen) and screen.result is not None:
            break
        await pilot.pause(0.05)
    await settle(pilot)
    for key in more:
        await pilot.press(key)
        await settle(pilot, rounds=2)
    pilot.app.clear_notifications()
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_diff_screen(snap_compare: SnapCompare, pair: Path, size: tuple[int, int]) -> None:
    # Tag 1 marked, tag 2 compared; the cursor down to etc/conf (same size, new content).
    app = create_app(FakeSource(pair), repository="diff/app")

    async def run(pilot: Pilot[Any]) -> None:
        await _open_diff(pilot, *["j"] * 8)

    assert snap_compare(app, terminal_size=size, run_before=run)
