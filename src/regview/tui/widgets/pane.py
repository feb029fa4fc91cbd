"""What every pane shares: a border title, a filterable list, worker error handling."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.widget import Widget
from textual.worker import Worker

from regview.tui.text import error_text, literal
from regview.tui.widgets.filter_input import FilterInput
from regview.tui.widgets.virtual_list import VirtualList
from regview.tui.workers import report_failure

__all__ = ["ListPane", "Pane"]


class Pane(Vertical):
    """A titled column of the explorer. Subclasses say which widget takes focus."""

    DEFAULT_CSS = """
    Pane { border: round $panel-lighten-2; }
    Pane:focus-within { border: round $accent; }
    """

    title: str = ""

    def on_mount(self) -> None:
        self.set_title()

    def set_title(self, detail: str = "") -> None:
        title = Text(self.title, style="bold")
        if detail:
            title.append(" ")
            title.append_text(literal(detail, limit=60))
        self.border_title = title

    def set_error(self, message: str | None) -> None:
        """Show (or, with None, clear) an error on the pane's bottom border.

        For a list that failed after some pages arrived: the rows it has are kept, and
        its empty-text marker (shown only when there are no rows) would stay hidden.
        """
        self.border_subtitle = error_text(message, limit=200) if message else ""

    @property
    def focus_target(self) -> Widget:
        return self

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)

    def revalidate(self) -> None:
        """Forget what this pane shows and read it again (``r``)."""


class ListPane(Pane):
    """A pane whose body is a filterable list, with its filter input above it."""

    @property
    def list(self) -> VirtualList:
        raise NotImplementedError

    @property
    def filter_input(self) -> FilterInput:
        return self.query_one(FilterInput)

    def open_filter(self) -> FilterInput:
        """Show the filter input (``/``); the caller focuses it."""
        self.add_class("-filtering")
        return self.filter_input

    def clear_filter(self) -> None:
        """Empty and hide the filter input, and show the whole list again."""
        self.filter_input.value = ""
        self.list.set_filter("")
        self.remove_class("-filtering")
