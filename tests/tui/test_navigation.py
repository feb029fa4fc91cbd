"""Pilot tests: keys move through repositories -> tags -> manifest tree -> details."""

from __future__ import annotations

from pathlib import Path

from regview.registry import Settings, descriptor_json
from regview.registry import media_types as mt
from regview.registry.oci_layout import LayoutWriter
from regview.tui.app import create_app
from regview.tui.screens.help import HelpScreen
from regview.tui.screens.raw_json import RawJsonScreen
from regview.tui.widgets.details import DetailsPane
from regview.tui.widgets.manifest_tree import ManifestTree
from tests.tui.fakes import FakeSource
from tests.tui.helpers import details_text, screen_text, settle
from tests.tui.layouts import _image


async def test_drill_down_with_keys(source: FakeSource) -> None:
    app = create_app(source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        main = app.main
        assert list(main.repositories.list.items) == ["library/alpine", "team/app", "tools/many"]
        assert main.level == 0
        await pilot.press("j")  # team/app
        await settle(pilot)
        assert main.tags.repository == "team/app"
        assert list(main.tags.list.items) == ["v1.2", "v1.9", "v1.10"]  # natural order
        await pilot.press("enter")
        assert main.level == 1
        await pilot.press("end", "l")  # v1.10, open it
        await settle(pilot)
        assert main.level == 2
        tree = main.manifest.tree_widget
        assert isinstance(app.focused, ManifestTree)
        labels = [str(n.label) for n in tree.root.children]
        assert labels[0].startswith("config")
        assert any(label.startswith("layer 3") for label in labels)
        assert any(label.startswith("referrers (1)") for label in labels)
        text = details_text(app)
        assert "Entrypoint" in text and "/docker-entrypoint.sh" in text
        assert "(empty)" in text  # history maps an empty layer
        await pilot.press("j", "j")  # layer 1
        await settle(pilot)
        assert tree.cursor_node is not None and tree.cursor_node.data is not None
        assert tree.cursor_node.data.kind == "layer"
        assert "Created by" in details_text(app)
        await pilot.press("k", "enter")  # the config, a leaf: go to details
        assert main.level == 3
        assert app.focused is main.details.focus_target
        await pilot.press("escape")
        assert main.level == 2
        await pilot.press("escape")
        assert main.level == 1
        await pilot.press("backspace")
        assert main.level == 0
        await pilot.press("tab", "tab")
        assert main.level == 2
        await pilot.press("shift+tab")
        assert main.level == 1


async def test_index_platforms_and_attestations(source: FakeSource) -> None:
    app = create_app(source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        main = app.main
        assert main.tags.repository == "library/alpine"
        assert list(main.tags.list.items)[:2] == ["latest", "3.2"]
        await pilot.press("enter", "enter")
        await settle(pilot)
        tree = main.manifest.tree_widget
        children = tree.root.children
        assert [str(c.label).split()[0] for c in children] == [
            "linux/amd64", "linux/arm64/v8", "attestations"
        ]
        assert "Platforms" in screen_text(app)
        await pilot.press("j", "l")  # expand linux/amd64
        await settle(pilot)
        amd64 = children[0]
        assert amd64.is_expanded
        assert [str(c.label).split()[0] for c in amd64.children] == ["config", "layer", "layer"]
        await pilot.press("h")  # collapse
        assert not amd64.is_expanded
        await pilot.press("h")  # to the root
        assert tree.cursor_node is tree.root
        await pilot.press("h")  # back to tags
        assert main.level == 1


async def test_tag_columns_fill_for_visible_rows_only(layouts: Path) -> None:
    source = FakeSource(layouts)
    app = create_app(source, repository="tools/many")
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(pilot)
        tag_list = app.main.tags.list
        assert len(tag_list.items) == 60
        visible = tag_list.size.height
        filled = len(tag_list.infos)
        assert visible <= filled <= visible + 2 * 10 + 1  # screen + prefetch margin
        info = tag_list.infos["build-0"]
        assert info.digest is not None and info.platforms == 1 and info.size
        assert info.created is not None and info.created.year == 2024
        assert "build-59" not in tag_list.infos


async def test_start_on_a_reference(source: FakeSource) -> None:
    app = create_app(source, repository="team/app", reference="v1.9")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        main = app.main
        assert main.level == 2
        assert app.focused is main.manifest.tree_widget
        assert main.manifest.reference == "v1.9"
        assert main.tags.list.highlighted_value == "v1.9"
        assert main.repositories.list.highlighted_value == "team/app"


async def test_narrow_terminal_shows_two_panes_and_a_breadcrumb(source: FakeSource) -> None:
    app = create_app(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        main = app.main
        shown = [p.id for p in main.panes if p.display]
        assert shown == ["repositories", "tags"]
        await pilot.press("enter", "enter")
        await settle(pilot)
        shown = [p.id for p in main.panes if p.display]
        assert shown == ["manifest", "details"]
        assert "library/alpine › latest" in screen_text(app)


async def test_help_and_raw_json_screens(source: FakeSource) -> None:
    app = create_app(source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "main.copy-digest" in text and "list.open" in text
        await pilot.press("escape")
        await pilot.press("enter", "J")
        await settle(pilot)
        assert isinstance(app.screen, RawJsonScreen)
        text = screen_text(app)
        assert '"schemaVersion": 2' in text
        await pilot.press("escape")
        assert not isinstance(app.screen, RawJsonScreen)
        await pilot.press("enter", "j", "j", "J")  # tree: a platform node
        await settle(pilot)
        assert isinstance(app.screen, RawJsonScreen)
        assert '"layers"' in screen_text(app)


async def test_keymap_file_remaps_keys(source: FakeSource, tmp_path: Path) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys]\n"app.quit" = "x"\n"list.down" = ["n", "down"]\n')
    app = create_app(source, settings=Settings(keymap_path=keys))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert app.main.repositories.list.highlighted_value == "team/app"
        await pilot.press("q")
        assert app.is_running
        await pilot.press("x")
    assert not app.is_running


async def test_bad_keymap_is_reported_not_fatal(source: FakeSource, tmp_path: Path) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys]\n"no.such" = "x"\n')
    app = create_app(source, settings=Settings(keymap_path=keys))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert any("unknown binding id" in str(n.message) for n in app._notifications)


async def test_details_for_artifact_referrer(source: FakeSource) -> None:
    app = create_app(source, repository="team/app", reference="v1.10")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        tree = app.main.manifest.tree_widget
        group = next(c for c in tree.root.children if str(c.label).startswith("referrers"))
        referrer = group.children[0]
        tree.move_cursor(referrer)
        referrer.expand()
        await settle(pilot)
        text = details_text(app)
        assert "Artifact" in text and "application/spdx+json" in text
        assert "sbom" in str(referrer.label)
        assert isinstance(app.main.details, DetailsPane)


async def test_small_sizes_read_in_bytes_as_b(source: FakeSource) -> None:
    app = create_app(source, repository="tools/many", reference="build-0")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        config = app.main.manifest.tree_widget.root.children[0]
        assert config.data is not None and config.data.descriptor is not None
        size = config.data.descriptor.size
        assert config.data.kind == "config" and size < 1000
        assert f"  {size} B  " in str(config.label)
        assert "Byte" not in screen_text(app)


async def test_keymap_remaps_the_keys_of_modal_screens_too(source: FakeSource,
                                                          tmp_path: Path) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys]\n"json.close" = "x"\n"help.close" = "z"\n')
    app = create_app(source, settings=Settings(keymap_path=keys))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not app._notifications  # the keymap was accepted
        await pilot.press("enter", "J")
        await settle(pilot)
        assert isinstance(app.screen, RawJsonScreen)
        await pilot.press("x")
        assert not isinstance(app.screen, RawJsonScreen)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("z")
        assert not isinstance(app.screen, HelpScreen)


async def test_the_created_column_is_whole_and_has_a_heading(source: FakeSource) -> None:
    app = create_app(source, repository="tools/many")
    async with app.run_test(size=(240, 30)) as pilot:  # wide enough for every column
        await settle(pilot)
        tags = app.main.tags
        assert tags.list.show_vertical_scrollbar  # 60 tags: the list scrolls
        lines = screen_text(app).splitlines()
        info = tags.list.infos["build-0"]
        assert info.created is not None
        day = info.created.strftime("%Y-%m-%d")
        row = next(line for line in lines if "│build-0 " in line)
        assert f" {day}" in row, row
        header = next(line for line in lines if " digest " in line and "tag " in line)
        assert "created" in header
        # The heading stands over the dates: same column.
        assert header.index("created") == row.index(day)


async def test_platforms_stay_whole_at_80_columns(tmp_path: Path) -> None:
    # A Docker manifest list (long type names) of platforms that share a prefix.
    w = LayoutWriter(tmp_path / "team" / "multi")
    images = [_image(w, arch, variant=variant, docker=True)
              for arch, variant in (("amd64", None), ("arm64", "v8"), ("arm", "v7"),
                                    ("arm", "v6"), ("ppc64le", None))]
    index = {"schemaVersion": 2, "mediaType": mt.DOCKER_MANIFEST_LIST,
             "manifests": [descriptor_json(d) for d in images]}
    w.tag(w.add_json(index, mt.DOCKER_MANIFEST_LIST), "latest")
    w.close()
    app = create_app(FakeSource(tmp_path), repository="team/multi", reference="latest")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        region = app.main.details.region
        assert app.main.details.display and region.width < 45
        lines = screen_text(app).splitlines()[region.y : region.y + region.height]
        details = "\n".join(line[region.x : region.x + region.width] for line in lines)
        for platform in ("linux/amd64", "linux/arm64/v8", "linux/arm/v7", "linux/arm/v6",
                         "linux/ppc64le"):
            assert f" {platform} " in details, details


async def test_the_details_scrollbar_draws_no_glyphs_over_the_text(source: FakeSource) -> None:
    app = create_app(source, repository="team/app", reference="v1.10")
    async with app.run_test(size=(160, 24)) as pilot:  # the details overflow: they scroll
        await settle(pilot)
        scroll = app.main.details.focus_target
        assert scroll.show_vertical_scrollbar
        region = app.main.details.region
        lines = screen_text(app).splitlines()[region.y : region.y + region.height]
        details = "\n".join(line[region.x : region.x + region.width] for line in lines)
        assert not set(details) & set("▁▂▃▄▅▆▇█▉▊▋▌▍▎▏"), details
