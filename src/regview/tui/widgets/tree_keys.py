"""The open and close keys that the explorer's trees (files, diff) share."""

from __future__ import annotations

from typing import Any

from textual.widgets import Tree

__all__ = ["close_node", "open_node"]


def open_node(tree: Tree[Any]) -> None:
    """Open the directory under the cursor, or close it when it is open."""
    node = tree.cursor_node
    if node is not None and node.allow_expand:
        node.toggle()


def close_node(tree: Tree[Any]) -> None:
    """Close the open directory under the cursor, or else go up to its parent."""
    node = tree.cursor_node
    if node is None:
        return
    if node.allow_expand and node.is_expanded:
        node.collapse()
    elif node.parent is not None and node.parent is not tree.root:
        tree.move_cursor(node.parent)
