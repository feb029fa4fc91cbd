"""Layer blobs with known contents, built here: tars (ustar, GNU, PAX), gzip, zstd,
eStargz and zstd:chunked. Imported by the other ``test_layers_*`` modules; the few tests
at the bottom check that the builders make what real tools read."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import struct
import subprocess
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zstandard

from regview.registry import media_types as mt
from regview.registry.layers.embedded import (
    ESTARGZ_TOC_DIGEST,
    ESTARGZ_UNCOMPRESSED_SIZE,
    ZSTD_CHUNKED_MANIFEST_CHECKSUM,
    ZSTD_CHUNKED_MANIFEST_POSITION,
    ZSTD_CHUNKED_TARSPLIT_CHECKSUM,
    ZSTD_CHUNKED_TARSPLIT_POSITION,
)
from regview.registry.oci_layout import LayoutWriter

EPOCH = 1_700_000_000


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class TarBuilder:
    """A tar made with ``tarfile``; every ``add_*`` returns self for chaining."""

    format: int = tarfile.PAX_FORMAT
    _buf: io.BytesIO = field(default_factory=io.BytesIO)
    _tar: tarfile.TarFile | None = None

    def __post_init__(self) -> None:
        self._tar = tarfile.open(fileobj=self._buf, mode="w", format=self.format)  # noqa: SIM115

    def _info(self, name: str, kind: bytes, **kw: Any) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.mtime = kw.pop("mtime", EPOCH)
        info.mode = kw.pop("mode", 0o755 if kind == tarfile.DIRTYPE else 0o644)
        for key, value in kw.items():
            setattr(info, key, value)
        return info

    def file(self, name: str, data: bytes = b"", **kw: Any) -> TarBuilder:
        info = self._info(name, tarfile.REGTYPE, **kw)
        info.size = len(data)
        assert self._tar is not None
        self._tar.addfile(info, io.BytesIO(data))
        return self

    def dir(self, name: str, **kw: Any) -> TarBuilder:
        assert self._tar is not None
        self._tar.addfile(self._info(name, tarfile.DIRTYPE, **kw))
        return self

    def symlink(self, name: str, target: str, **kw: Any) -> TarBuilder:
        assert self._tar is not None
        self._tar.addfile(self._info(name, tarfile.SYMTYPE, linkname=target, mode=0o777, **kw))
        return self

    def hardlink(self, name: str, target: str, **kw: Any) -> TarBuilder:
        assert self._tar is not None
        self._tar.addfile(self._info(name, tarfile.LNKTYPE, linkname=target, **kw))
        return self

    def device(self, name: str, kind: bytes, major: int = 1, minor: int = 3) -> TarBuilder:
        assert self._tar is not None
        self._tar.addfile(self._info(name, kind, devmajor=major, devminor=minor, mode=0o666))
        return self

    def fifo(self, name: str) -> TarBuilder:
        assert self._tar is not None
        self._tar.addfile(self._info(name, tarfile.FIFOTYPE))
        return self

    def whiteout(self, path: str) -> TarBuilder:
        parent, _, name = path.rpartition("/")
        return self.file(f"{parent}/.wh.{name}" if parent else f".wh.{name}", mode=0o600)

    def opaque(self, directory: str) -> TarBuilder:
        return self.file(f"{directory}/.wh..wh..opq", mode=0o600)

    def bytes(self) -> bytes:
        assert self._tar is not None
        self._tar.close()
        return self._buf.getvalue()


def tar_members(raw: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(raw)) as t:
        return t.getmembers()


def gz(data: bytes, *, members: int = 1) -> bytes:
    """gzip, optionally split into several members (as pigz/eStargz write)."""
    if members == 1:
        return gzip.compress(data, mtime=0)
    step = max(1, len(data) // members)
    parts = [data[i : i + step] for i in range(0, len(data), step)] or [b""]
    return b"".join(gzip.compress(p, mtime=0) for p in parts)


def zst(data: bytes, *, frames: int = 1) -> bytes:
    c = zstandard.ZstdCompressor()
    if frames == 1:
        return c.compress(data)
    step = max(1, len(data) // frames)
    return b"".join(c.compress(data[i : i + step]) for i in range(0, len(data), step))


def sample_tar() -> bytes:
    """A layer with every kind of entry the issue names."""
    long_dir = "usr/share/" + "d" * 90
    return (
        TarBuilder()
        .dir("etc")
        .file("etc/os-release", b'ID=test\nVERSION_ID="1"\n')
        .file("etc/big", b"x" * 70_000, uid=1000, gid=1001)
        .dir("bin")
        .file("bin/tool", b"\x7fELF" + b"\0" * 1000, mode=0o4755)
        .symlink("bin/sh", "tool")
        .hardlink("bin/tool2", "bin/tool")
        .device("dev/null", tarfile.CHRTYPE, 1, 3)
        .device("dev/sda", tarfile.BLKTYPE, 8, 0)
        .fifo("run/fifo")
        .dir(long_dir)
        .file(f"{long_dir}/" + "f" * 120 + ".txt", b"long name")
        .file("caf\udce9.txt", b"latin-1 name")
        .file("empty", b"")
        .bytes()
    )


# --- eStargz ---------------------------------------------------------------------------


def _toc_entry(m: tarfile.TarInfo) -> dict[str, Any] | None:
    types = {
        tarfile.REGTYPE: "reg",
        tarfile.DIRTYPE: "dir",
        tarfile.SYMTYPE: "symlink",
        tarfile.LNKTYPE: "hardlink",
        tarfile.CHRTYPE: "char",
        tarfile.BLKTYPE: "block",
        tarfile.FIFOTYPE: "fifo",
    }
    kind = types.get(m.type)
    if kind is None:
        return None
    entry: dict[str, Any] = {
        "name": m.name + ("/" if m.isdir() else ""),
        "type": kind,
        "modtime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(m.mtime)),
        "mode": m.mode | (0o40000 if m.isdir() else 0o100000 if m.isreg() else 0),
        "uid": m.uid,
        "gid": m.gid,
    }
    if m.isreg():
        entry["size"] = m.size
    if m.issym() or m.islnk():
        entry["linkName"] = m.linkname
    if m.isdev():
        entry["devMajor"] = m.devmajor
        entry["devMinor"] = m.devminor
    return entry


def estargz_footer(toc_offset: int) -> bytes:
    extra = b"SG" + struct.pack("<H", 22) + b"%016xSTARGZ" % toc_offset
    header = b"\x1f\x8b\x08\x04\0\0\0\0\0\xff" + struct.pack("<H", len(extra)) + extra
    return header + b"\x01\x00\x00\xff\xff" + b"\0" * 8


def estargz(tar_bytes: bytes, *, size_annotation: bool = True) -> tuple[bytes, dict[str, str]]:
    """A (simplified) eStargz blob of ``tar_bytes``'s entries, and its annotations.

    The entries go in one gzip member, the TOC (``stargz.index.json`` in a tar) in the
    next, then the 51-byte footer: a valid tar.gz that eStargz readers index via its TOC.
    """
    members = tar_members(tar_bytes)
    entries = [e for e in (_toc_entry(m) for m in members) if e is not None]
    toc_json = json.dumps({"version": 1, "entries": entries}, indent="\t").encode()
    # Drop the end-of-archive blocks: the TOC entry continues the same archive.
    last = members[-1]
    body = tar_bytes[: last.offset_data + -(-last.size // 512) * 512]
    toc_tar = io.BytesIO()
    with tarfile.open(fileobj=toc_tar, mode="w", format=tarfile.USTAR_FORMAT) as t:
        info = tarfile.TarInfo("stargz.index.json")
        info.size = len(toc_json)
        info.mtime = 0
        t.addfile(info, io.BytesIO(toc_json))
    first = gzip.compress(body, mtime=0)
    second = gzip.compress(toc_tar.getvalue(), mtime=0)
    blob = first + second + estargz_footer(len(first))
    annotations = {ESTARGZ_TOC_DIGEST: sha256(toc_json)}
    if size_annotation:
        annotations[ESTARGZ_UNCOMPRESSED_SIZE] = str(len(body) + len(toc_tar.getvalue()))
    return blob, annotations


def estargz_chunked(
    tar_bytes: bytes, *, chunk_size: int = 4 * 1024 * 1024
) -> tuple[bytes, dict[str, str]]:
    """An eStargz blob laid out as stargz-snapshotter's writer lays it out: each tar
    header in a gzip member of its own, each file chunk (``chunk_size``) in the next
    members, the TOC listing every chunk's blob ``offset`` (``reg`` then ``chunk`` rows,
    with ``chunkOffset``/``chunkSize``, ``digest`` and ``chunkDigest``), then the TOC
    member and the footer. The tar is re-encoded entry by entry, so the blob inflates to
    the same entries (the TOC entry is appended, as eStargz does)."""
    members = tar_members(tar_bytes)
    out = io.BytesIO()
    rows: list[dict[str, Any]] = []
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as src:
        for m in members:
            row = _toc_entry(m)
            header = tar_bytes[m.offset : m.offset_data]  # PAX/GNU headers included
            out.write(gzip.compress(header, mtime=0))
            if row is None:
                continue
            if not m.isreg() or m.size == 0:
                rows.append(row)
                continue
            f = src.extractfile(m)
            assert f is not None
            data = f.read()
            row["digest"] = sha256(data)
            padding = b"\0" * (-m.size % 512)
            for start in range(0, m.size, chunk_size):
                chunk = data[start : start + chunk_size]
                part = dict(row) if start == 0 else {"name": row["name"], "type": "chunk"}
                part["offset"] = out.tell()
                part["chunkOffset"] = start
                if m.size > chunk_size:
                    part["chunkSize"] = len(chunk)
                part["chunkDigest"] = sha256(chunk)
                rows.append(part)
                last = start + chunk_size >= m.size
                out.write(gzip.compress(chunk + (padding if last else b""), mtime=0))
    toc_json = json.dumps({"version": 1, "entries": rows}, indent="\t").encode()
    toc_tar = io.BytesIO()
    with tarfile.open(fileobj=toc_tar, mode="w", format=tarfile.USTAR_FORMAT) as t:
        info = tarfile.TarInfo("stargz.index.json")
        info.size = len(toc_json)
        t.addfile(info, io.BytesIO(toc_json))
    toc_at = out.tell()
    out.write(gzip.compress(toc_tar.getvalue(), mtime=0))
    out.write(estargz_footer(toc_at))
    return out.getvalue(), {ESTARGZ_TOC_DIGEST: sha256(toc_json)}


# --- zstd:chunked ----------------------------------------------------------------------


def _skippable(payload: bytes) -> bytes:
    return struct.pack("<II", 0x184D2A50, len(payload)) + payload


def _tarsplit(tar_bytes: bytes, members: list[tarfile.TarInfo]) -> bytes:
    """tar-split's JSON lines: the tar's own bytes inline, the files' data by size."""
    lines: list[bytes] = []
    pos = 0
    for m in members:
        lines.append(
            json.dumps(
                {"type": 2, "payload": base64.b64encode(tar_bytes[pos : m.offset_data]).decode()}
            ).encode()
        )
        lines.append(json.dumps({"type": 1, "name": m.name, "size": m.size}).encode())
        pos = m.offset_data + m.size
    lines.append(
        json.dumps({"type": 2, "payload": base64.b64encode(tar_bytes[pos:]).decode()}).encode()
    )
    return b"\n".join(lines) + b"\n"


def _zstd_chunked_blob(
    body: bytes, rows: list[dict[str, Any]], tar_bytes: bytes, members: list[tarfile.TarInfo]
) -> tuple[bytes, dict[str, str]]:
    """``body`` (zstd frames of the tar) followed by the manifest (``rows``), tar-split
    and footer skippable frames; with the annotations containers/image would set."""
    manifest = json.dumps({"version": 1, "entries": rows}).encode()
    tarsplit = _tarsplit(tar_bytes, members)
    c = zstandard.ZstdCompressor()
    manifest_z = c.compress(manifest)
    tarsplit_z = c.compress(tarsplit)
    manifest_at = len(body) + 8
    tarsplit_at = manifest_at + len(manifest_z) + 8
    footer = struct.pack(
        "<7Q8s",
        manifest_at,
        len(manifest_z),
        len(manifest),
        1,
        tarsplit_at,
        len(tarsplit_z),
        len(tarsplit),
        b"GNUlInUx",
    )
    blob = body + _skippable(manifest_z) + _skippable(tarsplit_z) + _skippable(footer)
    annotations = {
        ZSTD_CHUNKED_MANIFEST_CHECKSUM: sha256(manifest_z),
        ZSTD_CHUNKED_MANIFEST_POSITION: f"{manifest_at}:{len(manifest_z)}:{len(manifest)}:1",
        ZSTD_CHUNKED_TARSPLIT_CHECKSUM: sha256(tarsplit_z),
        ZSTD_CHUNKED_TARSPLIT_POSITION: f"{tarsplit_at}:{len(tarsplit_z)}:{len(tarsplit)}",
    }
    return blob, annotations


def zstd_chunked(tar_bytes: bytes, *, annotate: bool = True) -> tuple[bytes, dict[str, str]]:
    """A zstd:chunked blob: zstd frames of the tar, then the manifest, tar-split and
    footer skippable frames; with the annotations containers/image would set. Its TOC
    has no file offsets (files cannot be read by range)."""
    members = tar_members(tar_bytes)
    entries = [e for e in (_toc_entry(m) for m in members) if e is not None]
    blob, annotations = _zstd_chunked_blob(zst(tar_bytes, frames=3), entries, tar_bytes, members)
    if annotate:
        return blob, annotations
    return blob, {ZSTD_CHUNKED_MANIFEST_CHECKSUM: annotations[ZSTD_CHUNKED_MANIFEST_CHECKSUM]}


def zstd_chunked_v1(tar_bytes: bytes, *, position: bool = True) -> tuple[bytes, dict[str, str]]:
    """The first version of zstd:chunked (containers/storage before tar-split, what
    Debian's skopeo 1.9 writes): zstd frames of the tar, the manifest's skippable frame,
    then a 48-byte footer (offset, length, uncompressed length, type, ``GnUlInUx``);
    ``io.containers.zstd-chunked.*`` annotations (without the position: read the footer)."""
    members = tar_members(tar_bytes)
    entries = [e for e in (_toc_entry(m) for m in members) if e is not None]
    manifest = json.dumps({"version": 1, "entries": entries}).encode()
    manifest_z = zstandard.ZstdCompressor().compress(manifest)
    body = zst(tar_bytes, frames=3)
    at = len(body) + 8
    footer = struct.pack("<4Q8s", at, len(manifest_z), len(manifest), 1, b"GnUlInUx")
    blob = body + _skippable(manifest_z) + _skippable(footer)
    annotations = {"io.containers.zstd-chunked.manifest-checksum": sha256(manifest_z)}
    if position:
        annotations["io.containers.zstd-chunked.manifest-position"] = (
            f"{at}:{len(manifest_z)}:{len(manifest)}:1"
        )
    return blob, annotations


def zstd_chunked_files(
    tar_bytes: bytes, *, chunk_size: int = 4 * 1024 * 1024
) -> tuple[bytes, dict[str, str]]:
    """A zstd:chunked blob laid out as containers/storage's ``pkg/chunked`` compressor
    lays it out: the tar's headers and padding in zstd frames of their own, each file's
    data in frames that start where the data does, one per chunk (``chunk_size``); the
    TOC gives each file its ``digest`` and blob ``offset``/``endOffset``, and each chunk
    (``reg`` then ``chunk`` rows) its ``offset``, ``chunkOffset``, ``chunkSize`` and
    ``chunkDigest``. The blob inflates to ``tar_bytes`` exactly."""
    members = tar_members(tar_bytes)
    c = zstandard.ZstdCompressor()
    body = bytearray()
    pending = bytearray()  # tar bytes (headers, padding) not compressed yet
    rows: list[dict[str, Any]] = []
    pos = 0

    def restart() -> None:
        if pending:
            body.extend(c.compress(bytes(pending)))
            pending.clear()

    for m in members:
        pending += tar_bytes[pos : m.offset_data]
        pos = m.offset_data
        row = _toc_entry(m)
        if row is None:
            continue
        if not m.isreg() or m.size == 0:
            rows.append(row)
            continue
        restart()
        data = tar_bytes[m.offset_data : m.offset_data + m.size]
        row["digest"] = sha256(data)
        for start in range(0, m.size, chunk_size):
            chunk = data[start : start + chunk_size]
            part = row if start == 0 else {"type": "chunk", "name": row["name"]}
            part["offset"] = len(body)
            part["chunkOffset"] = start
            part["chunkSize"] = len(chunk)
            part["chunkDigest"] = sha256(chunk)
            rows.append(part)
            body.extend(c.compress(chunk))
        row["endOffset"] = len(body)
        pos = m.offset_data + m.size
    pending += tar_bytes[pos:]
    restart()
    return _zstd_chunked_blob(bytes(body), rows, tar_bytes, members)


# --- images ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    blob: bytes
    media_type: str = mt.OCI_LAYER_GZIP
    annotations: dict[str, str] = field(default_factory=dict)


DiffIds = Callable[[list[str]], list[str]]


def uncompressed(blob: bytes) -> bytes:
    """A layer's tar, inflated without regview (every gzip member, every zstd frame)."""
    if blob.startswith(b"\x1f\x8b"):
        return gzip.decompress(blob)
    if blob.startswith(b"\x28\xb5\x2f\xfd"):
        reader = zstandard.ZstdDecompressor().stream_reader(
            io.BytesIO(blob), read_across_frames=True
        )
        return bytes(reader.read())
    return blob


def diff_id_of(blob: bytes) -> str:
    """The diff_id of a layer blob: the sha256 of its uncompressed tar."""
    return sha256(uncompressed(blob))


def write_image(
    root: Path,
    layers: list[Layer],
    *,
    diff_ids: DiffIds | None = None,
    tag: str = "latest",
    platforms: tuple[str, ...] = (),
    config_fields: dict[str, Any] | None = None,
) -> Path:
    """An OCI layout at ``root`` with one image (or an index of ``platforms`` images,
    each with the same layers plus a last layer naming its platform). The config lists
    the layers' real diff_ids, or what ``diff_ids`` makes of them (to break them), and
    any ``config_fields`` (``config``, ``history``, ``created``...) given."""
    from regview.registry.oci_layout import descriptor_json

    w = LayoutWriter(root)

    def image(all_layers: list[Layer], platform: str | None) -> Any:
        descriptors = [
            w.add_blob(layer.blob, layer.media_type, annotations=layer.annotations or None)
            for layer in all_layers
        ]
        real = [diff_id_of(layer.blob) for layer in all_layers]
        os_, arch = (platform or "linux/amd64").split("/")[:2]
        config = {
            "architecture": arch,
            "os": os_,
            "rootfs": {"type": "layers", "diff_ids": diff_ids(real) if diff_ids else real},
            **(config_fields or {}),
        }
        cfg = w.add_json(config, mt.OCI_CONFIG)
        manifest = {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": descriptor_json(cfg),
            "layers": [descriptor_json(d) for d in descriptors],
        }
        plat = {"os": os_, "architecture": arch} if platform else None
        return w.add_json(manifest, mt.OCI_MANIFEST, platform=plat)

    if not platforms:
        w.tag(image(layers, None), tag)
    else:
        children = []
        for p in platforms:
            marker = gz(TarBuilder().file("etc/arch", p.encode()).bytes())
            children.append(image([*layers, Layer(marker)], p))
        index = {
            "schemaVersion": 2,
            "mediaType": mt.OCI_INDEX,
            "manifests": [descriptor_json(d) for d in children],
        }
        w.tag(w.add_json(index, mt.OCI_INDEX), tag)
    w.close()
    return root


def tar_tv(blob: bytes, tmp: Path, *, zstd: bool = False) -> list[tuple[str, str, int, str]]:
    """``tar -tv`` on ``blob``: (mode string, owner, size, name) per line."""
    path = tmp / "blob.tar"
    path.write_bytes(blob)
    args = ["tar", "--numeric-owner", "--quoting-style=literal", "-tvf", str(path)]
    if zstd:
        args.insert(1, "--zstd")
    out = subprocess.run(args, check=True, capture_output=True, env={"TZ": "UTC"}).stdout
    rows = []
    for raw in out.splitlines():
        line = raw.decode("utf-8", "surrogateescape")
        mode, owner, size, _date, _time, name = line.split(None, 5)
        name = name.split(" -> ")[0].split(" link to ")[0]
        size_value = 0 if "," in size else int(size)
        rows.append((mode, owner, size_value, name.removeprefix("./").rstrip("/")))
    return rows


# --- the builders make what real tools read --------------------------------------------
