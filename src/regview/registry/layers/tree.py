"""A browsable file tree over a layer's entries or a merged filesystem.

Built once in O(n), then browsed lazily: a UI asks for the children of one directory
when the user opens it, sorted by name or by size. Every directory knows the total size
and file count below it, so "where did the space go" is one sort away. Directories that
no entry names (``a/b/c`` listed without ``a/b``) are implied, with ``entry=None``.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from regview.registry.layers.entry import Entry, EntryType

__all__ = ["FileTree", "SortKey", "TreeNode"]

SortKey = Literal["name", "size"]
"""How a :class:`FileTree` orders a directory: by name, or largest first."""


@dataclass(eq=False, slots=True)
class TreeNode:
    """One path. ``layer``/``status`` are set in a merged view (which layer last wrote
    the path, and whether it ``added``, ``changed`` it, made it ``opaque`` or
    ``deleted`` it)."""

    path: str
    name: str
    entry: Entry | None = None
    layer: int | None = None
    status: str | None = None
    #: Content bytes of this node itself (regular files), and of everything below it.
    size: int = 0
    total_size: int = 0
    #: Regular files at or below this node.
    file_count: int = 0
    children: dict[str, TreeNode] | None = field(default=None, repr=False)

    @property
    def is_dir(self) -> bool:
        """True for a directory (it can hold children)."""
        return self.children is not None

    @property
    def has_children(self) -> bool:
        """True for a directory with something in it."""
        return bool(self.children)

    @property
    def is_whiteout(self) -> bool:
        """True for a whiteout entry (a deletion marker of an upper layer)."""
        return self.entry is not None and self.entry.is_whiteout


def _sort(nodes: Iterable[TreeNode], key: SortKey, descending: bool | None) -> list[TreeNode]:
    items = list(nodes)
    if key == "size":
        items.sort(key=lambda n: n.name)
        items.sort(key=lambda n: n.total_size, reverse=True if descending is None else descending)
        return items
    items.sort(key=lambda n: (not n.is_dir, n.name), reverse=bool(descending))
    return items


class FileTree:
    """Paths arranged as a tree; add nodes, then :meth:`finish` once."""

    def __init__(self) -> None:
        self.root = TreeNode("", "", children={})
        self._nodes: dict[str, TreeNode] = {"": self.root}
        self._finished = False

    @classmethod
    def from_entries(cls, entries: Iterable[Entry]) -> FileTree:
        """A finished tree of ``entries`` (missing parent directories are made up)."""
        tree = cls()
        for e in entries:
            tree.add(e)
        tree.finish()
        return tree

    def __len__(self) -> int:
        return len(self._nodes) - 1

    def add(self, entry: Entry, *, layer: int | None = None, status: str | None = None) -> TreeNode:
        """Put ``entry`` at its path (replacing what was there; a directory keeps its
        children when it stays a directory)."""
        self._finished = False
        parent = self._dir(entry.parent)
        assert parent.children is not None
        node = parent.children.get(entry.name)
        if node is None:
            node = TreeNode(entry.path, entry.name)
            parent.children[entry.name] = node
            self._nodes[entry.path] = node
        node.entry = entry
        node.layer = layer
        node.status = status
        node.size = entry.size if entry.type is EntryType.FILE else 0
        if entry.type is EntryType.DIR:
            if node.children is None:
                node.children = {}
        elif node.children:
            self._drop_below(node)
            node.children = None
        else:
            node.children = None
        return node

    def _dir(self, path: str) -> TreeNode:
        node = self._nodes.get(path)
        if node is not None:
            if node.children is None:
                node.children = {}  # a file "becomes" a directory: deeper paths need one
            return node
        parent_path, _, name = path.rpartition("/")
        parent = self._dir(parent_path)
        assert parent.children is not None
        node = TreeNode(path, name, children={})
        parent.children[name] = node
        self._nodes[path] = node
        return node

    def _drop_below(self, node: TreeNode) -> None:
        stack = list((node.children or {}).values())
        while stack:
            n = stack.pop()
            self._nodes.pop(n.path, None)
            if n.children:
                stack.extend(n.children.values())

    def finish(self) -> FileTree:
        """Compute the totals of every directory (call after the last :meth:`add`)."""

        def depth(n: TreeNode) -> int:
            return n.path.count("/") + 1 if n.path else 0

        for node in sorted(self._nodes.values(), key=depth, reverse=True):
            if node.children is None:
                node.total_size = node.size
                node.file_count = 1 if node.entry is not None and node.entry.is_file else 0
            else:
                node.total_size = node.size + sum(c.total_size for c in node.children.values())
                node.file_count = sum(c.file_count for c in node.children.values())
        self._finished = True
        return self

    # --- browsing ------------------------------------------------------------------------

    def node(self, path: str) -> TreeNode | None:
        """The node at ``path``, or None."""
        return self._nodes.get(path)

    def children(
        self, path: str = "", *, sort: SortKey = "name", descending: bool | None = None
    ) -> list[TreeNode]:
        """The entries directly inside ``path`` (``""`` is the root). By name, directories
        come first; by size, the largest subtree comes first unless ``descending=False``."""
        if not self._finished:
            self.finish()
        node = self._nodes.get(path)
        if node is None or not node.children:
            return []
        return _sort(node.children.values(), sort, descending)

    def walk(self, path: str = "", *, sort: SortKey = "name") -> Iterator[TreeNode]:
        """Every node below ``path``, depth first, parents before their children."""
        if not self._finished:
            self.finish()
        stack = list(reversed(self.children(path, sort=sort)))
        while stack:
            node = stack.pop()
            yield node
            if node.children:
                stack.extend(reversed(_sort(node.children.values(), sort, None)))

    def largest_files(self, count: int = 20) -> list[TreeNode]:
        """The ``count`` biggest regular files, largest first."""
        files = (
            n
            for n in self._nodes.values()
            if n.entry is not None and n.entry.type is EntryType.FILE and n.children is None
        )
        return heapq.nlargest(count, files, key=lambda n: (n.size, n.path))
