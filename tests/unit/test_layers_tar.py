"""The streaming decompressor and tar parser, against tarfile and GNU tar."""

from __future__ import annotations

import io
import subprocess
import tarfile
import tracemalloc
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regview.registry.errors import LayerFormatError
from regview.registry.layers.decompress import Decompressor, sniff_compression
from regview.registry.layers.entry import Entry, EntryType, normalize_path
from regview.registry.layers.tarstream import MAX_META, TarParser
from tests.support.layer_builders import (
    EPOCH,
    TarBuilder,
    gz,
    sample_tar,
    tar_members,
    tar_tv,
    zst,
)


def parse(blob: bytes, *, piece: int = 65536, declared: str | None = None) -> list[Entry]:
    parser = TarParser()
    d = Decompressor(parser.feed, declared=declared)
    for i in range(0, len(blob), piece):
        d.feed(blob[i : i + piece])
    d.finish()
    parser.finish()
    return parser.entries


def by_path(entries: list[Entry]) -> dict[str, Entry]:
    return {e.path: e for e in entries}


# --- every kind of entry -----------------------------------------------------------------


@pytest.mark.parametrize(
    "wrap", [lambda b: b, gz, lambda b: gz(b, members=5), zst, lambda b: zst(b, frames=4)]
)
@pytest.mark.parametrize("piece", [1, 7, 512, 100_000])
def test_sample_layer_in_every_compression_and_chunking(wrap: object, piece: int) -> None:
    raw = sample_tar()
    blob = wrap(raw)  # type: ignore[operator]
    if piece == 1 and len(blob) > 40_000:
        piece = 3  # byte-at-a-time over 70 kB of plain tar is only slow, not different
    entries = by_path(parse(blob, piece=piece))
    assert entries["etc/os-release"].size == 23
    big = entries["etc/big"]
    assert (big.size, big.uid, big.gid, big.type) == (70_000, 1000, 1001, EntryType.FILE)
    assert entries["bin/tool"].mode == 0o4755
    assert entries["bin/tool"].mode_string == "-rwsr-xr-x"
    assert entries["bin/sh"].type is EntryType.SYMLINK and entries["bin/sh"].link == "tool"
    hard = entries["bin/tool2"]
    assert hard.type is EntryType.HARDLINK and hard.link == "bin/tool" and hard.size == 0
    null = entries["dev/null"]
    assert (null.type, null.devmajor, null.devminor) == (EntryType.CHAR, 1, 3)
    assert entries["dev/sda"].type is EntryType.BLOCK
    assert entries["run/fifo"].type is EntryType.FIFO
    long_name = "usr/share/" + "d" * 90 + "/" + "f" * 120 + ".txt"
    assert entries[long_name].size == 9
    assert entries["caf\udce9.txt"].size == 12
    assert entries["empty"].size == 0
    assert entries["etc"].type is EntryType.DIR
    assert entries["etc"].mtime == EPOCH


@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT])
def test_long_names_in_every_format(fmt: int) -> None:
    name = "a/" + "b" * 60 + "/" + "c" * 60  # > 100: ustar prefix, GNU 'L' or PAX path
    target = "t" * 150
    builder = TarBuilder(format=fmt).file(name, b"data")
    if fmt != tarfile.USTAR_FORMAT:
        builder.symlink("link", target)
    entries = by_path(parse(builder.bytes()))
    assert entries[name].size == 4
    if fmt != tarfile.USTAR_FORMAT:
        assert entries["link"].link == target


def test_pax_overrides_header_fields() -> None:
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        info = tarfile.TarInfo("short")
        info.size = 3
        info.pax_headers = {"path": "päth/ünïcode", "uid": "3000000", "mtime": "1700000000.75"}
        t.addfile(info, io.BytesIO(b"abc"))
    (e,) = parse(b.getvalue())
    assert (e.path, e.uid, e.mtime, e.size) == ("päth/ünïcode", 3_000_000, EPOCH, 3)


def test_global_pax_headers_apply_to_later_entries() -> None:
    b = io.BytesIO()
    with tarfile.open(
        fileobj=b, mode="w", format=tarfile.PAX_FORMAT, pax_headers={"gid": "4242"}
    ) as t:  # a 'g' header first
        for n in ("one", "two"):
            t.addfile(tarfile.TarInfo(n))
    assert [e.gid for e in parse(b.getvalue())] == [4242, 4242]


def test_large_uid_and_size_in_base256() -> None:
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.GNU_FORMAT) as t:
        info = tarfile.TarInfo("f")
        info.uid = 2**40
        info.size = 5
        t.addfile(info, io.BytesIO(b"hello"))
    (e,) = parse(b.getvalue())
    assert (e.uid, e.size) == (2**40, 5)


def test_whiteouts_and_opaque_markers_are_recognised() -> None:
    entries = by_path(parse(TarBuilder().whiteout("etc/passwd").opaque("var/cache").bytes()))
    wh = entries["etc/.wh.passwd"]
    assert wh.is_whiteout and wh.whiteout_target == "etc/passwd"
    opq = entries["var/cache/.wh..wh..opq"]
    assert opq.is_opaque_marker and opq.whiteout_target is None and opq.parent == "var/cache"


def test_paths_are_normalised() -> None:
    assert normalize_path("./usr//bin/") == "usr/bin"
    assert normalize_path("/../../etc/passwd") == "etc/passwd"
    assert normalize_path("./") == ""
    entries = parse(TarBuilder().dir("./").dir("./etc/").file("./etc/x", b"1").bytes())
    assert [e.path for e in entries] == ["etc", "etc/x"]  # the root itself is not listed


def test_empty_layers() -> None:
    assert parse(b"") == []
    assert parse(gz(b"")) == []
    assert parse(TarBuilder().bytes()) == []
    assert parse(gz(TarBuilder().bytes())) == []


def test_old_style_directory_with_trailing_slash() -> None:
    b = bytearray(TarBuilder(format=tarfile.USTAR_FORMAT).file("olddir/", b"").bytes())
    b[156] = 0  # AREGTYPE
    b[148:156] = b"%06o\0 " % (sum(b[:148]) + 256 + sum(b[156:512]))
    (e,) = parse(bytes(b))
    assert e.type is EntryType.DIR and e.path == "olddir"


# --- compared with tarfile and GNU tar -----------------------------------------------------

names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0/"),
    min_size=1,
    max_size=40,
).filter(lambda s: s not in (".", ".."))


@st.composite
def archives(draw: st.DrawFn) -> tuple[int, list[tuple[str, str, bytes, int, int, int]]]:
    fmt = draw(st.sampled_from([tarfile.GNU_FORMAT, tarfile.PAX_FORMAT]))
    count = draw(st.integers(0, 12))
    items = []
    seen: set[str] = set()
    for _ in range(count):
        parts = draw(st.lists(names, min_size=1, max_size=4))
        path = "/".join(parts)
        if path in seen:
            continue
        seen.add(path)
        kind = draw(st.sampled_from(["file", "dir", "symlink"]))
        data = draw(st.binary(max_size=1500)) if kind == "file" else b""
        mode = draw(st.integers(0, 0o7777))
        uid = draw(st.integers(0, 2**21 - 1))
        mtime = draw(st.integers(0, 2**33 - 1))
        items.append((path, kind, data, mode, uid, mtime))
    return fmt, items


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(archives(), st.integers(1, 2000), st.sampled_from(["none", "gzip", "zstd"]))
def test_matches_tarfile_on_generated_archives(
    archive: tuple[int, list[tuple[str, str, bytes, int, int, int]]], piece: int, codec: str
) -> None:
    fmt, items = archive
    b = TarBuilder(format=fmt)
    for path, kind, data, mode, uid, mtime in items:
        if kind == "file":
            b.file(path, data, mode=mode, uid=uid, mtime=mtime)
        elif kind == "dir":
            b.dir(path, mode=mode, uid=uid, mtime=mtime)
        else:
            b.symlink(path, "target/" + path, uid=uid, mtime=mtime)
    raw = b.bytes()
    blob = {"none": raw, "gzip": gz(raw), "zstd": zst(raw)}[codec]
    ours = parse(blob, piece=piece)
    theirs = [m for m in tar_members(raw) if normalize_path(m.name)]
    assert [e.path for e in ours] == [normalize_path(m.name) for m in theirs]
    for e, m in zip(ours, theirs, strict=True):
        assert (e.size, e.mode, e.uid, e.gid, e.mtime) == (
            m.size,
            m.mode,
            m.uid,
            m.gid,
            int(m.mtime),
        )
        assert e.is_dir == m.isdir()
        assert (e.link or "") == (m.linkname if m.issym() else "")


@pytest.mark.parametrize("codec", ["gzip", "zstd", "none"])
def test_sizes_match_gnu_tar(tmp_path: Path, codec: str) -> None:
    raw = sample_tar()
    blob = {"gzip": gz(raw), "zstd": zst(raw), "none": raw}[codec]
    expected = tar_tv(blob, tmp_path, zstd=codec == "zstd")
    ours = parse(blob)
    assert [(e.path, e.size, e.mode_string, f"{e.uid}/{e.gid}") for e in ours] == [
        (name, size, mode, owner) for mode, owner, size, name in expected
    ]


def test_gnu_sparse_files_report_their_real_size(tmp_path: Path) -> None:
    sparse = tmp_path / "sparse"
    with sparse.open("wb") as f:
        f.seek(50 * 1024 * 1024)
        f.write(b"end")
    archive = tmp_path / "s.tar"
    for fmt in ("gnu", "posix"):
        subprocess.run(
            [
                "tar",
                f"--format={fmt}",
                "--sparse",
                "-cf",
                str(archive),
                "-C",
                str(tmp_path),
                "sparse",
            ],
            check=True,
        )
        raw = archive.read_bytes()
        assert len(raw) < 1024 * 1024  # the holes are not stored
        (e,) = parse(raw)
        assert (e.path, e.size, e.type) == ("sparse", 50 * 1024 * 1024 + 3, EntryType.FILE)
        assert [r[2] for r in tar_tv(raw, tmp_path)] == [e.size]


# --- damaged, hostile and lying input -------------------------------------------------------


def test_truncated_archive_is_an_error_not_a_hang() -> None:
    raw = sample_tar()
    for cut in (100, 512 + 10, 4000, len(raw) // 2):
        with pytest.raises(LayerFormatError, match="truncated"):
            parse(raw[:cut])


def test_truncated_gzip_is_an_error() -> None:
    blob = gz(sample_tar())
    with pytest.raises(LayerFormatError, match=r"ends early|truncated"):
        parse(blob[: len(blob) // 2])


def test_garbage_is_an_error() -> None:
    with pytest.raises(LayerFormatError, match="checksum"):
        parse(b"this is not a tar archive at all" * 40)
    with pytest.raises(LayerFormatError, match="gzip"):
        parse(b"\x1f\x8b" + b"\xff" * 100)
    with pytest.raises(LayerFormatError, match="zstd"):
        parse(b"\x28\xb5\x2f\xfd" + b"\xff" * 100)
    with pytest.raises(LayerFormatError, match="after the end of the gzip"):
        parse(gz(sample_tar()) + b"trailing garbage")


def test_zero_padding_after_gzip_is_tolerated() -> None:
    assert len(parse(gz(sample_tar()) + b"\0" * 1000)) == len(tar_members(sample_tar()))


def test_oversized_extended_header_is_refused_without_allocating() -> None:
    header = bytearray(TarBuilder(format=tarfile.USTAR_FORMAT).file("x", b"").bytes()[:512])
    header[156] = ord("x")
    header[124:136] = b"%011o\0" % (2 * 1024**3)
    header[148:156] = b"        "
    header[148:156] = b"%06o\0 " % sum(header)
    with pytest.raises(LayerFormatError, match="larger than"):
        parse(bytes(header) + b"\0" * 1024)
    assert MAX_META <= 1024 * 1024


def test_a_gzip_bomb_costs_time_not_memory() -> None:
    # One file of 1 GiB of zeros: ~1 MB of gzip. The TOC must not hold the data.
    size = 1024**3
    header = tarfile.TarInfo("zeros")
    header.size = size
    head = header.tobuf(format=tarfile.GNU_FORMAT)
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [c.compress(head)]
    block = b"\0" * (16 * 1024 * 1024)
    for _ in range(size // len(block)):
        parts.append(c.compress(block))
    parts.append(c.compress(b"\0" * 1024))
    parts.append(c.flush())
    blob = b"".join(parts)
    assert len(blob) < 2 * 1024 * 1024
    del parts, block
    tracemalloc.start()
    try:
        (e,) = parse(blob)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert e.size == size
    assert peak < 8 * 1024 * 1024


def test_declared_compression_loses_to_magic_bytes() -> None:
    raw = sample_tar()
    assert len(parse(raw, declared="gzip")) == len(parse(gz(raw), declared="none"))
    assert sniff_compression(b"\x1f\x8b\x08") == "gzip"
    assert sniff_compression(b"\x28\xb5\x2f\xfd") == "zstd"
    assert sniff_compression(b"\x50\x2a\x4d\x18") == "zstd"  # a skippable frame first
    assert sniff_compression(b"\x28\xb5") is None  # too early to tell
    assert sniff_compression(b"usr/") == "none"


def test_uncompressed_size_is_counted() -> None:
    raw = sample_tar()
    d = Decompressor(TarParser().feed)
    d.feed(gz(raw, members=3))
    d.finish()
    assert (d.bytes_out, d.compression) == (len(raw), "gzip")


def test_entry_data_can_be_captured() -> None:
    raw = sample_tar()
    got: list[bytes] = []

    def hook(e: Entry) -> object:
        return got.append if e.path == "etc/big" else None

    parser = TarParser(hook)  # type: ignore[arg-type]
    for i in range(0, len(raw), 1000):
        parser.feed(raw[i : i + 1000])
    assert b"".join(got) == b"x" * 70_000
    assert got[-1] == b""  # the end of the entry's data is signalled
