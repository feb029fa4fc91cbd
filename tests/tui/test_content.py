"""Pilot tests of the content viewer: Enter on a file of the files view opens it (text,
hex, hostile content shown as text), find, go to, save (with and without a file there),
and leaving cancels the read. Expected contents are the bytes the test put in the layer
(``tests/tui/content_layouts.py``), never what the viewer produced."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from regview.content.source import SpooledContent
from regview.tui.app import RegviewApp, create_app
from regview.tui.screens.content import ContentScreen, parse_goto
from regview.tui.screens.files import FilesScreen
from regview.tui.screens.save_file import ConfirmOverwriteScreen, SaveFileScreen
from regview.tui.widgets.content_view import ContentView, safe_line
from tests.tui.content_layouts import (
    BIG,
    BIG_LINES,
    BINARY,
    HOSTILE,
    MINIFIED,
    PYTHON,
    build_content_layouts,
)
from tests.tui.fakes import FakeSource
from tests.tui.helpers import footer_line, screen_text, settle

Write = Callable[[bytes], None]


@pytest.fixture(scope="session")
def content_layouts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_content_layouts(tmp_path_factory.mktemp("content-layouts"))


@pytest.fixture
def view_source(content_layouts: Path) -> FakeSource:
    return FakeSource(content_layouts)


def viewer(app: RegviewApp) -> ContentScreen:
    screen = app.screen
    assert isinstance(screen, ContentScreen), type(screen)
    return screen


async def open_file(pilot: Pilot[int], path: str) -> ContentScreen:
    """From view/app:v1, the merged files view, then Enter on ``path``."""
    app = pilot.app
    await settle(pilot)
    if not isinstance(app.screen, FilesScreen):
        await pilot.press("f")
        await settle(pilot)
    files = app.screen
    assert isinstance(files, FilesScreen), type(files)
    assert files.file_view.reveal(path) is not None
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app, RegviewApp)
    return viewer(app)


def rendered_segments(app: RegviewApp) -> str:
    """Every character the compositor would send for the screen's rows."""
    lines = app.screen._compositor.render_update(full=True)  # type: ignore[union-attr]
    from rich.console import Console

    console = Console(width=app.size[0], file=open("/dev/null", "w"),  # noqa: SIM115
                      color_system="truecolor", record=True)
    console.print(lines)
    return console.export_text(styles=False)


def shown_lines(app: RegviewApp) -> list[str]:
    return screen_text(app).splitlines()


async def test_a_text_file_opens_highlighted_by_its_name(view_source: FakeSource) -> None:
    app = create_app(view_source, repository="view/app", reference="v1")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_file(pilot, "app/main.py")
        text = screen_text(app)
        assert "File /app/main.py" in text
        assert "text · python" in text and f"{len(PYTHON)} B of {len(PYTHON)} B" in text
        expected = PYTHON.decode().splitlines()
        lines = shown_lines(app)
        for number, line in enumerate(expected, 1):
            want = f"{number:>4} {line}".rstrip()
            assert any(row.rstrip() == want for row in lines), want
        # Markup in the content is text: the brackets are on screen, nothing turned bold.
        assert "[bold]not markup[/bold]" in text
        view = screen.view
        assert view.mode == "text" and view.row_count == len(expected)
        row = expected.index("def main(argv: list[str]) -> int:")
        strip = view._rows[row]  # the lexer coloured something on it
        assert strip.text.startswith("def main")
        assert any(seg.style is not None and seg.style.color is not None for seg in strip)


async def test_a_binary_file_opens_as_a_hex_dump(view_source: FakeSource) -> None:
    app = create_app(view_source, repository="view/app", reference="v1")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_file(pilot, "bin/tool")
        text = screen_text(app)
        assert "binary · hex dump" in text
        first = BINARY[:16].hex(" ")  # Python's own hex, split in two groups of 8
        assert f"00000000  {first[:23]}  {first[24:]}  │.ELF............│" in text
        second = BINARY[16:32].hex(" ")
        assert f"00000010  {second[:23]}  {second[24:]}" in text
        assert screen.view.row_count == (len(BINARY) + 15) // 16
        await pilot.press("x")  # as text: the controls are visible stand-ins
        await settle(pilot)
        assert screen.view.mode == "text"
        assert "␡ELF␂␁␁␀" in screen_text(app)


async def test_hostile_content_reaches_the_terminal_only_as_visible_text(
    view_source: FakeSource,
) -> None:
    app = create_app(view_source, repository="view/app", reference="v1")
    async with app.run_test(size=(120, 30)) as pilot:
        await open_file(pilot, "etc/hostile.txt")
        text = screen_text(app)
        assert "[bold red]not bold[/bold red] [@click=app.quit]click me[/]" in text
        assert "clear:␛[2J title:␛]0;pwned␇ clip:␛]52;c;Zm9v␇ bell:␇" in text
        assert "tab:    here cr:␍over" in text
        assert "rtl:\\u202eevil.txt zero\\u200bwidth" in text
        assert "bad utf-8:\\xff\\xfe end" in text
        sent = rendered_segments(app)
        for bad in ("\x1b]", "\x1b[2J", "\x07", "\r", "\u202e", "\u200b"):
            assert bad not in sent
        await pilot.press("x")
        await settle(pilot)
        hexes = screen_text(app)
        assert HOSTILE[:16].hex(" ")[:23] in hexes and "│[bold red]not bo│" in hexes
        assert "\x1b" not in rendered_segments(app)
        assert isinstance(app.screen, ContentScreen)  # [@click=app.quit] did nothing


def test_safe_line_maps_characters_to_what_is_shown() -> None:
    shown, spans, where = safe_line("a\tb\x1bc\u202e")
    assert shown == "a       b␛c\\u202e"
    assert spans == [(9, 10), (11, 17)]
    assert where == [0, 1, 8, 9, 10, 11, 17]


def test_goto_parses_lines_and_offsets() -> None:
    assert parse_goto("1,234", "text") == ("line", 1234)
    assert parse_goto("@100", "text") == ("offset", 100)
    assert parse_goto("0x1f", "text") == ("offset", 31)
    assert parse_goto("4096", "hex") == ("offset", 4096)
    assert parse_goto("-3", "text") is None and parse_goto("abc", "hex") is None


async def test_find_next_previous_and_go_to_in_a_large_file(view_source: FakeSource) -> None:
    app = create_app(view_source, repository="view/app", reference="v1")
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await open_file(pilot, "var/log/big.log")
        view = screen.view
        assert view.row_count == BIG_LINES
        assert f"{BIG_LINES:,} lines" in screen_text(app)
        # What the index holds is bounded by the size, not the 100 000 lines.
        assert view.index.entries == len(BIG) // (64 * 1024) + 1
        # Where "000 of" is, by Python's find over the bytes the layer holds.
        hits = []
        at = BIG.find(b"000 of")
        while at >= 0 and len(hits) < 3:
            hits.append(at)
            at = BIG.find(b"000 of", at + 1)
        lines = [BIG.count(b"\n", 0, h) for h in hits]
        assert lines == [0, 1000, 2000]
        await pilot.press("slash", *"000 of", "enter")
        await settle(pilot)
        assert view.match == (hits[0], 6)
        assert "at line 1 · n next" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert view.match == (hits[1], 6)
        assert "at line 1,001" in screen_text(app)
        assert "1001 line 001000 of the log" in screen_text(app)
        await pilot.press("n", "N")
        await settle(pilot)
        assert view.match == (hits[1], 6)
        assert "search wrapped" not in screen_text(app)
        # Back past the top: wraps to the last one in the file.
        await pilot.press("N", "N")
        await settle(pilot)
        last = BIG.rfind(b"000 of")
        assert view.match == (last, 6)
        last_line = BIG.count(b"\n", 0, last) + 1
        assert f"at line {last_line:,} · search wrapped" in screen_text(app)
        await pilot.press("n")  # and forward past the end: to the first again
        await settle(pilot)
        assert view.match == (hits[0], 6)
        assert "at line 1 · search wrapped" in screen_text(app)
        await pilot.press("slash", *"NOT THERE", "enter")
        await settle(pilot)
        assert "NOT THERE not found" in screen_text(app)
        await pilot.press("colon", *"99999", "enter")
        await settle(pilot)
        text = screen_text(app)
        assert "99999 line 099998 of the log" in text
        await pilot.press("end")  # the last line
        await pilot.pause()
        assert f"{BIG_LINES} line {BIG_LINES - 1:06d} of the log" in screen_text(app)
        await pilot.press("colon", *"200000", "enter")
        await settle(pilot)
        assert "there are 100,000 lines" in screen_text(app)


async def test_find_hex_bytes_in_the_hex_view(view_source: FakeSource) -> None:
    app = create_app(view_source, repository="view/app", reference="v1")
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await open_file(pilot, "bin/tool")
        await pilot.press("slash", *"4e 45 45 44 4c 45", "enter")
        await settle(pilot)
        at = BINARY.index(b"NEEDLE")
        assert screen.view.match == (at, 6)
        assert f"offset 0x{at:x}" in screen_text(app)
        await pilot.press("slash", *"'NEEDLE", "enter")  # the same, as text
        await settle(pilot)
        assert screen.view.match == (at, 6)


async def test_save_writes_the_file_and_asks_before_replacing(
    view_source: FakeSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = tmp_path / "out"  # (beside the test's own cache directory)
    tmp_path.mkdir()
    monkeypatch.chdir(tmp_path)
    app = create_app(view_source, repository="view/app", reference="v1")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_file(pilot, "etc/os-release")
        await pilot.press("s")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, SaveFileScreen)
        assert prompt.default == "os-release"
        await pilot.press("enter")
        await settle(pilot)
        assert (tmp_path / "os-release").read_bytes() == b"ID=test\nVERSION=1\n"
        assert "Saved 18 bytes to" in screen_text(app)
        # Again: the file is there now, so it asks; "n" keeps it, "y" replaces it.
        (tmp_path / "os-release").write_bytes(b"old")
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmOverwriteScreen)
        assert "exists" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, SaveFileScreen)
        assert (tmp_path / "os-release").read_bytes() == b"old"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ContentScreen)
        assert (tmp_path / "os-release").read_bytes() == b"ID=test\nVERSION=1\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["os-release"]


async def test_save_refusals_are_one_line_under_the_path(
    view_source: FakeSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    monkeypatch.chdir(tmp_path)
    app = create_app(view_source, repository="view/app", reference="v1")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_file(pilot, "app/main.py")
        await pilot.press("s")
        await settle(pilot)
        field = app.screen.query_one("#save-path")
        field.value = "missing/dir/x.py"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SaveFileScreen)
        error = app.screen.query_one("#save-error", Static).content
        assert str(error) == f"⚠ no such directory: {tmp_path}/missing/dir"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ContentScreen)
        assert list(tmp_path.iterdir()) == []


async def test_the_viewer_opens_at_once_and_fills_in(view_source: FakeSource) -> None:
    gate = asyncio.Event()
    cancelled = asyncio.Event()
    head = b"".join(b"early %d\n" % i for i in range(5))

    async def produce(write: Write) -> None:
        write(head)
        try:
            await gate.wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        write(b"late\n")

    app = create_app(view_source, repository="view/app", reference="v1")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        source = SpooledContent("stream.txt", len(head) + 5, produce)
        screen = ContentScreen(source, name_hint="stream.txt")
        await app.push_screen(screen)
        await pilot.pause(0.3)
        text = screen_text(app)
        assert f"{len(head)} B of {len(head) + 5} B" in text and "reading…" in text
        assert "   5 early 4" in text and "late" not in text
        gate.set()
        await pilot.pause(0.5)
        assert "   6 late" in screen_text(app)
        assert screen.view.complete


async def test_leaving_cancels_the_read(view_source: FakeSource) -> None:
    cancelled = asyncio.Event()

    async def produce(write: Write) -> None:
        write(b"partial\n")
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    app = create_app(view_source, repository="view/app", reference="v1")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        source = SpooledContent("forever.txt", None, produce)
        await app.push_screen(ContentScreen(source))
        await pilot.pause(0.2)
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ContentScreen)
        assert cancelled.is_set() and source.done


async def test_leaving_a_file_of_a_stalled_layer_closes_its_stream(
    view_source: FakeSource,
) -> None:
    app = create_app(view_source, repository="view/app", reference="v1")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        files = app.screen
        assert isinstance(files, FilesScreen)
        view_source.slow_blobs = {"blob-stream:view/app:": 0}  # the layer now stalls
        files.file_view.reveal("var/log/big.log")
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ContentScreen)
        assert view_source.open_streams == 1
        assert "reading…" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause(0.3)
        assert app.screen is files
        assert view_source.open_streams == 0


async def test_an_empty_file_and_a_directory(view_source: FakeSource) -> None:
    app = create_app(view_source, repository="view/app", reference="v1")
    async with app.run_test(size=(100, 24)) as pilot:
        await open_file(pilot, "etc/empty")
        assert "(empty)" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        files = app.screen
        assert isinstance(files, FilesScreen)
        node = files.file_view.reveal("etc")
        assert node is not None
        was_open = node.is_expanded
        await pilot.press("enter")  # a directory opens (or closes) in the tree
        await settle(pilot)
        assert app.screen is files and node.is_expanded is not was_open


async def test_the_footer_fits_80_columns_and_copy_sends_the_path(
    view_source: FakeSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    copied: list[str] = []
    monkeypatch.setattr(RegviewApp, "copy_to_clipboard", lambda self, text: copied.append(text))
    app = create_app(view_source, repository="view/app", reference="v1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_file(pilot, "etc/hostile.txt")
        footer = shown_lines(app)[-1]
        assert "? Keys" in footer and "Find" in footer and "Save" in footer, footer
        await pilot.press("y")
        assert copied == ["/etc/hostile.txt"]
        assert isinstance(screen.view, ContentView)


async def test_a_long_line_is_cut_and_scrolls_sideways(view_source: FakeSource) -> None:
    from regview.content.line_index import MAX_LINE_BYTES

    app = create_app(view_source, repository="view/app", reference="v1")
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await open_file(pilot, "web/app.min.js")
        view = screen.view
        assert view.row_count == 2
        text = screen_text(app)
        assert "   1 var a=1+1+1+" in text and "   2 short" in text
        assert "line cut" not in text
        view.scroll_to(x=MAX_LINE_BYTES - 40, animate=False, immediate=True)
        await settle(pilot)
        text = screen_text(app)
        assert "⋯ line cut (x: hex)" in text
        # Right before the cut: the bytes of the line at that place, from the layer's data.
        tail = MINIFIED[MAX_LINE_BYTES - 20 : MAX_LINE_BYTES].decode()
        assert tail + " ⋯ line cut" in text


async def test_a_failed_read_says_why_in_one_line(view_source: FakeSource) -> None:
    from regview.registry.errors import NotFound

    async def produce(write: Write) -> None:
        write(b"some bytes\n")
        raise NotFound("/etc/x is not in the image (deleted by layer 2)")

    app = create_app(view_source, repository="view/app", reference="v1")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(ContentScreen(SpooledContent("/etc/x", 100, produce)))
        await settle(pilot)
        text = screen_text(app)
        assert "/etc/x is not in the image (deleted by layer 2)" in text
        assert "   1 some bytes" in text
        assert "Traceback" not in text


async def test_search_waits_for_the_stream_wraps_and_escape_stops_it(
    view_source: FakeSource,
) -> None:
    gate = asyncio.Event()
    head = b"".join(b"early %d\n" % i for i in range(50))
    tail = b"".join(b"later %d\n" % i for i in range(50)) + b"the needle\n" + b"end\n"

    async def produce(write: Write) -> None:
        write(head)
        await gate.wait()
        write(tail)

    app = create_app(view_source, repository="view/app", reference="v1")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        source = SpooledContent("stream.txt", len(head) + len(tail), produce)
        screen = ContentScreen(source, name_hint="stream.txt")
        await app.push_screen(screen)
        await pilot.pause(0.3)
        # A search for what has not come waits for it, saying so (not "not found").
        await pilot.press("slash", *"nothing", "enter")
        await pilot.pause(0.3)
        assert "searching for nothing…" in screen_text(app)
        assert "not found" not in screen_text(app)
        # The footer says what Esc does now: it stops the search, it does not go back.
        assert "esc Stop search" in footer_line(app)
        assert "Back" not in footer_line(app)
        await pilot.press("escape")  # stops the search, stays in the viewer
        await pilot.pause(0.2)
        assert app.screen is screen
        assert "search stopped" in screen_text(app)
        assert "esc Back" in footer_line(app)
        assert "Stop search" not in footer_line(app)
        await pilot.press("slash", *"needle", "enter")
        await pilot.pause(0.1)
        await pilot.press("N")  # backward from the top: must wrap to the end
        await pilot.pause(0.3)
        assert "searching for needle…" in screen_text(app)
        assert "Esc stops" in screen_text(app)
        gate.set()
        await settle(pilot)
        at = (head + tail).index(b"needle")
        assert screen.view.match == (at, 6)
        line = (head + tail).count(b"\n", 0, at) + 1
        assert line == 101  # by hand: 50 early, 50 later, then the needle
        assert "needle at line 101 · search wrapped" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ContentScreen)
