"""What the explorer's keys act on, from where its cursors are: the image ``m`` and ``=``
compare, the tag ``Y`` copies, the reference ``D`` deletes.

:class:`Selection` is a snapshot the main screen takes of its panes (attributes down);
the functions here are pure, so the rules stand in one place and need no app.
"""

from __future__ import annotations

from dataclasses import dataclass

from regview.tui.screens.diff import DiffSide
from regview.tui.widgets.manifest_tree import NodeData

__all__ = ["Selection", "image_to_compare", "reference_to_delete", "tag_to_copy"]


@dataclass(frozen=True)
class Selection:
    """Where the explorer's cursors are."""

    #: The pane with focus: 0 Repositories, 1 Tags, 2 Manifest, 3 Details.
    level: int
    #: The repository whose tags the Tags pane lists, and the tag highlighted there.
    repository: str | None
    tag: str | None
    #: The repository and the tag or digest the Manifest pane shows.
    manifest_repository: str | None
    manifest_reference: str | None
    #: The tree node under the cursor, when the Manifest pane (or Details) has focus.
    node: NodeData | None

    @property
    def listed_tag(self) -> tuple[str, str] | None:
        """The Tags pane's repository and highlighted tag, when it has both."""
        if self.repository and self.tag:
            return self.repository, self.tag
        return None


def image_to_compare(s: Selection) -> DiffSide | None:
    """The image ``m`` and ``=`` act on: the manifest node under the cursor (for a
    config or layer, the image it belongs to), else the highlighted tag."""
    if s.level >= 2:
        node = s.node
        if node is not None:
            if node.kind == "manifest" and node.digest:
                return DiffSide(node.repository, node.digest)
            if node.kind in ("config", "layer") and node.parent is not None:
                return DiffSide(node.repository, node.parent.digest)
        if s.manifest_repository and s.manifest_reference:
            return DiffSide(s.manifest_repository, s.manifest_reference)
        return None
    if s.level == 1 and s.repository is not None and s.tag:
        return DiffSide(s.repository, s.tag)
    return None


def tag_to_copy(s: Selection) -> tuple[str, str] | None:
    """The repository and tag ``Y`` copies as ``source/repo:tag``: the manifest's (from
    the tree), else the highlighted one; None for a digest or nothing chosen."""
    repo = s.repository
    tag: str | None = None
    if s.level >= 2 and s.manifest_reference and s.manifest_repository:
        repo = s.manifest_repository
        tag = s.manifest_reference
    elif s.level >= 1:
        tag = s.tag
    if repo is None or tag is None or tag.startswith(("sha256:", "sha512:")):
        return None
    return repo, tag


def reference_to_delete(s: Selection) -> tuple[str, str] | None:
    """The repository and tag or digest ``D`` would delete: the highlighted tag, or the
    manifest the tree shows; None: nothing."""
    if s.level == 1 and s.listed_tag is not None:
        return s.listed_tag
    if s.level >= 2 and s.manifest_repository and s.manifest_reference:
        return s.manifest_repository, s.manifest_reference
    return None
