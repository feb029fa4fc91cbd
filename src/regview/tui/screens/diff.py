"""Two images compared: ``m`` marks one in the explorer, ``=`` on another opens this.

Both images' layers are indexed in a worker (TOCs cached by digest open at once) while
a progress bar shows the bytes read; Esc cancels and goes back. Then the sections of
``regview diff`` (manifest, config, history, sizes) on the left, the tree of file
changes on the right (Tab switches), and under them the change under the cursor.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar, Static, Tree
from textual.worker import Worker, get_current_worker

from regview.diff_text import SECTIONS, file_change_line, section_lines
from regview.registry import (
    FileChange,
    ImageDiff,
    IndexProgress,
    LayerIndexer,
    diff_images,
    read_image_snapshot,
)
from regview.tui.bindings import DIFF_BINDINGS
from regview.tui.screens.files_progress import progress_line
from regview.tui.text import error_text, literal
from regview.tui.widgets.diff_tree import CHANGE_STYLES, DiffTree
from regview.tui.widgets.status import Breadcrumb
from regview.tui.workers import failure_message, report_failure

__all__ = ["DiffScreen", "DiffSide", "sections_text"]

_LINE_LIMIT = 200
_STYLES = {"+": CHANGE_STYLES["added"], "-": CHANGE_STYLES["removed"],
           "~": CHANGE_STYLES["changed"], "=": CHANGE_STYLES["shared"]}


@dataclass(frozen=True, slots=True)
class DiffSide:
    """One image to compare: a repository and a tag or digest of the explorer's source."""

    repository: str
    reference: str

    @property
    def display(self) -> str:
        """``repo:tag`` or ``repo@sha256:…``."""
        sep = "@" if ":" in self.reference else ":"
        return f"{self.repository}{sep}{self.reference}"


def sections_text(d: ImageDiff) -> Text:
    """Every section but the files (the tree shows those), each line literal and coloured
    by its mark."""
    out = Text(end="")
    for section in SECTIONS:
        if section == "files":
            continue
        lines = section_lines(d, section)
        out.append(f"{section}\n", style="bold")
        if not lines:
            out.append("  none\n", style="dim")
        for line in lines:
            style = _STYLES.get(line[:1], "") if section != "sizes" else ""
            out.append("  ")
            out.append_text(literal(line, limit=_LINE_LIMIT, style=style))
            out.append("\n")
        out.append("\n")
    return out


class DiffScreen(Screen[None]):
    """The differences between image A (marked) and image B."""

    BINDINGS: ClassVar[list[BindingType]] = list(DIFF_BINDINGS)
    AUTO_FOCUS = ""
    DEFAULT_CSS = """
    DiffScreen #diff-summary { height: 1; padding: 0 1; background: $panel; }
    DiffScreen #diff-loading {
        display: none; height: auto; margin: 2 4; padding: 1 2; border: round $accent;
    }
    DiffScreen.-loading #diff-loading { display: block; }
    DiffScreen #diff-loading-bar { margin: 1 0; }
    DiffScreen #diff-loading-bar Bar { width: 1fr; }
    DiffScreen #diff-error {
        display: none; height: auto; margin: 2 4; padding: 1 2; border: round $error;
    }
    DiffScreen.-failed #diff-error { display: block; }
    DiffScreen #diff-body { display: none; height: 1fr; }
    DiffScreen.-loaded #diff-body { display: block; }
    DiffScreen #diff-columns { height: 1fr; }
    DiffScreen #diff-sections { width: 1fr; padding: 0 1; border-right: solid $panel; }
    DiffScreen #diff-sections:focus { border-right: solid $accent; }
    DiffScreen #diff-files { width: 1fr; padding: 0 1; }
    DiffScreen #diff-info { height: 2; padding: 0 1; background: $panel; }
    """

    def __init__(self, a: DiffSide, b: DiffSide, indexer: LayerIndexer, source_name: str) -> None:
        super().__init__()
        self.a = a
        self.b = b
        self.indexer = indexer
        self.source_name = source_name
        self.reading = True
        self.result: ImageDiff | None = None
        self.error: str | None = None
        self._progress: dict[str, IndexProgress] = {}
        self._started = time.monotonic()

    def compose(self) -> ComposeResult:
        yield Breadcrumb(id="header")
        yield Static(id="diff-summary")
        with Vertical(id="diff-loading"):
            yield Static(id="diff-loading-title")
            yield ProgressBar(total=None, show_eta=False, id="diff-loading-bar")
            yield Static(id="diff-loading-text")
            yield Static(Text("Esc cancels", style="dim"))
        yield Static(id="diff-error")
        with Vertical(id="diff-body"):
            with Horizontal(id="diff-columns"):
                with VerticalScroll(id="diff-sections"):
                    yield Static(id="diff-sections-text")
                yield DiffTree(id="diff-files")
            yield Static(id="diff-info")
        yield Footer(compact=True)

    @property
    def file_tree(self) -> DiffTree:
        return self.query_one(DiffTree)

    def on_mount(self) -> None:
        self.query_one(Breadcrumb).set_path(
            self.source_name, [f"diff {self.a.display} → {self.b.display}"]
        )
        self.add_class("-loading")
        title = Text("Comparing ", style="bold")
        title.append_text(literal(self.a.display, limit=60, style="bold"))
        title.append(" with ", style="bold")
        title.append_text(literal(self.b.display, limit=60, style="bold"))
        self.query_one("#diff-loading-title", Static).update(title)
        self.query_one("#diff-loading-text", Static).update(Text("starting…", style="dim"))
        self.set_focus(None)
        self._ticker = self.set_interval(0.5, self._show_progress)
        self._load()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)

    # --- loading ----------------------------------------------------------------------

    @work(group="diff", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        worker = get_current_worker()
        try:
            side_a, side_b = await asyncio.gather(
                *(
                    read_image_snapshot(
                        self.indexer,
                        side.repository,
                        side.reference,
                        display=side.display,
                        progress=self._on_progress,
                        concurrency=2,
                    )
                    for side in (self.a, self.b)
                )
            )
            result = await asyncio.to_thread(diff_images, side_a, side_b)
        except Exception as exc:  # shown inline, then notified
            if not worker.is_cancelled:
                self._fail(exc)
            raise
        if worker.is_cancelled:
            return
        self._show(result)

    def _on_progress(self, p: IndexProgress) -> None:
        self._progress[p.digest] = p
        self._show_progress()

    def _show_progress(self) -> None:
        if not self.reading or not self.is_mounted:
            return
        seen = list(self._progress.values())
        done = sum(1 for p in seen if p.phase in ("cached", "done"))
        read = sum(p.read for p in seen)
        total = sum(p.total or 0 for p in seen)
        elapsed = time.monotonic() - self._started
        rate = read / elapsed if elapsed > 0 else 0.0
        line = progress_line(read, total or None, rate, f"{done} of {len(seen)} layers done")
        self.query_one("#diff-loading-bar", ProgressBar).update(
            total=total or None, progress=read
        )
        self.query_one("#diff-loading-text", Static).update(Text(line))

    def _fail(self, exc: BaseException) -> None:
        self.reading = False
        self._ticker.stop()
        self.error = failure_message(exc)
        self.remove_class("-loading")
        self.add_class("-failed")
        message = Text("Could not compare the images\n\n", style="bold")
        message.append_text(error_text(self.error))
        message.append("\n\nEsc goes back", style="dim")
        self.query_one("#diff-error", Static).update(message)
        self.query_one("#diff-summary", Static).update(Text("not comparable", style="red"))

    def _show(self, result: ImageDiff) -> None:
        self.result = result
        self.reading = False
        self._ticker.stop()
        self.remove_class("-loading")
        self.add_class("-loaded")
        summary = Text(end="")
        summary.append("A ", style="bold red")
        summary.append_text(literal(self.a.display, limit=50))
        summary.append("  B ", style="bold green")
        summary.append_text(literal(self.b.display, limit=50))
        if result.equal:
            summary.append("  · equal", style="bold")
        else:
            n = len(result.files)
            summary.append(f"  · {n:,} {'path differs' if n == 1 else 'paths differ'}",
                           style="bold")
        self.query_one("#diff-summary", Static).update(summary)
        self.query_one("#diff-sections-text", Static).update(sections_text(result))
        self.file_tree.load(result.files)
        self._show_info(self.file_tree.cursor_node.data if self.file_tree.cursor_node else None)
        self.set_focus(self.file_tree if result.files else self.query_one("#diff-sections"))

    # --- what is shown ----------------------------------------------------------------

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[FileChange | None]) -> None:
        self._show_info(event.node.data)

    def _show_info(self, change: FileChange | None) -> None:
        if self.result is not None and not self.result.files:
            text = Text("no path differs", style="dim")
        elif change is None:
            text = Text("a directory holding changes", style="dim")
        else:
            text = literal(file_change_line(change), limit=_LINE_LIMIT)
        self.query_one("#diff-info", Static).update(text)

    # --- keys -------------------------------------------------------------------------

    def action_back(self) -> None:
        if self.reading:
            self.workers.cancel_group(self, "diff")
            self.reading = False
        self.app.pop_screen()

    def action_next_pane(self) -> None:
        if not self.has_class("-loaded"):
            return
        sections = self.query_one("#diff-sections")
        self.set_focus(sections if self.focused is self.file_tree else self.file_tree)
