"""The explorer under Pilot against the vendor fakes: Docker Hub's missing catalog turns
into a prompt for a name, and the pull budget in the status bar follows every pull."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from regview.registry import RegistryClient, Settings
from regview.tui.app import create_app
from regview.tui.widgets.status import StatusBar
from tests.tui.helpers import screen_text, settle
from tests.vendors.dockerhub import DockerHub


@pytest.fixture(autouse=True)
def _hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("REGVIEW_CACHE_DIR", str(tmp_path / "cache"))


def hub_source(hub: DockerHub, tmp_path: Path) -> RegistryClient:
    settings = Settings(endpoints=hub.endpoints(), cache_dir=tmp_path / "cache",
                        backoff_base=0.001)
    return RegistryClient("docker.io", settings=settings)


def status_line(app: object) -> str:
    bar = app.main.query_one(StatusBar)  # type: ignore[attr-defined]
    return screen_text(app).splitlines()[bar.region.y]  # type: ignore[arg-type]


async def test_docker_hub_without_a_catalog_asks_for_a_name_and_opens_it(
    hub: DockerHub, tmp_path: Path
) -> None:
    app = create_app(hub_source(hub, tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        message = app.main.query_one("#catalog-message", Static).content
        text = " ".join(str(message).split())
        assert text == (
            "This registry does not list its repositories "
            "docker.io does not list its repositories: open docker.io/REPOSITORY by name "
            "(e.g. docker.io/library/alpine) Type a repository name and press Enter."
        )
        # ...and the screen shows it, as a person reads it (wrapped in the pane).
        assert "docker.io/library/alpine)" in screen_text(app)
        assert app.focused is app.main.query_one("#repo-input")
        await pilot.press(*"alpine", "enter")  # one word on Docker Hub: library/alpine
        await settle(pilot)
        assert sorted(app.main.tags.list.items) == ["3.20", "latest"]
        assert app.main.tags.repository == "library/alpine"
    tag_lists = [r.path for r in hub.requests("registry") if r.path.endswith("/tags/list")]
    assert set(tag_lists) == {"/v2/library/alpine/tags/list"}


async def test_the_status_bar_shows_the_pull_budget_and_follows_each_pull(
    tmp_path: Path,
) -> None:
    with DockerHub(remaining=42) as hub:
        hub.images.put("library/alpine", "latest", label="new")
        hub.images.put("library/alpine", "3.19", label="old")  # another image: a pull
        await _budget_follows_pulls(hub, tmp_path)


async def _budget_follows_pulls(hub: DockerHub, tmp_path: Path) -> None:
    app = create_app(hub_source(hub, tmp_path), repository="library/alpine")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, rounds=5)
        pulls_at_start = hub.pulls
        assert f"pulls left {42 - pulls_at_start}/100 per 6h" in status_line(app)
        # Someone else on the same address pulls: the next answer carries the new budget.
        hub.remaining["anonymous"] = 7
        app.main.tags.list.focus()
        assert list(app.main.tags.list.items) == ["latest", "3.19"]
        await pilot.press("j", "enter")  # open 3.19's manifest (not yet fetched): a pull
        await settle(pilot, rounds=5)
        line = status_line(app)
        assert hub.pulls > pulls_at_start
        assert f"pulls left {hub.left()}/100 per 6h" in line
        assert hub.left() < 10  # low: shown in bold red
        bar = app.main.query_one(StatusBar)
        spans = [s for s in bar.render().spans if "red" in str(s.style)]  # type: ignore[union-attr]
        assert spans, "a low budget is not highlighted"


async def test_the_notebook_status_line_carries_the_same_budget(hub: DockerHub) -> None:
    from regview.notebook.explorer.status import status_of

    hub.remaining["anonymous"] = 12
    settings = Settings(endpoints=hub.endpoints(), use_cache=False)
    async with RegistryClient("docker.io", settings=settings) as client:
        assert "budget" not in status_of(client, 0)  # nothing said yet
        await client.manifest("library/busybox", "latest")
        first = status_of(client, 0)
        assert first["budget"] == "pulls left 11/100 per 6h" and first["low"] is False
        await client.manifest("library/alpine", "latest")
        hub.remaining["anonymous"] = 3
        await client.pull_budget("library/alpine", "latest")
        second = status_of(client, 0)
    assert second["budget"] == "pulls left 3/100 per 6h" and second["low"] is True
