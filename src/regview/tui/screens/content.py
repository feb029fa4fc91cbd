"""A file (or blob) opened in the viewer: text highlighted by its name, or a hex dump.

The screen opens at once on a :class:`~regview.content.source.ContentSource` and fills in
as bytes arrive (the line under the title: bytes of size, then text or binary). Keys:

* ``/`` then text finds it (a query without capitals ignores ASCII case); in the hex
  view, pairs of hex digits (``7f 45 4c 46``) find those bytes and ``'text`` finds text;
  ``n``/``N`` the next and previous match. Both directions wrap (the status says
  "search wrapped") and wait for bytes still arriving, showing how far they are; Esc
  stops a search. "not found" is said only once the whole file was searched;
* ``:`` goes to a line (text) or an offset (hex: decimal, or ``0x…``);
* ``x`` switches between text and the hex dump;
* ``s`` saves the file to a path the user types (default: its base name, sanitised),
  asking before it replaces anything (:mod:`regview.tui.screens.save_file`);
* ``y`` copies the path (OSC 52); Esc goes back, which cancels the read and deletes
  the spool.

``ContentScreen(source, name_hint=...)``: ``name_hint`` (a file name) picks the lexer;
another screen (a blob, a referrer) opens the viewer the same way.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import ClassVar, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from regview.content.hexdump import parse_hex_query
from regview.content.save_target import SaveRefused, SaveTarget, default_name, save_content
from regview.content.search import search, smart_case
from regview.content.sniff import lexer_for_name
from regview.content.source import ContentSource
from regview.tui.bindings import CONTENT_BINDINGS
from regview.tui.messages import CopyRequest
from regview.tui.screens.save_file import SaveFileScreen
from regview.tui.text import error_text, human_size, literal, visible
from regview.tui.widgets.content_view import ContentView
from regview.tui.widgets.filter_input import SteadyInput
from regview.tui.workers import report_failure

__all__ = ["ContentScreen", "parse_goto", "progress_text"]

Prompt = Literal["find", "goto"]


def progress_text(source: ContentSource, view: ContentView) -> Text:
    """``12.3 kB of 50.0 kB · text · python · 1,234 lines`` (and the error, if any)."""
    got = source.received
    out = Text(end="")
    if source.size is not None:
        out.append(f"{human_size(got)} of {human_size(source.size)}")
        if not source.done and source.size:
            out.append(f" ({got * 100 // source.size} %)")
    else:
        out.append(human_size(got))
    if source.error is None and not source.done:
        out.append(" · reading…", style="dim")
    if view.binary is not None:
        out.append(f" · {'binary' if view.binary else 'text'}")
    if view.mode == "hex":
        out.append(" · hex dump")
    if view.mode == "text":
        if view.lexer:
            out.append(f" · {view.lexer}", style="dim")
        more = "" if view.complete else "+"
        out.append(f" · {view.row_count:,}{more} lines", style="dim")
    if source.error is not None:
        out.append(" · ")
        out.append_text(error_text(source.error))
    return out


def parse_goto(typed: str, mode: str) -> tuple[Literal["line", "offset"], int] | None:
    """``:`` input: a line number (text) or an offset (hex; ``0x`` for hex digits); a
    leading ``@`` or ``0x`` means an offset in the text view too."""
    value = typed.strip().replace("_", "").replace(",", "")
    kind: Literal["line", "offset"] = "offset" if mode == "hex" else "line"
    if value.startswith("@"):
        kind, value = "offset", value[1:]
    try:
        if value.lower().startswith("0x"):
            return "offset", int(value[2:], 16)
        number = int(value, 10)
    except ValueError:
        return None
    if number < 0:
        return None
    return kind, number


class ContentScreen(Screen[None]):
    """The viewer of one :class:`ContentSource`."""

    BINDINGS: ClassVar[list[BindingType]] = list(CONTENT_BINDINGS)
    AUTO_FOCUS = "ContentView"

    def __init__(self, source: ContentSource, *, name_hint: str | None = None) -> None:
        super().__init__()
        self.source = source
        self.name_hint = name_hint
        self.prompt: Prompt | None = None
        #: The last query found: (needle, ignore case), and where it was.
        self.search_query: tuple[bytes, bool] | None = None
        self.saved: Path | None = None
        #: The query being searched for (shown), while a search runs.
        self._searching: Text | None = None
        self._search_said = 0.0
        self._search_worker: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="content-title")
        yield Static(id="content-progress")
        yield ContentView(
            self.source,
            lexer=lexer_for_name(self.name_hint or self.source.title),
            id="content-view",
        )
        yield Static(id="content-status")
        yield SteadyInput(id="content-prompt")
        yield Footer(compact=True)

    @property
    def view(self) -> ContentView:
        return self.query_one(ContentView)

    @property
    def prompt_input(self) -> Input:
        return self.query_one("#content-prompt", Input)

    def on_mount(self) -> None:
        title = Text("File ", style="bold")
        title.append_text(literal(self.source.title, limit=300, style="bold"))
        self.query_one("#content-title", Static).update(title)
        self._show_progress()
        self._ticker = self.set_interval(0.25, self._show_progress)

    async def on_unmount(self) -> None:
        # Leaving cancels the read: the producer stops and the spool is deleted.
        self.workers.cancel_node(self)
        await self.source.aclose()

    def _show_progress(self) -> None:
        if self.is_mounted:
            self.query_one("#content-progress", Static).update(
                progress_text(self.source, self.view)
            )
            if self.source.done and self.view.complete:
                self._ticker.stop()

    def say(self, message: str | Text, *, error: bool = False) -> None:
        """One line under the content (a match, a failure)."""
        text = (
            error_text(message)
            if error and isinstance(message, str)
            else (message if isinstance(message, Text) else literal(message, limit=300))
        )
        self.query_one("#content-status", Static).update(text)

    # --- the prompt (find, go to) -----------------------------------------------------

    def _open_prompt(self, prompt: Prompt) -> None:
        self.prompt = prompt
        field = self.prompt_input
        if prompt == "find":
            field.placeholder = (
                "find: hex bytes (7f 45 4c 46) or 'text"
                if self.view.mode == "hex"
                else "find text (no capitals: any case)"
            )
        else:
            field.placeholder = (
                "go to offset (decimal or 0x…)"
                if self.view.mode == "hex"
                else "go to line (or @offset, 0x…)"
            )
        field.value = ""
        self.add_class("-prompting")
        self.set_focus(field)
        self.refresh_bindings()
        typed = self.view.take_typeahead()  # keys that came in the same burst
        if typed:
            field.insert_text_at_cursor(typed)

    def _close_prompt(self) -> None:
        self.prompt = None
        self.remove_class("-prompting")
        self.set_focus(self.view)
        self.refresh_bindings()

    def action_find(self) -> None:
        self._open_prompt("find")

    def action_goto(self) -> None:
        self._open_prompt("goto")

    @on(Input.Submitted, "#content-prompt")
    def _submitted(self, event: Input.Submitted) -> None:
        prompt, typed = self.prompt, event.value
        self._close_prompt()
        if not typed:
            return
        if prompt == "find":
            needle = self._needle(typed)
            if needle is None:
                return
            self.search_query = needle
            self._search_worker = self._find(forward=True, again=False)
        elif prompt == "goto":
            self._goto(typed)

    def _needle(self, typed: str) -> tuple[bytes, bool] | None:
        if self.view.mode == "hex" and not typed.startswith("'"):
            raw = parse_hex_query(typed)
            if raw is not None:
                return raw, False
        text = typed[1:] if typed.startswith("'") and self.view.mode == "hex" else typed
        if not text:
            return None
        return smart_case(text.encode("utf-8"))

    def action_find_next(self) -> None:
        self._search_worker = self._find(forward=True, again=True)

    def action_find_previous(self) -> None:
        self._search_worker = self._find(forward=False, again=True)

    @work(group="content-search", exclusive=True, exit_on_error=False)
    async def _find(self, *, forward: bool, again: bool) -> None:
        if self.search_query is None:
            self.say("Nothing to find yet: press / first")
            return
        needle, ignore = self.search_query
        view = self.view
        if again and view.match is not None:
            here = view.match[0]
        else:
            here = await view.offset_of_row(view.top_row)
        shown = literal(needle.decode("utf-8", "replace"), limit=60)
        self._searching = shown
        self._search_said = 0.0
        self._say_searching(None)
        start = here + 1 if forward and again and view.match is not None else here
        try:
            hit = await search(
                self.source,
                needle,
                start,
                forward=forward,
                ignore_case=ignore,
                progress=self._say_searching,
            )
        finally:
            if self._searching is shown:  # (not a search that replaced this one)
                self._searching = None
        if get_current_worker().is_cancelled:
            return
        if hit is None:
            self.say(self._not_found(shown))
            return
        found = hit.offset
        while view.index.fed < found + len(needle) and not view.complete:
            await view.index_grew()  # the line index has not reached the match yet
        view.show_match(found, len(needle))
        row = await view.row_of(found)
        view.show_row(row)
        what = f"line {row + 1:,}" if view.mode == "text" else f"offset 0x{found:x}"
        said = Text.assemble(shown, f" at {what}")
        if hit.wrapped:
            said.append(" · search wrapped", style="yellow")
        said.append(" · n next · N previous")
        self.say(said)

    def _say_searching(self, reached: int | None) -> None:
        """``searching for x… 12.3 MB of 50.0 MB · Esc stops``, at most ten times a second."""
        if self._searching is None:
            return
        now = time.monotonic()
        if reached is not None and now - self._search_said < 0.1:
            return
        self._search_said = now
        said = Text.assemble("searching for ", self._searching, "…")
        if reached is not None:
            size = self.source.size
            said.append(f" {human_size(reached)}")
            if size is not None:
                said.append(f" of {human_size(size)}")
        said.append(" · Esc stops", style="dim")
        self.say(said)

    def _not_found(self, shown: Text) -> Text:
        """Said once every byte was searched (or every byte that came, if the read failed)."""
        said = Text.assemble(shown, " not found", style="yellow")
        if self.source.error is not None:
            said.append(f" in the {human_size(self.source.received)} read (the read failed)")
        return said

    @work(group="content-goto", exclusive=True, exit_on_error=False)
    async def _goto(self, typed: str) -> None:
        view = self.view
        parsed = parse_goto(typed, view.mode or "text")
        if parsed is None:
            self.say("Type a number: a line, or an offset (decimal or 0x…)", error=True)
            return
        kind, number = parsed
        if kind == "offset":
            limit = view.index.fed
            if number >= max(limit, 1):
                self.say(f"offset {number:,} is past the {limit:,} bytes read so far", error=True)
                return
            row = await view.row_of(number)
        else:
            row = number - 1 if number > 0 else 0
            if row >= view.row_count:
                more = "" if view.complete else " so far"
                self.say(f"line {number:,}: there are {view.row_count:,} lines{more}", error=True)
                return
        view.show_row(row)
        self.say(f"{'line' if view.mode == 'text' else 'row'} {row + 1:,}")

    # --- other keys -------------------------------------------------------------------

    def action_toggle_hex(self) -> None:
        view = self.view
        if view.mode is None:
            return
        view.set_mode("text" if view.mode == "hex" else "hex")
        self._show_progress()

    def action_copy_path(self) -> None:
        # Control and bidi characters are copied as visible escapes.
        self.post_message(CopyRequest(visible(self.source.title, limit=0), "path"))

    def action_save(self) -> None:
        default = default_name(self.name_hint or self.source.title)
        self.app.push_screen(SaveFileScreen(self.source.title, default), self._save_chosen)

    def _save_chosen(self, target: SaveTarget | None) -> None:
        if target is not None:
            self._save(target)

    @work(group="content-save", exclusive=True, exit_on_error=False)
    async def _save(self, target: SaveTarget) -> None:
        shown = visible(str(target.path), 200)
        self.say(f"saving to {shown}…")

        def progress(written: int) -> None:
            self.say(f"saving to {shown}: {human_size(written)}")

        try:
            written = await save_content(self.source, target.path, progress)
        except (SaveRefused, OSError) as exc:
            reason = (
                str(exc) if isinstance(exc, SaveRefused) else (f"not saved: {exc.strerror or exc}")
            )
            self.say(reason, error=True)
            self.notify(visible(reason, 300), severity="error", markup=False, timeout=6)
            return
        self.saved = target.path
        message = f"Saved {written:,} bytes to {shown}"
        self.say(message)
        self.notify(message, markup=False, timeout=4)

    def action_back(self) -> None:
        if self.prompt is not None:
            self._close_prompt()
            return
        if self._search_running():
            self.action_stop_search()
            return
        self.app.pop_screen()

    def action_stop_search(self) -> None:
        """Stop a search waiting for the stream, and stay here."""
        worker = self._search_worker
        if worker is not None and self._search_running():
            worker.cancel()
            self._searching = None
            self.say("search stopped")
            self.refresh_bindings()

    def _search_running(self) -> bool:
        worker = self._search_worker
        return worker is not None and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop_search":
            return self.prompt is None and self._search_running()
        if action == "back":
            return self.prompt is not None or not self._search_running()
        if action in ("find_next", "find_previous"):
            return self.search_query is not None
        if action == "toggle_hex":
            return self.view.mode is not None
        return True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._search_worker:
            self.refresh_bindings()  # Esc: "Stop search" while it runs, "Back" after
        report_failure(self, event)
