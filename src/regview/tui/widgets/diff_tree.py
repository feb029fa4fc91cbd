"""The file changes of an image diff as a tree: directories open and close, each changed
path marked ``+`` (only in B), ``-`` (only in A) or ``~`` (changed), with what changed.

Directories that only hold changes (and did not change themselves) are shown dimmed, so
the tree reads like the filesystem. Names are the registry's text: shown literally.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from regview.diff_text import MARKS
from regview.registry import FileChange
from regview.registry.layers import display_path
from regview.tui.bindings import DIFF_TREE_BINDINGS
from regview.tui.text import literal
from regview.tui.widgets.tree_keys import close_node, open_node

__all__ = ["CHANGE_STYLES", "DiffTree", "change_label"]

CHANGE_STYLES = {"added": "green", "removed": "red", "changed": "yellow", "shared": "dim"}
"""The colour of each kind of change (its mark says it too, for those who cannot see it)."""

_NAME_LIMIT = 80


def change_label(name: str, change: FileChange | None) -> Text:
    """``~ conf  content`` for a change; a dimmed name for a directory that only holds some."""
    if change is None:
        return literal(name, limit=_NAME_LIMIT, style="dim")
    style = CHANGE_STYLES[change.change]
    label = Text(MARKS[change.change] + " ", style=f"bold {style}", end="")
    label.append_text(literal(name, limit=_NAME_LIMIT, style=style))
    entry = change.b if change.b is not None else change.a
    if change.change == "changed":
        label.append("  " + ", ".join(change.attributes), style="dim")
    elif entry is not None:
        label.append(f"  {entry.type.value}", style="dim")
    return label


#: Up to this many changes, every directory starts open; beyond, only the top level.
OPEN_ALL = 300


class DiffTree(Tree[FileChange | None]):
    """Every changed path, under its directories (all open when there are few)."""

    BINDINGS: ClassVar[list[BindingType]] = list(DIFF_TREE_BINDINGS)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("file changes"), id=id)
        self.show_root = False
        self.guide_depth = 2

    def load(self, changes: tuple[FileChange, ...]) -> None:
        """Show ``changes`` (in path order, as :func:`regview.registry.diff_images` gives)."""
        self.clear()
        self.root.set_label(Text(f"file changes ({len(changes):,})"))
        parents: set[str] = set()
        for c in changes:
            parts = c.path.split("/")
            for i in range(1, len(parts)):
                parents.add("/".join(parts[:i]))
        nodes: dict[str, TreeNode[FileChange | None]] = {}
        by_path = {c.path: c for c in changes}
        open_all = len(changes) <= OPEN_ALL
        for c in changes:
            parts = c.path.split("/")
            parent = self.root
            for i in range(1, len(parts) + 1):
                path = "/".join(parts[:i])
                node = nodes.get(path)
                if node is None:
                    name = display_path(parts[i - 1])
                    here = by_path.get(path)
                    if path in parents:
                        label = change_label(name, here)
                        node = parent.add(label, data=here, expand=open_all or i == 1)
                    else:
                        node = parent.add_leaf(change_label(name, here), data=here)
                    nodes[path] = node
                parent = node
        self.root.expand()
        self.cursor_line = 0

    def action_open(self) -> None:
        open_node(self)

    def action_close(self) -> None:
        close_node(self)
