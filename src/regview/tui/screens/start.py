"""Where to look: the picker shown by ``regview`` without a target.

Lists the embedded demo, the registries opened lately and those named in the auth
files, and takes any registry, repository, reference or ``oci:PATH`` typed in. Opening
goes through the opener the CLI hands over: the TUI never builds a client itself; what
it opened goes up to the app as a :class:`~regview.tui.messages.SourceOpened`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from regview.registry import RegistryError
from regview.targets import Opened, Opener
from regview.tui.bindings import START_BINDINGS
from regview.tui.messages import SourceOpened
from regview.tui.text import error_text, literal

__all__ = ["StartChoice", "StartScreen"]


@dataclass(frozen=True, slots=True)
class StartChoice:
    """One line of the picker: what to open, and why it is offered."""

    target: str
    origin: str  # "demo", "recent", "auth file"


class StartScreen(Screen[None]):
    """Pick a registry (or the demo) to browse."""

    AUTO_FOCUS = "#start-input"
    BINDINGS: ClassVar[list[BindingType]] = list(START_BINDINGS)

    def __init__(self, choices: Sequence[StartChoice], opener: Opener) -> None:
        super().__init__()
        self.choices = list(choices)
        self.opener = opener

    def compose(self) -> ComposeResult:
        with Vertical(id="start"):
            yield Static(Text("regview: where to look?", style="bold"), id="start-title")
            yield Input(
                placeholder="registry, repository or reference: ghcr.io/acme/app:1.0, "
                "127.0.0.1:5000, oci:./layout",
                id="start-input",
            )
            yield Static("", id="start-error")
            yield OptionList(*(self._option(c) for c in self.choices), id="start-choices")
        yield Footer(compact=True)

    @staticmethod
    def _option(choice: StartChoice) -> Option:
        label = Text.assemble(literal(choice.target, limit=120), (f"  {choice.origin}", "dim"))
        return Option(label, id=None)

    def on_mount(self) -> None:
        if self.app.is_headless:  # a blinking cursor makes screenshots differ
            self.query_one("#start-input", Input).cursor_blink = False

    def action_to_list(self) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            options.focus()
            if options.highlighted is None:
                options.highlighted = 0

    @on(Input.Submitted, "#start-input")
    def _typed(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.open(event.value)

    @on(OptionList.OptionSelected, "#start-choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.open(self.choices[event.option_index].target)

    def open(self, text: str) -> None:
        try:
            opened: Opened = self.opener(text)
        except RegistryError as exc:
            self.query_one("#start-error", Static).update(error_text(str(exc)))
            return
        self.post_message(SourceOpened(text.strip(), opened))
