"""Pilot tests: filtering, copying references, errors inline, hostile strings, stalls."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from regview.registry.errors import Denied, MalformedContent, NotFound, ServerError
from regview.tui.app import RegviewApp, create_app
from regview.tui.widgets.filter_input import FilterInput
from tests.tui.fakes import FakeSource
from tests.tui.helpers import screen_text, settle


@pytest.fixture
def copied(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the app handed to ``copy_to_clipboard`` (OSC 52)."""
    seen: list[str] = []
    monkeypatch.setattr(RegviewApp, "copy_to_clipboard", lambda self, text: seen.append(text))
    return seen


async def test_filter_as_you_type_then_escape_clears(source: FakeSource) -> None:
    app = create_app(source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        repo_list = app.main.repositories.list
        await pilot.press("slash")
        assert isinstance(app.focused, FilterInput)
        await pilot.press("a", "p", "p")
        await settle(pilot)
        assert [repo_list.items[repo_list.item_at(r)] for r in range(repo_list.row_count)] == [
            "team/app"
        ]
        assert "(1 of 3)" in screen_text(app)
        await pilot.press("backspace", "backspace", "backspace", "t", "m", "n")  # fuzzy: tools/many
        await settle(pilot)
        assert [repo_list.items[repo_list.item_at(r)] for r in range(repo_list.row_count)] == [
            "tools/many"
        ]
        await pilot.press("enter")  # back to the list, the filter stays
        assert app.focused is repo_list
        assert repo_list.row_count == 1
        await pilot.press("escape")  # clears the filter
        assert repo_list.row_count == 3
        assert repo_list.highlighted_value == "tools/many"
        await pilot.press("slash", "x", "escape")
        assert repo_list.row_count == 3
        assert app.focused is repo_list


async def test_filter_tags(source: FakeSource) -> None:
    app = create_app(source, repository="tools/many")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tag_list = app.main.tags.list
        await pilot.press("slash", "5", "9")
        await settle(pilot)
        assert [tag_list.items[tag_list.item_at(r)] for r in range(tag_list.row_count)] == [
            "build-59"
        ]


async def test_copy_pinned_and_tag_references(source: FakeSource, copied: list[str]) -> None:
    app = create_app(source, repository="team/app")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        digest = app.main.tags.list.infos["v1.2"].digest
        assert digest is not None
        assert copied == [f"registry.test/team/app@{digest}"]
        await pilot.press("Y")
        assert copied[-1] == "registry.test/team/app:v1.2"
        await pilot.press("enter")  # into the tree
        await settle(pilot)
        await pilot.press("j", "y")  # the config blob
        config = app.main.manifest.tree_widget.cursor_node
        assert config is not None and config.data is not None
        assert copied[-1] == f"registry.test/team/app@{config.data.digest}"
        await pilot.press("Y")
        assert copied[-1] == "registry.test/team/app:v1.2"


async def test_copy_on_repositories_pane_says_what_to_do(source: FakeSource,
                                                         copied: list[str]) -> None:
    app = create_app(source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert copied == []
        assert any("Choose a tag" in str(n.message) for n in app._notifications)


async def test_manifest_error_inline_and_notified(layouts: Path) -> None:
    source = FakeSource(layouts, fail={"manifest:team/app:v1.9": ServerError(
        "registry.test answered 500 Internal Server Error", status=500)})
    app = create_app(source, repository="team/app")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j")  # v1.9
        await settle(pilot)
        tree = app.main.manifest.tree_widget
        assert str(tree.root.label).startswith("⚠ registry.test answered 500")
        assert "⚠" in screen_text(app)
        messages = [str(n.message) for n in app._notifications]
        assert any("500 Internal Server Error" in m for m in messages)
        info = app.main.tags.list.infos["v1.9"]
        assert info.error is not None  # the tag row shows its error too
        await pilot.press("j")  # the app carries on
        await settle(pilot)
        assert app.is_running
        assert str(tree.root.label).startswith("v1.10")


async def test_child_node_error_inline(layouts: Path) -> None:
    source = FakeSource(layouts)
    app = create_app(source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        tree = app.main.manifest.tree_widget
        amd64 = tree.root.children[0]
        assert amd64.data is not None and amd64.data.descriptor is not None
        source.fail[f"manifest:library/alpine:{amd64.data.descriptor.digest}"] = MalformedContent(
            "manifest.layers[0].size must be an integer, not string")
        await pilot.press("j", "l")
        await settle(pilot)
        assert [str(c.label) for c in amd64.children] == [
            "⚠ manifest.layers[0].size must be an integer, not string"
        ]
        assert app.is_running


async def test_tags_error_inline(layouts: Path) -> None:
    source = FakeSource(layouts, fail={"tags:team/app": NotFound(
        "repository team/app not found (NAME_UNKNOWN)")})
    app = create_app(source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert "⚠ repository team/app not found" in screen_text(app)
        assert app.is_running


async def test_catalog_denied_prompts_for_a_name(layouts: Path) -> None:
    source = FakeSource(layouts, catalog_error=Denied(
        "registry.test does not allow listing repositories (_catalog): DENIED"))
    app = create_app(source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "This registry does not" in text
        assert "_catalog" in text
        assert app.focused is app.main.query_one("#repo-input")
        await pilot.press(*"team/app", "enter")
        await settle(pilot)
        main = app.main
        assert main.tags.repository == "team/app"
        assert main.level == 1
        assert list(main.repositories.list.items) == ["team/app"]


async def test_stalled_source_keeps_the_ui_responsive(layouts: Path) -> None:
    source = FakeSource(layouts, stall={"tags:team/app"})
    app = create_app(source)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("j")  # team/app: its tags never come
        await pilot.pause(0.3)
        assert "loading…" in screen_text(app)
        await pilot.press("j")  # moving on cancels the stalled fetch (or settle never ends)
        await settle(pilot)
        assert app.main.tags.repository == "tools/many"
        assert len(app.main.tags.list.items) == 60
        await pilot.press("q")
    assert not app.is_running


async def test_hostile_strings_are_shown_literally_and_do_nothing(layouts: Path) -> None:
    hostile_tag = "t\x1b]52;c;aGk=\x07\u202eevil"
    source = FakeSource(
        layouts,
        repositories=["[bold]x[/]", "[@click=app.quit]x[/]", "team/app"],
        extra_tags={"[bold]x[/]": [hostile_tag, "[red]tag[/red]"]},
        fail={"manifest:[bold]x[/]": NotFound("manifest [b]gone[/b]\x1b[2J not found")},
    )
    app = create_app(source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "[bold]x[/]" in text
        assert "[@click=app.quit]x[/]" in text
        assert "t␛]52;c;aGk=␇\\u" in text  # clipped by the column width
        assert "[red]tag[/red]" in text
        assert "manifest [b]gone[/b]␛[2J not found" in text
        await pilot.click("#repo-list", offset=(3, 1))  # the @click repository
        await settle(pilot)
        assert app.is_running
        assert app.main.tags.repository == "[@click=app.quit]x[/]"


async def test_million_repositories_stay_instant() -> None:
    names = [f"org{i % 97}/service-{i:07d}" for i in range(1_000_000)]
    source = FakeSource(Path("/nonexistent"), repositories=names,
                        fail={"tags:": NotFound("no tags here")})
    app = create_app(source)
    async with app.run_test(size=(120, 40)) as pilot:
        started = time.perf_counter()
        while len(app.main.repositories.list.items) < 1_000_000:
            await pilot.pause(0.05)
            # Only a guard against a listing that never ends: it takes under a minute even
            # on a loaded machine (speed is benchmarks/tui_bench.py's business).
            assert time.perf_counter() - started < 600, "the listing never completed"
        repo_list = app.main.repositories.list
        await pilot.press("end")
        assert repo_list.highlighted_value == names[-1]
        await pilot.press("slash", *"service-099999")
        await settle(pilot)
        matched = [repo_list.items[repo_list.item_at(r)] for r in range(repo_list.row_count)]
        assert matched[:1] == ["org87/service-0999990"] or "service-0999990" in matched[0]
        assert len(matched) >= 10
        # How fast is a benchmark's business (benchmarks/tui_bench.py), not a test's.
        assert repo_list.first_result_seconds is not None


async def test_copy_on_a_layer_copies_its_image_and_digest_and_says_so(
    source: FakeSource, copied: list[str]
) -> None:
    app = create_app(source, repository="team/app", reference="v1.10")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        image = (await source.resolve("team/app", "v1.10")).digest
        await pilot.press("y")  # the image at the root: its pinned reference
        assert copied == [f"registry.test/team/app@{image}"]
        assert any(str(n.message).startswith("Copied pinned reference registry.test/team/app@")
                   for n in app._notifications)
        await pilot.press("j", "j")  # config, layer 1
        node = app.main.manifest.tree_widget.cursor_node
        assert node is not None and node.data is not None and node.data.kind == "layer"
        layer = node.data.digest
        await pilot.press("y")
        # Not 'repo@<layer digest>' (a blob nobody pulls): the image pinned and the layer,
        # as 'regview files' takes them.
        assert copied[-1] == f"registry.test/team/app@{image} --layer {layer}"
        assert any(str(n.message).startswith("Copied layer") for n in app._notifications)


async def test_a_filter_that_matches_nothing_says_no_match(source: FakeSource) -> None:
    app = create_app(source, repository="tools/many")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", "z", "z", "z")
        await settle(pilot)
        tag_list = app.main.tags.list
        assert tag_list.row_count == 0
        text = screen_text(app)
        assert "no match" in text
        assert "loading…" not in text


async def test_escape_clearing_a_filter_keeps_the_cursor_on_screen(source: FakeSource) -> None:
    app = create_app(source, repository="tools/many")
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(pilot)
        tag_list = app.main.tags.list
        await pilot.press("slash", "5", "9", "enter")  # build-59, the last of 60
        await settle(pilot)
        assert tag_list.highlighted_value == "build-59"
        await pilot.press("escape")
        await settle(pilot)
        assert tag_list.row_count == 60
        assert tag_list.highlighted_value == "build-59"
        top = int(tag_list.scroll_offset.y)
        assert top <= tag_list.cursor < top + tag_list.size.height
        row = next(line for line in screen_text(app).splitlines() if "build-59" in line)
        assert row
