"""Use an image's SOCI index: list a gzip (or plain tar) layer, and read a file of it by
one Range GET, without reading the layer first.

SOCI (Seekable OCI, awslabs/soci-snapshotter) publishes, as a referrer of an image
manifest, a *SOCI index*: a manifest whose ``artifactType`` is
:data:`SOCI_INDEX_V1` (or :data:`SOCI_INDEX_V2`) and whose blobs are zTOCs, one per
large layer, each annotated with :data:`LAYER_DIGEST` (the layer it describes). A zTOC
(:mod:`.soci_ztoc`) holds the layer's file records, with the uncompressed offset of each
file's data, and a zran index of the gzip stream. The image is told to the indexer with
:meth:`SociLookup.add_image` (the CLI and the TUI know it; layers alone do not); then a
layer with no TOC of ours yet gets a :class:`~.toc.LayerToc` with ``origin="soci"`` from
its zTOC, and its zran points become our :class:`~.gzip_index.GzipCheckpoint` s, kept
with it, so the first ``cat`` of a file is one Range GET (:func:`read_soci_file`). A
plain tar layer's zTOC (``compression_algorithm`` 2, uncompressed) has no points: the
range is the file's header and data. The zTOC schema defines no other algorithm (no
zstd): any other is refused, as is one that does not match the layer's media type.

SOCI v2 ties the index to the image the other way round (``soci convert``): the image
manifest carries :data:`INDEX_DIGEST`, the digest of a SOCI index manifest with no
``subject`` (its config's media type, and so its effective ``artifactType``, is
:data:`SOCI_INDEX_V2`), both listed in a new image index. When the image manifest has
that annotation the index is fetched by it, with no referrers lookup (which a registry
with neither the referrers API nor the tag schema cannot answer); it is used when it is
a v2 SOCI index whose subject, if it has one, is this image. When it is missing, or not
such an index, a one-line note says so and the referrers are looked through instead.
The image manifest is the one already fetched (the source's cache); it is fetched
again only from a registry that does not meter pulls.

What is verified, and what is not:

* the SOCI index manifest is fetched by the digest the image's annotation or the
  referrers list gives, and verified against it (the annotation itself is part of the
  image manifest, verified by its digest); each zTOC blob is verified against its
  digest in that manifest;
* nothing ties a zTOC's content to the layer but its author's word: it only vouches for
  what that author computed. regview checks what it can: the zTOC's archive size is the
  layer's, every file lies inside the uncompressed archive, every zran point inside the
  blob and in order; and, before a single byte of a file is written, that the 512 bytes
  before the file's data are a tar header (valid checksum, a regular file's type flag,
  the size the zTOC records). A zTOC that fails any of these gives a one-line note and
  the layer is read (streamed) instead; the refusal is kept in the cache by the zTOC's
  digest (:mod:`.soci_refusals`), so later runs do not fetch it again. Sparse files are
  never read by range: their recorded (logical) size runs past the archive, or they
  fail the header check (a GNU sparse type flag, a PAX sparse header's stored size);
  they are streamed, and come back whole with their holes;
* a zTOC records no sha256 per file, so the bytes of a file read by range are checked for
  their size only: :attr:`~.extract.FoundFile.verified` stays False, as for an eStargz
  read without digests. ``cat --verify`` reads the whole layer, checked by its digest;
  ``files --full`` indexes it whole (a TOC of origin ``"tar"``, with sha256s).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from regview.registry import media_types as mt
from regview.registry.digests import is_digest, short_digest
from regview.registry.errors import LayerFormatError, NotFound, RegistryError
from regview.registry.layers.entry import (
    TOC_TYPE_NAMES,
    Entry,
    EntryType,
    display_path,
    normalize_path,
)
from regview.registry.layers.gzip_index import (
    GzipCheckpoint,
    GzipInflater,
    available,
    decode_checkpoints,
    encode_checkpoints,
)
from regview.registry.layers.ranged_read import feed_range
from regview.registry.layers.soci_refusals import ZtocRefusals
from regview.registry.layers.soci_ztoc import (
    GZIP,
    UNCOMPRESSED,
    ZtocError,
    parse_mod_time,
    parse_tar_zinfo,
    parse_zinfo,
    parse_ztoc,
)
from regview.registry.layers.store import TocStore
from regview.registry.layers.toc import LayerToc
from regview.registry.models import Descriptor, ImageManifest, Manifest
from regview.registry.singleflight import SingleFlight
from regview.registry.source import Source

__all__ = [
    "INDEX_DIGEST",
    "LAYER_DIGEST",
    "LAYER_MEDIA_TYPE",
    "MAX_ZTOC",
    "SOCI_INDEX_V1",
    "SOCI_INDEX_V2",
    "SociLookup",
    "SociMismatch",
    "read_soci_file",
    "soci_toc",
]

SOCI_INDEX_V1 = "application/vnd.amazon.soci.index.v1+json"
SOCI_INDEX_V2 = "application/vnd.amazon.soci.index.v2+json"
LAYER_DIGEST = "com.amazon.soci.image-layer-digest"
#: On a SOCI v2 image manifest: the digest of its SOCI index manifest.
INDEX_DIGEST = "com.amazon.soci.index-digest"
LAYER_MEDIA_TYPE = "com.amazon.soci.image-layer-mediatype"
#: Largest zTOC read (its windows are 32 KiB per point: 8192 points are 256 MiB; real
#: ones, at SOCI's 4 MiB span, are a few MB).
MAX_ZTOC = 128 * 1024 * 1024
BLOCK = 512

_TYPES = TOC_TYPE_NAMES

Note = Callable[[str], None]


class SociMismatch(LayerFormatError):
    """The layer does not hold, where its zTOC says, the file it says: nothing of the
    file was written yet, so the caller can stream the layer instead."""


class SociLookup:
    """Which layers have a zTOC, found through the SOCI index the image manifest names
    (v2), else through the referrers of the image.

    A zTOC refused once (it does not hold up, or does not describe its layer) is kept in
    ``refusals`` by its digest, so later runs sharing the cache do not fetch it again;
    each run says once why that layer is read instead."""

    def __init__(self, source: Source, note: Note, refusals: ZtocRefusals | None = None) -> None:
        self._source = source
        self._note = note
        self._refusals = refusals if refusals is not None else ZtocRefusals(None)
        self._image_of: dict[str, str] = {}
        self._indexes: dict[tuple[str, str], dict[str, Descriptor]] = {}
        self._flights: SingleFlight[dict[str, Descriptor]] = SingleFlight()
        self._refused: set[str] = set()
        self._ztoc_of: dict[str, str] = {}  # layer digest -> the zTOC its TOC came from

    def add_image(self, image_digest: str, layers: Sequence[Descriptor]) -> None:
        """Tell that ``layers`` belong to the image manifest ``image_digest``."""
        for layer in layers:
            self._image_of.setdefault(layer.digest, image_digest)

    def refuse(self, layer_digest: str, reason: str = "") -> None:
        """Do not use this layer's zTOC again (it did not describe the layer); when it
        was read in this run, later runs do not fetch it either."""
        self._refused.add(layer_digest)
        ztoc = self._ztoc_of.get(layer_digest)
        if ztoc is not None:
            self._refusals.refuse(ztoc, layer_digest, reason or "it did not describe the layer")

    async def toc(self, repository: str, layer: Descriptor) -> tuple[LayerToc, bytes | None] | None:
        """The layer's TOC and encoded checkpoints (None for a plain tar) from its zTOC,
        or None (no SOCI index, no zTOC for this layer, or one that does not hold up:
        noted then)."""
        image = self._image_of.get(layer.digest)
        if image is None or layer.digest in self._refused:
            return None
        if mt.layer_compression(layer.media_type) not in _ZTOC_ALGORITHMS.values():
            return None
        key = (repository, image)
        ztocs = self._indexes.get(key)
        if ztocs is None:
            ztocs = await self._flights.do(key, lambda: self._find(repository, image))
            self._indexes[key] = ztocs
        descriptor = ztocs.get(layer.digest)
        if descriptor is None:
            return None
        before = self._refusals.reason(descriptor.digest, layer.digest)
        if before is not None:
            self._refused.add(layer.digest)
            self._note(
                f"the SOCI zTOC of layer {short_digest(layer.digest)} was found unusable "
                f"before ({before}): the layer is read instead"
            )
            return None
        try:
            found = await soci_toc(self._source, repository, descriptor, layer)
        except (ZtocError, LayerFormatError, RegistryError) as exc:
            self._refused.add(layer.digest)
            reason = _first_line(exc)
            # What the zTOC says is refused for good; a failed or damaged download is not
            # the zTOC's doing (its bytes did not match its digest): a later run retries.
            if isinstance(exc, (ZtocError, LayerFormatError)):
                self._refusals.refuse(descriptor.digest, layer.digest, reason)
            self._note(
                f"the SOCI zTOC of layer {short_digest(layer.digest)} is not usable "
                f"({reason}): the layer is read instead"
            )
            return None
        self._ztoc_of[layer.digest] = descriptor.digest
        return found

    async def _find(self, repository: str, image: str) -> dict[str, Descriptor]:
        named = await self._named_index(repository, image)
        if named is not None:
            return named
        return await self._referred_index(repository, image)

    async def _image_manifest(self, repository: str, image: str) -> Manifest | None:
        """The image manifest: the one the caller fetched (cached), else fetched now
        unless the registry meters pulls (a lookup must not spend one)."""
        fetched = self._source.peek_manifest(repository, image)
        if fetched is None and is_digest(image) and not self._source.meters_pulls:
            try:
                fetched = await self._source.manifest(repository, image)
            except RegistryError:
                return None
        return fetched.manifest if fetched is not None else None

    async def _named_index(self, repository: str, image: str) -> dict[str, Descriptor] | None:
        """The zTOCs of the SOCI v2 index the image's :data:`INDEX_DIGEST` names; None
        when it has none, or names nothing usable (noted: the referrers are looked at)."""
        manifest = await self._image_manifest(repository, image)
        if manifest is None:
            return None
        digest = manifest.annotations.get(INDEX_DIGEST)
        if digest is None:
            return None
        if not is_digest(digest):
            self._note(
                f"the image's {INDEX_DIGEST} annotation is not a digest: "
                "looking for a SOCI index among its referrers instead"
            )
            return None
        named = f"the SOCI index {short_digest(digest)} that the image's {INDEX_DIGEST} names"
        instead = "looking among its referrers instead"
        try:
            fetched = await self._source.manifest(repository, digest)
        except NotFound:
            self._note(f"{named} is not in {repository}: {instead}")
            return None
        except RegistryError as exc:
            self._note(f"{named} cannot be read ({_first_line(exc)}): {instead}")
            return None
        index = fetched.manifest
        if not isinstance(index, ImageManifest) or SOCI_INDEX_V2 not in (
            index.artifact_type,
            index.config.media_type,
        ):
            self._note(f"{named} is not a SOCI v2 index: {instead}")
            return None
        if index.subject is not None and index.subject.digest != image:
            self._note(f"{named} is that of another image: {instead}")
            return None
        return _ztocs(index)

    async def _referred_index(self, repository: str, image: str) -> dict[str, Descriptor]:
        """The zTOCs of the first SOCI index among the image's referrers that has any."""
        try:
            referrers = await self._source.referrers(repository, image)
        except RegistryError:
            return {}
        for d in referrers:
            if d.artifact_type not in (SOCI_INDEX_V1, SOCI_INDEX_V2):
                continue
            try:
                fetched = await self._source.manifest(repository, d.digest)
            except RegistryError as exc:
                self._note(f"the SOCI index {short_digest(d.digest)} cannot be read ({exc})")
                continue
            found = _ztocs(fetched.manifest)
            if found:
                return found
        return {}


def _ztocs(index: Manifest) -> dict[str, Descriptor]:
    """The zTOC blobs of a SOCI index manifest, by the digest of the layer each describes."""
    return {
        blob.annotations[LAYER_DIGEST]: blob
        for blob in getattr(index, "layers", ())
        if LAYER_DIGEST in blob.annotations
    }


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


#: The compression (as :func:`~regview.registry.media_types.layer_compression` names it)
#: of the layers each zTOC ``compression_algorithm`` describes: the schema has no other.
_ZTOC_ALGORITHMS = {GZIP: "gzip", UNCOMPRESSED: "none"}


async def soci_toc(
    source: Source, repository: str, ztoc: Descriptor, layer: Descriptor
) -> tuple[LayerToc, bytes | None]:
    """Read the zTOC blob ``ztoc`` (verified by its digest) into the TOC of ``layer`` and
    its encoded checkpoints (None for a plain tar layer, read at the files' offsets).
    Raises :class:`ZtocError` when it does not hold up."""
    if ztoc.size > MAX_ZTOC:
        raise ZtocError(f"the zTOC is {ztoc.size} bytes (at most {MAX_ZTOC} are read)")
    parts: list[bytes] = []
    got = 0
    async with source.open_blob(repository, ztoc.digest) as stream:
        async for chunk in stream.chunks():
            got += len(chunk)
            if got > MAX_ZTOC:
                raise ZtocError("the zTOC is larger than its descriptor says")
            parts.append(chunk)
    data = b"".join(parts)
    parsed = await asyncio.to_thread(parse_ztoc, data)
    compression = _ZTOC_ALGORITHMS.get(parsed.algorithm)
    if compression is None:
        raise ZtocError(
            f"the zTOC's compression algorithm is {parsed.algorithm} "
            "(SOCI defines 1, gzip, and 2, uncompressed)"
        )
    if compression != mt.layer_compression(layer.media_type):
        described = "a gzip" if compression == "gzip" else "an uncompressed"
        raise ZtocError(f"the zTOC describes {described} layer, unlike this one's media type")
    if parsed.compressed_size != layer.size:
        raise ZtocError(
            f"the zTOC describes a blob of {parsed.compressed_size} bytes, "
            f"the layer has {layer.size}"
        )
    total = parsed.uncompressed_size
    checkpoints: bytes | None = None
    if compression == "gzip":
        points = parse_zinfo(parsed.checkpoints)
        for p in points:
            if p.compressed >= layer.size or p.uncompressed > total:
                raise ZtocError("a point of the zTOC's gzip index lies past the layer")
        checkpoints = encode_checkpoints(points)
    elif total != layer.size or parse_tar_zinfo(parsed.checkpoints) != layer.size:
        raise ZtocError("the zTOC of an uncompressed layer gives the tar another size")
    entries: list[Entry] = []
    for f in parsed.files:
        kind = _TYPES.get(f.type)
        if kind is None:
            raise ZtocError(f"a zTOC file record has the unknown type {f.type[:20]!r}")
        if f.offset > total:
            raise ZtocError("a zTOC file record lies outside the uncompressed archive")
        # A file whose data would run past the archive is sparse (its logical size is
        # recorded) or wrong: listed, but streamed, never read by range.
        rangeable = f.offset >= BLOCK and f.offset + f.size <= total
        link = None
        if kind is EntryType.SYMLINK:
            link = f.linkname
        elif kind is EntryType.HARDLINK:
            link = normalize_path(f.linkname)
        is_device = kind in (EntryType.CHAR, EntryType.BLOCK)
        entries.append(
            Entry(
                path=normalize_path(f.name),
                type=kind,
                size=f.size if kind is EntryType.FILE else 0,
                mode=f.mode & 0o7777,
                uid=f.uid,
                gid=f.gid,
                mtime=parse_mod_time(f.mod_time),
                link=link,
                uname=f.uname,
                gname=f.gname,
                devmajor=f.devmajor if is_device else 0,
                devminor=f.devminor if is_device else 0,
                sha256=None,  # a zTOC records none
                # Where the file's data starts in the uncompressed tar (not its header).
                offset=f.offset if kind is EntryType.FILE and rangeable else None,
            )
        )
    toc = LayerToc(
        digest=layer.digest,
        entries=tuple(e for e in entries if e.path),
        compressed_size=layer.size,
        uncompressed_size=total,
        compression=compression,
        origin="soci",
        media_type=layer.media_type,
        verified=True,  # backed by the zTOC's digest in the verified SOCI index
        diff_id=None,  # the stream was not read: nothing to compare with the config
    )
    return toc, checkpoints


# --- a file by range ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SociRange:
    """The part of the blob to fetch for one file, and where to resume inflating."""

    start: int
    length: int | None
    #: Uncompressed bytes to drop before the file's tar header.
    skip: int
    #: Where to resume inflating; None for a plain tar (the range is the tar's bytes).
    resume: GzipCheckpoint | None


def plan_soci_range(
    toc: LayerToc, entry: Entry, points: Sequence[GzipCheckpoint]
) -> SociRange | None:
    """From the last point at or before the file's header to the first point at or past
    its data's end (None: no point before it, or not a file with an offset)."""
    if entry.offset is None or entry.type is not EntryType.FILE or entry.offset < BLOCK:
        return None
    header = entry.offset - BLOCK
    end = entry.offset + entry.size
    start: GzipCheckpoint | None = None
    stop: GzipCheckpoint | None = None
    for p in points:
        if p.uncompressed <= header:
            start = p
        elif p.uncompressed >= end:
            stop = p
            break
    if start is None:
        return None
    length = None
    if stop is not None:
        # The byte at ``stop.compressed`` may still hold the last bits before it.
        length = min(stop.compressed + 1, toc.compressed_size) - start.compressed
    return SociRange(start.compressed, length, header - start.uncompressed, start)


def plan_plain_range(entry: Entry) -> SociRange | None:
    """The file's header and data in a plain tar layer (None: not a file with an offset)."""
    if entry.offset is None or entry.type is not EntryType.FILE or entry.offset < BLOCK:
        return None
    return SociRange(entry.offset - BLOCK, BLOCK + entry.size, 0, None)


def _octal(field: bytes) -> int | None:
    if field and field[0] & 0x80:  # base-256 (GNU, for sizes of 8 GiB and more)
        return int.from_bytes(bytes([field[0] & 0x7F]) + field[1:], "big")
    text = field.split(b"\0", 1)[0].strip(b" \0")
    try:
        return int(text, 8) if text else 0
    except ValueError:
        return None


def header_matches(block: bytes, size: int) -> bool:
    """True when ``block`` is a tar header of a regular file of ``size`` bytes."""
    if len(block) != BLOCK:
        return False
    recorded = _octal(block[148:156])
    checksum = sum(block[:148]) + 8 * 0x20 + sum(block[156:])
    if recorded is None or recorded != checksum:
        return False
    if block[156:157] not in (b"0", b"\0", b"7"):
        return False
    declared = _octal(block[124:136])
    # A PAX size record overrides the header's field for files of 8 GiB and more.
    return declared == size or (size >= 8**11 - 1 and declared is not None)


class _FileReader:
    """Drop to the header, check it, then write the file's bytes and stop."""

    def __init__(self, plan: SociRange, entry: Entry, write: Callable[[bytes], None]) -> None:
        self._skip = plan.skip
        self._header = bytearray()
        self._left = entry.size
        self._entry = entry
        self._write = write
        self.checked = False
        self.done = False
        self.size = 0
        self._inflater = (
            GzipInflater.resume(plan.resume, self._take) if plan.resume is not None else None
        )

    def _take(self, piece: bytes) -> None:
        if self.done:
            return
        if self._skip:
            cut = min(self._skip, len(piece))
            self._skip -= cut
            piece = piece[cut:]
        if not self.checked:
            need = BLOCK - len(self._header)
            self._header += piece[:need]
            piece = piece[need:]
            if len(self._header) < BLOCK:
                return
            if not header_matches(bytes(self._header), self._entry.size):
                raise SociMismatch("the layer holds no tar header of that file where its zTOC says")
            self.checked = True
            if self._left == 0:
                self.done = True
                return
        piece = piece[: self._left]
        if piece:
            self._left -= len(piece)
            self.size += len(piece)
            self._write(piece)
        if self._left == 0:
            self.done = True

    def feed(self, chunk: bytes) -> None:
        if self._inflater is None:
            self._take(chunk)
        else:
            self._inflater.feed(chunk)


async def read_soci_file(
    source: Source,
    repository: str,
    toc: LayerToc,
    entry: Entry,
    write: Callable[[bytes], None],
    store: TocStore,
) -> int | None:
    """Write ``entry``'s bytes with one Range GET from the zran point before it; the blob
    bytes received, or None when this layer cannot be read so (the caller streams).

    Raises :class:`SociMismatch` before writing anything when the layer has no tar
    header of the file where the zTOC says; :class:`LayerFormatError` when the range does
    not inflate or ends early (after some bytes, perhaps: the file may be gigabytes and
    is written as it comes). Either way the cached TOC is deleted.
    """
    if toc.compression == "none":
        plan = plan_plain_range(entry)
    else:
        data = store.checkpoints(toc)
        if data is None or not available():
            return None
        try:
            points = decode_checkpoints(data)
        except ValueError:
            store.forget(toc.digest)
            return None
        plan = plan_soci_range(toc, entry, points)
    if plan is None:
        return None
    what = f"{display_path(entry.path)} in layer {short_digest(toc.digest)}"
    reader = _FileReader(plan, entry, write)
    try:
        received = await feed_range(source, repository, toc.digest, plan.start, plan.length, reader)
    except SociMismatch as exc:
        store.forget(toc.digest)
        raise SociMismatch(f"{what}: {exc}") from exc
    except LayerFormatError as exc:
        store.forget(toc.digest)
        if not reader.checked:
            raise SociMismatch(f"{what}: its zTOC points to a range that does not inflate") from exc
        raise LayerFormatError(
            f"{what}: the range its SOCI zTOC points to does not decode ({_first_line(exc)}); "
            "run the command again with --verify to read the layer whole"
        ) from None
    if received is None:  # the registry does not serve ranges: the caller streams
        return None
    if not reader.done:
        store.forget(toc.digest)
        if not reader.checked:
            raise SociMismatch(f"{what}: the blob ends before the file its zTOC describes")
        raise LayerFormatError(
            f"{what}: the blob ends before the file does, unlike its SOCI zTOC; "
            "run the command again with --verify to read the layer whole"
        )
    return received
