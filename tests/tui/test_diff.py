"""The diff screen: ``m`` marks an image, ``=`` on another compares them (pilot tests).

The images are real tar layers (tests/support/diff_images.py); what the screen must
show is written down by hand from their contents.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from regview.tui.app import create_app
from regview.tui.screens.diff import DiffScreen
from regview.tui.screens.main import MainScreen
from regview.tui.widgets.diff_tree import DiffTree
from tests.support.diff_images import write_pair
from tests.tui.fakes import FakeSource
from tests.tui.helpers import settle


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pair(tmp_path_factory.mktemp("diff-pair"))


def tree_lines(tree: DiffTree) -> list[str]:
    """Every node of the tree, indented by depth, as plain text (all opened)."""
    out: list[str] = []

    def walk(node: object, depth: int) -> None:
        for child in node.children:  # type: ignore[attr-defined]
            out.append("  " * depth + child.label.plain)
            walk(child, depth + 1)

    walk(tree.root, 0)
    return out


async def test_mark_then_equals_opens_the_diff_of_the_two_tags(pair: Path) -> None:
    app = create_app(FakeSource(pair), repository="diff/app")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m")  # tag 1 (A)
        await pilot.press("j")
        await settle(pilot)
        await pilot.press("equals_sign")  # tag 2 (B)
        await settle(pilot, rounds=6)
        for _ in range(50):
            screen = app.screen
            if isinstance(screen, DiffScreen) and screen.result is not None:
                break
            await pilot.pause(0.05)
        screen = app.screen
        assert isinstance(screen, DiffScreen) and screen.result is not None
        assert (screen.a.display, screen.b.display) == ("diff/app:1", "diff/app:2")
        # By hand, from the layers: every changed path under its directory.
        assert tree_lines(screen.file_tree) == [
            "- app  dir",
            "  - a-only  file",
            "bin",
            "  ~ tool  type, mode, link",
            "data",
            "  ~ copy  type, link",
            "  + link  hardlink",
            "etc",
            "  ~ conf  content",
            "  - gone  file",
            "  ~ mode  mode",
            "  ~ readd  size, content",
            "opt",
            "  ~ thing  type, mode",
            "    + inner  file",
            "var",
            "  cache",
            "    - a  file",
            "    - b  file",
            "    + c  file",
        ]
        sections = str(screen.query_one("#diff-sections-text", Static).render())
        assert "+ env EXTRA = 1" in sections
        assert "~ labels version: 1 → 2" in sections
        assert "- [2] COPY app /app" in sections
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)


async def test_equals_without_a_mark_says_what_to_do(pair: Path) -> None:
    app = create_app(FakeSource(pair), repository="diff/app")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("equals_sign")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        messages = [n.message for n in app._notifications]
        assert any("Mark an image with m first" in m for m in messages)


async def test_an_image_compared_with_itself_is_equal(pair: Path) -> None:
    app = create_app(FakeSource(pair), repository="diff/app")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m", "equals_sign")
        for _ in range(50):
            screen = app.screen
            if isinstance(screen, DiffScreen) and screen.result is not None:
                break
            await pilot.pause(0.05)
        screen = app.screen
        assert isinstance(screen, DiffScreen) and screen.result is not None
        assert screen.result.equal
        summary = str(screen.query_one("#diff-summary", Static).render())
        assert summary.endswith("· equal")


async def test_hostile_names_and_labels_are_shown_as_plain_text(tmp_path: Path) -> None:
    from regview.registry import media_types as mt
    from regview.registry.oci_layout import LayoutWriter, descriptor_json
    from tests.support.layer_builders import TarBuilder, diff_id_of, gz

    w = LayoutWriter(tmp_path / "evil" / "app")
    evil = "etc/\x1b]0;pwned\x07[bold red]x"
    label = "[link=x]y[/link]\x1b[2J"
    for tag, builder, labels in (
        ("1", TarBuilder().file("etc/ok", b"ok"), {}),
        ("2", TarBuilder().file("etc/ok", b"ok").file(evil, b"x"), {"l": label}),
    ):
        blob = gz(builder.bytes())
        layer = w.add_blob(blob, mt.OCI_LAYER_GZIP)
        config = {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Labels": labels},
            "rootfs": {"type": "layers", "diff_ids": [diff_id_of(blob)]},
        }
        cfg = w.add_json(config, mt.OCI_CONFIG)
        manifest = {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": descriptor_json(cfg),
            "layers": [descriptor_json(layer)],
        }
        w.tag(w.add_json(manifest, mt.OCI_MANIFEST), tag)
    w.close()
    app = create_app(FakeSource(tmp_path), repository="evil/app")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m", "j")
        await settle(pilot)
        await pilot.press("equals_sign")
        for _ in range(50):
            screen = app.screen
            if isinstance(screen, DiffScreen) and screen.result is not None:
                break
            await pilot.pause(0.05)
        screen = app.screen
        assert isinstance(screen, DiffScreen) and screen.result is not None
        lines = tree_lines(screen.file_tree)
        assert lines[0] == "etc"
        # The escape and the bell are shown as visible escapes; the markup as typed.
        assert "\x1b" not in lines[1] and "\x07" not in lines[1]
        assert "[bold red]x" in lines[1] and "pwned" in lines[1]
        sections = str(screen.query_one("#diff-sections-text", Static).render())
        assert "[link=x]y[/link]" in sections and "\x1b" not in sections
