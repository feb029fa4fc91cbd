"""Build SOCI zTOCs and SOCI index artifacts for tests, independently of regview.

* The zTOC is written with the ``flatbuffers`` package's ``Builder``, field by field
  from the schema (``ztoc/fbs/ztoc.fbs`` of awslabs/soci-snapshotter, written out below):
  regview's reader is hand-written and never used here.
* The zran points are not computed by a zran run (regview's own ``gzip_index`` would
  not be independent of the code that reads checkpoints). The layer is compressed by
  Python's ``zlib.compressobj`` with a ``Z_FULL_FLUSH`` every ``every`` bytes of tar:
  a full flush ends on a byte boundary and resets the compressor, so the byte after it
  starts a deflate block that needs no earlier bit (``bits`` = 0) at a position the
  writer knows exactly. Each window is taken by Python's ``zlib`` inflating the blob
  from its start to that point (the last 32 KiB out, zero-padded in front as zran's
  circular buffer is). Point 0 is SOCI's: just after the 10-byte gzip header.
* The zinfo serialisation is SOCI's (``gzip_zinfo.c``): int32 count, int64 span size,
  then per point int64 compressed offset, int64 uncompressed offset, one byte of bits
  and the 32 KiB window, little endian (version 1 leaves point 0 out).

Schema, as used here (field numbers are slot numbers)::

    table FileMetadata { name:string; type:string; uncompressed_offset:long;
        uncompressed_size:long; linkname:string; mode:long; uid:uint32; gid:uint32;
        uname:string; gname:string; mod_time:string; devmajor:long; devminor:long;
        xattrs:[Xattr]; }
    enum CompressionAlgorithm : byte { Gzip = 1, Uncompressed }
    table CompressionInfo { compression_algorithm:CompressionAlgorithm = Gzip;
        max_span_id:int; span_digests:[string]; checkpoints:[ubyte]; }
    table TOC { metadata:[FileMetadata]; }
    table Ztoc { version:string; build_tool_identifier:string;
        compressed_archive_size:long; uncompressed_archive_size:long; toc:TOC;
        compression_info:CompressionInfo; }
"""

from __future__ import annotations

import io
import struct
import tarfile
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import flatbuffers

from regview.registry import media_types as mt
from tests.support import images
from tests.support.images import Blob, Manifest

SOCI_INDEX_V1 = "application/vnd.amazon.soci.index.v1+json"
SOCI_INDEX_V2 = "application/vnd.amazon.soci.index.v2+json"
#: On a SOCI v2 image manifest (and its entry in the image index): its SOCI index.
INDEX_DIGEST = "com.amazon.soci.index-digest"
#: On the SOCI v2 index's entry in the image index: the image it serves.
IMAGE_MANIFEST_DIGEST = "com.amazon.soci.image-manifest-digest"
BUILD_TOOL = "com.amazon.soci.build-tool-identifier"
LAYER_DIGEST = "com.amazon.soci.image-layer-digest"
LAYER_MEDIA_TYPE = "com.amazon.soci.image-layer-mediatype"
WINDOW = 32 * 1024
GZIP_HEADER = 10  # zlib's gzip header: no name, no extra field

_TYPES = {
    tarfile.REGTYPE: "reg",
    tarfile.AREGTYPE: "reg",
    tarfile.DIRTYPE: "dir",
    tarfile.SYMTYPE: "symlink",
    tarfile.LNKTYPE: "hardlink",
    tarfile.CHRTYPE: "char",
    tarfile.BLKTYPE: "block",
    tarfile.FIFOTYPE: "fifo",
    # A GNU sparse file: a regular file of its logical size, as a tar reader that
    # expands sparse files (Go's archive/tar, which soci uses) presents it.
    tarfile.GNUTYPE_SPARSE: "reg",
}


@dataclass(frozen=True)
class Point:
    compressed: int  # SOCI's "in": the first byte of the next block (bits = 0 here)
    uncompressed: int
    window: bytes
    bits: int = 0


@dataclass(frozen=True)
class FileRecord:
    name: str
    type: str
    offset: int  # where the data starts, from tarfile's ``offset_data``
    size: int
    linkname: str = ""
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    uname: str = ""
    gname: str = ""
    mod_time: str = ""


def files_tar(files: dict[str, bytes], *, tar_format: int = tarfile.PAX_FORMAT) -> bytes:
    """A tar of regular files written by Python's tarfile (an independent writer), in the
    given order, every mtime 1,700,000,000."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tar_format) as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_700_000_000
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def gzip_with_points(tar: bytes, every: int) -> tuple[bytes, list[tuple[int, int]]]:
    """``tar`` gzipped with a full flush every ``every`` bytes; (compressed, uncompressed)
    offsets where a block starts on a byte after each flush."""
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    out = bytearray()
    positions: list[tuple[int, int]] = []
    for start in range(0, len(tar), every):
        out += c.compress(tar[start : start + every])
        end = min(start + every, len(tar))
        if end < len(tar):
            out += c.flush(zlib.Z_FULL_FLUSH)
            positions.append((len(out), end))
    out += c.flush()
    return bytes(out), positions


def points_for(blob: bytes, positions: list[tuple[int, int]]) -> list[Point]:
    """SOCI's point 0, then a point at each position, its window inflated by zlib."""
    points = [Point(GZIP_HEADER, 0, bytes(WINDOW))]
    for compressed, uncompressed in positions:
        d = zlib.decompressobj(31)
        out = d.decompress(blob[:compressed])
        assert len(out) == uncompressed, (len(out), uncompressed)
        points.append(Point(compressed, uncompressed, (bytes(WINDOW) + out)[-WINDOW:]))
    return points


def zinfo(points: list[Point], span: int, *, version: int = 2) -> bytes:
    """SOCI's gzip_zinfo serialisation of ``points``."""
    parts = [struct.pack("<iQ", len(points), span)]
    for p in points[1:] if version == 1 else points:
        assert len(p.window) == WINDOW
        parts.append(struct.pack("<QQB", p.compressed, p.uncompressed, p.bits) + p.window)
    return b"".join(parts)


def records_from_tar(tar: bytes) -> list[FileRecord]:
    """The zTOC records SOCI would write for ``tar``, from Python's tarfile."""
    out: list[FileRecord] = []
    with tarfile.open(fileobj=io.BytesIO(tar), mode="r:") as tf:
        for m in tf.getmembers():
            mtime = datetime.fromtimestamp(m.mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            out.append(
                FileRecord(
                    name=m.name,
                    type=_TYPES[m.type],
                    offset=m.offset_data,
                    size=m.size,
                    linkname=m.linkname,
                    mode=m.mode,
                    uid=m.uid,
                    gid=m.gid,
                    uname=m.uname,
                    gname=m.gname,
                    mod_time=mtime,
                )
            )
    return out


def shifted(records: list[FileRecord], by: int) -> list[FileRecord]:
    """The records with every file's offset moved by ``by`` bytes (a wrong zTOC)."""
    return [replace(r, offset=r.offset + by) if r.type == "reg" else r for r in records]


def ztoc(
    records: list[FileRecord],
    checkpoints: bytes,
    *,
    compressed_size: int,
    uncompressed_size: int,
    max_span_id: int,
    version: str = "0.9",
    algorithm: int = 1,
) -> bytes:
    """A zTOC FlatBuffers document, written with the flatbuffers Builder
    (``algorithm``: the schema's CompressionAlgorithm, 1 gzip, 2 uncompressed)."""
    b = flatbuffers.Builder(1024)
    metas = []
    for r in records:
        name = b.CreateString(r.name)
        kind = b.CreateString(r.type)
        link = b.CreateString(r.linkname)
        uname = b.CreateString(r.uname)
        gname = b.CreateString(r.gname)
        mtime = b.CreateString(r.mod_time)
        b.StartObject(14)
        b.PrependUOffsetTRelativeSlot(0, name, 0)
        b.PrependUOffsetTRelativeSlot(1, kind, 0)
        b.PrependInt64Slot(2, r.offset, 0)
        b.PrependInt64Slot(3, r.size, 0)
        b.PrependUOffsetTRelativeSlot(4, link, 0)
        b.PrependInt64Slot(5, r.mode, 0)
        b.PrependUint32Slot(6, r.uid, 0)
        b.PrependUint32Slot(7, r.gid, 0)
        b.PrependUOffsetTRelativeSlot(8, uname, 0)
        b.PrependUOffsetTRelativeSlot(9, gname, 0)
        b.PrependUOffsetTRelativeSlot(10, mtime, 0)
        metas.append(b.EndObject())
    b.StartVector(4, len(metas), 4)
    for m in reversed(metas):
        b.PrependUOffsetTRelative(m)
    meta_vector = b.EndVector()
    b.StartObject(1)
    b.PrependUOffsetTRelativeSlot(0, meta_vector, 0)
    toc = b.EndObject()
    ckpt = b.CreateByteVector(checkpoints)
    b.StartObject(4)
    b.PrependInt8Slot(0, algorithm, 1)
    b.PrependInt32Slot(1, max_span_id, 0)
    b.PrependUOffsetTRelativeSlot(3, ckpt, 0)
    info = b.EndObject()
    ver = b.CreateString(version)
    tool = b.CreateString("regview tests (flatbuffers Builder)")
    b.StartObject(6)
    b.PrependUOffsetTRelativeSlot(0, ver, 0)
    b.PrependUOffsetTRelativeSlot(1, tool, 0)
    b.PrependInt64Slot(2, compressed_size, 0)
    b.PrependInt64Slot(3, uncompressed_size, 0)
    b.PrependUOffsetTRelativeSlot(4, toc, 0)
    b.PrependUOffsetTRelativeSlot(5, info, 0)
    root = b.EndObject()
    b.Finish(root)
    return bytes(b.Output())


def layer_ztoc(tar: bytes, every: int) -> tuple[bytes, bytes, list[FileRecord], bytes]:
    """(gzip blob, zinfo, records, zTOC) for ``tar`` with a restart point every ``every``."""
    blob, positions = gzip_with_points(tar, every)
    points = points_for(blob, positions)
    info = zinfo(points, every)
    records = records_from_tar(tar)
    doc = ztoc(
        records,
        info,
        compressed_size=len(blob),
        uncompressed_size=len(tar),
        max_span_id=len(points) - 1,
    )
    return blob, info, records, doc


def tar_zinfo(tar_size: int, span: int) -> bytes:
    """SOCI's TarZinfo (ztoc/compression/tar_zinfo.go): int32 version 2, int64 span size,
    int64 tar size, little endian: an uncompressed layer's ``checkpoints``."""
    return struct.pack("<iqq", 2, span, tar_size)


def plain_layer_ztoc(tar: bytes, span: int) -> tuple[list[FileRecord], bytes]:
    """(records, zTOC) of an uncompressed layer ``tar``, as SOCI writes it for one."""
    records = records_from_tar(tar)
    doc = ztoc(
        records,
        tar_zinfo(len(tar), span),
        compressed_size=len(tar),
        uncompressed_size=len(tar),
        max_span_id=max(0, (len(tar) - 1) // span),
        algorithm=2,
    )
    return records, doc


def image_with_layer(blob: bytes, tar: bytes, media_type: str = mt.OCI_LAYER_GZIP) -> Manifest:
    """A one-layer OCI image (layer ``blob`` of ``tar``, gzip unless ``media_type``)."""
    layer = Blob(media_type, blob)
    config_obj = {
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [images.sha256_digest(tar)]},
    }
    config = Blob(mt.OCI_CONFIG, images.canonical_json(config_obj))
    manifest = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "config": config.descriptor(),
        "layers": [layer.descriptor()],
    }
    return Manifest(
        kind="image",
        media_type=mt.OCI_MANIFEST,
        raw=images.canonical_json(manifest),
        config=config,
        layers=(layer,),
    )


def soci_index(subject: Manifest, ztoc_doc: bytes) -> Manifest:
    """A SOCI index v1 artifact whose one blob is ``ztoc_doc``, for the subject's layer."""
    layer = subject.layers[0]
    blob = Blob(
        "application/octet-stream",
        ztoc_doc,
        {LAYER_DIGEST: layer.digest, LAYER_MEDIA_TYPE: layer.media_type},
    )
    return images.artifact("soci", subject, SOCI_INDEX_V1, blob, {})


def soci_index_v2(image: Manifest, ztoc_doc: bytes) -> Manifest:
    """A SOCI index v2 manifest for the image's layer, laid out as soci-snapshotter's
    ``MarshalIndex`` writes it (soci/soci_index.go): an OCI image manifest with no
    ``artifactType`` field and no ``subject``, whose config is ``{}`` with the v2 media
    type (``defaultConfigDescriptorV2``) and whose layers are the zTOCs."""
    layer = image.layers[0]
    blob = Blob(
        "application/octet-stream",
        ztoc_doc,
        {LAYER_DIGEST: layer.digest, LAYER_MEDIA_TYPE: layer.media_type},
    )
    config = Blob(SOCI_INDEX_V2, b"{}")
    annotations = {BUILD_TOOL: "regview tests"}
    manifest = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "config": config.descriptor(),
        "layers": [blob.descriptor()],
        "annotations": annotations,
    }
    return Manifest(
        kind="soci",
        media_type=mt.OCI_MANIFEST,
        raw=images.canonical_json(manifest),
        config=config,
        layers=(blob,),
        artifact_type=SOCI_INDEX_V2,
    )


def annotated_image(image: Manifest, index_digest: str) -> Manifest:
    """The image with :data:`INDEX_DIGEST` = ``index_digest`` on its manifest (a new
    manifest: same config and layers), as ``soci convert`` annotates it."""
    obj = image.json
    obj["annotations"] = {**obj.get("annotations", {}), INDEX_DIGEST: index_digest}
    return replace(image, raw=images.canonical_json(obj))


def soci_enabled_index(image: Manifest, index: Manifest, platform: str = "linux/amd64") -> Manifest:
    """The image index ``soci convert`` writes (soci/soci_convert.go): the annotated
    image, then the SOCI index for the same platform, its entry with ``artifactType``
    and :data:`IMAGE_MANIFEST_DIGEST`."""
    listed_image = replace(
        image,
        platform=platform,
        annotations={INDEX_DIGEST: image.json["annotations"][INDEX_DIGEST]},
    )
    listed_index = replace(
        index, platform=platform, annotations={IMAGE_MANIFEST_DIGEST: image.digest}
    )
    children = (listed_image, listed_index)
    obj = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_INDEX,
        "manifests": [c.descriptor() for c in children],
    }
    return Manifest(
        kind="index",
        media_type=mt.OCI_INDEX,
        raw=images.canonical_json(obj),
        children=children,
    )
