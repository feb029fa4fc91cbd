"""The coroutines a notebook cell awaits: ``image``, ``tags``, ``files``, ``referrers``.

They run on the kernel's event loop (top-level ``await``; ``asyncio.run`` cannot be used
in a cell) and reach registries through the kernel's :class:`~regview.notebook.session.Session`
for the settings given, so every cell and widget with the same settings shares one
client per registry and one cache, as the explorer does.

A reference names its registry (``HOST/REPO:TAG``, ``HOST/REPO@sha256:…``, ``oci:PATH``)
or, with ``source=``, only ``REPO[:TAG|@DIGEST]`` inside that source: an open
:class:`~regview.registry.RegistryClient` or :class:`~regview.registry.OciLayoutSource`,
or a target as the explorer opens it (``"demo"``, ``"oci:PATH"``, ``"HOST"``).

A failure raises a :class:`~regview.registry.RegistryError` (one line in a cell: see
:mod:`regview.notebook.ipython`) before anything is shown.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from regview.notebook.image_result import ImageResult
from regview.notebook.results import (
    FileRow,
    FilesResult,
    ReferrerRow,
    ReferrersResult,
    TagRow,
    TagsResult,
)
from regview.notebook.secrets import hide_message, remember_session
from regview.notebook.session import Session, session
from regview.registry import (
    ImageIndex,
    ImageManifest,
    InvalidReference,
    LayerIndexer,
    NotFound,
    Platform,
    RegistryError,
    Source,
    TocStore,
    inspect,
    is_digest,
    media_types,
    merge_layers,
    order_tags,
    read_tag_info,
    resolve_image,
)
from regview.registry.layers import (
    Entry,
    LayerToc,
    display_path,
    image_layers,
    select_layer,
    verify_diff_ids,
)

__all__ = ["files", "image", "referrers", "tags"]

T = TypeVar("T")

SourceArg = Source | str | None


# --------------------------------------------------------------------------- resolving


def _split_in_source(text: str, *, need_reference: bool) -> tuple[str, str]:
    """``REPO[:TAG|@DIGEST]`` -> (repository, reference); the tag defaults to latest."""
    value = text.strip()
    repository, reference = value, ""
    if "@" in value:
        repository, reference = value.rsplit("@", 1)
        if not is_digest(reference):
            raise InvalidReference(f"{reference!r} in {text!r} is not a digest")
    else:
        slash, colon = value.rfind("/"), value.rfind(":")
        if colon > slash:
            repository, reference = value[:colon], value[colon + 1 :]
    if not repository:
        raise InvalidReference(f"{text!r} names no repository")
    if need_reference and not reference:
        reference = "latest"
    return repository, reference


def _resolve(
    text: str, source: SourceArg, settings: dict[str, Any], *, need_reference: bool = True
) -> tuple[Session, Source, str, str, str]:
    """(session, source, repository, reference, display) for what a cell was given."""
    if not isinstance(text, str):
        raise TypeError(f"a reference is a string, not {type(text).__name__}")
    s = session(**settings)
    if source is None:
        found, ref = s.resolve(text, need_reference=need_reference)
        return s, found, ref.repository, ref.reference, ref.display
    opened = s.open(source).source if isinstance(source, str) else source
    body = text.strip()
    prefix = opened.name + "/"
    if body.startswith(prefix):
        body = body[len(prefix) :]
    repository, reference = _split_in_source(body, need_reference=need_reference)
    display = f"{repository}@{reference}" if is_digest(reference) else (
        f"{repository}:{reference}" if reference else repository
    )
    return s, opened, repository, reference, display


def _pinned(display: str, digest: str) -> str:
    """``display`` with its tag or digest replaced by ``digest``."""
    prefix = "oci:" if display.startswith("oci:") else ""
    base = display[len(prefix) :].split("@", 1)[0]
    slash, colon = base.rfind("/"), base.rfind(":")
    if colon > slash:
        base = base[:colon]
    return f"{prefix}{base}@{digest}"


@contextlib.contextmanager
def _remembering(s: Session) -> Iterator[None]:
    """Learn the credentials the session used, even when the operation fails, so that an
    error or a result echoing them shows ``<hidden>`` instead."""
    try:
        yield
    finally:
        remember_session(s)


def _platform(value: str | Platform | None) -> Platform | None:
    if value is None or isinstance(value, Platform):
        return value
    return Platform.parse(value)


async def _bounded(
    items: Sequence[T], work: Callable[[T], Awaitable[Any]], limit: int
) -> list[Any]:
    """``work(item)`` for every item, at most ``limit`` at once, results in order; the first
    failure cancels the rest."""
    results: list[Any] = [None] * len(items)
    queue = iter(enumerate(items))

    async def worker() -> None:
        for i, item in queue:
            results[i] = await work(item)

    tasks = [asyncio.ensure_future(worker()) for _ in range(min(limit, len(items)))]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    return results


# --------------------------------------------------------------------------- image


async def image(
    reference: str,
    *,
    platform: str | Platform | None = None,
    source: SourceArg = None,
    **settings: Any,
) -> ImageResult:
    """One image: its manifest, config, layers, history and annotations.

    ``reference`` is ``HOST/REPO:TAG`` (or ``@sha256:…``, ``oci:PATH:TAG``; with
    ``source=``, ``REPO:TAG``). An index is followed down to ``platform``
    (``"linux/arm64"``; default linux/amd64, or its only image), and its entries are in
    :attr:`ImageResult.platforms` with attestations marked. ``settings`` are
    :class:`~regview.registry.Settings` fields (``plain_http=True``, ``cache_dir=…``).

    Example::

        img = await regview.notebook.image("127.0.0.1:5000/acme/web:1.2", platform="linux/arm64")
        img.layers.to_pandas()
    """
    s, src, repository, ref, display = _resolve(reference, source, settings)
    with _remembering(s):
        return await _image(
            src, repository, ref, display, _platform(platform), s.settings.max_index_depth
        )


async def _image(
    src: Source, repository: str, ref: str, display: str, wanted: Platform | None, depth: int
) -> ImageResult:
    top = await src.manifest(repository, ref)
    fetched = await resolve_image(src, repository, ref, wanted, max_depth=depth)
    index = top if isinstance(top.manifest, ImageIndex) else None
    m = fetched.manifest
    config = None
    if isinstance(m, ImageManifest) and m.config_readable:
        config = await src.config(repository, m.config)
    pinned = display if index is None else _pinned(display, fetched.digest)
    document = await inspect(src, repository, fetched.digest, display=pinned, max_depth=depth)
    if index is not None:
        document["index"] = await inspect(src, repository, index.digest, display=display,
                                          max_depth=depth)
    return ImageResult(
        reference=display,
        source=src.name,
        manifest=fetched,
        index=index,
        config_blob=config,
        document=document,
    )


# --------------------------------------------------------------------------- tags


async def _type_and_platforms(
    src: Source, repository: str, tag: str, digest: str
) -> tuple[str | None, tuple[str, ...]]:
    """The media type and platforms of what ``tag`` names, from what is cached."""
    fetched = src.peek_manifest(repository, digest)
    if fetched is None:
        # A registry that meters pulls: the HEAD read_tag_info made is cached.
        return (await src.resolve(repository, tag)).media_type, ()
    m = fetched.manifest
    if isinstance(m, ImageIndex):
        return fetched.media_type, tuple(str(d.platform) for d in m.images if d.platform)
    if isinstance(m, ImageManifest) and m.config_readable:
        # read_tag_info read this config already: the cache answers.
        config = await src.config(repository, m.config)
        if config.config.platform is not None:
            return fetched.media_type, (str(config.config.platform),)
    return fetched.media_type, ()


async def _tag_row(src: Source, repository: str, tag: str) -> TagRow:
    info = await read_tag_info(src, repository, tag)
    if info.error is not None or info.digest is None:
        return TagRow(tag, error=hide_message(info.error or "no digest"))
    media_type: str | None = None
    platforms: tuple[str, ...] = ()
    with contextlib.suppress(RegistryError):  # the columns read_tag_info gave stay
        media_type, platforms = await _type_and_platforms(src, repository, tag, info.digest)
    return TagRow(
        tag=tag,
        digest=info.digest,
        media_type=media_type,
        size=info.size,
        platforms=platforms,
        created=info.created,
        kind=info.kind,
    )


async def tags(repository: str, *, source: SourceArg = None, **settings: Any) -> TagsResult:
    """Every tag of ``repository`` (``HOST/REPO``; with ``source=``, ``REPO``) with its
    digest, media type, size, platforms and creation date.

    The tag list is read whole, then each tag's columns ``concurrency`` at a time (a
    setting, default 32 per registry). On a registry that meters pulls (Docker Hub) a
    tag costs a HEAD, and only manifests already in the cache fill the other columns.
    A tag that cannot be read has its ``error`` set; a repository that cannot be listed
    raises :class:`~regview.registry.RegistryError`.

    Example::

        ts = await regview.notebook.tags("127.0.0.1:5000/acme/web")
        ts.to_pandas().groupby("digest").tag.apply(list)
    """
    s, src, repo, _, display = _resolve(repository, source, settings, need_reference=False)
    with _remembering(s):
        return await _tags(src, repo, display, s.settings.concurrency)


async def _tags(src: Source, repo: str, display: str, concurrency: int) -> TagsResult:
    names: list[str] = []
    async for page in src.tags(repo):
        names.extend(page)
    ordered = order_tags(set(names))
    rows = await _bounded(ordered, lambda t: _tag_row(src, repo, t), concurrency)
    return TagsResult(rows, repository=display, source=src.name)


# --------------------------------------------------------------------------- files


def _mtime(seconds: int) -> datetime | None:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _file_row(e: Entry, layer: int, status: str) -> FileRow:
    return FileRow(
        path=display_path(e.path),
        type=e.type.value,
        size=e.size,
        mode=e.mode & 0o7777,
        uid=e.uid,
        gid=e.gid,
        layer=layer,
        link=display_path(e.link) if e.link is not None else None,
        status=status,
        mode_string=e.mode_string,
        mtime=_mtime(e.mtime),
    )


def _layer_status(e: Entry) -> str:
    if e.is_opaque_marker:
        return "opaque"
    return "whiteout" if e.whiteout_target is not None else ""


async def files(
    reference: str,
    *,
    layer: int | str | None = None,
    platform: str | Platform | None = None,
    full: bool = False,
    source: SourceArg = None,
    **settings: Any,
) -> FilesResult:
    """The merged filesystem of an image, or the entries of one layer.

    ``layer`` picks one layer: **1 is the bottom layer**, -1 the top one, or (a prefix of)
    its digest; without it every layer is read and merged (whiteouts applied), each
    path with the layer that last wrote it (``layer`` column, 1-based). Layers are
    streamed (or listed from the zTOC of the image's SOCI index) and their tables of
    contents cached on disk; one read whole must hash to its ``rootfs.diff_ids`` entry,
    or :class:`~regview.registry.DigestMismatch` is raised, as ``regview files`` does.
    ``full=True`` reads eStargz/zstd:chunked layers whole instead of trusting their
    embedded table of contents.

    Example::

        fs = await regview.notebook.files("127.0.0.1:5000/acme/web:1.2")
        fs.to_pandas().nlargest(10, "size")
    """
    if isinstance(layer, int) and not isinstance(layer, bool) and layer == 0:
        raise NotFound(
            "there is no layer 0: layers are numbered from 1 (the bottom layer); "
            "-1 is the top layer"
        )
    s, src, repository, ref, display = _resolve(reference, source, settings)
    with _remembering(s):
        return await _files(s, src, repository, ref, display, layer, _platform(platform), full)


async def _files(
    s: Session,
    src: Source,
    repository: str,
    ref: str,
    display: str,
    layer: int | str | None,
    platform: Platform | None,
    full: bool,
) -> FilesResult:
    fetched, layers = await image_layers(
        src, repository, ref, platform, max_depth=s.settings.max_index_depth
    )
    indexer = LayerIndexer(src, store=TocStore(s.settings.cache_root()))
    indexer.add_image(fetched.digest, layers)  # a SOCI index of the image may serve
    if layer is not None:
        position, descriptor = select_layer(layers, str(layer))
        toc = await indexer.index(repository, descriptor, full=full)
        checked: list[tuple[int, LayerToc]] = [(position, toc)]
    else:
        tocs = await indexer.index_all(repository, layers, full=full)
        checked = list(enumerate(tocs))
    # Layers read whole must be what the image config says they are (rootfs.diff_ids).
    await verify_diff_ids(src, repository, fetched, checked)

    if layer is not None:
        number = position + 1
        rows = [_file_row(e, number, _layer_status(e)) for e in toc.entries]
        rows.sort(key=lambda r: r.path)
        return FilesResult(
            rows, reference=display, digest=fetched.digest, layer=number,
            layer_count=len(layers), notes=indexer.notes,
        )
    merged = merge_layers([t for _, t in checked])
    rows = [_file_row(m.entry, m.layer + 1, m.status) for m in merged.sorted_entries()]
    deleted = [_file_row(d.entry, d.layer + 1, "deleted") for d in merged.visible_deletions()]
    return FilesResult(
        rows,
        reference=display,
        digest=fetched.digest,
        layer=None,
        layer_count=len(layers),
        deleted=deleted,
        wasted_bytes=merged.wasted_bytes,
        notes=indexer.notes,
    )


# --------------------------------------------------------------------------- referrers


async def referrers(
    reference: str, *, source: SourceArg = None, **settings: Any
) -> ReferrersResult:
    """Signatures, SBOMs and attestations whose ``subject`` is ``reference``'s manifest
    (the referrers API, else the ``sha256-<hex>`` tag schema, plus cosign's tags).

    Example::

        rs = await regview.notebook.referrers("127.0.0.1:5000/acme/web:1.2")
        rs.to_pandas()[["kind", "artifact_type", "digest"]]
    """
    s, src, repository, ref, display = _resolve(reference, source, settings)
    with _remembering(s):
        return await _referrers(src, repository, ref, display)


async def _referrers(src: Source, repository: str, ref: str, display: str) -> ReferrersResult:
    subject = await src.resolve(repository, ref)
    found = await src.referrers(repository, subject.digest)
    rows = [
        ReferrerRow(
            digest=d.digest,
            kind=media_types.referrer_kind(d.artifact_type),
            artifact_type=d.artifact_type,
            media_type=d.media_type,
            size=d.size,
            annotations=dict(d.annotations),
            created=d.annotations.get(media_types.ANNOTATION_CREATED),
        )
        for d in found
    ]
    return ReferrersResult(rows, reference=display, subject=subject.digest)
