"""``?``: every key, with the binding ids a keymap file can remap."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from regview.tui.bindings import HELP_BINDINGS, all_bindings, default_keymap_path

__all__ = ["HelpScreen"]

_NAMES = {
    "question_mark": "?", "slash": "/", "escape": "Esc", "backspace": "Backspace",
    "enter": "Enter", "tab": "Tab", "shift+tab": "Shift+Tab", "pageup": "PgUp",
    "pagedown": "PgDn", "home": "Home", "end": "End", "up": "↑", "down": "↓",
    "left": "←", "right": "→", "space": "Space", "ctrl+p": "Ctrl+P", "f1": "F1",
    "equals_sign": "=", "colon": ":",
}


def key_names(keys: str) -> str:
    return ", ".join(_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


class HelpScreen(ModalScreen[None]):
    """A table of every binding, after the user's keymap is applied."""

    BINDINGS: ClassVar[list[BindingType]] = list(HELP_BINDINGS)

    def __init__(self, keymap: dict[str, str], keymap_path: Path | None = None) -> None:
        super().__init__()
        self.keymap = keymap
        self.keymap_path = keymap_path or default_keymap_path()

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 2), expand=True, show_edge=False)
        table.add_column("keys", style="bold cyan", no_wrap=True)
        table.add_column("what", ratio=2)
        table.add_column("id (for keys.toml)", style="dim", no_wrap=True)
        for where, bindings in all_bindings():
            table.add_row(Text(where, style="bold underline"), Text(""), Text(""))
            for b in bindings:
                keys = self.keymap.get(b.id or "", b.key)
                # The tooltip is the long form of a description kept short for the footer.
                what = b.tooltip or b.description or b.action
                table.add_row(Text(key_names(keys)), Text(what), Text(b.id or ""))
            table.add_row(Text(""), Text(""), Text(""))
        table.add_row(Text("Remap keys in"), Text(str(self.keymap_path)), Text(""))
        with VerticalScroll(id="help-body"):
            yield Static(table)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
