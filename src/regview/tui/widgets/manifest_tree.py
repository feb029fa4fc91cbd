"""The Manifest pane: index -> platform manifests -> config and layers -> referrers.

Trees are small, so Textual's :class:`~textual.widgets.Tree` is fine here. Manifest
nodes load their children on expand, behind a "loading…" placeholder; a node that
fails shows its error inline as a child.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Tree
from textual.widgets.tree import TreeNode
from textual.worker import get_current_worker

from regview.registry import (
    Artifact,
    Descriptor,
    FetchedManifest,
    ImageIndex,
    ImageManifest,
    NotFound,
    RegistryError,
    Schema1Manifest,
    Source,
    short_digest,
)
from regview.registry import media_types as mt
from regview.tui.bindings import MANIFEST_TREE_BINDINGS
from regview.tui.messages import SourceAnswered
from regview.tui.text import error_text, human_size, literal
from regview.tui.widgets.pane import Pane

__all__ = ["ManifestPane", "ManifestTree", "NodeData", "NodeKind"]

NodeKind = Literal[
    "manifest", "config", "layer", "blob", "group", "placeholder", "error", "schema1-layer"
]


@dataclass
class NodeData:
    """What a tree node stands for."""

    kind: NodeKind
    repository: str
    descriptor: Descriptor | None = None
    #: The tag the root was opened by (root only).
    tag: str | None = None
    #: A manifest node's content once loaded; for config/layers, the manifest they are in.
    fetched: FetchedManifest | None = None
    #: The manifest a config/layer/referrer belongs to.
    parent: FetchedManifest | None = None
    layer_index: int | None = None
    role: str = ""  # "platform", "attestation", "referrer", "root"
    error: str | None = None
    loading: bool = False
    children_loaded: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str | None:
        if self.fetched is not None and self.kind == "manifest":
            return self.fetched.digest
        return self.descriptor.digest if self.descriptor else None


def _short(digest: str | None) -> str:
    return digest.partition(":")[2][:12] if digest else ""


def manifest_label(data: NodeData) -> Text:
    """The label of a manifest node: what it is, for which platform, how big."""
    d = data.descriptor
    text = Text(end="")
    if data.role == "root" and data.tag:
        text.append_text(literal(data.tag, limit=60, style="bold"))
        text.append("  ")
    elif d is not None and d.platform is not None and data.role == "platform":
        text.append_text(literal(str(d.platform), limit=40, style="bold"))
        text.append("  ")
    elif data.role == "attestation" and d is not None:
        text.append("attestation ", style="bold yellow")
        attests = d.attests
        if attests:
            text.append("for " + _short(attests) + "  ", style="yellow")
    elif data.role == "referrer" and d is not None:
        loaded = data.fetched.manifest if data.fetched else None
        artifact_type = d.artifact_type or getattr(loaded, "artifact_type", None)
        if artifact_type:
            text.append(mt.referrer_kind(artifact_type) + " ", style="bold magenta")
            text.append_text(literal(mt.short_name(artifact_type), limit=50, style="magenta"))
        else:
            text.append("referrer", style="bold magenta")
        text.append("  ")
    fetched = data.fetched
    media_type = fetched.media_type if fetched else (d.media_type if d else "")
    m = fetched.manifest if fetched else None
    if isinstance(m, Artifact):
        text.append_text(literal(f"artifact {mt.short_name(m.artifact_type)}", limit=60))
    else:
        text.append_text(literal(mt.short_name(media_type), limit=60, style="blue"))
    if isinstance(m, ImageIndex):
        text.append(f"  {len(m.images)} platforms", style="green")
    elif isinstance(m, ImageManifest):
        n = len(m.layers)
        size = human_size(m.layers_size)
        text.append(f"  {n} layer{'' if n == 1 else 's'}  {size}", style="green")
    text.append("  " + _short(data.digest), style="cyan")
    return text


def blob_label(data: NodeData) -> Text:
    d = data.descriptor
    assert d is not None
    text = Text(end="")
    if data.kind == "config":
        text.append("config", style="bold")
    else:
        text.append(f"layer {(data.layer_index or 0) + 1}", style="bold")
    text.append("  ")
    text.append_text(literal(mt.short_name(d.media_type), limit=50, style="blue"))
    text.append(f"  {human_size(d.size)}", style="green")
    text.append("  " + _short(d.digest), style="cyan")
    return text


class ManifestTree(Tree[NodeData]):
    """A tree of manifests whose children load on demand."""

    BINDINGS: ClassVar[list[BindingType]] = list(MANIFEST_TREE_BINDINGS)

    class OpenLeaf(Message):
        """Enter on a node with nothing to expand: go to the Details pane."""

    class Back(Message):
        """Left on a top-level node: go back to the Tags pane."""

    def process_label(self, label: str | Text) -> Text:
        # Labels are always built as Text by us; a str would be markup, so make it literal.
        return label if isinstance(label, Text) else literal(label)

    def action_open(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and not node.is_expanded:
            node.expand()
        else:
            self.post_message(self.OpenLeaf())

    def action_close(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded and node is not self.root:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)
        elif node is not self.root and node.parent is self.root:
            self.move_cursor(self.root)
        else:
            self.post_message(self.Back())


class ManifestPane(Pane):
    """The manifest a tag (or digest) names, as a tree."""

    title = "Manifest"

    def __init__(self, source: Source, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = source
        self.repository: str | None = None
        self.reference: str | None = None
        self.loaded = False

    def compose(self) -> ComposeResult:
        tree: ManifestTree = ManifestTree(Text("select a tag", style="italic dim"), id="tree")
        tree.root.allow_expand = False
        tree.show_root = True
        tree.guide_depth = 2
        yield tree

    @property
    def tree_widget(self) -> ManifestTree:
        return self.query_one(ManifestTree)

    @property
    def focus_target(self) -> Widget:
        return self.tree_widget

    def clear(self, message: str = "select a tag") -> None:
        self.workers.cancel_node(self)
        self.repository = None
        self.reference = None
        self.loaded = False
        tree = self.tree_widget
        tree.reset(Text(message, style="italic dim"))
        tree.root.allow_expand = False
        self.set_title()

    def load(self, repository: str, reference: str, *, force: bool = False) -> None:
        """Show the manifest ``reference`` (a tag or a digest) of ``repository``."""
        if (repository, reference) == (self.repository, self.reference) and not force:
            return
        self.workers.cancel_group(self, "manifest-children")
        self.repository = repository
        self.reference = reference
        self.loaded = False
        tree = self.tree_widget
        tree.reset(Text("loading…", style="italic dim"))
        tree.root.allow_expand = False
        self.set_title(f"{repository}:{reference}" if ":" not in reference else repository)
        self._load(repository, reference)

    def revalidate(self) -> None:
        if self.repository is not None and self.reference is not None:
            self.source.invalidate(self.repository)
            self.load(self.repository, self.reference, force=True)

    @work(group="manifest", exclusive=True, exit_on_error=False)
    async def _load(self, repository: str, reference: str) -> None:
        worker = get_current_worker()
        await asyncio.sleep(0.05)
        if worker.is_cancelled:
            return
        tree = self.tree_widget
        try:
            fetched = await self.source.manifest(repository, reference)
        except RegistryError as exc:
            tree.reset(error_text(str(exc)))
            tree.root.allow_expand = False
            raise
        if worker.is_cancelled:
            return
        self.post_message(SourceAnswered(self.source, repository, reference))
        tag = None if reference.startswith(("sha256:", "sha512:")) else reference
        data = NodeData(
            "manifest",
            repository,
            descriptor=fetched.descriptor(),
            tag=tag or short_digest(fetched.digest),
            fetched=fetched,
            role="root",
        )
        tree.reset(manifest_label(data), data)
        tree.root.allow_expand = True
        self.loaded = True
        await self._fill_manifest(tree.root, data, fetched)
        tree.root.expand()
        tree.move_cursor(tree.root)
        tree.post_message(Tree.NodeHighlighted(tree.root))

    # --- children ---------------------------------------------------------------------

    def _add_manifest_child(self, parent: TreeNode[NodeData], data: NodeData) -> None:
        node = parent.add(manifest_label(data), data, allow_expand=True)
        placeholder = NodeData("placeholder", data.repository)
        node.add_leaf(Text("loading…", style="italic dim"), placeholder)

    async def _fill_manifest(
        self, node: TreeNode[NodeData], data: NodeData, fetched: FetchedManifest
    ) -> None:
        """Add the children of a loaded manifest node, then its referrers."""
        repository = data.repository
        m = fetched.manifest
        node.remove_children()
        if isinstance(m, ImageIndex):
            for d in m.images:
                self._add_manifest_child(node, NodeData("manifest", repository, d, role="platform"))
            attestations = m.attestations
            if attestations:
                group = node.add(
                    Text(f"attestations ({len(attestations)})", style="bold yellow"),
                    NodeData("group", repository, extra={"group": "attestations"}),
                )
                for d in attestations:
                    self._add_manifest_child(
                        group, NodeData("manifest", repository, d, role="attestation")
                    )
        elif isinstance(m, ImageManifest):
            config = NodeData("config", repository, m.config, parent=fetched)
            node.add_leaf(blob_label(config), config)
            for i, layer in enumerate(m.layers):
                ld = NodeData("layer", repository, layer, parent=fetched, layer_index=i)
                node.add_leaf(blob_label(ld), ld)
        elif isinstance(m, Schema1Manifest):
            for i, blob in enumerate(m.fs_layers):
                d = Descriptor(mt.DOCKER_LAYER, blob, 0)
                label = Text(f"fsLayer {i + 1}  ", style="bold")
                label.append(_short(blob), style="cyan")
                node.add_leaf(
                    label, NodeData("schema1-layer", repository, d, parent=fetched, layer_index=i)
                )
        data.children_loaded = True
        await self._add_referrers(node, repository, fetched.digest)

    async def _add_referrers(self, node: TreeNode[NodeData], repository: str, digest: str) -> None:
        try:
            referrers = await self.source.referrers(repository, digest)
        except NotFound:
            return
        except RegistryError as exc:
            node.add_leaf(
                Text("referrers: ") + error_text(str(exc)),
                NodeData("error", repository, error=str(exc)),
            )
            return
        if not referrers:
            return
        group = node.add(
            Text(f"referrers ({len(referrers)})", style="bold magenta"),
            NodeData("group", repository, extra={"group": "referrers"}),
            expand=True,
        )
        for d in referrers:
            self._add_manifest_child(group, NodeData("manifest", repository, d, role="referrer"))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeData]) -> None:
        node = event.node
        data = node.data
        if data is None or data.kind != "manifest" or data.children_loaded or data.loading:
            return
        data.loading = True
        self._expand(node, data)

    @work(group="manifest-children", exit_on_error=False)
    async def _expand(self, node: TreeNode[NodeData], data: NodeData) -> None:
        worker = get_current_worker()
        assert data.descriptor is not None
        try:
            fetched = await self.source.manifest(data.repository, data.descriptor.digest)
            if worker.is_cancelled:
                return
            data.fetched = fetched
            node.set_label(manifest_label(data))
            await self._fill_manifest(node, data, fetched)
        except asyncio.CancelledError:
            data.loading = False
            raise
        except RegistryError as exc:
            data.error = str(exc)
            node.remove_children()
            node.add_leaf(error_text(str(exc)), NodeData("error", data.repository, error=str(exc)))
            raise
        finally:
            data.loading = False
        if self.tree_widget.cursor_node is node:
            self.tree_widget.post_message(Tree.NodeHighlighted(node))
