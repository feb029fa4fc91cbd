"""From a reference to the layer descriptors of one image (one platform of an index)."""

from __future__ import annotations

from regview.registry import media_types as mt
from regview.registry.errors import NotFound
from regview.registry.inspect import resolve_image
from regview.registry.models import Artifact, Descriptor, ImageManifest, Platform
from regview.registry.source import FetchedManifest, Source

__all__ = ["image_layers", "select_layer"]


async def image_layers(
    source: Source,
    repository: str,
    reference: str,
    platform: Platform | None = None,
    *,
    max_depth: int = 8,
) -> tuple[FetchedManifest, tuple[Descriptor, ...]]:
    """The image manifest for ``platform`` and its filesystem layers, bottom first."""
    fetched = await resolve_image(source, repository, reference, platform, max_depth=max_depth)
    manifest = fetched.manifest
    if not isinstance(manifest, ImageManifest):
        raise NotFound(f"{reference} is not an image with layers ({fetched.media_type})")
    layers = manifest.layers
    if isinstance(manifest, Artifact) or not all(mt.is_layer(d.media_type) for d in layers):
        odd = next((d.media_type for d in layers if not mt.is_layer(d.media_type)), None)
        raise NotFound(
            f"{reference} is an artifact, not a container image"
            + (f" (its blobs are {odd})" if odd else "")
        )
    return fetched, layers


def select_layer(layers: tuple[Descriptor, ...], which: str) -> tuple[int, Descriptor]:
    """``which`` is an index (0 = bottom, -1 = top) or a digest / unique digest prefix."""
    text = which.strip()
    if text.lstrip("-").isdigit():
        index = int(text)
        if not -len(layers) <= index < len(layers):
            raise NotFound(f"layer {index} does not exist (the image has {len(layers)})")
        index %= len(layers)
        return index, layers[index]
    wanted = text if ":" in text else f"sha256:{text}"
    matches = [(i, d) for i, d in enumerate(layers) if d.digest.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFound(f"no layer of this image has digest {text}")
    raise NotFound(f"{text} matches {len(matches)} layers; give more of the digest")
