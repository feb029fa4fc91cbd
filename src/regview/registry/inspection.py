"""Walk a reference into a JSON-ready description: the ``inspect`` command's engine.

Works on any :class:`~regview.registry.source.Source`. Index nesting is bounded and
cycles are detected, so a hostile index that contains itself ends with a
:class:`~regview.registry.errors.CycleError`, not a hang. A recursive walk also has a
budget of manifests: an index that lists one child 1,000 times, whose child does the
same, and so on, is a small download but a tree of 1,000^depth paths.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from regview.registry.digests import unverifiable_reason
from regview.registry.errors import CycleError, NotFound
from regview.registry.models import (
    Descriptor,
    ImageConfig,
    ImageIndex,
    ImageManifest,
    Platform,
    Schema1Manifest,
)
from regview.registry.source import FetchedManifest, Source
from regview.registry.validation import (
    config_problems,
    looks_like_image_config,
    manifest_problems,
)

__all__ = ["DEFAULT_PLATFORM", "choose_platform", "config_json", "inspect", "resolve_image"]

T = TypeVar("T")

DEFAULT_PLATFORM = Platform("linux", "amd64")

MAX_MANIFESTS = 10_000
"""Manifests one recursive ``inspect`` describes at most, counting every path."""


def choose_platform(index: ImageIndex, wanted: Platform | None) -> Descriptor:
    """The index entry for ``wanted`` (default linux/amd64, or the only image).

    An entry with an ``artifactType`` is an artifact listed beside the images (``soci
    convert`` lists its SOCI index with the image's own platform), never the image.
    """
    images = [
        d
        for d in index.images
        if (d.platform is None or not d.platform.is_unknown) and d.artifact_type is None
    ]
    if wanted is None:
        if len(images) == 1:
            return images[0]
        wanted = DEFAULT_PLATFORM
    for d in images:
        if d.platform is not None and d.platform.matches(wanted):
            return d
    available = ", ".join(str(d.platform) for d in images if d.platform) or "none"
    raise NotFound(f"no image for platform {wanted} in this index (available: {available})")


async def resolve_image(
    source: Source,
    repository: str,
    reference: str,
    platform: Platform | None = None,
    *,
    max_depth: int = 8,
) -> FetchedManifest:
    """Follow indexes down to one image manifest for ``platform``."""
    fetched = await source.manifest(repository, reference)
    seen = {fetched.digest}
    depth = 0
    while isinstance(fetched.manifest, ImageIndex):
        depth += 1
        if depth > max_depth:
            raise CycleError(f"indexes nest deeper than {max_depth} levels; refusing to follow")
        child = choose_platform(fetched.manifest, platform)
        if child.digest in seen:
            raise CycleError(f"index {child.digest[:19]}… contains itself")
        seen.add(child.digest)
        fetched = await source.manifest(repository, child.digest)
    return fetched


async def inspect(
    source: Source,
    repository: str,
    reference: str,
    *,
    display: str,
    platform: Platform | None = None,
    recursive: bool = False,
    max_depth: int = 8,
    max_manifests: int = MAX_MANIFESTS,
) -> dict[str, Any]:
    """The ``inspect --json`` object for ``repository`` at ``reference``."""
    if platform is not None:
        fetched = await resolve_image(source, repository, reference, platform, max_depth=max_depth)
    else:
        fetched = await source.manifest(repository, reference)
    return await _describe(
        source,
        fetched,
        display,
        recursive,
        path=(fetched.digest,),
        max_depth=max_depth,
        budget=_Budget(max_manifests),
    )


async def _describe(
    source: Source,
    fetched: FetchedManifest,
    display: str,
    recursive: bool,
    *,
    path: tuple[str, ...],
    max_depth: int,
    budget: _Budget,
) -> dict[str, Any]:
    m = fetched.manifest
    out: dict[str, Any] = {
        "reference": display,
        "digest": fetched.digest,
        "mediaType": fetched.media_type,
        "size": fetched.size,
    }
    if m.annotations:
        out["annotations"] = dict(m.annotations)
    out["problems"] = [p.to_json() for p in manifest_problems(fetched.raw, fetched.media_type)]
    if isinstance(m, ImageIndex | ImageManifest):
        if m.artifact_type is not None:
            out["artifactType"] = m.artifact_type
        if m.subject is not None:
            out["subject"] = _descriptor_json(m.subject)
    if isinstance(m, ImageIndex):
        if recursive:
            if len(path) > max_depth:
                raise CycleError(f"indexes nest deeper than {max_depth} levels; refusing to follow")
            for d in m.manifests:
                if d.digest in path:
                    raise CycleError(f"index {d.digest[:19]}… contains itself")
            budget.take(len(m.manifests))  # before any work on the entries
        out["manifests"] = [_entry_json(d) for d in m.manifests]
        if recursive:

            # Each distinct child is fetched once, however often the index lists it; one
            # whose digest regview cannot check is listed (marked) but not fetched.
            followed = [d for d in m.manifests if unverifiable_reason(d.digest) is None]
            unique = list(dict.fromkeys(d.digest for d in followed))
            fetched_children = await _gather_or_cancel(
                [source.manifest(fetched.repository, digest) for digest in unique]
            )
            by_digest = dict(zip(unique, fetched_children, strict=True))
            children = await _gather_or_cancel(
                [
                    _describe(
                        source,
                        by_digest[d.digest],
                        _pinned(display, d.digest),
                        recursive,
                        path=(*path, d.digest),
                        max_depth=max_depth,
                        budget=budget,
                    )
                    for d in followed
                ]
            )
            images = iter(children)
            for entry, d in zip(out["manifests"], m.manifests, strict=True):
                if unverifiable_reason(d.digest) is None:
                    entry["image"] = next(images)
    elif isinstance(m, ImageManifest):
        out["layers"] = [_descriptor_json(d) for d in m.layers]
        out["layersSize"] = m.layers_size
        if not m.config_readable:
            out["config"] = _descriptor_json(m.config)
        else:
            fetched_config = await source.config(fetched.repository, m.config)
            out["config"] = config_json(m.config, fetched_config.config)
            out["config"]["problems"] = [p.to_json() for p in config_problems(fetched_config.raw)]
            if m.config_type_generic:
                out["config"]["note"] = _generic_config_note(
                    m.config.media_type, looks_like_image_config(fetched_config.raw)
                )
    elif isinstance(m, Schema1Manifest):
        out["name"] = m.name
        out["tag"] = m.tag
        out["architecture"] = m.architecture
        out["layers"] = [{"digest": d, "mediaType": None, "size": None} for d in m.fs_layers]
        out["signed"] = m.signed
    return out


class _Budget:
    """How many more manifests a recursive walk may describe."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def take(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise CycleError(
                f"the index tree lists more than {self.limit:,} manifests in all "
                "(the same child many times?); refusing to follow them all"
            )


async def _gather_or_cancel(coros: list[Coroutine[Any, Any, T]]) -> list[T]:
    """Like ``asyncio.gather``, but the first failure cancels the siblings and waits for them.

    A plain ``gather`` leaves the other children running (and fetching) after one failed.
    """
    tasks = [asyncio.ensure_future(coro) for coro in coros]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def config_json(descriptor: Descriptor, c: ImageConfig) -> dict[str, Any]:
    """The ``config`` object of an inspect document: the descriptor and what it says."""
    return {
        "digest": descriptor.digest,
        "mediaType": descriptor.media_type,
        "size": descriptor.size,
        "os": c.os,
        "architecture": c.architecture,
        "variant": c.variant,
        "created": c.created,
        "author": c.author,
        "user": c.user,
        "workingDir": c.working_dir,
        "entrypoint": list(c.entrypoint) if c.entrypoint is not None else None,
        "cmd": list(c.cmd) if c.cmd is not None else None,
        "env": list(c.env),
        "labels": dict(c.labels),
        "exposedPorts": list(c.exposed_ports),
        "volumes": list(c.volumes),
        "stopSignal": c.stop_signal,
        "history": [
            {
                "created": h.created,
                "createdBy": h.created_by,
                "emptyLayer": h.empty_layer,
                "comment": h.comment,
                "layerIndex": h.layer_index,
            }
            for h in c.history
        ],
    }


def _generic_config_note(media_type: str, recognised: bool) -> str:
    if recognised:
        return f"media type {media_type}: recognised as an image config by its content"
    return f"media type {media_type}: read as an image config, but it does not look like one"


def _descriptor_json(d: Descriptor) -> dict[str, Any]:
    """Digest, media type and size; ``unverifiable`` says why its content is not read."""
    out: dict[str, Any] = {"digest": d.digest, "mediaType": d.media_type, "size": d.size}
    reason = unverifiable_reason(d.digest)
    if reason is not None:
        out["unverifiable"] = reason
    return out


def _entry_json(d: Descriptor) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "digest": d.digest,
        "mediaType": d.media_type,
        "size": d.size,
        "platform": str(d.platform) if d.platform is not None else None,
        "annotations": dict(d.annotations),
    }
    if d.artifact_type:
        entry["artifactType"] = d.artifact_type
    reason = unverifiable_reason(d.digest)
    if reason is not None:
        entry["unverifiable"] = reason
    return entry


def _pinned(display: str, digest: str) -> str:
    base = display.split("@", 1)[0]
    slash = base.rfind("/")
    colon = base.rfind(":")
    if colon > slash:
        base = base[:colon]
    return f"{base}@{digest}"
