"""Gzip checkpoints and ranged file reads (issue 14).

Layers are written by GNU tar and compressed by GNU gzip (or by Python's gzip, member by
member, as pigz and eStargz do); expected bytes are the files the test wrote itself or
what ``gzip -dc`` gives, never what the code under test produced. Ranged reads go
through a real :class:`OciLayoutSource` (its blobs are files), wrapped only to record
which byte ranges were asked for.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import random
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from regview.registry import media_types as mt
from regview.registry.blobs import BlobStream
from regview.registry.errors import DigestMismatch, LayerFormatError
from regview.registry.layers import LayerIndexer, TocStore, image_layers, read_file
from regview.registry.layers.frame_index import decode_frames, encode_frames
from regview.registry.layers.gzip_index import (
    WINDOW,
    GzipCheckpoint,
    GzipInflater,
    decode_checkpoints,
    encode_checkpoints,
)
from regview.registry.layers.ranged_read import plan_range
from regview.registry.layers.store import DamagedCheckpoints
from regview.registry.layers.tarstream import TarParser
from regview.registry.models import Descriptor
from regview.registry.oci_layout import OciLayoutSource
from tests.support.layer_builders import Layer, estargz_chunked, gz, write_image, zst

MiB = 1024 * 1024


def _text(n: int, seed: int) -> bytes:
    """Compressible but not trivial text: words drawn at random."""
    rng = random.Random(seed)
    words = [
        bytes(rng.choices(b"abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9))) for _ in range(500)
    ]
    out = bytearray()
    while len(out) < n:
        out += b" ".join(rng.choices(words, k=20)) + b"\n"
    return bytes(out[:n])


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Files on disk (path -> content), spread so the gzip layer spans several spacings."""
    root = tmp_path_factory.mktemp("tree") / "root"
    files = {
        "a/first.txt": b"the first file\n",
        "a/random.bin": random.Random(1).randbytes(5 * MiB),
        "b/" + "long-name-" * 12 + ".txt": _text(300_000, 2),  # PAX/GNU long name
        "b/middle.bin": random.Random(3).randbytes(4 * MiB + 123),
        "c/text.txt": _text(3 * MiB, 4),
        "c/empty": b"",
        "z/last.txt": _text(200_000, 5),
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files | {"__root__": str(root).encode()}


def gnu_tar(tree: dict[str, bytes], tmp: Path, fmt: str) -> bytes:
    root = tree["__root__"].decode()
    names = sorted(n for n in tree if n != "__root__")
    out = tmp / f"layer-{fmt}.tar"
    subprocess.run(
        [
            "tar",
            f"--format={fmt}",
            "--sort=name",
            "--mtime=@1700000000",
            "--owner=0",
            "--group=0",
            "-C",
            root,
            "-cf",
            str(out),
            *names,
        ],
        check=True,
    )
    return out.read_bytes()


def gnu_gzip(raw: bytes, tmp: Path) -> bytes:
    path = tmp / "layer.tar"
    path.write_bytes(raw)
    subprocess.run(["gzip", "-n", "-6", "-f", str(path)], check=True)
    return (tmp / "layer.tar.gz").read_bytes()


def gunzip(blob: bytes) -> bytes:
    return subprocess.run(["gzip", "-dc"], input=blob, capture_output=True, check=True).stdout


def inflate_all(blob: bytes, spacing: int, piece: int = 65536) -> tuple[bytes, GzipInflater]:
    out = bytearray()
    g = GzipInflater(out.extend, spacing=spacing)
    for i in range(0, len(blob), piece):
        g.feed(blob[i : i + piece])
    g.finish()
    return bytes(out), g


def resume(blob: bytes, cp: GzipCheckpoint, n: int) -> bytes:
    out = bytearray()
    r = GzipInflater.resume(cp, out.extend)
    pos = cp.compressed
    while len(out) < n and pos < len(blob):
        r.feed(blob[pos : pos + 50_000])
        pos += 50_000
    return bytes(out[:n])


# --- the inflater and its checkpoints ---------------------------------------------------


def test_every_checkpoint_of_a_gnu_gzip_layer_resumes_to_what_gzip_dc_gives(
    tree: dict[str, bytes], tmp_path: Path
) -> None:
    blob = gnu_gzip(gnu_tar(tree, tmp_path, "gnu"), tmp_path)
    expected = gunzip(blob)
    out, g = inflate_all(blob, spacing=MiB)
    assert out == expected
    assert len(g.checkpoints) >= len(blob) // MiB - 2
    # Spaced by compressed bytes, in order.
    gaps = [
        b.compressed - a.compressed for a, b in zip(g.checkpoints, g.checkpoints[1:], strict=False)
    ]
    assert all(gap >= MiB for gap in gaps)
    for cp in g.checkpoints:
        assert 0 < len(cp.window) <= WINDOW
        assert resume(blob, cp, 200_000) == expected[cp.uncompressed : cp.uncompressed + 200_000]


def test_pigz_style_members_resume_too_small_members_from_their_start(tmp_path: Path) -> None:
    raw = _text(6 * MiB, 7)
    # Many small members (eStargz writes one per file chunk): one block each.
    blob = gz(raw, members=600) + b"\0" * 16  # some tools pad with zeros
    out, g = inflate_all(blob, spacing=256 * 1024)
    assert out == raw and g.members >= 600
    starts = [cp for cp in g.checkpoints if cp.member_start]
    assert starts and all(cp.window == b"" for cp in starts)
    for cp in g.checkpoints:
        assert blob[cp.compressed : cp.compressed + 2] == b"\x1f\x8b" or not cp.member_start
        # A resumed read crosses member boundaries (trailer, next header) like a whole one.
        assert resume(blob, cp, 300_000) == raw[cp.uncompressed : cp.uncompressed + 300_000]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: b[: len(b) // 2], "ends early"),
        (lambda b: b + b"junk after the end", "garbage after the end"),
        (lambda b: b[:5000] + bytes(300) + b[5300:], "not valid gzip"),
        (lambda b: b"\x1f\x8b\x09" + b[3:], "not valid gzip"),
    ],
)
def test_damaged_gzip_is_one_line(damage: Any, message: str) -> None:
    blob = damage(gzip.compress(_text(400_000, 8), mtime=0))
    with pytest.raises(LayerFormatError) as info:
        inflate_all(blob, spacing=64 * 1024)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_checkpoints_round_trip_and_damage_is_refused() -> None:
    raw = _text(3 * MiB, 9)
    blob = gzip.compress(raw, mtime=0)
    _, g = inflate_all(blob, spacing=128 * 1024)
    # Huffman blocks end anywhere in a byte: the bit offsets are exercised.
    assert any(cp.bits for cp in g.checkpoints)
    for cp in g.checkpoints:
        assert resume(blob, cp, 100_000) == raw[cp.uncompressed : cp.uncompressed + 100_000]
    data = encode_checkpoints(g.checkpoints)
    assert decode_checkpoints(data) == g.checkpoints
    assert len(data) < len(blob) * 0.1
    for bad in (data[:-3], data[:40] + b"\xff" * 8 + data[48:], b"not checkpoints", data + b"x"):
        with pytest.raises(ValueError, match="checkpoint"):
            decode_checkpoints(bad)


# --- ranged reads through a real layout ---------------------------------------------------


class RecordingSource(OciLayoutSource):
    """An OCI layout whose blob reads are recorded: (offset, length, bytes delivered)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.reads: list[tuple[int, int | None, int]] = []

    @contextlib.asynccontextmanager
    async def open_blob(
        self, repository: str, digest: str, *, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[BlobStream]:
        async with super().open_blob(repository, digest, offset=offset, length=length) as s:
            try:
                yield s
            finally:
                self.reads.append((offset, length, s.read))


async def cat(source: Any, layers: list[Descriptor], path: str, store: TocStore) -> bytes:
    out = bytearray()
    await read_file(
        source, "img", layers, path, out.extend, indexer=LayerIndexer(source, store=store)
    )
    return bytes(out)


async def a_layout(
    tmp_path: Path, blob: bytes, media_type: str = mt.OCI_LAYER_GZIP
) -> tuple[RecordingSource, list[Descriptor], TocStore]:
    write_image(tmp_path / "img", [Layer(blob, media_type)])
    source = RecordingSource(tmp_path / "img")
    _, layers = await image_layers(source, "img", "latest")
    return source, layers, TocStore(tmp_path / "cache")


FILES = (
    "a/first.txt",
    "b/" + "long-name-" * 12 + ".txt",
    "b/middle.bin",
    "c/text.txt",
    "c/empty",
    "z/last.txt",
)


@pytest.mark.parametrize("fmt", ["gnu", "posix"])
async def test_after_indexing_each_file_is_one_bounded_range(
    tree: dict[str, bytes], tmp_path: Path, fmt: str
) -> None:
    blob = gnu_gzip(gnu_tar(tree, tmp_path, fmt), tmp_path)
    source, layers, store = await a_layout(tmp_path, blob)
    await LayerIndexer(source, store=store).index("img", layers[0])
    assert source.reads == [(0, None, len(blob))]
    toc = store.get(layers[0].digest)
    assert toc is not None and toc.checkpoints_sha256 is not None
    source.reads.clear()
    for name in FILES:
        assert await cat(source, layers, name, TocStore(tmp_path / "cache")) == tree[name], name
        ((offset, _length, read),) = source.reads
        source.reads.clear()
        # The target: two 4 MiB spacings plus the file (compressed, at most its size + 1 %).
        assert read <= 8 * MiB + len(tree[name]) * 1.01 + 64 * 1024, (name, offset, read)


async def test_a_plain_tar_file_is_read_from_its_headers_to_the_next_entry(
    tree: dict[str, bytes], tmp_path: Path
) -> None:
    raw = gnu_tar(tree, tmp_path, "posix")
    source, layers, store = await a_layout(tmp_path, raw)
    toc = await LayerIndexer(source, store=store).index("img", layers[0])
    by_path = {e.path: e for e in toc.entries}
    # Offsets checked against Python's tarfile (its header offsets, PAX headers included).
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(raw)) as t:
        members = {m.name: m for m in t.getmembers()}
    source.reads.clear()
    for name in FILES:
        entry = by_path[name]
        assert entry.offset is not None
        m = members[name]
        # tarfile's offset: where the first header starts (a PAX header, when any).
        assert entry.offset == m.offset
        if name.startswith("b/long"):
            assert m.offset_data - m.offset > 512  # a PAX or GNU 'L' header came first
        assert await cat(source, layers, name, store) == tree[name]
        ((offset, _length, read),) = source.reads
        source.reads.clear()
        assert offset == entry.offset
        assert read <= m.offset_data - entry.offset + len(tree[name]) + 1024 + 512 * 2 + 10240


async def test_cat_of_the_last_file_keeps_the_toc_and_the_next_cat_is_ranged(
    tree: dict[str, bytes], tmp_path: Path
) -> None:
    blob = gnu_gzip(gnu_tar(tree, tmp_path, "gnu"), tmp_path)
    source, layers, store = await a_layout(tmp_path, blob)
    assert await cat(source, layers, "z/last.txt", store) == tree["z/last.txt"]
    # The layer is indexed (read whole, verified), then the file is one range of it.
    (whole, (offset, length, read)) = source.reads
    assert whole == (0, None, len(blob))
    assert offset > 0 and read < len(tree["z/last.txt"]) + 4 * MiB + 64 * 1024
    fresh = TocStore(tmp_path / "cache")
    toc = fresh.get(layers[0].digest)
    assert toc is not None and toc.checkpoints_sha256 is not None
    assert {e.path: e.sha256 for e in toc.entries}["c/text.txt"] == hashlib.sha256(
        tree["c/text.txt"]
    ).hexdigest()
    source.reads.clear()
    assert await cat(source, layers, "a/random.bin", fresh) == tree["a/random.bin"]
    ((_offset, length, read),) = source.reads
    assert length is not None and read < len(blob) - MiB


async def test_a_tampered_checkpoint_file_is_refused_in_one_line_and_deleted(
    tree: dict[str, bytes], tmp_path: Path
) -> None:
    blob = gnu_gzip(gnu_tar(tree, tmp_path, "gnu"), tmp_path)
    source, layers, store = await a_layout(tmp_path, blob)
    await LayerIndexer(source, store=store).index("img", layers[0])
    ckpt = store.checkpoints_path_for(layers[0].digest)
    assert ckpt is not None and ckpt.is_file()
    data = bytearray(ckpt.read_bytes())
    data[100] ^= 1
    ckpt.write_bytes(bytes(data))
    with pytest.raises(DamagedCheckpoints) as info:
        await cat(source, layers, "c/text.txt", TocStore(tmp_path / "cache"))
    assert "\n" not in str(info.value) and "run the command again" in str(info.value)
    assert not ckpt.exists() and TocStore(tmp_path / "cache").get(layers[0].digest) is None
    # The next run reads the layer whole again, and right.
    assert (
        await cat(source, layers, "c/text.txt", TocStore(tmp_path / "cache")) == tree["c/text.txt"]
    )


async def test_a_wrong_sha256_in_the_cached_toc_is_refused_in_one_line(
    tree: dict[str, bytes], tmp_path: Path
) -> None:
    blob = gnu_gzip(gnu_tar(tree, tmp_path, "gnu"), tmp_path)
    source, layers, store = await a_layout(tmp_path, blob)
    await LayerIndexer(source, store=store).index("img", layers[0])
    path = store.path_for(layers[0].digest)
    assert path is not None
    obj = json.loads(gzip.decompress(path.read_bytes()))
    for row in obj["entries"]:
        if row[0] == "c/text.txt":
            row[12] = hashlib.sha256(b"something else").hexdigest()
    path.write_bytes(gzip.compress(json.dumps(obj).encode()))
    with pytest.raises(DigestMismatch) as info:
        await cat(source, layers, "c/text.txt", TocStore(tmp_path / "cache"))
    assert "\n" not in str(info.value) and "sha256" in str(info.value)
    assert TocStore(tmp_path / "cache").get(layers[0].digest) is None


async def test_a_toc_offset_that_points_elsewhere_is_refused_in_one_line(
    tree: dict[str, bytes], tmp_path: Path
) -> None:
    raw = gnu_tar(tree, tmp_path, "gnu")
    source, layers, store = await a_layout(tmp_path, raw)
    toc = await LayerIndexer(source, store=store).index("img", layers[0])
    path = store.path_for(layers[0].digest)
    assert path is not None
    offsets = {e.path: e.offset for e in toc.entries}
    obj = json.loads(gzip.decompress(path.read_bytes()))
    for row in obj["entries"]:
        if row[0] == "c/text.txt":
            row[13] = offsets["a/first.txt"]
    path.write_bytes(gzip.compress(json.dumps(obj).encode()))
    with pytest.raises(LayerFormatError) as info:
        await cat(source, layers, "c/text.txt", TocStore(tmp_path / "cache"))
    assert "\n" not in str(info.value) and "a/first.txt" in str(info.value)


def test_plan_reads_from_the_checkpoint_before_to_the_one_after() -> None:
    from regview.registry.layers.entry import Entry, EntryType
    from regview.registry.layers.toc import LayerToc

    sha = "0" * 64
    entries = (
        Entry("a", EntryType.FILE, 10, sha256=sha, offset=0),
        Entry("b", EntryType.FILE, 10, sha256=sha, offset=5000),
        Entry("c", EntryType.FILE, 10, sha256=sha, offset=9000),
    )
    toc = LayerToc("sha256:" + "1" * 64, entries, 900, 12000, "gzip")
    cps = [GzipCheckpoint(100, 3000, 3, b"w"), GzipCheckpoint(400, 9500, 0, b"w")]
    plan = plan_range(toc, entries[1], cps)
    assert plan is not None
    # From the checkpoint before b (3000 <= 5000) to the byte of the one after c starts.
    assert (plan.start, plan.length, plan.skip, plan.resume) == (100, 301, 2000, cps[0])
    last = plan_range(toc, entries[2], cps)
    assert last is not None and (last.start, last.length, last.skip) == (100, None, 6000)
    first = plan_range(toc, entries[0], cps)
    assert first is not None and (first.start, first.length, first.skip) == (0, 401, 0)
    assert first.resume is not None and first.resume.member_start
    zstd = LayerToc(toc.digest, entries, 900, 12000, "zstd")
    assert plan_range(zstd, entries[1], []) is None  # streamed, not ranged


def test_entry_offsets_include_the_pax_and_long_name_headers_before_them() -> None:
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name in ("short", "x" * 150, "y" * 120):
            info = tarfile.TarInfo(name)
            info.size = 700
            t.addfile(info, io.BytesIO(b"d" * 700))
    raw = buf.getvalue()
    parser = TarParser()
    parser.feed(raw)
    with tarfile.open(fileobj=io.BytesIO(raw)) as t:
        members = t.getmembers()
    # tarfile's offset of a member is where its first header starts, the GNU 'L' one
    # (512 bytes of header + 512 of name) for a long name.
    assert [e.offset for e in parser.entries] == [m.offset for m in members]
    assert [raw[m.offset + 156 : m.offset + 157] for m in members] == [b"0", b"L", b"L"]
    assert [m.offset_data - m.offset for m in members] == [512, 1536, 1536]
    assert os.path.basename(parser.entries[1].path) == "x" * 150


# --- zstd: frame starts ------------------------------------------------------------------


async def test_a_multi_frame_zstd_layer_is_read_from_the_frame_before_the_file(
    tree: dict[str, bytes], tmp_path: Path
) -> None:
    raw = gnu_tar(tree, tmp_path, "gnu")
    blob = zst(raw, frames=16)  # about 1 MiB of tar per frame
    source, layers, store = await a_layout(tmp_path, blob, mt.OCI_LAYER_ZSTD)
    await LayerIndexer(source, store=store).index("img", layers[0])
    toc = store.get(layers[0].digest)
    assert toc is not None
    ckpt = store.checkpoints_path_for(layers[0].digest)
    assert ckpt is not None
    frames = decode_frames(ckpt.read_bytes())
    assert len(frames) >= 8 and frames[0] == (0, 0)
    source.reads.clear()
    for name in FILES:
        assert await cat(source, layers, name, TocStore(tmp_path / "cache")) == tree[name], name
        ((offset, _length, read),) = source.reads
        source.reads.clear()
        assert any(c == offset for c, _ in frames)  # starts on a frame
        # At most the frame holding the file's header, the file, and the frame after it.
        frame = max(len(raw) // 16, 1) + 1024
        assert read <= 2 * frame + len(tree[name]) * 1.01 + 64 * 1024, (name, read)


async def test_a_single_frame_zstd_layer_is_streamed_not_ranged(
    tree: dict[str, bytes], tmp_path: Path
) -> None:
    blob = zst(gnu_tar(tree, tmp_path, "gnu"))
    source, layers, store = await a_layout(tmp_path, blob, mt.OCI_LAYER_ZSTD)
    await LayerIndexer(source, store=store).index("img", layers[0])
    toc = store.get(layers[0].digest)
    assert toc is not None and toc.checkpoints_sha256 is None
    source.reads.clear()
    assert await cat(source, layers, "c/text.txt", store) == tree["c/text.txt"]
    assert [(o, n) for o, n, _ in source.reads] == [(0, None)]


def test_frame_index_round_trip_and_damage_is_refused() -> None:
    frames = [(0, 0), (1000, 5000), (2500, 9000)]
    data = encode_frames(frames)
    assert decode_frames(data) == frames
    swapped = encode_frames([(0, 0), (2500, 9000), (1000, 5000)])
    for bad in (data[:-1], data + b"\0", swapped, b"regview-zstd-frames-1\n\xff\xff\xff\xff"):
        with pytest.raises(ValueError, match="zstd frame"):
            decode_frames(bad)


def test_a_long_layer_keeps_at_most_max_checkpoints_windows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from regview.registry.layers import gzip_index

    monkeypatch.setattr(gzip_index, "MAX_CHECKPOINTS", 8)
    raw = _text(4 * MiB, 10)
    blob = gzip.compress(raw, mtime=0)
    _, g = inflate_all(blob, spacing=32 * 1024)  # would be about 40 points
    assert 4 <= len(g.checkpoints) <= 8
    gaps = [
        b.compressed - a.compressed for a, b in zip(g.checkpoints, g.checkpoints[1:], strict=False)
    ]
    assert min(gaps) >= 64 * 1024  # the spacing widened
    for cp in g.checkpoints:
        assert resume(blob, cp, 50_000) == raw[cp.uncompressed : cp.uncompressed + 50_000]


# --- eStargz: the chunks its own TOC lists ------------------------------------------------


async def test_an_estargz_file_is_one_range_of_its_chunks(
    tree: dict[str, bytes], tmp_path: Path
) -> None:
    raw = gnu_tar(tree, tmp_path, "gnu")
    blob, annotations = estargz_chunked(raw, chunk_size=MiB)
    assert gunzip(blob).startswith(raw[:512])  # a valid tar.gz, read by gzip itself
    write_image(tmp_path / "img", [Layer(blob, annotations=annotations)])
    source = RecordingSource(tmp_path / "img")
    _, layers = await image_layers(source, "img", "latest")
    store = TocStore(tmp_path / "cache")
    toc = await LayerIndexer(source, store=store).index("img", layers[0])
    assert toc.origin == "estargz"
    assert all(r[0] > 0 for r in source.reads) and sum(r[2] for r in source.reads) < MiB
    source.reads.clear()
    for name in FILES:
        assert await cat(source, layers, name, TocStore(tmp_path / "cache")) == tree[name], name
        if not tree[name]:
            source.reads.clear()
            continue  # an empty file has no chunk: nothing to range over
        ((offset, length, read),) = source.reads
        source.reads.clear()
        assert offset > 0 and blob[offset : offset + 2] == b"\x1f\x8b"  # a member starts
        assert length is not None or name == "z/last.txt"
        # The file's chunks, the next entries' header members, and nothing more.
        assert read <= len(tree[name]) * 1.01 + 64 * 1024, (name, read)


async def test_without_the_system_libz_layers_index_and_cat_by_streaming(
    tree: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from regview.registry.layers import gzip_index

    def no_libz() -> Any:
        raise OSError("libz.so.1: cannot open shared object file")

    monkeypatch.setattr(gzip_index, "_libz", None)
    monkeypatch.setattr(gzip_index, "_missing", False)
    monkeypatch.setattr(gzip_index, "_load_libz", no_libz)
    blob = gnu_gzip(gnu_tar(tree, tmp_path, "gnu"), tmp_path)
    source, layers, store = await a_layout(tmp_path, blob)
    toc = await LayerIndexer(source, store=store).index("img", layers[0])
    assert toc.checkpoints_sha256 is None and len(toc.entries) >= len(FILES)
    source.reads.clear()
    assert await cat(source, layers, "c/text.txt", store) == tree["c/text.txt"]
    assert [(o, n) for o, n, _ in source.reads] == [(0, None)]  # streamed from the start
