"""Only targets that opened go into the recent list (issue #16): the explorer is built
by the CLI's own factory, as ``regview TARGET`` builds it, and run under Pilot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from regview.cli import build_explorer, parse_args
from tests.support.content import Published
from tests.support.registry import RegistryServer
from tests.tui.helpers import settle

pytestmark = pytest.mark.integration


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REGVIEW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("REGVIEW_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    return tmp_path / "state"


def recent(state: Path) -> list[str]:
    path = state / "recent.json"
    return json.loads(path.read_text()) if path.exists() else []


async def run_explorer(argv: list[str]) -> None:
    _command, args = parse_args(argv)
    app, pool = build_explorer(args)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot, rounds=4)
    finally:
        pool.cache.flush()


async def test_a_target_that_answered_is_remembered(
    registry: RegistryServer, content: Published, state: Path
) -> None:
    ref = content.ref("oci-image")
    await run_explorer(["--plain-http", ref])
    assert recent(state) == [ref]


async def test_a_target_that_never_answered_is_not(state: Path) -> None:
    await run_explorer(["--plain-http", "--timeout", "2", "127.0.0.1:1"])
    assert recent(state) == []


async def test_a_missing_repository_is_not(registry: RegistryServer, state: Path) -> None:
    await run_explorer(["--plain-http", f"{registry.host}/no/such/repository"])
    assert recent(state) == []
