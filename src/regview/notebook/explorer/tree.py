"""The index/manifest tree: index -> platforms (attestations apart) -> config and layers,
then referrers; flattened into the rows of the nodes that are open.

A manifest node's children are read when it is opened, behind a ``loading…`` row; a node
that fails shows its error as a child row. Labels are lists of ``[text, style]`` pairs,
the style one of a few fixed names (:data:`STYLES`) the front end maps to its own classes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from regview.notebook.explorer.rows import Windowed
from regview.notebook.explorer.text import failure_message, human_size, safe, short
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
    media_types,
    short_digest,
)

__all__ = ["STYLES", "Node", "NodeKind", "TreeRows", "expand", "load_root"]

mt = media_types

NodeKind = Literal["manifest", "config", "layer", "group", "placeholder", "error", "schema1-layer"]
#: The styles a label segment may carry (the front end knows these and no others).
STYLES = frozenset({"", "bold", "dim", "blue", "green", "cyan", "yellow", "magenta", "red"})

Segment = list[str]
_ids = itertools.count(1)


@dataclass(eq=False)
class Node:
    """One row of the tree and what it stands for."""

    kind: NodeKind
    repository: str
    descriptor: Descriptor | None = None
    #: The tag (or short digest) the root was opened by.
    tag: str | None = None
    #: A manifest node's content once read.
    fetched: FetchedManifest | None = None
    #: The manifest a config, layer or referrer belongs to.
    parent: FetchedManifest | None = None
    layer_index: int | None = None
    role: str = ""  # "root", "platform", "attestation", "referrer"
    text: str = ""  # a group's, placeholder's or error's own label
    error: str | None = None
    children: list[Node] | None = None
    expanded: bool = False
    up: Node | None = field(default=None, repr=False)
    id: int = field(default_factory=lambda: next(_ids))

    @property
    def digest(self) -> str | None:
        """The digest this node stands for."""
        if self.fetched is not None and self.kind == "manifest":
            return self.fetched.digest
        return self.descriptor.digest if self.descriptor else None

    @property
    def expandable(self) -> bool:
        """A manifest not read yet, or a node with children."""
        if self.kind == "manifest":
            return self.children is None or bool(self.children)
        return bool(self.children)

    def add(self, child: Node) -> Node:
        """Append ``child`` under this node."""
        if self.children is None:
            self.children = []
        child.up = self
        self.children.append(child)
        return child


def _seg(text: str, style: str = "") -> Segment:
    return [text, style]


def manifest_label(node: Node) -> list[Segment]:
    """What a manifest is, for which platform, how big (as the TUI labels it)."""
    d = node.descriptor
    out: list[Segment] = []
    if node.role == "root" and node.tag:
        out.append(_seg(safe(node.tag, 80), "bold"))
    elif node.role == "platform" and d is not None and d.platform is not None:
        out.append(_seg(safe(str(d.platform), 60), "bold"))
    elif node.role == "attestation" and d is not None:
        out.append(_seg("attestation", "yellow"))
        if d.attests:
            out.append(_seg("for " + short(d.attests), "yellow"))
    elif node.role == "referrer" and d is not None:
        loaded = node.fetched.manifest if node.fetched else None
        artifact_type = d.artifact_type or getattr(loaded, "artifact_type", None)
        if artifact_type:
            out.append(_seg(mt.referrer_kind(artifact_type), "magenta"))
            out.append(_seg(safe(mt.short_name(artifact_type), 60), "magenta"))
        else:
            out.append(_seg("referrer", "magenta"))
    fetched = node.fetched
    media_type = fetched.media_type if fetched else (d.media_type if d else "")
    m = fetched.manifest if fetched else None
    if isinstance(m, Artifact):
        out.append(_seg(safe(f"artifact {mt.short_name(m.artifact_type)}", 80)))
    else:
        out.append(_seg(safe(mt.short_name(media_type), 80), "blue"))
    if isinstance(m, ImageIndex):
        out.append(_seg(f"{len(m.images)} platforms", "green"))
    elif isinstance(m, ImageManifest):
        n = len(m.layers)
        out.append(_seg(f"{n} layer{'' if n == 1 else 's'} {human_size(m.layers_size)}", "green"))
    out.append(_seg(short(node.digest), "cyan"))
    return out


def blob_label(node: Node) -> list[Segment]:
    """``config`` / ``layer N``, media type, size, short digest."""
    d = node.descriptor
    assert d is not None
    name = "config" if node.kind == "config" else f"layer {(node.layer_index or 0) + 1}"
    if node.kind == "schema1-layer":
        n = (node.layer_index or 0) + 1
        return [_seg(f"fsLayer {n}", "bold"), _seg(short(d.digest), "cyan")]
    return [
        _seg(name, "bold"),
        _seg(safe(mt.short_name(d.media_type), 60), "blue"),
        _seg(human_size(d.size), "green"),
        _seg(short(d.digest), "cyan"),
    ]


def label(node: Node) -> list[Segment]:
    """The label of any node."""
    if node.kind == "manifest":
        return manifest_label(node)
    if node.kind in ("config", "layer", "schema1-layer"):
        return blob_label(node)
    if node.kind == "group":
        style = "yellow" if node.text.startswith("attestations") else "magenta"
        return [_seg(node.text, style)]
    if node.kind == "error":
        return [_seg(node.error or "error", "red")]
    return [_seg(node.text or "loading…", "dim")]


# --- building ------------------------------------------------------------------------------


def _manifest_child(parent: Node, descriptor: Descriptor, role: str) -> Node:
    return parent.add(Node("manifest", parent.repository, descriptor, role=role))


def fill_manifest(node: Node, fetched: FetchedManifest) -> None:
    """Put the children of a manifest that was read under ``node`` (referrers come later)."""
    repository = node.repository
    m = fetched.manifest
    node.fetched = fetched
    node.children = []
    if isinstance(m, ImageIndex):
        for d in m.images:
            _manifest_child(node, d, "platform")
        attestations = m.attestations
        if attestations:
            group = node.add(Node("group", repository, text=f"attestations ({len(attestations)})"))
            for d in attestations:
                _manifest_child(group, d, "attestation")
    elif isinstance(m, ImageManifest):
        node.add(Node("config", repository, m.config, parent=fetched))
        for i, layer in enumerate(m.layers):
            node.add(Node("layer", repository, layer, parent=fetched, layer_index=i))
    elif isinstance(m, Schema1Manifest):
        for i, blob in enumerate(m.fs_layers):
            d = Descriptor(mt.DOCKER_LAYER, blob, 0)
            node.add(Node("schema1-layer", repository, d, parent=fetched, layer_index=i))


async def add_referrers(source: Source, node: Node) -> None:
    """Add what refers to ``node``'s manifest (signatures, SBOMs, attestations)."""
    digest = node.digest
    if digest is None:
        return
    try:
        referrers = await source.referrers(node.repository, digest)
    except NotFound:
        return
    except RegistryError as exc:
        node.add(Node("error", node.repository, error="referrers: " + failure_message(exc)))
        return
    if referrers:
        group = node.add(Node("group", node.repository, text=f"referrers ({len(referrers)})"))
        group.expanded = True
        for d in referrers:
            _manifest_child(group, d, "referrer")


async def load_root(source: Source, repository: str, reference: str) -> Node:
    """The manifest ``reference`` names, with its children (not its referrers yet)."""
    fetched = await source.manifest(repository, reference)
    is_digest = reference.startswith(("sha256:", "sha512:"))
    root = Node(
        "manifest",
        repository,
        fetched.descriptor(),
        tag=short_digest(fetched.digest) if is_digest else reference,
        role="root",
    )
    fill_manifest(root, fetched)
    root.expanded = True
    return root


async def expand(source: Source, node: Node) -> None:
    """Read a manifest node's content and put its children (and referrers) under it; a
    failure becomes an error row under it, and is raised."""
    assert node.descriptor is not None
    try:
        fetched = await source.manifest(node.repository, node.descriptor.digest)
    except RegistryError as exc:
        node.error = failure_message(exc)
        node.children = [Node("error", node.repository, error=node.error, up=node)]
        raise
    fill_manifest(node, fetched)
    await add_referrers(source, node)


# --- rows ---------------------------------------------------------------------------------


class TreeRows(Windowed):
    """The tree's open nodes as rows: ``{"id", "depth", "open", "kind", "label"}``."""

    def __init__(self) -> None:
        super().__init__()
        self.root: Node | None = None
        self._flat: list[tuple[Node, int]] | None = None

    def set_root(self, root: Node | None) -> None:
        """Show ``root`` (None: nothing)."""
        self.root = root
        self.touch(top=True)

    def touch(self, *, top: bool = False) -> None:
        """Nodes were added, opened or closed."""
        self._flat = None
        self.changed(top=top)

    def _walk(self) -> Iterator[tuple[Node, int]]:
        if self.root is None:
            return
        stack: list[tuple[Node, int]] = [(self.root, 0)]
        while stack:
            node, depth = stack.pop()
            yield node, depth
            if node.expanded:
                if node.children is None:
                    continue
                stack.extend((c, depth + 1) for c in reversed(node.children))

    @property
    def flat(self) -> list[tuple[Node, int]]:
        """Every row: the node and its depth."""
        if self._flat is None:
            self._flat = list(self._walk())
        return self._flat

    @property
    def length(self) -> int:
        return len(self.flat)

    def node(self, row: int) -> Node | None:
        """The node at ``row``."""
        flat = self.flat
        return flat[row][0] if 0 <= row < len(flat) else None

    def row_of(self, node: Node) -> int | None:
        """The row showing ``node``."""
        for i, (n, _) in enumerate(self.flat):
            if n is node:
                return i
        return None

    def rows(self, start: int, stop: int) -> list[dict[str, Any]]:
        out = []
        for node, depth in self.flat[max(0, start) : stop]:
            row: dict[str, Any] = {
                "id": node.id,
                "depth": depth,
                "kind": node.kind,
                "label": label(node),
            }
            if node.expandable:
                row["open"] = node.expanded
            if node.role:
                row["role"] = node.role
            out.append(row)
        return out
