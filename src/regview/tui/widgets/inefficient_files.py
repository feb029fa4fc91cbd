"""``w`` in the merged view: dive's inefficient files, most bytes wasted first.

One row per path whose shipped content the final filesystem does not all use: the bytes
wasted, the layers holding its copies (``*`` marks the copy kept) and the layer that
deleted it, as ``regview analyze`` prints them. Definitions in
:mod:`regview.registry.efficiency`.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.widgets import DataTable

from regview.registry import Efficiency
from regview.registry.layers import display_path
from regview.tui.bindings import LIST_BINDINGS
from regview.tui.text import human_size, literal

__all__ = ["InefficientFilesTable", "copies_text"]

ROWS = 500
"""Rows shown at most (the worst first); ``regview analyze --json`` lists them all."""


def copies_text(copies: tuple[tuple[int, int, bool], ...], deleted_by: int | None) -> str:
    """``1:300 2:120*`` (layer numbers from 1, ``*`` the copy kept), ``deleted:N``."""
    text = " ".join(f"{layer + 1}:{human_size(size)}{'*' if kept else ''}"
                    for layer, size, kept in copies)
    if deleted_by is not None:
        text += f" deleted:{deleted_by + 1}"
    return text


class InefficientFilesTable(DataTable[Text], inherit_bindings=False):
    """The inefficient files of one image."""

    BINDINGS: ClassVar[list[BindingType]] = list(LIST_BINDINGS)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, cell_padding=1)

    def show(self, result: Efficiency) -> None:
        """Fill the table from ``result``."""
        self.clear(columns=True)
        self.add_column(Text("wasted", style="bold", justify="right"), key="wasted")
        self.add_column(Text("copies (layer:size, * kept)", style="bold"), key="copies")
        self.add_column(Text("path", style="bold"), key="path")
        for f in result.inefficient[:ROWS]:
            copies = tuple((c.layer, c.size, c.kept) for c in f.copies)
            self.add_row(
                Text(human_size(f.wasted_bytes), style="red", justify="right"),
                Text(copies_text(copies, f.deleted_by), style="dim"),
                literal(display_path(f.path), limit=300),
            )

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=self.row_count - 1)

    def action_select(self) -> None:
        """Nothing to open: the row says it all."""
