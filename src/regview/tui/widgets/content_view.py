"""The lines of a file or blob (text, highlighted) or its hex dump, a window at a time.

A :class:`~textual.scroll_view.ScrollView` whose virtual height is the number of lines
(or hex rows) known so far: a worker reads the source in order as bytes arrive and
feeds a :class:`~regview.content.line_index.LineIndex`; ``render_line`` draws only the
rows on screen, from a window of rows (a few screens around the visible ones) that
another worker reads from the spool and renders. Nothing is ever read whole.

Text or hex is decided from the first bytes (:func:`~regview.content.sniff.looks_binary`)
and ``x`` switches. Highlighting uses the lexer the file *name* calls for, over the rows
of the window only (a construct that starts above the window, such as a long string,
may be coloured as code: the price of never parsing the whole file).

Nothing of the content reaches the terminal as itself: control characters are shown as
their control pictures (``␛``), other invisible or unassigned characters and bytes that
are not UTF-8 as ``\\xNN``/``\\uNNNN``, all in the escape style; rows are Rich ``Text``
(never markup) and hex rows show only printable ASCII.
"""

from __future__ import annotations

import asyncio
import unicodedata
from typing import ClassVar, Literal

from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax
from rich.text import Span, Text
from textual import events
from textual.binding import BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.worker import Worker

from regview.content.hexdump import ROW_BYTES, hex_row, offset_width, row_count
from regview.content.line_index import Line, LineIndex, read_lines
from regview.content.sniff import SNIFF_BYTES, looks_binary
from regview.content.source import ContentSource
from regview.textsafe import is_dangerous
from regview.tui.bindings import CONTENT_VIEW_BINDINGS
from regview.tui.text import ESCAPE_STYLE
from regview.tui.typeahead import TypeAhead
from regview.tui.workers import report_failure

__all__ = ["ContentView", "Mode", "safe_line"]

Mode = Literal["text", "hex"]

TAB = 8
#: Bytes the feeder reads at a time.
FEED_CHUNK = 1 << 20
#: Screens of rows rendered around the visible ones.
WINDOW_SCREENS = 3
MATCH_STYLE = Style(color="black", bgcolor="yellow", bold=True)
_CUT_NOTE = " ⋯ line cut (x: hex)"


def _stand_in(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def safe_line(line: str) -> tuple[str, list[tuple[int, int]], list[int]]:
    """``line`` with tabs expanded and every dangerous character replaced by a visible
    stand-in: (the text, the spans of stand-ins, where each source character went)."""
    if line.isascii() and line.isprintable():
        return line, [], list(range(len(line) + 1))
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    where: list[int] = []
    n = 0
    for ch in line:
        where.append(n)
        if ch == "\t":
            pad = TAB - n % TAB
            out.append(" " * pad)
            n += pad
        elif is_dangerous(ch) or (n == 0 and unicodedata.combining(ch)):
            shown = _stand_in(ch)
            out.append(shown)
            spans.append((n, n + len(shown)))
            n += len(shown)
        else:
            out.append(ch)
            n += 1
    where.append(n)
    return "".join(out), spans, where


def _foreground(style: str | Style) -> Style:
    """``style`` without its background."""
    st = Style.parse(style) if isinstance(style, str) else style
    return Style(color=st.color, bold=st.bold, italic=st.italic, underline=st.underline)


class ContentView(ScrollView, can_focus=True):
    """Rows of a :class:`ContentSource`: numbered, highlighted lines, or a hex dump."""

    BINDINGS: ClassVar[list[BindingType]] = list(CONTENT_VIEW_BINDINGS)

    COMPONENT_CLASSES: ClassVar[set[str]] = {"content-view--gutter", "content-view--note"}

    DEFAULT_CSS = """
    ContentView { overflow-x: auto; overflow-y: auto; scrollbar-size: 1 1; }
    ContentView > .content-view--gutter { color: $text-muted; }
    ContentView > .content-view--note { color: $text-muted; text-style: italic; }
    """

    def __init__(
        self, source: ContentSource, *, lexer: str | None = None, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.source = source
        self.lexer = lexer
        self.index = LineIndex()
        #: "text" or "hex", once the first bytes are in (or the user chose).
        self.mode: Mode | None = None
        #: Every byte of the content has been indexed.
        self.complete = False
        #: What the first bytes looked like (None until they are in).
        self.binary: bool | None = None
        #: The match shown: (offset, length) in bytes.
        self.match: tuple[int, int] | None = None
        self._rows: dict[int, Strip] = {}
        self._offsets: dict[int, int] = {}
        self._window: tuple[int, int, int] | None = None
        self._version = 0
        self._widest = 0
        self._resize_timer: Timer | None = None
        self._grew = asyncio.Event()
        self._typeahead = TypeAhead()
        self._resize_again = False

    # --- what there is ----------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """Rows known so far (lines, or hex rows of 16 bytes)."""
        if self.mode == "hex":
            fed = self.index.fed
            return row_count(fed) if self.complete else fed // ROW_BYTES
        if self.mode == "text":
            return self.index.line_count(complete=self.complete)
        return 0

    @property
    def top_row(self) -> int:
        return int(self.scroll_offset.y)

    def set_mode(self, mode: Mode) -> None:
        """Show text or the hex dump, keeping about the same place in the content."""
        if mode == self.mode:
            return
        offset = self._offsets.get(self.top_row)
        self.mode = mode
        self._invalidate_rows()
        self._resize()
        if offset is not None:
            self.run_worker(
                self._keep_place(offset), group="content-place", exclusive=True, exit_on_error=False
            )

    async def _keep_place(self, offset: int) -> None:
        self.scroll_to(y=await self.row_of(offset), animate=False, immediate=True)

    async def row_of(self, offset: int) -> int:
        """The row that holds the byte at ``offset`` in the current mode."""
        if self.mode == "hex":
            return offset // ROW_BYTES
        return await self.index.line_of(self.source, offset)

    async def offset_of_row(self, row: int) -> int:
        """Where ``row`` starts in the content."""
        if self.mode == "hex":
            return row * ROW_BYTES
        if row in self._offsets:
            return self._offsets[row]
        return await self.index.line_start(self.source, min(row, self.index.newlines))

    def show_row(self, row: int) -> None:
        """Scroll so that ``row`` is on screen, a third of the way down."""
        top = max(0, row - max(self.size.height // 3, 0))
        self.scroll_to(y=top, animate=False, immediate=True, force=True)

    def show_match(self, offset: int, length: int) -> None:
        self.match = (offset, length)
        self._invalidate_rows()

    # --- feeding the index ------------------------------------------------------------

    def on_mount(self) -> None:
        self.run_worker(self._feed(), group="content-feed", exit_on_error=False)

    async def _feed(self) -> None:
        source = self.source
        pos = 0
        while True:
            available = source.received - pos
            if available <= 0:
                if source.done:
                    break
                if self.mode is None and pos > 0:
                    # Bytes stopped coming before a full sniff window: judge what came.
                    await self._sniff()
                    self._resize()
                await source.read(pos, 1)  # wait for the next bytes
                continue
            data = await source.read(pos, min(available, FEED_CHUNK))
            if not data:
                break
            self.index.feed(data)
            pos += len(data)
            self._signal_growth()
            if self.mode is None and pos >= SNIFF_BYTES:
                await self._sniff()
            self._resize()
            await asyncio.sleep(0)
        self.complete = True
        self._signal_growth()
        if self.mode is None:
            await self._sniff()
        self._invalidate_rows()
        self._resize()

    def _signal_growth(self) -> None:
        grew, self._grew = self._grew, asyncio.Event()
        grew.set()

    async def index_grew(self) -> None:
        """Wait until more of the content is indexed (or all of it is)."""
        if not self.complete:
            await self._grew.wait()

    async def _sniff(self) -> None:
        head = await self.source.read(0, min(SNIFF_BYTES, self.index.fed))
        self.binary = looks_binary(head)
        self.mode = "hex" if self.binary else "text"

    def _resize(self) -> None:
        """New rows (or a new mode): at most ten times a second, however fast bytes come."""
        if self._resize_timer is None:
            self._resize_now()
            self._resize_timer = self.set_timer(0.1, self._resize_done)
        else:
            self._resize_again = True

    def _resize_done(self) -> None:
        self._resize_timer = None
        if self._resize_again:
            self._resize_again = False
            self._resize()

    def _resize_now(self) -> None:
        width = self._widest + self._gutter_width()
        self.virtual_size = Size(width, self.row_count)
        top = self.top_row
        if self._window is not None:
            first, count, _ = self._window
            if top + self.size.height > first + count or top < first:
                self._window = None
        shown = range(top, min(top + self.size.height, self.row_count))
        if any(row not in self._rows for row in shown):
            self._window = None  # rows that came since the window was read
        self.refresh()

    def _invalidate_rows(self) -> None:
        self._version += 1
        self._rows = {}
        self._offsets = {}
        self._window = None
        self.refresh()

    # --- the window of rendered rows --------------------------------------------------

    def _want_window(self) -> None:
        height = max(self.size.height, 1)
        top = self.top_row
        first = max(0, top - height)
        count = height * WINDOW_SCREENS
        key = (first, count, self._version)
        if self._window is not None:
            wfirst, wcount, wversion = self._window
            if wversion == self._version and wfirst <= top and top + height <= wfirst + wcount:
                return
        self._window = key
        self.run_worker(
            self._load(first, count, self._version),
            group="content-window",
            exclusive=True,
            exit_on_error=False,
        )

    async def _load(self, first: int, count: int, version: int) -> None:
        if self.mode == "hex":
            rows, offsets = await self._hex_rows(first, count)
        elif self.mode == "text":
            rows, offsets = await self._text_rows(first, count)
        else:
            return
        if version != self._version:
            return
        self._rows = rows
        self._offsets = offsets
        widest = max((s.cell_length for s in rows.values()), default=0)
        if widest > self._widest:
            self._widest = widest
            self.virtual_size = Size(widest + self._gutter_width(), self.row_count)
        self.refresh()

    async def _text_rows(self, first: int, count: int) -> tuple[dict[int, Strip], dict[int, int]]:
        lines = await read_lines(self.source, self.index, first, count, complete=self.complete)
        texts = self._highlight(lines)
        console = self.app.console
        note = self.get_component_rich_style("content-view--note")
        rows: dict[int, Strip] = {}
        offsets: dict[int, int] = {}
        for i, (line, text) in enumerate(zip(lines, texts, strict=True)):
            if line.cut:
                text.append(_CUT_NOTE, style=note)
            rows[first + i] = Strip(list(text.render(console, end="")))
            offsets[first + i] = line.offset
        return rows, offsets

    def _highlight(self, lines: list[Line]) -> list[Text]:
        """The lines as safe, highlighted text, the match marked."""
        decoded = [ln.data.decode("utf-8", "surrogateescape") for ln in lines]
        safe = [safe_line(s) for s in decoded]
        if self.lexer:
            syntax = Syntax("", self.lexer, theme="ansi_dark", background_color="default")
            joined = syntax.highlight("\n".join(s for s, _, _ in safe))
            if joined.plain.endswith("\n"):
                joined.right_crop(1)
            # The theme's background would paint boxes behind the text: keep the colours.
            joined.style = ""
            joined.spans = [Span(sp.start, sp.end, _foreground(sp.style)) for sp in joined.spans]
            texts = list(joined.split("\n", allow_blank=True))
            while len(texts) < len(safe):
                texts.append(Text(""))
            texts = [texts[i] for i in range(len(safe))]
            for t, (s, _, _) in zip(texts, safe, strict=True):
                if t.plain != s:  # the lexer changed the text: show it plain instead
                    t.plain = s
                    t.spans = []
        else:
            texts = [Text(s, end="") for s, _, _ in safe]
        for line, raw, text, (_, spans, where) in zip(lines, decoded, texts, safe, strict=True):
            text.end = ""
            text.no_wrap = True
            for start, end in spans:
                text.stylize(ESCAPE_STYLE, start, end)
            if self.match is not None:
                self._mark(text, line, raw, where)
        return texts

    def _mark(self, text: Text, line: Line, raw: str, where: list[int]) -> None:
        assert self.match is not None
        m_start, m_len = self.match
        lo = max(m_start, line.offset) - line.offset
        hi = min(m_start + m_len, line.offset + len(line.data)) - line.offset
        if hi <= lo:
            return
        first = len(line.data[:lo].decode("utf-8", "surrogateescape"))
        last = len(line.data[:hi].decode("utf-8", "surrogateescape"))
        first, last = min(first, len(raw)), min(last, len(raw))
        text.stylize(MATCH_STYLE, where[first], where[last])

    async def _hex_rows(self, first: int, count: int) -> tuple[dict[int, Strip], dict[int, int]]:
        start = first * ROW_BYTES
        end = min((first + count) * ROW_BYTES, self.index.fed)
        data = await self.source.read(start, end - start) if end > start else b""
        width = offset_width(self.source.size or self.index.fed)
        console = self.app.console
        gutter = self.get_component_rich_style("content-view--gutter")
        rows: dict[int, Strip] = {}
        offsets: dict[int, int] = {}
        for i in range(0, len(data), ROW_BYTES):
            chunk = data[i : i + ROW_BYTES]
            if len(chunk) < ROW_BYTES and not self.complete:
                break
            offset = start + i
            off, hexes, shown = hex_row(offset, chunk, width)
            text = Text(end="", no_wrap=True)
            text.append(off, style=gutter)
            text.append("  ")
            text.append(hexes)
            text.append("  │")
            text.append(shown.ljust(ROW_BYTES))
            text.append("│", style=gutter)
            self._mark_hex(text, offset, len(chunk), len(off) + 2, len(off) + 2 + len(hexes) + 3)
            row = first + i // ROW_BYTES
            rows[row] = Strip(list(text.render(console, end="")))
            offsets[row] = offset
        return rows, offsets

    def _mark_hex(self, text: Text, offset: int, length: int, hex_at: int, text_at: int) -> None:
        if self.match is None:
            return
        m_start, m_len = self.match
        for b in range(max(m_start, offset), min(m_start + m_len, offset + length)):
            k = b - offset
            col = hex_at + k * 3 + (1 if k >= 8 else 0)
            text.stylize(MATCH_STYLE, col, col + 2)
            text.stylize(MATCH_STYLE, text_at + k, text_at + k + 1)

    # --- rendering --------------------------------------------------------------------

    def _gutter_width(self) -> int:
        if self.mode != "text":
            return 0
        return max(4, len(str(self.row_count))) + 1

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_size.width or self.size.width
        base = self.rich_style
        row = self.top_row + y
        if self.mode is None or row >= self.row_count:
            if y == 0 and row == 0:
                note = self.get_component_rich_style("content-view--note")
                what = self._empty_note()
                return Strip([Segment(what, base + note)]).adjust_cell_length(width, base)
            return Strip.blank(width, base)
        strip = self._rows.get(row)
        if strip is None:
            self.call_later(self._want_window)
            return Strip.blank(width, base)
        gutter_cells = self._gutter_width()
        x = int(self.scroll_offset.x)
        body = strip.crop(x, x + max(width - gutter_cells, 0)).apply_style(base)
        if gutter_cells:
            number = f"{row + 1:>{gutter_cells - 1}} "
            gutter = self.get_component_rich_style("content-view--gutter")
            body = Strip.join([Strip([Segment(number, base + gutter)]), body])
        return body.adjust_cell_length(width, base)

    def _empty_note(self) -> str:
        if self.mode is None and not self.complete:
            return "loading…"
        if self.complete and self.index.fed == 0:
            return "(empty)"
        return "waiting for the first line…"

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._want_window()

    def action_scroll_home(self) -> None:
        # No animation: over millions of rows it would render every row on the way.
        self.scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.scroll_end(animate=False)

    def on_key(self, event: events.Key) -> None:
        self._typeahead.feed(self, event, actions=("find", "goto"))

    def take_typeahead(self) -> str:
        """What was typed after ``/`` or ``:`` before the prompt had focus."""
        return self._typeahead.take()

    def on_resize(self) -> None:
        self._window = None
        self._resize()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)
