"""The explorer driven with Pilot against the real registry (Debian docker-registry)."""

from __future__ import annotations

from pathlib import Path

import pytest

from regview.registry.client import RegistryClient
from regview.registry.settings import Settings
from regview.tui.app import RegviewApp, create_app
from tests.support.content import Published
from tests.support.registry import RegistryServer
from tests.tui.helpers import details_text, screen_text, settle

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("REGVIEW_CACHE_DIR", str(tmp_path / "cache"))


def explorer(registry: RegistryServer, tmp_path: Path, **kwargs: str) -> RegviewApp:
    client = RegistryClient(registry.host, settings=Settings(cache_dir=tmp_path / "cache"))
    return create_app(client, **kwargs)  # type: ignore[arg-type]


async def test_browse_repositories_tags_index_platform_config_and_layers(
    registry: RegistryServer, content: Published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copied: list[str] = []
    monkeypatch.setattr(RegviewApp, "copy_to_clipboard", lambda self, text: copied.append(text))
    index = content.manifest("oci-index")
    repo = content.repo("oci-index")
    app = explorer(registry, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        repos = list(app.main.repositories.list.items)
        assert repo in repos
        app.main.repositories.list.move_cursor(repos.index(repo))
        await pilot.press("enter")
        await settle(pilot)
        assert "latest" in list(app.main.tags.list.items)
        tags = list(app.main.tags.list.items)
        app.main.tags.list.move_cursor(tags.index("latest"))
        await pilot.press("enter")  # into the manifest tree: the index
        await settle(pilot)
        assert app.main.manifest.reference == "latest"
        await pilot.press("y")
        assert copied[-1] == f"{registry.host}/{repo}@{index.digest}"
        await pilot.press("j", "l")  # the first platform, expanded
        await settle(pilot)
        first = index.images()[0]
        text = details_text(app)
        assert first.digest.split(":")[1][:16] in text.replace("\n", "").replace(" ", "")
        assert "APP_MODE=production" in text and "/srv/app" in text
        await pilot.press("j")  # its config
        await settle(pilot)
        await pilot.press("j")  # its first layer
        await settle(pilot)
        layer_text = details_text(app)
        assert first.layers[0].digest.split(":")[1][:12] in layer_text.replace("\n", "")
        status = screen_text(app)
        assert registry.host in status and "anonymous" in status


async def test_open_straight_on_a_digest_and_see_referrers(
    registry: RegistryServer, content: Published, tmp_path: Path
) -> None:
    image = content.manifest("oci-image")
    app = explorer(
        registry, tmp_path, repository=content.repo("oci-image"), reference=image.digest
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, rounds=4)
        assert app.main.manifest.reference == image.digest
        text = screen_text(app)
        assert "referrers" in text
