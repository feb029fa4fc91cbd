"""What the files view's flat lists hold: every path biggest first, the largest files.

Pure functions of the file tree (or the merged filesystem); the screen hands what they
return to its :class:`~regview.tui.widgets.file_tree.PathList`.
"""

from __future__ import annotations

from collections.abc import Sequence

from regview.registry.layers import FileTree, MergedFilesystem
from regview.registry.layers import TreeNode as FsNode

__all__ = ["LARGEST", "biggest_first", "largest_nodes"]

#: How many files ``L`` lists.
LARGEST = 100


def biggest_first(nodes: Sequence[FsNode], paths: Sequence[str]) -> tuple[list[FsNode], list[str]]:
    """``nodes`` and their shown ``paths``, reordered by the size below each, biggest first
    (a stable sort: equal sizes keep the tree's order)."""
    order = sorted(range(len(nodes)), key=lambda i: -nodes[i].total_size)
    return [nodes[i] for i in order], [paths[i] for i in order]


def largest_nodes(
    file_tree: FileTree, merged: MergedFilesystem | None, limit: int = LARGEST
) -> list[FsNode]:
    """The ``limit`` largest files: of the merged filesystem when there is one (as the
    tree's nodes), else of the layer's tree."""
    if merged is not None:
        found = (file_tree.node(m.path) for m in merged.largest_files(limit))
        return [n for n in found if n is not None]
    return file_tree.largest_files(limit)
