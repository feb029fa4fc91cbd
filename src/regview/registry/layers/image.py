"""From a reference to the layer descriptors of one image (one platform of an index).

Layers are numbered for people as the explorer shows them: 1 is the bottom layer, and
negative numbers count from the top (-1 is the top layer). Positions in code and in
JSON stay 0-based.
"""

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
    """The 0-based position and descriptor of the layer ``which`` names: a layer number
    (1 = bottom, -1 = top) or a digest / unique digest prefix."""
    text = which.strip()
    if text.lstrip("-").isdigit():
        number = int(text)
        count = len(layers)
        if number == 0:
            raise NotFound(
                "there is no layer 0: layers are numbered from 1 (the bottom layer); "
                "-1 is the top layer"
            )
        if not -count <= number <= count:
            raise NotFound(
                f"layer {number} does not exist (the image has {count}; "
                "1 is the bottom layer, -1 the top one)"
            )
        index = number - 1 if number > 0 else count + number
        return index, layers[index]
    wanted = text if ":" in text else f"sha256:{text}"
    matches = [(i, d) for i, d in enumerate(layers) if d.digest.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFound(f"no layer of this image has digest {text}")
    raise NotFound(f"{text} matches {len(matches)} layers; give more of the digest")
