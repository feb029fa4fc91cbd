"""``J``: the raw JSON of a node, pretty-printed and highlighted, never read as markup."""

from __future__ import annotations

import json
from typing import ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from regview.tui.bindings import JSON_BINDINGS
from regview.tui.text import literal, visible

__all__ = ["RawJsonScreen", "pretty_json"]

MAX_SHOWN = 512 * 1024


def pretty_json(raw: bytes) -> tuple[str, bool]:
    """``raw`` decoded and indented; ``(text, is_json)``. Unsafe characters made visible."""
    text = raw[:MAX_SHOWN].decode("utf-8", errors="replace")
    try:
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        is_json = True
    except (ValueError, RecursionError):
        is_json = False
    # Line breaks stay; every other control, bidi or zero-width character becomes visible.
    shown = "\n".join(visible(line, limit=0) for line in text.split("\n"))
    if len(raw) > MAX_SHOWN:
        shown += f"\n… ({len(raw) - MAX_SHOWN:,} more bytes not shown)"
    return shown, is_json


class RawJsonScreen(ModalScreen[None]):
    """A scrollable, highlighted view of one document."""

    BINDINGS: ClassVar[list[BindingType]] = list(JSON_BINDINGS)

    def __init__(self, title: str, raw: bytes) -> None:
        super().__init__()
        self.title_text = title
        self.raw = raw

    def compose(self) -> ComposeResult:
        text, is_json = pretty_json(self.raw)
        body = Syntax(text, "json" if is_json else "text", theme="monokai", word_wrap=False,
                      line_numbers=True, background_color="default")
        with VerticalScroll(id="json-body") as scroll:
            scroll.border_title = literal(self.title_text, limit=100)
            scroll.border_subtitle = Text(f"{len(self.raw):,} bytes · Esc closes")
            yield Static(body, id="json-text")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)

    def action_scroll_down(self) -> None:
        self.query_one("#json-body", VerticalScroll).scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        self.query_one("#json-body", VerticalScroll).scroll_up(animate=False)
