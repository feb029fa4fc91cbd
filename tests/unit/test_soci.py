"""The SOCI zTOC reader against zTOCs written independently (tests/support/soci_builders.py:
the flatbuffers package's Builder, zran points from full-flush positions and windows
inflated by Python's zlib), and against hostile ones.

Expected values come from Python's tarfile (names, data offsets, sizes) and from the
tar bytes themselves; nothing expected is computed by regview.
"""

from __future__ import annotations

import dataclasses
import io
import struct
import subprocess
import tarfile
from pathlib import Path

import pytest

from regview.registry.layers import LayerIndexer, TocStore, image_layers, read_file
from regview.registry.layers.entry import Entry, EntryType
from regview.registry.layers.gzip_index import GzipInflater, available
from regview.registry.layers.soci import header_matches, plan_soci_range
from regview.registry.layers.soci_refusals import ZtocRefusals
from regview.registry.layers.soci_ztoc import ZtocError, parse_mod_time, parse_zinfo, parse_ztoc
from regview.registry.layers.toc import LayerToc
from tests.support import images
from tests.support import soci_builders as sb
from tests.unit.test_layers_checkpoints import RecordingSource

KiB = 1024


def _tar() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for name, data in (
            ("etc/hostname", b"soci\n"),
            ("opt/" + "long-" * 30 + "name.txt", bytes(range(256)) * 40),
            ("opt/blob.bin", bytes((i * 7) % 251 for i in range(300 * KiB))),
            ("opt/last.txt", b"the end\n" * 1000),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_700_000_000
            tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("opt/link")
        link.type = tarfile.SYMTYPE
        link.linkname = "last.txt"
        tf.addfile(link)
    return buf.getvalue()


TAR = _tar()
with tarfile.open(fileobj=io.BytesIO(TAR)) as _tf:
    MEMBERS = {m.name: m for m in _tf.getmembers()}


def test_a_ztoc_written_by_the_flatbuffers_builder_parses_to_what_tarfile_says() -> None:
    blob, _info, _records, doc = sb.layer_ztoc(TAR, 64 * KiB)
    z = parse_ztoc(doc)
    assert z.version == "0.9"
    assert (z.compressed_size, z.uncompressed_size) == (len(blob), len(TAR))
    assert [f.name for f in z.files] == list(MEMBERS)
    for f in z.files:
        m = MEMBERS[f.name]
        assert (f.offset, f.size, f.linkname) == (m.offset_data, m.size, m.linkname)
    assert {f.name: f.type for f in z.files}["opt/link"] == "symlink"
    assert parse_mod_time(z.files[0].mod_time) == 1_700_000_000


def test_zinfo_points_become_checkpoints_that_resume_to_the_tar_bytes() -> None:
    if not available():
        pytest.skip("no system libz")
    blob, info, _records, _doc = sb.layer_ztoc(TAR, 64 * KiB)
    points = parse_zinfo(info)
    assert len(points) > 4
    assert (points[0].compressed, points[0].uncompressed) == (10, 0)
    for p in points:
        out: list[bytes] = []
        inflater = GzipInflater.resume(p, out.append)
        inflater.feed(blob[p.compressed : p.compressed + 40 * KiB])
        got = b"".join(out)
        assert got and TAR[p.uncompressed : p.uncompressed + len(got)] == got


def test_version_1_zinfo_leaves_point_0_out_and_bits_move_the_offset_back() -> None:
    window = bytes(range(256)) * 128
    pts = [sb.Point(10, 0, bytes(sb.WINDOW)), sb.Point(5000, 70000, window, bits=3)]
    v1 = parse_zinfo(sb.zinfo(pts, 65536, version=1))
    v2 = parse_zinfo(sb.zinfo(pts, 65536, version=2))
    assert [(p.compressed, p.uncompressed, p.bits) for p in v1] == [(10, 0, 0), (4999, 70000, 3)]
    assert [(p.compressed, p.uncompressed, p.bits) for p in v2] == [(10, 0, 0), (4999, 70000, 3)]
    assert v2[1].window == window


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d[: len(d) // 2],  # truncated
        lambda d: d[:6],
        lambda d: struct.pack("<I", len(d) + 100) + d[4:],  # root points past the end
        lambda d: b"\xff\xff\xff\x7f" + d[4:],
    ],
)
def test_a_damaged_ztoc_is_one_ztoc_error(damage: object) -> None:
    *_, doc = sb.layer_ztoc(TAR, 64 * KiB)
    with pytest.raises(ZtocError):
        parse_ztoc(damage(doc))  # type: ignore[operator]


def test_a_ztoc_claiming_millions_of_files_is_refused_before_walking_them() -> None:
    *_, doc = sb.layer_ztoc(TAR, 64 * KiB)
    z = bytearray(doc)
    # The metadata vector's count is 5 (5 members): find it after the TOC table and lie.
    count = struct.pack("<I", len(MEMBERS))
    at = z.find(count)
    while at >= 0:
        trial = bytearray(z)
        trial[at : at + 4] = struct.pack("<I", 0x7FFFFFFF)
        try:
            parse_ztoc(bytes(trial))
        except ZtocError as exc:
            if "claims" in str(exc) or "outside" in str(exc):
                return
        at = z.find(count, at + 1)
    raise AssertionError("no count was refused")


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        struct.pack("<iQ", 0, 1),
        struct.pack("<iQ", 100_000, 1),
        struct.pack("<iQ", 2, 1) + b"\0" * 10,  # not as long as two points
    ],
)
def test_a_damaged_zinfo_is_one_ztoc_error(blob: bytes) -> None:
    with pytest.raises(ZtocError):
        parse_zinfo(blob)


def test_points_out_of_order_are_refused() -> None:
    w = bytes(sb.WINDOW)
    pts = [sb.Point(10, 0, w), sb.Point(900, 5000, w), sb.Point(800, 9000, w)]
    with pytest.raises(ZtocError, match="out of order"):
        parse_zinfo(sb.zinfo(pts, 1))


def test_the_header_before_a_files_data_is_checked_against_tarfiles_header() -> None:
    m = MEMBERS["opt/blob.bin"]
    header = TAR[m.offset_data - 512 : m.offset_data]
    assert header_matches(header, m.size)
    assert not header_matches(header, m.size + 1)
    assert not header_matches(TAR[m.offset_data : m.offset_data + 512], m.size)  # its data
    long = MEMBERS["opt/" + "long-" * 30 + "name.txt"]  # after a GNU long-name header
    assert header_matches(TAR[long.offset_data - 512 : long.offset_data], long.size)


def test_a_range_starts_at_the_point_before_the_header_and_ends_past_the_data() -> None:
    blob, info, _r, _d = sb.layer_ztoc(TAR, 64 * KiB)
    points = parse_zinfo(info)
    toc = LayerToc("sha256:" + "0" * 64, (), len(blob), len(TAR), "gzip", origin="soci")
    m = MEMBERS["opt/last.txt"]
    entry = Entry("opt/last.txt", EntryType.FILE, m.size, offset=m.offset_data)
    plan = plan_soci_range(toc, entry, points)
    assert plan is not None
    start = [p for p in points if p.uncompressed <= m.offset_data - 512][-1]
    assert plan.resume == start and plan.start == start.compressed
    assert plan.skip == m.offset_data - 512 - start.uncompressed
    assert plan.length is None or plan.start + plan.length <= len(blob)


# --- through a real OCI layout (its referrers are the manifests whose subject is the image)


Reads = list[tuple[int, int | None, int]]


async def _cat(
    tmp_path: Path, doc: bytes, blob: bytes, path: str
) -> tuple[bytes, list[str], Reads]:
    """``cat`` of ``path`` from an image whose SOCI index holds ``doc``: the bytes, the
    indexer's notes, and the blob reads (offset, length asked, bytes delivered)."""
    image = sb.image_with_layer(blob, TAR)
    images.write_layout(tmp_path / "img", {"latest": image, "soci": sb.soci_index(image, doc)})
    source = RecordingSource(tmp_path / "img")
    fetched, layers = await image_layers(source, "img", "latest")
    indexer = LayerIndexer(source, store=TocStore(tmp_path / "cache"))
    indexer.add_image(fetched.digest, layers)
    out = bytearray()
    source.reads.clear()
    await read_file(source, "img", layers, path, out.extend, indexer=indexer)
    return bytes(out), indexer.notes, source.reads


async def test_a_file_is_read_from_the_ztoc_with_one_range(tmp_path: Path) -> None:
    if not available():
        pytest.skip("no system libz")
    blob, _info, _records, doc = sb.layer_ztoc(TAR, 64 * KiB)
    m = MEMBERS["opt/last.txt"]
    out, notes, reads = await _cat(tmp_path, doc, blob, "/opt/last.txt")
    assert out == TAR[m.offset_data : m.offset_data + m.size]
    assert notes == []
    # The zTOC whole, then one range of the layer: from a point after its start to its
    # end (no point follows the last file), never the whole layer.
    assert reads[0] == (0, None, len(doc))
    ((offset, length, got),) = reads[1:]
    assert 0 < offset < len(blob) and length is None and got == len(blob) - offset
    first = MEMBERS["etc/hostname"]
    out, _, reads = await _cat(tmp_path / "again", doc, blob, "/etc/hostname")
    assert out == TAR[first.offset_data : first.offset_data + first.size]
    ((offset, length, got),) = reads[1:]
    assert offset == 10 and length is not None and got == length < len(blob)


def _bad(records: list[sb.FileRecord], info: bytes, blob: bytes, **kw: int) -> bytes:
    sizes = {"compressed_size": len(blob), "uncompressed_size": len(TAR), "max_span_id": 0}
    return sb.ztoc(records, info, **{**sizes, **kw})


@pytest.mark.parametrize("how", ["size", "outside", "point", "count"])
async def test_a_hostile_ztoc_is_noted_and_the_layer_read_instead(tmp_path: Path, how: str) -> None:
    blob, info, records, _doc = sb.layer_ztoc(TAR, 64 * KiB)
    if how == "size":
        doc = _bad(records, info, blob, compressed_size=len(blob) + 1)
    elif how == "outside":
        far = [dataclasses.replace(records[2], offset=len(TAR) * 4), *records[3:]]
        doc = _bad(records[:2] + far, info, blob)
    elif how == "point":
        points = sb.points_for(blob, sb.gzip_with_points(TAR, 64 * KiB)[1])
        points[-1] = dataclasses.replace(points[-1], compressed=len(blob) * 3)
        doc = _bad(records, sb.zinfo(points, 1), blob)
    else:
        doc = _bad(records, struct.pack("<iQ", 1 << 30, 1) + info[12:], blob)
    m = MEMBERS["opt/blob.bin"]
    out, notes, reads = await _cat(tmp_path, doc, blob, "/opt/blob.bin")
    assert out == TAR[m.offset_data : m.offset_data + m.size]
    (note,) = notes
    assert "zTOC" in note and "read instead" in note and "\n" not in note
    assert (0, None, len(blob)) in reads  # the layer, read whole


async def test_a_sparse_file_is_listed_from_the_ztoc_but_streamed_whole(tmp_path: Path) -> None:
    if not available():
        pytest.skip("no system libz")
    root = tmp_path / "root"
    root.mkdir()
    with (root / "sparse").open("wb") as f:  # 2 MiB: a hole, 8 KiB of data, a hole
        f.seek(1024 * KiB)
        f.write(b"x" * 8 * KiB)
        f.truncate(2048 * KiB)
    expected = (root / "sparse").read_bytes()
    tar_path = tmp_path / "s.tar"
    subprocess.run(
        ["tar", "--sparse", "--format=gnu", "-C", str(root), "-cf", str(tar_path), "sparse"],
        check=True,
    )
    tar = tar_path.read_bytes()
    blob, positions = sb.gzip_with_points(tar, 64 * KiB)
    info = sb.zinfo(sb.points_for(blob, positions), 64 * KiB)
    records = sb.records_from_tar(tar)
    assert records[0].size == len(expected)  # tarfile's logical size, as SOCI records it
    doc = sb.ztoc(
        records, info, compressed_size=len(blob), uncompressed_size=len(tar), max_span_id=0
    )
    image = sb.image_with_layer(blob, tar)
    images.write_layout(tmp_path / "img", {"latest": image, "soci": sb.soci_index(image, doc)})
    source = RecordingSource(tmp_path / "img")
    fetched, layers = await image_layers(source, "img", "latest")
    indexer = LayerIndexer(source, store=TocStore(tmp_path / "cache"))
    indexer.add_image(fetched.digest, layers)
    out = bytearray()
    await read_file(source, "img", layers, "/sparse", out.extend, indexer=indexer)
    assert bytes(out) == expected
    # Listed from the zTOC, but not read by range: its data would run past the archive.
    toc = indexer.store.get(layers[0].digest)
    assert toc is not None and toc.origin == "soci"
    assert (0, None, len(blob)) in source.reads


def test_a_refusal_is_kept_by_ztoc_digest_for_its_layer_only(tmp_path: Path) -> None:
    ztoc, layer, other = ("sha256:" + c * 64 for c in "abc")
    ZtocRefusals(tmp_path).refuse(ztoc, layer, "truncated")
    again = ZtocRefusals(tmp_path)  # a later run, the same cache
    assert again.reason(ztoc, layer) == "truncated"
    assert again.reason(ztoc, other) is None  # the same zTOC named for another layer
    assert again.reason(other, layer) is None
    (kept,) = (tmp_path / "soci-refused").rglob("*.json")
    assert kept.name == "a" * 64 + ".json"
    kept.write_bytes(b"{not json")
    assert ZtocRefusals(tmp_path).reason(ztoc, layer) is None  # damaged: ignored
    memory = ZtocRefusals(None)  # --no-cache: for the run only
    memory.refuse(ztoc, layer, "truncated")
    assert memory.reason(ztoc, layer) == "truncated"
    assert ZtocRefusals(None).reason(ztoc, layer) is None
