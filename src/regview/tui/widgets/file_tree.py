"""The files of a layer, or of an image's merged filesystem: a lazy tree and flat lists.

:class:`FileTreeView` is a Textual :class:`~textual.widgets.Tree` that holds only the
children of expanded directories (at most :data:`MAX_CHILDREN` of one directory; the
rest are one "… more" line: filter to reach them). Each row is the name (with the tree's
guides) and right-aligned columns: mode, owner, size (a directory shows the total below
it) and, in the merged view, the layer that last wrote the path and how.

:class:`PathList` is a :class:`~regview.tui.widgets.virtual_list.VirtualList` of full
paths with the same columns, for filter matches and the largest files.

Every name goes through :func:`~regview.registry.layers.entry.display_path` (bytes
that are not UTF-8 become ``\\xNN``) and then :func:`~regview.tui.text.literal`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from regview.registry.layers import EntryType, FileTree, SortKey, display_path
from regview.registry.layers import TreeNode as FsNode
from regview.tui.bindings import FILES_TREE_BINDINGS
from regview.tui.text import human_size, literal
from regview.tui.typeahead import TypeAhead
from regview.tui.widgets.tree_keys import close_node, open_node
from regview.tui.widgets.virtual_list import VirtualList

__all__ = [
    "MAX_CHILDREN",
    "Column",
    "ColumnHeader",
    "FileChosen",
    "FileTreeView",
    "FsNode",
    "PathList",
    "Resized",
    "columns_for",
    "name_text",
    "row_columns",
    "shown_paths",
    "viewable",
]

#: Children of one directory put in the tree at most (the rest: filter to reach them).
MAX_CHILDREN = 1000

ColumnKey = Literal["mode", "owner", "size", "layer", "status"]

STATUS_STYLES = {
    "added": "green",
    "changed": "yellow",
    "opaque": "magenta",
    "deleted": "red",
}


@dataclass(frozen=True, slots=True)
class Column:
    key: ColumnKey
    title: str
    width: int
    right: bool = False


_MODE = Column("mode", "mode", 10)
_OWNER = Column("owner", "uid:gid", 9)
_SIZE = Column("size", "size", 9, right=True)
_LAYER = Column("layer", "layer", 5, right=True)
_STATUS = Column("status", "status", 7)


def columns_for(width: int, *, merged: bool) -> list[Column]:
    """The columns that fit next to the names at ``width`` cells."""
    if merged:
        if width >= 100:
            return [_MODE, _OWNER, _SIZE, _LAYER, _STATUS]
        return [_SIZE, _LAYER, _STATUS]
    if width >= 90:
        return [_MODE, _OWNER, _SIZE]
    return [_MODE, _SIZE]


def columns_width(columns: Sequence[Column]) -> int:
    return sum(c.width + 1 for c in columns)


def _cell(node: FsNode, key: ColumnKey) -> Text:
    entry = node.entry
    if key == "size":
        if node.is_dir:
            return Text(human_size(node.total_size), style="bold" if node.total_size else "dim")
        if entry is not None and entry.type in (EntryType.CHAR, EntryType.BLOCK):
            return Text(f"{entry.devmajor},{entry.devminor}", style="dim")
        if entry is not None and entry.type is not EntryType.FILE:
            return Text("-", style="dim")
        return Text(human_size(node.size))
    if key == "mode":
        return Text(entry.mode_string, style="dim") if entry is not None else Text("")
    if key == "owner":
        return Text(f"{entry.uid}:{entry.gid}", style="dim") if entry is not None else Text("")
    if key == "layer":
        return Text(str(node.layer + 1), style="cyan") if node.layer is not None else Text("")
    status = node.status or ""
    return Text(status, style=STATUS_STYLES.get(status, ""))


def row_columns(node: FsNode, columns: Sequence[Column]) -> Text:
    """The columns of ``node``, each in its width, a space before each."""
    out = Text(end="")
    for column in columns:
        cell = _cell(node, column.key)
        cell.truncate(column.width, overflow="ellipsis")
        pad = " " * (column.width - cell.cell_len)
        out.append(" ")
        if column.right:
            out.append(pad)
            out.append_text(cell)
        else:
            out.append_text(cell)
            out.append(pad)
    return out


def header_text(columns: Sequence[Column], width: int, first: str = "name") -> Text:
    """The column titles over a list ``width`` cells wide."""
    cols = Text(end="")
    for column in columns:
        cols.append(" ")
        title = column.title[: column.width]
        cols.append(title.rjust(column.width) if column.right else title.ljust(column.width))
    name_width = max(width - cols.cell_len, 1)
    out = Text(first[:name_width].ljust(name_width), end="")
    out.append_text(cols)
    out.stylize("bold")
    return out


def name_text(node: FsNode, *, full: bool = False) -> Text:
    """The name (or the whole path) of ``node`` as literal text, links and whiteouts told."""
    shown = "/" + display_path(node.path) if full else display_path(node.name)
    entry = node.entry
    if node.is_whiteout and entry is not None:
        text = literal(shown, limit=300, style="red")
        if entry.is_opaque_marker:
            text.append("  (opaque: hides what lower layers put here)", style="dim red")
        elif entry.whiteout_target is not None:
            text.append("  (deletes ", style="dim red")
            text.append_text(literal(display_path(entry.whiteout_target.rpartition("/")[2]),
                                     limit=100, style="dim red"))
            text.append(")", style="dim red")
        return text
    text = literal(shown, limit=300, style="bold blue" if node.is_dir else "")
    if node.is_dir:
        text.append("/", style="blue")
    elif entry is not None and entry.type is EntryType.SYMLINK:
        text.append(" → ", style="dim")
        text.append_text(literal(display_path(entry.link or ""), limit=200, style="cyan"))
    elif entry is not None and entry.type is EntryType.HARDLINK:
        text.append(" ⇒ ", style="dim")
        text.append_text(literal(display_path(entry.link or ""), limit=200, style="cyan"))
    if node.status == "deleted":
        text.stylize("strike dim")
    return text


def fit_row(name: Text, columns: Text, width: int) -> Text:
    """``name`` cut or padded so that ``columns`` end at ``width``."""
    room = max(width - columns.cell_len, 1)
    name = name.copy()
    name.no_wrap = True
    name.truncate(room, overflow="ellipsis", pad=True)
    name.append_text(columns)
    return name


def viewable(node: FsNode) -> bool:
    """True for what the viewer can open: a file, or a link that may lead to one (not a
    directory, a whiteout or a deleted path)."""
    entry = node.entry
    if node.is_dir or entry is None or node.is_whiteout or node.status == "deleted":
        return False
    return entry.type in (EntryType.FILE, EntryType.HARDLINK, EntryType.SYMLINK)


class FileChosen(Message):
    """Enter on a file: open it in the viewer."""

    def __init__(self, node: FsNode) -> None:
        super().__init__()
        self.node = node


class Resized(Message):
    """A list's width changed: the column header over it follows."""


class ColumnHeader(Widget):
    """The column titles, right edges aligned with the list under them."""

    DEFAULT_CSS = "ColumnHeader { height: 1; }"

    def __init__(self, *, merged: bool, id: str | None = None) -> None:
        super().__init__(id=id)
        self.merged = merged
        self.first = "name"
        #: The list the columns belong to (its width, without its scrollbar, is ours).
        self.target: Widget | None = None

    def show(self, first: str, target: Widget | None = None) -> None:
        self.first = first
        if target is not None:
            self.target = target
        self.refresh()

    def render(self) -> Text:
        width = self.size.width
        if self.target is not None and self.target.scrollable_size.width:
            width = min(width, self.target.scrollable_size.width)
        columns = columns_for(self.app.size.width, merged=self.merged)
        return header_text(columns, width, self.first)


class FileTreeView(Tree[FsNode]):
    """A directory tree whose children are added when a directory is opened."""

    BINDINGS: ClassVar[list[BindingType]] = list(FILES_TREE_BINDINGS)

    def __init__(self, *, merged: bool, id: str | None = None) -> None:
        super().__init__(Text(""), id=id)
        self.merged = merged
        self.show_root = False
        self.guide_depth = 3
        self.sort: SortKey = "name"
        self.file_tree: FileTree | None = None
        self._by_path: dict[str, TreeNode[FsNode]] = {}
        self._typeahead = TypeAhead()

    # --- content ----------------------------------------------------------------------

    def load(self, file_tree: FileTree, *, sort: SortKey | None = None) -> None:
        """Show ``file_tree``: its top level, nothing expanded."""
        if sort is not None:
            self.sort = sort
        self.file_tree = file_tree
        self._by_path = {}
        self.clear()
        self._fill(self.root, "")
        first = self.root.children[0] if self.root.children else None
        self._rebuild()
        self.move_cursor(first)

    def _fill(self, parent: TreeNode[FsNode], path: str) -> None:
        assert self.file_tree is not None
        children = self.file_tree.children(path, sort=self.sort)
        for node in children[:MAX_CHILDREN]:
            self._add(parent, node)
        more = len(children) - MAX_CHILDREN
        if more > 0:
            parent.add_leaf(
                Text(f"… {more:,} more entries here: press / to find them", style="dim italic")
            )

    def _add(
        self, parent: TreeNode[FsNode], node: FsNode, before: TreeNode[FsNode] | None = None
    ) -> TreeNode[FsNode]:
        child = parent.add(literal(display_path(node.name), limit=200), node,
                           allow_expand=node.has_children, before=before)
        self._by_path[node.path] = child
        return child

    def node_for(self, path: str) -> TreeNode[FsNode] | None:
        return self._by_path.get(path)

    def _rebuild(self) -> None:
        """Recompute line numbers now (so the cursor can go to a node just added)."""
        _ = self._tree_lines

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[FsNode]) -> None:
        node = event.node
        if node.data is not None and not node.children and node.data.has_children:
            self._fill(node, node.data.path)

    def reveal(self, path: str) -> TreeNode[FsNode] | None:
        """Open every directory above ``path`` and put the cursor on it."""
        if self.file_tree is None or self.file_tree.node(path) is None:
            return None
        parts = path.split("/")
        current: TreeNode[FsNode] = self.root
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            if current is not self.root:
                if not current.children:
                    assert current.data is not None
                    self._fill(current, current.data.path)
                current.expand()
            found = self._by_path.get(prefix)
            if found is None:
                # Beyond the first MAX_CHILDREN of its directory: add it before "… more".
                fs_node = self.file_tree.node(prefix)
                if fs_node is None:
                    return None
                more = current.children[-1] if current.children else None
                found = self._add(current, fs_node, before=more)
            current = found
        self._rebuild()
        self.move_cursor(current)
        return current

    def resort(self, sort: SortKey) -> None:
        """Sort every open directory by ``sort``, keeping what is open and the cursor."""
        if self.file_tree is None:
            self.sort = sort
            return
        expanded = sorted(
            (p for p, n in self._by_path.items() if n.is_expanded), key=lambda p: p.count("/")
        )
        cursor = self.cursor_node.data.path if self.cursor_node and self.cursor_node.data else None
        self.sort = sort
        self._by_path = {}
        self.clear()
        self._fill(self.root, "")
        for path in expanded:
            node = self._by_path.get(path)
            if node is not None:
                self._fill(node, path)
                node.expand()
        self._rebuild()
        target = self._by_path.get(cursor) if cursor is not None else None
        if target is None and self.root.children:
            target = self.root.children[0]
        self.move_cursor(target)

    # --- keys -------------------------------------------------------------------------

    def action_open(self) -> None:
        """Open (or close) a directory; on a file, open it in the viewer."""
        node = self.cursor_node
        if node is not None and node.data is not None and viewable(node.data):
            self.post_message(FileChosen(node.data))
            return
        open_node(self)

    def action_close(self) -> None:
        close_node(self)

    def on_key(self, event: events.Key) -> None:
        self._typeahead.feed(self, event)

    def on_blur(self) -> None:
        self._typeahead.reset()

    def take_typeahead(self) -> str:
        """What was typed after the filter key before the filter input had focus."""
        return self._typeahead.take()

    # --- rendering --------------------------------------------------------------------

    @property
    def columns(self) -> list[Column]:
        return columns_for(self.app.size.width, merged=self.merged)

    def process_label(self, label: str | Text) -> Text:
        return label if isinstance(label, Text) else literal(label)

    def _depth(self, node: TreeNode[FsNode]) -> int:
        depth = 0
        parent = node.parent
        while parent is not None and parent is not self.root:
            depth += 1
            parent = parent.parent
        return depth

    def get_label_width(self, node: TreeNode[FsNode]) -> int:
        # Rows fill the width exactly: never a horizontal scroll.
        width = self.scrollable_size.width or self.size.width
        return max(width - self._depth(node) * self.guide_depth, 1)

    def render_label(self, node: TreeNode[FsNode], base_style: Style, style: Style) -> Text:
        fs_node = node.data
        width = self.get_label_width(node)
        if fs_node is None:
            text = self.process_label(node.label).copy()
            text.truncate(width, overflow="ellipsis", pad=True)
            text.stylize(style)
            return text
        if node.allow_expand:
            icon = self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE
        else:
            icon = "  "
        name = Text(icon, style="dim", end="")
        name.append_text(name_text(fs_node))
        row = fit_row(name, row_columns(fs_node, self.columns), width)
        if fs_node.status == "deleted":
            row.stylize("dim")
        row.stylize(style)
        return row

    def on_resize(self, event: events.Resize) -> None:
        self._invalidate()
        self.post_message(Resized())

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        # Rows lose (or regain) a cell to the scrollbar: the column header follows.
        self._invalidate()
        self.call_after_refresh(self.post_message, Resized())


def shown_paths(nodes: Sequence[FsNode]) -> list[str]:
    """``/usr/bin/app`` for each node: what the flat list shows and filters on."""
    return ["/" + display_path(n.path) for n in nodes]


class PathList(VirtualList):
    """Whole paths with their columns: filter matches, or the largest files."""

    #: Paths match by substring only (fuzzy matches over file paths are mostly noise).
    fuzzy = False

    def __init__(self, *, merged: bool, empty_text: str = "", id: str | None = None) -> None:
        super().__init__(empty_text=empty_text, id=id)
        self.merged = merged
        self.nodes: list[FsNode] = []

    def set_nodes(self, nodes: Sequence[FsNode], paths: Sequence[str] | None = None) -> None:
        """Show ``nodes``; ``paths`` are their shown paths if already computed."""
        self.nodes = list(nodes)
        self.set_items(paths if paths is not None else shown_paths(self.nodes))

    @property
    def highlighted_node(self) -> FsNode | None:
        index = self.highlighted
        return None if index is None else self.nodes[index]

    def render_row(self, index: int, width: int) -> Text:
        node = self.nodes[index]
        columns = columns_for(self.app.size.width, merged=self.merged)
        return fit_row(name_text(node, full=True), row_columns(node, columns), width)

    def on_resize(self, event: events.Resize) -> None:
        super().on_resize(event)
        self.post_message(Resized())
