"""The start picker: ``regview`` with no target."""

from __future__ import annotations

from pathlib import Path

from regview.registry.settings import Settings
from regview.targets import Opened, open_target
from regview.tui.app import RegviewApp, create_app
from regview.tui.screens.main import MainScreen
from regview.tui.screens.start import StartChoice, StartScreen
from tests.tui.fakes import FakeSource
from tests.tui.helpers import screen_text, settle


def picker(layouts: Path, opened: list[str]) -> RegviewApp:
    def opener(text: str) -> Opened:
        result = open_target(text, lambda registry: FakeSource(layouts, name=registry), Settings())
        opened.append(text)
        return result

    return create_app(
        None,
        opener=opener,
        start_choices=[
            StartChoice("registry.test", "recent"),
            StartChoice("registry.test/team/app:v1.9", "recent"),
        ],
    )


async def test_choose_a_recent_registry(layouts: Path) -> None:
    opened: list[str] = []
    app = picker(layouts, opened)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StartScreen)
        assert "registry.test/team/app:v1.9" in screen_text(app)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert opened == ["registry.test"]
        assert app.source.name == "registry.test"
        assert "team/app" in list(app.main.repositories.list.items)


async def test_type_a_reference_to_open_it(layouts: Path) -> None:
    opened: list[str] = []
    app = picker(layouts, opened)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*"registry.test/team/app:v1.9", "enter")
        await settle(pilot)
        assert app.main.tags.repository == "team/app"
        assert app.main.manifest.reference == "v1.9"


async def test_a_bad_target_says_why_and_stays(layouts: Path) -> None:
    opened: list[str] = []
    app = picker(layouts, opened)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*"Not A Registry!", "enter")
        await settle(pilot)
        assert isinstance(app.screen, StartScreen)
        assert "invalid" in screen_text(app).lower()
        await pilot.press("escape")
    assert app.return_code == 0


async def test_starting_on_a_digest_keeps_that_manifest(layouts: Path) -> None:
    source = FakeSource(layouts)
    digest = (await source.resolve("team/app", "v1.10")).digest
    app = create_app(source, repository="team/app", reference=digest)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.main.manifest.reference == digest
        assert list(app.main.tags.list.items) == ["v1.2", "v1.9", "v1.10"]
        await pilot.press("shift+tab")  # to the tags, then the user moves: now it follows
        await pilot.press("j")
        await settle(pilot)
        assert app.main.manifest.reference == "v1.9"


async def test_starting_on_a_missing_tag_says_not_found(layouts: Path) -> None:
    app = create_app(FakeSource(layouts), repository="team/app", reference="nope")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.main.manifest.reference == "nope"
        assert "tag 'nope' not found" in screen_text(app)
