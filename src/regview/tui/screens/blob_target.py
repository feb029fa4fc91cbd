"""What ``b`` (and Enter on an artifact's layer) opens in the tree: a :class:`BlobTarget`.

No widget here: the main screen asks :func:`blob_target` of the highlighted node, and
:class:`~regview.tui.screens.artifact.ArtifactScreen` opens what it names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from regview.registry import Artifact, Descriptor
from regview.registry import media_types as mt
from regview.tui.widgets.manifest_tree import NodeData

__all__ = ["BlobTarget", "blob_target", "is_artifact_layer", "name_hint"]


def name_hint(media_type: str) -> str | None:
    """A file name the viewer picks its highlighting from: JSON and text blobs are
    named so; anything else (a tar, a binary signature) gets no lexer."""
    base = media_type.partition(";")[0].strip().lower()
    if base.endswith(("+json", "/json")) or base == mt.OCI_MANIFEST:
        return "blob.json"
    if base.startswith("text/"):
        return "blob.txt"
    return None


@dataclass(frozen=True)
class BlobTarget:
    """What ``b`` opens: a blob (``descriptor``), or the first blob of a manifest not
    loaded yet (``manifest``: a referrer's digest)."""

    repository: str
    descriptor: Descriptor | None = None
    manifest: str | None = None
    artifact_type: str | None = None
    #: The kind of thing it is, for the header: "SBOM", "layer 2", "referrer"...
    label: str = "blob"
    extra: dict[str, str] = field(default_factory=dict)


def blob_target(node: NodeData) -> BlobTarget | None:
    """What ``b`` opens on ``node``: a layer or config blob, or a referrer's (or an
    attestation manifest's) first layer."""
    d = node.descriptor
    if d is None:
        return None
    if node.kind in ("layer", "config"):
        m = node.parent.manifest if node.parent is not None else None
        artifact_type = m.artifact_type if isinstance(m, Artifact) else None
        what = "config" if node.kind == "config" else f"layer {(node.layer_index or 0) + 1}"
        return BlobTarget(node.repository, d, artifact_type=artifact_type, label=what)
    if node.kind == "manifest" and node.role in ("referrer", "attestation"):
        digest = node.digest or d.digest
        kind = mt.referrer_kind(d.artifact_type) if node.role == "referrer" else node.role
        return BlobTarget(
            node.repository,
            manifest=digest,
            artifact_type=d.artifact_type,
            label=f"{kind} {digest.partition(':')[2][:12]}",
        )
    return None


def is_artifact_layer(node: NodeData) -> bool:
    """A layer of an artifact (an SBOM, a signature...), where Enter opens the blob."""
    return (
        node.kind == "layer"
        and node.parent is not None
        and isinstance(node.parent.manifest, Artifact)
    )
