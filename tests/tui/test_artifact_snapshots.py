"""Snapshots of the blob screen: an SBOM's package table (and filtered), an attestation, a
signature and a hostile SBOM, at 120x40 and 80x24 (look at each SVG as a PNG before
accepting).

Update with ``pytest tests/tui/test_artifact_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from regview.tui.app import create_app
from tests.support import artifact_layout as al
from tests.tui.fakes import FakeSource
from tests.tui.helpers import settle
from tests.tui.test_artifact import cursor_to

SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]


@pytest.fixture(autouse=True)
def _fixed_config_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "/home/user/.config")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root, _subject, found = al.build(tmp_path_factory.mktemp("artifact-snapshots"))
    return root, {name: m.digest for name, m in found.items()}


def _open(digest: str, *keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await cursor_to(pilot, digest)
        await pilot.press("b")
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", ["spdx", "cyclonedx", "attestation", "signature", "hostile"])
def test_artifact_screen(
    snap_compare: Callable[..., bool],
    built: tuple[Path, dict[str, str]],
    name: str,
    size: tuple[int, int],
) -> None:
    root, digests = built
    app = create_app(FakeSource(root), repository=al.REPO, reference=al.TAG)
    assert snap_compare(app, terminal_size=size, run_before=_open(digests[name]))


@pytest.mark.parametrize("size", SIZES)
def test_artifact_screen_raw(
    snap_compare: Callable[..., bool], built: tuple[Path, dict[str, str]], size: tuple[int, int]
) -> None:
    root, digests = built
    app = create_app(FakeSource(root), repository=al.REPO, reference=al.TAG)
    assert snap_compare(app, terminal_size=size, run_before=_open(digests["spdx"], "r"))


@pytest.mark.parametrize("size", SIZES)
def test_artifact_package_filter(
    snap_compare: Callable[..., bool], built: tuple[Path, dict[str, str]], size: tuple[int, int]
) -> None:
    # "/" then "npm": only left-pad (its purl), with "1 of 3 packages" beside the input.
    root, digests = built
    app = create_app(FakeSource(root), repository=al.REPO, reference=al.TAG)
    keys = ("slash", "n", "p", "m")
    assert snap_compare(app, terminal_size=size, run_before=_open(digests["spdx"], *keys))
