"""The content viewer against the real registry: Enter on a file streams it from the
layer the registry serves, and saving it writes what GNU tar extracts from that blob."""

from __future__ import annotations

import subprocess
import urllib.request
from pathlib import Path

import pytest

from regview.registry.client import RegistryClient
from regview.registry.settings import Settings
from regview.tui.app import create_app
from regview.tui.screens.content import ContentScreen
from regview.tui.screens.files import FilesScreen
from tests.support.publish import run_parallel, skopeo_copy_args
from tests.support.registry import RegistryServer
from tests.tui.content_layouts import BIG, BIG_LINES, HOSTILE, build_content_layouts
from tests.tui.helpers import screen_text, settle

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pushed(registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    root = build_content_layouts(tmp_path_factory.mktemp("viewer"))
    run_parallel([skopeo_copy_args(f"oci:{root / 'view' / 'app'}:v1",
                                   registry.ref("viewer/app", "v1"))])
    return "viewer/app"


def gnu_tar_extract(registry: RegistryServer, repo: str, path: str, work: Path) -> bytes:
    """``path`` as GNU tar extracts it from the layer blob the registry serves."""
    import json

    accept = "application/vnd.oci.image.manifest.v1+json"
    request = urllib.request.Request(f"{registry.url}/v2/{repo}/manifests/v1")
    request.add_header("Accept", accept)
    with urllib.request.urlopen(request, timeout=30) as response:
        manifest = json.loads(response.read())
    digest = manifest["layers"][0]["digest"]
    blob = work / "layer.tar.gz"
    with urllib.request.urlopen(f"{registry.url}/v2/{repo}/blobs/{digest}", timeout=30) as r:
        blob.write_bytes(r.read())
    return subprocess.run(["tar", "-xzOf", str(blob), path], check=True,
                          capture_output=True).stdout


async def test_view_and_save_a_file_of_a_pushed_layer(
    registry: RegistryServer, pushed: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("REGVIEW_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    extracted = gnu_tar_extract(registry, pushed, "var/log/big.log", tmp_path)
    assert extracted == BIG  # what the test put in the layer, as GNU tar reads it back
    client = RegistryClient(registry.host, settings=Settings(cache_dir=tmp_path / "cache"))
    app = create_app(client, repository=pushed, reference="v1")  # type: ignore[arg-type]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot, rounds=4)
        files = app.screen
        assert isinstance(files, FilesScreen), type(files)
        assert files.file_view.reveal("var/log/big.log") is not None
        await pilot.press("enter")
        await settle(pilot, rounds=4)
        viewer = app.screen
        assert isinstance(viewer, ContentScreen)
        assert viewer.view.row_count == BIG_LINES
        await pilot.press("colon", *"12345", "enter")
        await settle(pilot)
        expected = extracted.split(b"\n")[12344].decode()
        assert f"12345 {expected}" in screen_text(app)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot, rounds=4)
        assert (out / "big.log").read_bytes() == extracted
        await pilot.press("escape")
        await settle(pilot)
        files.file_view.reveal("etc/hostile.txt")
        await pilot.press("enter")
        await settle(pilot, rounds=4)
        assert gnu_tar_extract(registry, pushed, "etc/hostile.txt", tmp_path) == HOSTILE
        assert "clear:␛[2J title:␛]0;pwned␇" in screen_text(app)
    await client.aclose()
