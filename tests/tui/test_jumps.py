"""The palette's jumps (issue #16): to a missing repository, to another registry, to an
invalid reference; what a jump leaves behind; which targets count as opened."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Static

from regview.registry import NetworkError, NotFound, Settings
from regview.targets import Opened, open_target
from regview.tui.app import RegviewApp, create_app
from regview.tui.screens.main import MainScreen
from regview.tui.screens.start import StartChoice
from regview.tui.widgets.filter_input import FilterInput
from tests.tui.fakes import FakeSource
from tests.tui.helpers import screen_text, settle


async def palette(pilot: Pilot[int], text: str) -> None:
    """Ctrl+P, type ``text``, wait for the hits, Enter on the first."""
    await pilot.press("ctrl+p")
    await pilot.pause(0.2)
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*text)
    await pilot.pause(0.6)  # the palette searches after a debounce
    await pilot.press("enter")
    await settle(pilot)


def header(app: RegviewApp) -> str:
    return str(app.main.query_one("#header", Static).content)


def messages(app: RegviewApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


# --- a jump resets what is below it ------------------------------------------------------


async def test_a_jump_to_a_repository_clears_the_manifest_below(source: FakeSource) -> None:
    app = create_app(source, repository="team/app", reference="v1.10")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.main.manifest.reference == "v1.10"
        await palette(pilot, "tools/many")
        main = app.main
        assert main.tags.repository == "tools/many"
        # The manifest shown is the first tag's of tools/many, as when moving there by
        # hand, and nothing of team/app:v1.10 is left.
        assert main.manifest.repository == "tools/many"
        assert main.manifest.reference == main.tags.list.highlighted_value == "build-0"
        assert "v1.10" not in header(app)
        assert str(main.manifest.tree_widget.root.label).startswith("build-0")
        details = main.details.node
        assert details is not None and details.repository == "tools/many"


async def test_a_jump_clears_the_filters_it_makes_stale(source: FakeSource) -> None:
    app = create_app(source, repository="tools/many")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        main = app.main
        main.focus_pane(0)
        await pilot.press("slash", "a", "p", "p", "enter")  # team/app only
        await settle(pilot)
        assert main.repositories.list.row_count == 1
        await pilot.press("tab")
        await pilot.press("slash", "5", "enter")  # tags with a 5
        await settle(pilot)
        assert main.tags.list.filter_query == "5"
        await palette(pilot, "tools/many:build-1")
        assert main.manifest.reference == "build-1"
        for pane in (main.repositories, main.tags):
            assert pane.query_one(FilterInput).value == ""
            assert not pane.has_class("-filtering")
            assert pane.list.filter_query == ""
        assert main.repositories.list.row_count == 3
        assert main.tags.list.highlighted_value == "build-1"


# --- missing repositories ----------------------------------------------------------------


async def test_a_jump_to_a_missing_repository_lists_nothing_and_says_so(layouts: Path) -> None:
    missing = "no repository nope/missing, or it has no tags"
    source = FakeSource(layouts, fail={"tags:nope/missing": NotFound(missing)})
    app = create_app(source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await palette(pilot, "nope/missing")
        assert "tags:nope/missing" in source.calls
        assert list(app.main.repositories.list.items) == [
            "library/alpine", "team/app", "tools/many"]
        assert app.main.tags.list.empty_text.plain == f"⚠ {missing}"
        assert "⚠ no repository nope/missing" in screen_text(app)


async def test_a_repository_the_catalog_leaves_out_joins_it_once_its_tags_load(
    layouts: Path,
) -> None:
    source = FakeSource(layouts, repositories=["team/app"])  # tools/many is there, unlisted
    app = create_app(source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await palette(pilot, "tools/many")
        assert list(app.main.repositories.list.items) == ["team/app", "tools/many"]
        assert app.main.repositories.list.highlighted_value == "tools/many"
        assert len(app.main.tags.list.items) == 60


# --- references to other registries, and invalid ones ------------------------------------


async def test_a_reference_to_another_registry_opens_that_registry(layouts: Path) -> None:
    here = FakeSource(layouts, name="127.0.0.1:5001")
    opened: list[str] = []

    def opener(text: str) -> Opened:
        opened.append(text)
        return open_target(text, lambda registry: FakeSource(layouts, name=registry),
                           Settings())

    app = create_app(here, opener=opener)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await palette(pilot, "127.0.0.1:5002/team/app:v1.9")
        assert opened == ["127.0.0.1:5002/team/app:v1.9"]
        assert not any("5002" in call for call in here.calls), here.calls
        assert isinstance(app.screen, MainScreen)
        assert app.main.source.name == "127.0.0.1:5002"
        assert app.main.manifest.reference == "v1.9"
        assert app.main.tags.repository == "team/app"


async def test_a_reference_naming_this_registry_stays_here(layouts: Path) -> None:
    here = FakeSource(layouts, name="127.0.0.1:5001")
    app = create_app(here, opener=lambda text: (_ for _ in ()).throw(AssertionError(text)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await palette(pilot, "127.0.0.1:5001/team/app:v1.9")
        assert app.main.source is here
        assert (app.main.manifest.repository, app.main.manifest.reference) == ("team/app",
                                                                               "v1.9")


def _cli_error(reference: str) -> str:
    """What ``regview manifest REF`` says of an invalid reference (before any request)."""
    run = subprocess.run([sys.executable, "-m", "regview", "--no-cache", "manifest", reference],
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode != 0
    return run.stderr.strip().removeprefix("regview: ")


async def test_an_invalid_reference_gets_the_cli_message_and_sends_nothing(
    source: FakeSource,
) -> None:
    expected = _cli_error("team/app:1.0+x")
    assert "invalid reference" in expected
    app = create_app(source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = list(source.calls)
        await palette(pilot, "team/app:1.0+x")
        assert source.calls == before
        assert expected in messages(app)


# --- only targets that opened are remembered ---------------------------------------------


async def test_a_target_is_remembered_once_its_source_answers(source: FakeSource) -> None:
    remembered: list[str] = []
    app = create_app(source, repository="team/app", target="registry.test/team/app",
                     on_target_opened=remembered.append)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
    assert remembered == ["registry.test/team/app"]


async def test_a_target_that_never_answers_is_not_remembered(layouts: Path) -> None:
    down = NetworkError("cannot connect to 127.0.0.1:1: connection refused")
    source = FakeSource(layouts, name="127.0.0.1:1", catalog_error=down,
                        fail={"tags:": down, "manifest:": down})
    remembered: list[str] = []
    app = create_app(source, target="127.0.0.1:1", on_target_opened=remembered.append)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "⚠ cannot connect" in screen_text(app)
    assert remembered == []


async def test_the_picker_remembers_what_opened_not_what_failed(layouts: Path) -> None:
    down = NetworkError("cannot connect to 127.0.0.1:1: connection refused")

    def make(registry: str) -> FakeSource:
        if registry == "127.0.0.1:1":
            return FakeSource(layouts, name=registry, catalog_error=down,
                              fail={"tags:": down, "manifest:": down})
        return FakeSource(layouts, name=registry)

    remembered: list[str] = []
    app = create_app(None, opener=lambda text: open_target(text, make, Settings()),
                     start_choices=[StartChoice("127.0.0.1:1", "recent")],
                     on_target_opened=remembered.append)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*"127.0.0.1:1/team/app:v1.9", "enter")
        await settle(pilot)
        assert app.main.source.name == "127.0.0.1:1"
        assert remembered == []
        await palette(pilot, "registry.test/team/app:v1.9")
        assert app.main.source.name == "registry.test"
    assert remembered == ["registry.test/team/app:v1.9"]
