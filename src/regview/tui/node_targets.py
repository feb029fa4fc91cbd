"""What a node of the manifest tree leads to: the files ``f`` opens, the text ``y`` copies.

Pure functions of the node (and what the explorer shows around it), so the rules are
in one place and testable without an app.
"""

from __future__ import annotations

from dataclasses import dataclass

from regview.registry import Artifact, Descriptor, ImageManifest
from regview.registry import media_types as mt
from regview.tui.widgets.manifest_tree import NodeData

__all__ = ["Copy", "LayerTarget", "copy_of_node", "files_target"]


@dataclass(frozen=True)
class LayerTarget:
    """What to open: one layer (``layer`` set) or the image ``reference`` names."""

    repository: str
    reference: str
    #: Shown in the header: the tag or digest, the platform.
    context: tuple[str, ...] = ()
    layer: Descriptor | None = None
    layer_index: int | None = None
    layer_count: int | None = None


@dataclass(frozen=True, slots=True)
class Copy:
    """Text to copy, and what to call it in the notification."""

    text: str
    what: str


def _is_digest(reference: str) -> bool:
    return reference.startswith(("sha256:", "sha512:"))


def _context(reference: str | None, image: NodeData | None) -> tuple[str, ...]:
    parts: list[str] = []
    if reference:
        parts.append(reference.partition(":")[2][:12] if _is_digest(reference) else reference)
    if image is not None and image.descriptor is not None and image.descriptor.platform:
        parts.append(str(image.descriptor.platform))
    return tuple(parts)


def _image_layer(node: NodeData) -> tuple[Descriptor, ImageManifest] | None:
    """The layer and its image, for a node that is a layer of an image (not an artifact
    blob, not a foreign or schema1 layer)."""
    d = node.descriptor
    if node.kind != "layer" or d is None or node.parent is None or not mt.is_layer(d.media_type):
        return None
    manifest = node.parent.manifest
    if not isinstance(manifest, ImageManifest) or isinstance(manifest, Artifact):
        return None
    return d, manifest


def files_target(
    node: NodeData, tree_parent: NodeData | None, reference: str | None
) -> LayerTarget | None:
    """What ``f`` opens on ``node``: a layer's files, or an image's merged filesystem.

    ``tree_parent`` is the node above it in the tree (a layer's image, whose platform
    goes in the header), ``reference`` the tag or digest the manifest pane opened.
    """
    layer = _image_layer(node)
    if layer is not None:
        d, manifest = layer
        assert node.parent is not None
        return LayerTarget(
            node.repository,
            node.parent.digest,
            _context(reference, tree_parent),
            layer=d,
            layer_index=node.layer_index,
            layer_count=len(manifest.layers),
        )
    if node.kind != "manifest" or node.role in ("attestation", "referrer"):
        return None
    if node.fetched is not None:
        m = node.fetched.manifest
        if not isinstance(m, ImageManifest) or isinstance(m, Artifact) or not m.layers:
            return None
    elif node.descriptor is None or not mt.is_image_manifest(node.descriptor.media_type):
        return None
    digest = node.digest
    if digest is None:
        return None
    return LayerTarget(node.repository, digest, _context(reference, node))


def copy_of_node(node: NodeData, host: str) -> Copy | None:
    """What ``y`` copies on ``node`` of a registry named ``host``.

    * a manifest: its pinned reference, ``HOST/REPO@sha256:…`` (pullable);
    * a layer of an image: ``HOST/REPO@sha256:<image> --layer sha256:<layer>``, the
      image pinned and the layer's digest as ``regview files`` takes them (a layer on
      its own is a blob, which nothing pulls);
    * a config or another blob: ``HOST/REPO@sha256:<blob>``, the form blob tools take
      (``oras blob fetch``, ``crane blob``).
    """
    digest = node.digest
    if digest is None:
        return None
    name = f"{host}/{node.repository}"
    if node.kind == "manifest":
        return Copy(f"{name}@{digest}", "pinned reference")
    if _image_layer(node) is not None and node.parent is not None:
        return Copy(f"{name}@{node.parent.digest} --layer {digest}", "layer (for regview files)")
    return Copy(f"{name}@{digest}", "config blob" if node.kind == "config" else "blob")
