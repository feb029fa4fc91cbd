"""What the explorer's breadcrumb says after the source's name: the repository, the tag
(or a short digest), then the platform and the config or layer under the tree's cursor.

A pure function of what the panes show; the main screen hands the parts to
:class:`~regview.tui.widgets.status.Breadcrumb`.
"""

from __future__ import annotations

from textual.widgets.tree import TreeNode

from regview.tui.widgets.manifest_tree import NodeData

__all__ = ["breadcrumb_parts"]


def breadcrumb_parts(
    level: int,
    repository: str | None,
    reference: str | None,
    cursor: TreeNode[NodeData] | None,
) -> list[str]:
    """The path to pane ``level``: ``repository`` (the tags pane's), ``reference`` (the
    manifest's) from level 1, and from level 2 what the tree ``cursor`` is on."""
    parts: list[str] = []
    if repository is not None and level >= 0:
        parts.append(repository)
    if reference is not None and level >= 1:
        parts.append(reference if ":" not in reference else reference.partition(":")[2][:12])
    node = cursor
    if level >= 2 and node is not None and node.data is not None and node.parent is not None:
        data = node.data
        if data.kind == "manifest" and data.descriptor and data.descriptor.platform:
            parts.append(str(data.descriptor.platform))
        elif data.kind in ("config", "layer"):
            parent = node.parent.data if node.parent else None
            if parent and parent.descriptor and parent.descriptor.platform:
                parts.append(str(parent.descriptor.platform))
            parts.append(
                "config" if data.kind == "config" else f"layer {(data.layer_index or 0) + 1}"
            )
    return parts
