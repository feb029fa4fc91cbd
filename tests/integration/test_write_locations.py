"""Where regview writes: ``--no-cache`` writes nothing to disk, ``--cache-dir DIR`` writes
only under DIR, and without either the cache goes to the user cache directory.

Run as a user would, with ``HOME`` and the XDG directories pointed at a temporary home:
the explorer under Pilot (built from the command line by the CLI's own factory) and the
CLI as a subprocess, each opening a layer's files against the real registry.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from regview.cli import build_explorer, parse_args
from regview.tui.app import RegviewApp
from regview.tui.screens.files import FilesScreen
from tests.support.cli import Regview
from tests.support.content import Published
from tests.support.registry import RegistryServer
from tests.tui.helpers import settle

pytestmark = pytest.mark.integration


def written(root: Path) -> list[str]:
    """Every file under ``root``, relative to it."""
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home for this test: HOME and every XDG directory inside it."""
    home = tmp_path / "home"
    home.mkdir()
    for name in ("REGVIEW_CACHE_DIR", "REGVIEW_STATE_DIR", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("DOCKER_CONFIG", str(home / ".docker"))
    return home


async def open_layer_files(argv: list[str]) -> RegviewApp:
    """``regview ARGV`` under Pilot: open the first layer's files, wait for them, quit."""
    command, args = parse_args(argv)
    assert command is None
    app, pool = build_explorer(args)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("j", "j")  # the image, its config, its first layer
            await settle(pilot)
            await pilot.press("f")
            await settle(pilot, rounds=4)
            screen = app.screen
            assert isinstance(screen, FilesScreen), type(screen)
            assert screen.error is None and not screen.indexing
            assert screen.toc is not None and screen.toc.entries
    finally:
        pool.cache.flush()
    return app


async def test_tui_with_no_cache_writes_nothing(
    registry: RegistryServer, content: Published, home: Path
) -> None:
    await open_layer_files(["--no-cache", "--plain-http", content.ref("oci-image")])
    assert written(home) == []


async def test_tui_with_cache_dir_writes_only_there(
    registry: RegistryServer, content: Published, home: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "elsewhere"
    await open_layer_files(["--cache-dir", str(cache), "--plain-http", content.ref("oci-image")])
    assert written(home) == []
    files = written(cache)
    layer = content.manifest("oci-image").layers[0].digest.split(":")[1]
    assert f"layers/sha256/{layer}.json.gz" in files
    assert any(f.startswith("v1/blobs/sha256/") for f in files)
    assert "state/recent.json" in files


async def test_tui_by_default_writes_to_the_user_cache_directory(
    registry: RegistryServer, content: Published, home: Path
) -> None:
    await open_layer_files(["--plain-http", content.ref("oci-image")])
    layer = content.manifest("oci-image").layers[0].digest.split(":")[1]
    assert f".cache/regview/layers/sha256/{layer}.json.gz" in written(home)
    assert ".local/state/regview/recent.json" in written(home)


async def test_demo_with_no_cache_leaves_nothing_in_home(home: Path) -> None:
    _command, args = parse_args(["--no-cache", "--demo"])
    app, pool = build_explorer(args)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "acme/web" in app.main.repositories.list.items
    pool.cache.flush()
    assert written(home) == []


def cli_env(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "DOCKER_CONFIG": str(home / ".docker"),
    }


def test_cli_files_and_cat_with_no_cache_write_nothing(
    registry: RegistryServer, content: Published, home: Path, tmp_path: Path
) -> None:
    cli = Regview(tmp_path)
    env = cli_env(home)
    from tests.support.cli import run_regview

    ref = content.ref("oci-image")
    run_regview("--plain-http", "--no-cache", "files", ref, env=env).ok()
    run_regview("--plain-http", "--no-cache", "inspect", ref, env=env).ok()
    assert written(home) == []
    assert written(cli.cache_dir) == []


def test_cli_files_with_cache_dir_writes_only_there(
    registry: RegistryServer, content: Published, home: Path, tmp_path: Path
) -> None:
    from tests.support.cli import run_regview

    cache = tmp_path / "elsewhere"
    ref = content.ref("oci-image")
    env = {**cli_env(home), "REGVIEW_CACHE_DIR": str(tmp_path / "not-this-one")}
    run_regview("--plain-http", "--cache-dir", str(cache), "files", ref, env=env).ok()
    assert written(home) == []
    assert written(tmp_path / "not-this-one") == []
    layer = content.manifest("oci-image").layers[0].digest.split(":")[1]
    assert f"layers/sha256/{layer}.json.gz" in written(cache)
