"""``s`` in the viewer: where to save the file, and, if something is there, may it go?

:class:`SaveFileScreen` asks for a path (default: the file's base name, sanitised by
:func:`~regview.content.save_target.default_name`), checks it
(:func:`~regview.content.save_target.check_target`: a refusal is one line under the
input) and, when the path exists, asks :class:`ConfirmOverwriteScreen` before it
dismisses with the :class:`~regview.content.save_target.SaveTarget`. The viewer saves.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from regview.content.save_target import SaveRefused, SaveTarget, check_target
from regview.tui.bindings import CONFIRM_OVERWRITE_BINDINGS, SAVE_BINDINGS
from regview.tui.text import error_text, literal
from regview.tui.widgets.filter_input import SteadyInput

__all__ = ["ConfirmOverwriteScreen", "SaveFileScreen"]


class SaveFileScreen(ModalScreen[SaveTarget | None]):
    """A path prompt: Enter checks it (and asks before replacing), Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = list(SAVE_BINDINGS)

    def __init__(self, title: str, default: str, cwd: Path | None = None) -> None:
        super().__init__()
        self.title_shown = title
        self.default = default
        self.cwd = cwd or Path.cwd()

    def compose(self) -> ComposeResult:
        with Vertical(id="save-body") as body:
            body.border_title = "Save file"
            body.border_subtitle = "Enter saves · Esc cancels"
            what = Text("Save ", style="bold")
            what.append_text(literal(self.title_shown, limit=200, style="bold"))
            what.append(" to:", style="bold")
            yield Static(what, id="save-what")
            yield SteadyInput(self.default, id="save-path")
            where = Text("relative to ", style="dim")
            where.append_text(literal(str(self.cwd), limit=200, style="dim"))
            yield Static(where, id="save-where")
            yield Static(id="save-error")

    def on_mount(self) -> None:
        self.query_one("#save-path", Input).focus()

    @on(Input.Submitted, "#save-path")
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            target = check_target(event.value, self.default, self.cwd)
        except SaveRefused as exc:
            self.query_one("#save-error", Static).update(error_text(str(exc)))
            return
        if target.exists:
            self.app.push_screen(ConfirmOverwriteScreen(target), self._confirmed(target))
        else:
            self.dismiss(target)

    def _confirmed(self, target: SaveTarget) -> _Confirmed:
        return _Confirmed(self, target)

    def action_cancel(self) -> None:
        self.dismiss(None)


class _Confirmed:
    """What happens after the overwrite question: save, or back to the path prompt."""

    def __init__(self, screen: SaveFileScreen, target: SaveTarget) -> None:
        self.screen = screen
        self.target = target

    def __call__(self, replace: bool | None) -> None:
        if replace:
            self.screen.dismiss(self.target)
        else:
            self.screen.query_one("#save-error", Static).update(
                Text("Not replaced: type another path, or Esc", style="yellow")
            )


class ConfirmOverwriteScreen(ModalScreen[bool]):
    """``y`` replaces what is at the path; ``n``/Esc keeps it."""

    BINDINGS: ClassVar[list[BindingType]] = list(CONFIRM_OVERWRITE_BINDINGS)

    def __init__(self, target: SaveTarget) -> None:
        super().__init__()
        self.target = target

    def compose(self) -> ComposeResult:
        text = Text(end="")
        text.append_text(literal(str(self.target.path), limit=300, style="bold"))
        if self.target.symlink:
            text.append(
                " is a symbolic link.\nIt is replaced by the file; what it points to is left alone."
            )
        else:
            text.append(" exists.\nReplace it?")
        with Vertical(id="overwrite-body") as body:
            body.border_title = "Replace?"
            body.border_subtitle = "y replaces · n or Esc keeps it"
            yield Static(text, id="overwrite-text")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
