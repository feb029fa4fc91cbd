"""``c`` in the merged view: what each layer did to the filesystem below it (like dive's
layer list), one row per layer; Enter on a row shows only what that layer wrote.

Each row has two lines: counts of entries added, changed and deleted, then the bytes
added and changed, under two-line headings that say which line is which.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import DataTable

from regview.registry.layers import FileTree, MergedFilesystem
from regview.tui.bindings import LIST_BINDINGS
from regview.tui.text import human_size

__all__ = ["LayerChangesTable", "layer_tree"]

#: (heading, second heading line, right-aligned)
_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("#", "", True),
    ("digest", "", False),
    ("compressed", "", True),
    ("uncompressed", "", True),
    ("added", "size", True),
    ("changed", "size", True),
    ("deleted", "", True),
    ("hidden", "", True),
)


def layer_tree(merged: MergedFilesystem, layer: int) -> FileTree:
    """The paths of ``merged`` that ``layer`` (0-based) wrote last, and those it deleted
    that stay deleted: what that layer changed in the filesystem the image shows."""
    tree = FileTree()
    for m in merged.entries.values():
        if m.layer == layer:
            tree.add(m.entry, layer=m.layer, status=m.status)
    for d in merged.visible_deletions():
        if d.layer == layer:
            tree.add(d.entry, layer=d.layer, status="deleted")
    return tree.finish()


class LayerChangesTable(DataTable[Text], inherit_bindings=False):
    """One row per layer, bottom first; Enter posts :class:`LayerChosen`."""

    BINDINGS: ClassVar[list[BindingType]] = list(LIST_BINDINGS)

    class LayerChosen(Message):
        """The user chose layer ``index`` (0-based) to see only its changes."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, header_height=2,
                         cell_padding=1)

    def show(self, merged: MergedFilesystem) -> None:
        """Fill the table from ``merged`` (every layer, bottom first)."""
        self.clear(columns=True)
        for title, second, right in _COLUMNS:
            label = Text(f"{title}\n{second}", style="bold", justify="right" if right else "left")
            self.add_column(label, key=title)
        styles = {"#": "cyan", "digest": "cyan", "added": "green", "changed": "yellow",
                  "deleted": "red"}

        def cell(column: str, value: str) -> Text:
            right = next(r for t, _, r in _COLUMNS if t == column)
            return Text(value, style=styles.get(column, ""), justify="right" if right else "left")

        for changes, toc in zip(merged.layers, merged.layer_tocs, strict=True):
            uncompressed = toc.uncompressed_size
            values = {
                "#": str(changes.index + 1),
                "digest": changes.digest.partition(":")[2][:12],
                "compressed": human_size(toc.compressed_size),
                "uncompressed": human_size(uncompressed) if uncompressed is not None else "?",
                "added": f"{changes.added:,}\n{human_size(changes.added_bytes)}",
                "changed": f"{changes.changed:,}\n{human_size(changes.changed_bytes)}",
                "deleted": f"{changes.deleted:,}",
                "hidden": human_size(changes.removed_bytes),
            }
            self.add_row(*(cell(c, values[c]) for c, _, _ in _COLUMNS), height=2,
                         key=str(changes.index))

    # --- the list keys (LIST_BINDINGS) on a table -------------------------------------

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=self.row_count - 1)

    def action_select(self) -> None:
        self.action_select_cursor()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # Enter or a click: the screen hears which layer
        self.post_message(self.LayerChosen(event.cursor_row))
