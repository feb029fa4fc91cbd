"""From a reference to the layer descriptors of one image (one platform of an index),
and the check of layers read whole against the image config's ``rootfs.diff_ids``.

Layers are numbered for people as the explorer shows them: 1 is the bottom layer, and
negative numbers count from the top (-1 is the top layer). Positions in code and in
JSON stay 0-based.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from regview.registry import media_types as mt
from regview.registry.digests import short_digest
from regview.registry.errors import DigestMismatch, NotFound
from regview.registry.inspection import resolve_image
from regview.registry.layers.toc import LayerToc
from regview.registry.models import Artifact, Descriptor, ImageManifest, Platform
from regview.registry.source import FetchedManifest, Source

__all__ = [
    "check_diff_id",
    "image_diff_ids",
    "image_layers",
    "layer_name",
    "select_layer",
    "verify_diff_ids",
]


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
            + ": read its blobs with regview blob REPOSITORY@DIGEST"
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


def layer_name(position: int, digest: str) -> str:
    """``layer 2 (sha256:0123456789ab…)`` for the layer at 0-based ``position``."""
    return f"layer {position + 1} ({short_digest(digest)}…)"


#: Digest algorithms a config may use that regview does not compute for diff_ids.
_OTHER_ALGORITHMS = ("sha384:", "sha512:")


def check_diff_id(
    position: int,
    digest: str,
    diff_id: str | None,
    diff_ids: Sequence[str],
    layer_count: int,
) -> None:
    """Raise :class:`DigestMismatch` when the layer at 0-based ``position`` (blob
    ``digest``), whose uncompressed content hashed to ``diff_id``, contradicts the image
    config's ``diff_ids`` for an image of ``layer_count`` layers.

    The OCI image spec makes ``rootfs.diff_ids`` correspond one to one with the
    manifest's layers, so a config listing more or fewer diff_ids than there are layers
    is a mismatch too. Nothing is checked when ``diff_id`` is None: a TOC embedded in the
    blob (eStargz, zstd:chunked) never saw the whole stream, and a TOC stored by an older
    regview did not record it. A config diff_id in another algorithm than sha256 (sha384,
    sha512) is not checked either.
    """
    if diff_id is None:
        return
    what = layer_name(position, digest)
    expected = diff_ids[position] if position < len(diff_ids) else ""
    if len(diff_ids) != layer_count:
        raise DigestMismatch(
            f"{what}: the image config lists {len(diff_ids)} diff_ids for {layer_count} "
            "layers, but they must correspond one to one",
            expected=expected,
            actual=diff_id,
        )
    if expected.startswith(_OTHER_ALGORITHMS):
        return
    if expected != diff_id:
        raise DigestMismatch(
            f"{what}: its uncompressed content is {short_digest(diff_id)}…, but the image "
            f"config says {short_digest(expected)}…",
            expected=expected,
            actual=diff_id,
        )


async def image_diff_ids(
    source: Source, repository: str, fetched: FetchedManifest
) -> tuple[str, ...]:
    """``rootfs.diff_ids`` of the image config of ``fetched`` (an image manifest)."""
    manifest = fetched.manifest
    if not isinstance(manifest, ImageManifest):
        raise NotFound(f"{fetched.digest} is not an image with layers ({fetched.media_type})")
    config = await source.config(repository, manifest.config)
    return config.config.diff_ids


async def verify_diff_ids(
    source: Source,
    repository: str,
    fetched: FetchedManifest,
    tocs: Iterable[tuple[int, LayerToc]],
) -> None:
    """Check the TOCs of layers read whole, given as (0-based position, TOC), against the
    image config of ``fetched``; raise :class:`DigestMismatch` for the first that does not
    match (see :func:`check_diff_id`). The config is fetched only when some TOC has a
    diff_id to check: TOCs from an embedded table of contents have none."""
    pending = [(i, t) for i, t in tocs if t.origin == "tar" and t.diff_id is not None]
    if not pending:
        return
    manifest = fetched.manifest
    if not isinstance(manifest, ImageManifest):
        return
    diff_ids = await image_diff_ids(source, repository, fetched)
    for position, toc in sorted(pending, key=lambda p: p[0]):
        check_diff_id(position, toc.digest, toc.diff_id, diff_ids, len(manifest.layers))
