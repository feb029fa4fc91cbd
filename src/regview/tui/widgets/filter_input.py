"""The one-line input that filters a list as you type."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import BindingType
from textual.message import Message
from textual.widgets import Input

from regview.tui.bindings import FILTER_BINDINGS

__all__ = ["FilterInput", "SteadyInput"]


class SteadyInput(Input):
    """An input whose cursor does not blink when nobody can see it (headless runs)."""

    def on_mount(self) -> None:
        if self.app.is_headless:
            self.cursor_blink = False


class FilterInput(SteadyInput):
    """``/`` shows it; typing filters; Enter or Down goes back to the list; Esc clears."""

    BINDINGS: ClassVar[list[BindingType]] = list(FILTER_BINDINGS)

    class Done(Message):
        """The user left the filter input; ``cleared`` if they pressed Esc."""

        def __init__(self, filter_input: FilterInput, cleared: bool) -> None:
            super().__init__()
            self.filter_input = filter_input
            self.cleared = cleared

        @property
        def control(self) -> FilterInput:
            return self.filter_input

    def action_clear_filter(self) -> None:
        self.value = ""
        self.post_message(self.Done(self, cleared=True))

    def action_accept_filter(self) -> None:
        self.post_message(self.Done(self, cleared=False))
