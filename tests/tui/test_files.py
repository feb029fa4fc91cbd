"""Pilot tests of the files views: a layer's tree, the merged filesystem, find, largest,
progress and cancel, errors inline, hostile names, big directories."""

from __future__ import annotations

import gzip
import io
import tarfile
import time
from pathlib import Path

import pytest
from rich.style import Style
from textual.pilot import Pilot
from textual.widgets import ProgressBar, Static

from regview.registry import Settings
from regview.registry.layers.entry import Entry, EntryType
from regview.registry.layers.toc import LayerToc
from regview.registry.models import Descriptor
from regview.registry.oci_layout import OciLayoutSource
from regview.tui.app import RegviewApp, create_app
from regview.tui.screens.content import ContentScreen
from regview.tui.screens.files import FilesScreen, LayerTarget
from regview.tui.screens.main import MainScreen
from regview.tui.widgets.file_tree import MAX_CHILDREN, FileTreeView, FsNode
from regview.tui.widgets.filter_input import FilterInput
from tests.tui.fakes import FakeSource
from tests.tui.helpers import details_text, screen_text, settle
from tests.tui.layouts import AMD64_LAYERS


@pytest.fixture
def copied(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    monkeypatch.setattr(RegviewApp, "copy_to_clipboard", lambda self, text: seen.append(text))
    return seen


def files(app: RegviewApp) -> FilesScreen:
    screen = app.screen
    assert isinstance(screen, FilesScreen), type(screen)
    return screen


def row(screen: FilesScreen, path: str) -> str:
    """The tree row of ``path`` as shown (name and columns), revealing it first."""
    node = screen.file_view.reveal(path)
    assert node is not None, path
    return screen.file_view.render_label(node, Style(), Style()).plain


def top_names(tree: FileTreeView) -> list[str]:
    return [c.data.name for c in tree.root.children if c.data is not None]


async def open_platform(pilot: Pilot[int], down: int = 1) -> None:
    """From files/app:v1 (the index at the root), expand the ``down``-th platform."""
    await settle(pilot)
    await pilot.press(*["j"] * down, "l")
    await settle(pilot)


async def test_layer_files_tree_sort_and_copy(file_source: FakeSource, copied: list[str]) -> None:
    app = create_app(file_source, repository="files/app", reference="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_platform(pilot)
        await pilot.press("j", "j", "enter")  # config, layer 1: Enter opens its files
        await settle(pilot)
        screen = files(app)
        assert screen.error is None
        tree = screen.file_view
        assert app.focused is tree
        assert top_names(tree) == ["bin", "etc", "lib", "opt", "usr", "var"]
        # Nothing below the top level is in the tree until a directory is opened.
        assert all(not c.children for c in tree.root.children)
        text = screen_text(app)
        assert "layer 1 of 3" in text and "uncompressed" in text and "compressed (gzip)" in text
        assert "files/app › v1 › linux/amd64 › layer 1 files" in text
        assert "var/" in text and "50.0 kB" in text  # a directory shows the total below it
        await pilot.press("s")
        await settle(pilot)
        assert top_names(tree) == ["var", "lib", "bin", "usr", "opt", "etc"]
        assert "by size" in screen_text(app)
        await pilot.press("home", "l")  # open var/
        await settle(pilot)
        assert [c.data.name for c in tree.root.children[0].children if c.data] == ["cache"]
        assert "-rw-r--r--" in row(screen, "var/cache/big.bin")
        assert "50.0 kB" in row(screen, "var/cache/big.bin")
        await pilot.press("y")
        assert copied == ["/var/cache/big.bin"]
        assert "file · 50000 bytes" in screen_text(app)
        await pilot.press("s")  # back to by name: what was open stays open
        await settle(pilot)
        assert tree.cursor_node is not None and tree.cursor_node.data is not None
        assert tree.cursor_node.data.path == "var/cache/big.bin"
        assert "link → sh" in row(screen, "bin/link")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        # The layer is indexed now: the Details show its uncompressed size.
        text = details_text(app)
        assert "Uncompressed" in text and "Files        7 (" in text


async def test_merged_view_attributes_every_path(file_source: FakeSource) -> None:
    app = create_app(file_source, repository="files/app", reference="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "f")  # the amd64 image (not loaded yet): merged view
        await settle(pilot)
        screen = files(app)
        assert screen.error is None, screen.error
        assert screen.merged is not None
        assert "3 layers" in screen_text(app)
        assert "merged filesystem" in screen_text(app)
        os_release = row(screen, "etc/os-release")
        assert "2 changed" in os_release and "18 B" in os_release
        assert "3 changed" in row(screen, "usr/bin/app")
        assert "1 added" in row(screen, "lib/libc.so")
        assert "2 opaque" in row(screen, "opt/old")
        assert "2 added" in row(screen, "opt/old/c.txt")
        assert "2 deleted" in row(screen, "opt/old/a.txt")
        assert "2 deleted" in row(screen, "var/cache/big.bin")
        assert "3 deleted" in row(screen, "usr/share/doc")
        # Deleted paths are struck through; the info line says who deleted them.
        node = screen.file_view.reveal("var/cache/big.bin")
        assert node is not None
        label = screen.file_view.render_label(node, Style(), Style())
        assert any(span.style and "strike" in str(span.style) for span in label.spans)
        await pilot.pause()
        info = screen.query_one("#files-info", Static)
        assert "deleted by layer 2 (a whiteout); it came from layer 1" in str(info.content)
        screen.file_view.reveal("etc/os-release")
        await pilot.pause()
        assert "layer 2 changed; first added by layer 1" in str(info.content)
        # c: what each layer did.
        await pilot.press("c")
        await pilot.pause()
        table = " ".join(screen_text(app).split())
        assert "# digest compressed uncompressed added changed deleted hidden" in table
        layers = screen.merged.layers
        assert [(c.added, c.changed, c.deleted) for c in layers][1:] == [(9, 1, 3), (0, 1, 1)]
        await pilot.press("c")
        assert screen.flat is None and app.focused is screen.file_view
        # Whiteout markers are not files of the merged filesystem.
        assert screen.file_tree is not None
        assert screen.file_tree.node("var/cache/.wh.big.bin") is None


async def test_find_then_enter_opens_a_file_and_shows_a_directory_in_the_tree(
    file_source: FakeSource,
) -> None:
    app = create_app(file_source, repository="files/app", reference="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "f")
        await settle(pilot)
        screen = files(app)
        await pilot.press("slash")
        assert isinstance(app.focused, FilterInput)
        await pilot.press("b", "i", "n", "/")
        await settle(pilot)
        flat = screen.flat_list
        shown = [flat.items[flat.item_at(r)] for r in range(flat.row_count)]
        assert shown == ["/bin/link", "/bin/sh", "/usr/bin/app"]  # substring only, no fuzz
        assert "3 of " in screen_text(app) and "paths match" in screen_text(app)
        await pilot.press("enter")  # to the list
        assert app.focused is flat
        await pilot.press("end", "enter")  # /usr/bin/app, a file: the viewer, at once
        await settle(pilot)
        viewer = app.screen
        assert isinstance(viewer, ContentScreen), type(viewer)
        assert viewer.source.title == "/usr/bin/app"
        top_copy = AMD64_LAYERS[2][0]  # the last layer wrote it: its bytes are shown
        assert top_copy[0] == "usr/bin/app" and isinstance(top_copy[1], bytes)
        assert await viewer.source.read(0, 1 << 20) == top_copy[1]
        await pilot.press("escape")  # back to the list of matches, as it was
        await settle(pilot)
        assert app.screen is screen and screen.flat == "filter"
        assert app.focused is flat and screen.filter_input.value == "bin/"
        await pilot.press("t")  # the file under the cursor, shown in the tree
        await settle(pilot)
        assert screen.flat is None and app.focused is screen.file_view
        cursor = screen.file_view.cursor_node
        assert cursor is not None and cursor.data is not None
        assert cursor.data.path == "usr/bin/app"
        await pilot.press("slash", *"bin/", "enter", "end")
        await settle(pilot)
        assert screen.flat == "filter" and app.focused is flat
        # A directory among the matches: Enter shows it in the tree.
        await pilot.press("slash", "backspace")
        await settle(pilot)
        shown = [flat.items[flat.item_at(r)] for r in range(flat.row_count)]
        assert shown[:2] == ["/bin", "/bin/link"], shown
        await pilot.press("enter", "home", "enter")
        await settle(pilot)
        assert screen.flat is None
        assert app.focused is screen.file_view
        cursor = screen.file_view.cursor_node
        assert cursor is not None and cursor.data is not None
        assert cursor.data.path == "bin"
        await pilot.press("slash", "escape")  # Esc in the input: back to the tree
        assert screen.flat is None and app.focused is screen.file_view


async def test_largest_files(file_source: FakeSource) -> None:
    app = create_app(file_source, repository="files/app", reference="v1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "f")
        await settle(pilot)
        screen = files(app)
        await pilot.press("L")
        await settle(pilot)
        flat = screen.flat_list
        assert list(flat.items[:3]) == ["/lib/libc.so", "/usr/bin/app", "/bin/sh"]
        assert "/var/cache/big.bin" not in flat.items  # deleted: not in the image
        assert "largest files" in screen_text(app)
        await pilot.press("enter")  # the largest: a file, opened in the viewer
        await settle(pilot)
        assert isinstance(app.screen, ContentScreen), type(app.screen)
        assert app.screen.source.title == "/lib/libc.so"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and screen.flat == "largest"
        await pilot.press("escape")
        assert screen.flat is None
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_progress_then_escape_cancels(file_layouts: Path) -> None:
    source = FakeSource(file_layouts, slow_blobs={"blob-stream:files/app:": 512})
    app = create_app(source, repository="files/app", reference="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_platform(pilot)
        await pilot.press("j", "j", "j", "enter")  # layer 2
        screen = files(app)
        bar = screen.query_one("#loading-bar", ProgressBar)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not bar.progress:
            await pilot.pause(0.05)
        await pilot.pause(0.3)
        assert screen.indexing
        assert screen.has_class("-loading")
        assert bar.total == 682 and 0 < bar.progress <= 512
        text = screen_text(app)
        assert "Reading layer 2" in text and "Esc cancels" in text
        assert " B of 682 B · " in text and "B/s · reading the whole layer" in text
        assert source.open_streams == 1
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert source.open_streams == 0  # the read stopped
        assert not any(w.group == "files-index" for w in app.workers)
        layer = app.main.details.node
        assert layer is not None and layer.descriptor is not None
        assert app.indexer.cached(layer.descriptor.digest) is None  # nothing partial kept
        assert "not read yet" in details_text(app)


async def test_merged_progress_counts_layers(file_layouts: Path) -> None:
    source = FakeSource(file_layouts, slow_blobs={"blob-stream:files/app:": 200})
    app = create_app(source, repository="files/app", reference="v1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "f")
        await pilot.pause(0.5)
        assert files(app).indexing
        text = screen_text(app)
        assert "0 of 3 layers done" in text
        # Two layers at a time.
        assert sum(1 for c in source.calls if c.startswith("blob-stream:")) == 2
        await pilot.press("escape")
        await settle(pilot)
        assert source.open_streams == 0
        assert isinstance(app.screen, MainScreen)


async def test_corrupt_layer_shows_an_inline_error(file_source: FakeSource) -> None:
    app = create_app(file_source, repository="files/app", reference="broken")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "enter")  # layer 2 is not a tar
        await settle(pilot)
        screen = files(app)
        assert screen.error is not None
        text = screen_text(app)
        assert "⚠ layer" in text and "Esc goes back" in text
        assert "Traceback" not in text
        assert any(n.severity == "error" for n in app._notifications)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        await pilot.press("k", "k", "k", "f")  # the merged view fails the same way
        await settle(pilot)
        assert files(app).error is not None
        assert "⚠ layer" in screen_text(app)


async def test_hostile_names_are_shown_literally(
    file_source: FakeSource, copied: list[str]
) -> None:
    app = create_app(file_source, repository="files/app", reference="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "f")
        await settle(pilot)
        screen = files(app)
        screen.file_view.reveal("weird/[bold]x")
        await settle(pilot)
        text = screen_text(app)
        assert "[bold]x" in text
        assert "[@click=app.quit]y" in text
        assert "esc␛[2Jname" in text
        assert "rtl\\u202eevil.txt" in text
        assert "\\xff\\xfebytes.bin" in text
        await pilot.press("slash", "c", "l", "i", "c", "k")
        await settle(pilot)
        assert "/weird/[@click=app.quit]y" in screen_text(app)
        assert app.is_running
        await pilot.press("escape")
        screen.file_view.reveal("weird/esc\x1b[2Jname")
        await pilot.press("y")
        assert copied == ["/weird/esc␛[2Jname"]


async def test_cached_layer_opens_at_once(file_source: FakeSource) -> None:
    app = create_app(file_source, repository="files/app", reference="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_platform(pilot)
        await pilot.press("j", "j", "f")
        await settle(pilot)
        assert files(app).file_tree is not None
        await pilot.press("escape")
        await settle(pilot)
        reads = sum(1 for c in file_source.calls if c.startswith("blob-stream:"))
        await pilot.press("f")
        await pilot.pause(0.1)
        await pilot.pause()
        assert files(app).file_tree is not None
        assert sum(1 for c in file_source.calls if c.startswith("blob-stream:")) == reads


async def test_sizes_match_the_tar_on_every_platform(
    file_source: FakeSource, file_layouts: Path
) -> None:
    """What ``tar -tv`` says of each layer blob is what the tree shows, on both platforms."""
    layout = OciLayoutSource(file_layouts)
    app = create_app(file_source, repository="files/app", reference="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for down in (1, 2):
            tree = app.main.manifest.tree_widget
            platform = tree.root.children[down - 1]
            tree.move_cursor(platform)
            platform.expand()
            await settle(pilot)
            layers = [c for c in platform.children if c.data and c.data.kind == "layer"]
            assert layers
            for layer in layers:
                tree.move_cursor(layer)
                await pilot.pause()
                await pilot.press("f")
                await settle(pilot)
                screen = files(app)
                assert screen.file_tree is not None, screen.error
                d = layer.data.descriptor if layer.data else None
                assert d is not None
                blob = await _blob(layout, d)
                with tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob)),
                                  encoding="utf-8", errors="surrogateescape") as tar:
                    members = tar.getmembers()
                for m in members:
                    node = screen.file_tree.node(m.name)
                    assert node is not None, m.name
                    assert node.entry is not None
                    assert node.entry.size == (m.size if m.isfile() else 0), m.name
                    assert node.entry.mode == m.mode
                await pilot.press("escape")
                await settle(pilot)
        assert "arm-only" in {n.name for n in _all_nodes(app)}


def _all_nodes(app: RegviewApp) -> list[FsNode]:
    found: list[FsNode] = []
    for screen in app.screen_stack:
        if isinstance(screen, FilesScreen):
            found.extend(screen.all_nodes)
    if not found:
        for digest in list(app.indexer.store._memory):
            toc = app.indexer.store._memory[digest]
            found.extend(toc.tree().walk())
    return found


async def _blob(layout: OciLayoutSource, d: Descriptor) -> bytes:
    async with layout.open_blob("files/app", d.digest) as stream:
        return b"".join([chunk async for chunk in stream.chunks()])


async def test_a_huge_directory_is_added_a_page_at_a_time(file_source: FakeSource) -> None:
    entries = [Entry("data", EntryType.DIR, mode=0o755)]
    entries += [Entry(f"data/f{i:05d}", EntryType.FILE, size=i) for i in range(60_000)]
    entries += [Entry(f"z{i}", EntryType.DIR, mode=0o755) for i in range(50)]
    digest = "sha256:" + "ab" * 32
    toc = LayerToc(digest, tuple(entries), 1_000_000, 2_000_000, "gzip")
    layer = Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", digest, 1_000_000)
    app = create_app(file_source, repository="files/app", reference="v1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.indexer.store.put(toc)
        app.push_screen(FilesScreen(LayerTarget("files/app", "v1", ("v1",), layer, 0, 1),
                                    app.indexer, "registry.test"))
        await settle(pilot)
        screen = files(app)
        assert screen.file_tree is not None
        await pilot.press("l")  # data/ comes first
        await settle(pilot)
        data = screen.file_view.node_for("data")
        assert data is not None and data.is_expanded
        assert len(data.children) == MAX_CHILDREN + 1
        assert f"{60_000 - MAX_CHILDREN:,} more entries here" in str(data.children[-1].label)
        await pilot.press("slash", "f", "5", "9", "9", "9", "9")
        await settle(pilot)
        assert [screen.flat_list.items[screen.flat_list.item_at(r)]
                for r in range(screen.flat_list.row_count)] == ["/data/f59999"]
        await pilot.press("enter", "t")  # to the list, then show the file in the tree
        await settle(pilot)
        cursor = screen.file_view.cursor_node
        assert cursor is not None and cursor.data is not None
        assert cursor.data.path == "data/f59999"
        assert len(data.children) == MAX_CHILDREN + 2  # added before "… more"


async def test_f_is_offered_only_where_there_are_files(file_source: FakeSource) -> None:
    app = create_app(file_source, repository="files/app", reference="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_platform(pilot)
        main = app.main
        assert main.check_action("files", ()) is True  # the amd64 image
        assert "f Files" in screen_text(app)
        await pilot.press("k")  # the index itself
        assert main.check_action("files", ()) is False
        assert "f Files" not in screen_text(app)
        await pilot.press("j", "j")  # config
        assert main.check_action("files", ()) is False
        await pilot.press("j")  # layer 1
        assert main.check_action("files", ()) is True


def test_every_binding_has_a_unique_id() -> None:
    from regview.tui.bindings import all_bindings

    ids = [b.id for _, group in all_bindings() for b in group]
    assert all(ids) and len(ids) == len(set(ids))
    assert {"main.files", "files.sort", "files.filter", "files.largest", "files.layers",
            "files.copy-path", "files.back", "files-tree.open"} <= set(ids)


async def test_files_keys_can_be_remapped(file_source: FakeSource, tmp_path: Path) -> None:
    keymap = tmp_path / "keys.toml"
    keymap.write_text('[keys]\n"files.sort" = "o"\n"main.files" = "F"\n')
    app = create_app(file_source, repository="files/app", reference="v1",
                     settings=Settings(keymap_path=keymap))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "F")
        await settle(pilot)
        screen = files(app)
        assert screen.file_view.sort == "name"
        await pilot.press("o")
        await settle(pilot)
        assert screen.file_view.sort == "size"


async def test_a_burst_after_slash_goes_into_the_find_input(file_source: FakeSource) -> None:
    from textual import events

    app = create_app(file_source, repository="files/app", reference="v1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "f")
        await settle(pilot)
        screen = files(app)
        cursor = screen.file_view.cursor_line
        for ch in "/jsc":  # j moves, s sorts, c shows layers: all must go to the input
            app.post_message(events.Key("slash" if ch == "/" else ch, ch))
        await settle(pilot)
        assert isinstance(app.focused, FilterInput)
        assert app.focused.value == "jsc"
        assert screen.file_view.sort == "name" and screen.file_view.cursor_line == cursor


async def test_enter_on_a_layer_of_the_changes_shows_only_what_it_wrote(
    file_source: FakeSource,
) -> None:
    app = create_app(file_source, repository="files/app", reference="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "f")
        await settle(pilot)
        screen = files(app)
        every = top_names(screen.file_view)
        await pilot.press("c")
        await pilot.pause()
        text = screen_text(app)
        # Every line of a row has a heading: counts, then sizes under "size".
        assert "size" in text.splitlines()[text.splitlines().index(next(
            line for line in text.splitlines() if "uncompressed" in line)) + 1]
        await pilot.press("end", "enter")  # layer 3: changed usr/bin/app, deleted usr/share/doc
        await settle(pilot)
        assert screen.flat is None and app.focused is screen.file_view
        assert top_names(screen.file_view) == ["usr"]
        assert "3 changed" in row(screen, "usr/bin/app")
        assert "3 deleted" in row(screen, "usr/share/doc")
        assert screen.file_view.reveal("etc/os-release") is None
        assert "only what layer 3 wrote" in screen_text(app)
        await pilot.press("escape")  # every layer again
        await settle(pilot)
        assert isinstance(app.screen, FilesScreen)
        assert top_names(screen.file_view) == every
        assert "only what layer" not in screen_text(app)


async def test_the_summary_says_largest_first_in_the_largest_files(
    file_source: FakeSource,
) -> None:
    app = create_app(file_source, repository="files/app", reference="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "f")
        await settle(pilot)
        summary = files(app).query_one("#files-summary", Static)
        assert "by name" in str(summary.content)
        await pilot.press("L")
        await pilot.pause()
        assert "largest files first" in str(summary.content)
        assert "by name" not in str(summary.content)


async def test_image_details_show_dives_figures_once_its_layers_are_read(
    file_source: FakeSource,
) -> None:
    # By hand, from AMD64_LAYERS (content bytes of regular files):
    #   layer 1: 8 + 4096 + 30000 + 100 + 50000 + 10 + 20 = 84234
    #   layer 2: 18 + 20000 + 30 + 5 hostile names x 7 = 20083
    #   layer 3: 25000                        shipped 129317, user (layers 2-3) 45083
    # wasted: etc/os-release 8 (rewritten), var/cache/big.bin 50000 (whiteout),
    #   opt/old/a.txt 10 + b.txt 20 (opaque), usr/bin/app 20000 (rewritten),
    #   usr/share/doc/readme.txt 100 (its directory whited out) = 70138 in 6 files.
    app = create_app(file_source, repository="files/app", reference="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "l")  # the amd64 image, loaded
        await settle(pilot)
        before = details_text(app, width=120)
        assert "Compressed size" in before
        assert "Efficiency" not in before  # no layer read yet: nothing claimed
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        text = details_text(app, width=120)
    assert "Efficiency      45.76 %" in text, text
    assert "70.1 kB (70,138 bytes) in 6 files" in text
    assert "User wasted     155.58 %" in text


async def test_w_lists_the_inefficient_files_with_their_layers(file_source: FakeSource) -> None:
    # By hand from AMD64_LAYERS: wasted bytes, copies (layer from 1, * kept), deleter.
    expected = [
        ("50.0 kB", "1:50.0 kB deleted:2", "var/cache/big.bin"),
        ("20.0 kB", "2:20.0 kB 3:25.0 kB*", "usr/bin/app"),
        ("100 B", "1:100 B deleted:3", "usr/share/doc/readme.txt"),
        ("20 B", "1:20 B deleted:2", "opt/old/b.txt"),
        ("10 B", "1:10 B deleted:2", "opt/old/a.txt"),
        ("8 B", "1:8 B 2:18 B*", "etc/os-release"),
    ]
    app = create_app(file_source, repository="files/app", reference="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "f")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        screen = files(app)
        assert screen.flat == "wasted"
        table = screen.wasted_table
        rows = [tuple(cell.plain for cell in table.get_row_at(i)) for i in range(table.row_count)]
        assert rows == expected
        info = screen_text(app)
        assert "efficiency 45.76 %" in info and "in 6 files" in info
        await pilot.press("escape")
        await settle(pilot)
        assert screen.flat is None


async def test_a_layer_indexer_note_is_shown_as_text(file_source: FakeSource) -> None:
    # A note (a SOCI zTOC the indexer could not use) from the loop and from a thread:
    # both reach the user as a warning, its brackets shown, not taken for markup.
    import asyncio

    app = create_app(file_source, settings=Settings(use_cache=False))
    async with app.run_test(size=(120, 40)) as pilot:
        indexer = app.indexer_for(file_source)
        indexer.note("the SOCI zTOC of layer [b]x[/b] is not usable")
        await asyncio.to_thread(indexer.note, "from a thread \x1b[2J")
        await pilot.pause()
        shown = [n for n in app._notifications if n.severity == "warning"]
        assert not any(n.markup for n in shown)  # rendered as text, brackets and all
        warnings = [str(n.message) for n in shown]
        assert warnings == [
            "the SOCI zTOC of layer [b]x[/b] is not usable",
            "from a thread ␛[2J",  # the escape shown as a control picture
        ]
