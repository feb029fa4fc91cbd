"""Sparse files come back whole, holes included, in every format GNU tar writes.

Expected content comes from GNU tar's own extraction of the same archive; hostile maps
are written by hand (Python's ``tarfile`` with PAX records, or patched GNU headers).
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import tracemalloc
from pathlib import Path

import pytest

from regview.registry.errors import LayerFormatError
from regview.registry.layers.entry import Entry
from regview.registry.layers.sparse import ZERO_PIECE
from regview.registry.layers.tarstream import BLOCK, DataSink, TarParser
from tests.support.gnu_tar import SPARSE_FORMATS, extract_layers, sparse_layer

MiB = 1024 * 1024


class Collect:
    """An entry hook that hashes every file's content and notes its largest piece."""

    def __init__(self) -> None:
        self.hashes: dict[str, hashlib._Hash] = {}
        self.sizes: dict[str, int] = {}
        self.largest = 0

    def __call__(self, e: Entry) -> DataSink | None:
        h = self.hashes[e.path] = hashlib.sha256()
        self.sizes[e.path] = 0

        def sink(piece: bytes) -> None:
            h.update(piece)
            self.sizes[e.path] += len(piece)
            self.largest = max(self.largest, len(piece))

        return sink


def parse(raw: bytes, hook: Collect | None = None, piece: int = 10_000) -> TarParser:
    parser = TarParser(hook, hash_files=True)
    for i in range(0, len(raw), piece):  # pieces that cut headers and maps anywhere
        parser.feed(raw[i : i + piece])
    parser.finish()
    return parser


@pytest.mark.parametrize("fmt", sorted(SPARSE_FORMATS))
def test_sparse_files_expand_to_what_gnu_tar_extracts(tmp_path: Path, fmt: str) -> None:
    raw = sparse_layer(tmp_path, fmt)
    assert len(raw) < 512 * 1024  # really stored sparse: a few chunks, not 50 MiB
    extracted = extract_layers(tmp_path, raw)
    assert extracted.status == 0, extracted.stderr
    hook = Collect()
    parser = parse(raw, hook)
    names = sorted(p.name for p in extracted.root.iterdir())
    assert sorted(e.path for e in parser.entries) == names
    for e in parser.entries:
        expected = extracted.sha256(e.path)
        assert e.size == extracted.lstat(e.path).st_size, e.path
        assert hook.sizes[e.path] == e.size, e.path
        assert hook.hashes[e.path].hexdigest() == expected, e.path
        assert e.sha256 == expected, e.path  # recorded while indexing, for diff
    assert hook.largest <= max(ZERO_PIECE, 10_000)  # holes go out in bounded pieces


def test_a_30_mib_sparse_file_is_expanded_without_allocating_it(tmp_path: Path) -> None:
    raw = sparse_layer(tmp_path, "pax-1.0")
    seen = 0

    def hook(e: Entry) -> DataSink | None:
        def sink(piece: bytes) -> None:
            nonlocal seen
            seen += len(piece)

        return sink

    tracemalloc.start()
    try:
        parser = TarParser(hook, hash_files=True)
        for i in range(0, len(raw), 64 * 1024):
            parser.feed(raw[i : i + 64 * 1024])
        parser.finish()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == sum(e.size for e in parser.entries) > 40 * MiB
    assert peak < 2 * MiB, peak


# --- hostile maps --------------------------------------------------------------------------


def pax_sparse(records: dict[str, str], data: bytes, name: str = "f") -> bytes:
    """One PAX entry carrying the given GNU.sparse records and stored ``data``."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as t:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.pax_headers = records
        t.addfile(info, io.BytesIO(data))
    return out.getvalue()


def expanded(raw: bytes) -> bytes:
    parts: list[bytes] = []

    def hook(e: Entry) -> DataSink | None:
        return parts.append

    parser = TarParser(hook)
    parser.feed(raw)
    parser.finish()
    return b"".join(parts)


def test_a_hand_written_pax_0_1_map_expands_as_written() -> None:
    raw = pax_sparse(
        {"GNU.sparse.map": "2,3,10,2", "GNU.sparse.realsize": "14", "GNU.sparse.name": "f"},
        b"abcde",
    )
    assert expanded(raw) == b"\0\0abc\0\0\0\0\0de\0\0"


@pytest.mark.parametrize(
    ("records", "data", "message"),
    [
        ({"GNU.sparse.map": "10,2,0,2"}, b"abcd", "not sorted"),
        ({"GNU.sparse.map": "0,4,2,2"}, b"abcdef", "overlap"),
        ({"GNU.sparse.map": "0,4,98,4"}, b"abcdefgh", "past the real size"),
        ({"GNU.sparse.map": "0,4"}, b"abcdefgh", "lists 4 bytes"),
        ({"GNU.sparse.map": "0,4,8"}, b"abcd", "odd count"),
        ({"GNU.sparse.map": "0," + "9" * 40}, b"abcd", "invalid"),
        ({"GNU.sparse.map": "0,-4"}, b"abcd", "invalid"),
        ({"GNU.sparse.map": "0,4", "GNU.sparse.realsize": str(1 << 70)}, b"abcd", "impossible"),
    ],
)
def test_hostile_pax_maps_are_refused_in_one_line(
    records: dict[str, str], data: bytes, message: str
) -> None:
    records = {"GNU.sparse.realsize": "100", **records}
    with pytest.raises(LayerFormatError, match=message) as caught:
        expanded(pax_sparse(records, data))
    assert "\n" not in str(caught.value)


def pax_1_0(map_text: bytes, data: bytes, realsize: int) -> bytes:
    block = map_text + b"\0" * (-len(map_text) % BLOCK)
    return pax_sparse(
        {
            "GNU.sparse.major": "1",
            "GNU.sparse.minor": "0",
            "GNU.sparse.name": "f",
            "GNU.sparse.realsize": str(realsize),
        },
        block + data,
    )


def test_hostile_pax_1_0_maps_are_refused() -> None:
    assert expanded(pax_1_0(b"1\n4\n3\n", b"xyz", 9)) == b"\0\0\0\0xyz\0\0"
    with pytest.raises(LayerFormatError, match="claims"):
        expanded(pax_1_0(b"99999999999\n", b"", 9))
    with pytest.raises(LayerFormatError, match="invalid"):
        expanded(pax_1_0(b"1" * 600, b"", 9))  # a count that never ends
    with pytest.raises(LayerFormatError, match="larger than"):
        expanded(pax_1_0(b"200000\n" + b"1000000\n" * 140_000, b"", 9))  # never complete
    with pytest.raises(LayerFormatError, match="not sorted"):
        expanded(pax_1_0(b"2\n4\n1\n0\n1\n", b"ab", 9))
    with pytest.raises(LayerFormatError, match="less data"):
        expanded(pax_1_0(b"2\n", b"", 9))  # the map itself is cut short


class Enough(Exception):
    pass


def test_an_exabyte_sparse_file_is_listed_and_streams_without_buffering() -> None:
    exabyte = 1 << 60
    raw = pax_sparse(
        {"GNU.sparse.map": f"0,4,{exabyte - 4},4", "GNU.sparse.realsize": str(exabyte)},
        b"headtail",
    )
    # Listing and indexing: its real size, no hash (past the per-layer budget), no hang.
    parser = parse(raw)
    (entry,) = parser.entries
    assert (entry.size, entry.sha256) == (exabyte, None)
    # cat streams it: the reader gets bounded pieces and can stop whenever it likes.
    got: list[bytes] = []

    def hook(e: Entry) -> DataSink | None:
        def sink(piece: bytes) -> None:
            got.append(piece)
            if len(got) * ZERO_PIECE > 8 * MiB:
                raise Enough

        return sink

    with pytest.raises(Enough):
        TarParser(hook).feed(raw)
    assert got[0] == b"head" and max(len(p) for p in got) <= ZERO_PIECE
    assert not any(any(p) for p in got[1:])


def gnu_old_sparse_with_extensions(blocks: int) -> bytes:
    """A GNU 'S' header that announces ``blocks`` extension blocks (empty ones)."""
    header = bytearray(BLOCK)
    header[0:1] = b"f"
    header[100:108] = b"0000644\0"
    header[108:116] = header[116:124] = b"0000000\0"
    header[124:136] = b"00000000000\0"
    header[136:148] = b"00000000000\0"
    header[156:157] = b"S"
    header[257:265] = b"ustar  \0"
    header[482] = 1
    header[483:495] = b"00000000010\0"
    header[148:156] = b" " * 8
    header[148:156] = f"{sum(header):06o}\0 ".encode()
    ext = bytearray(BLOCK)
    ext[504] = 1
    return bytes(header) + bytes(ext) * blocks + bytes(2 * BLOCK)


def test_endless_gnu_sparse_extension_blocks_are_refused() -> None:
    with pytest.raises(LayerFormatError, match="too many extension blocks"):
        parse(gnu_old_sparse_with_extensions(3000))


def test_gnu_tar_itself_agrees_with_the_hand_written_old_header(tmp_path: Path) -> None:
    # The builder above is a valid GNU header: GNU tar lists it (then the archive ends
    # inside the map, which both refuse).
    import subprocess

    from tests.support.gnu_tar import gnu_tar

    archive = tmp_path / "old.tar"
    archive.write_bytes(gnu_old_sparse_with_extensions(1)[: 2 * BLOCK])
    listing = subprocess.run(
        [gnu_tar(), "-tvf", str(archive)], capture_output=True, text=True, check=False
    )
    assert " f\n" in listing.stdout or listing.stdout.rstrip().endswith(" f"), listing
    with pytest.raises(LayerFormatError, match="truncated"):
        parse(archive.read_bytes())


def pax_0_0(pairs: list[tuple[int, int]], realsize: int, data: bytes) -> bytes:
    """A PAX 0.0 entry: the repeated offset/numbytes records, written by hand."""
    records = [("GNU.sparse.size", str(realsize)), ("GNU.sparse.numblocks", str(len(pairs)))]
    for offset, length in pairs:
        records += [("GNU.sparse.offset", str(offset)), ("GNU.sparse.numbytes", str(length))]
    return pax_records(records, data)


def pax_records(records: list[tuple[str, str]], data: bytes) -> bytes:
    """One entry after a PAX header holding ``records`` in this order (repeats kept)."""
    body = b""
    for key, value in records:
        text = f" {key}={value}\n".encode()
        size = len(text) + 1
        while len(str(size)) + len(text) != size:
            size += 1
        body += str(size).encode() + text
    header = tarfile.TarInfo("./PaxHeaders/f")
    header.type = tarfile.XHDTYPE
    header.size = len(body)
    entry = tarfile.TarInfo("f")
    entry.size = len(data)
    pad = lambda raw: raw + b"\0" * (-len(raw) % BLOCK)  # noqa: E731
    return (
        header.tobuf(tarfile.USTAR_FORMAT)
        + pad(body)
        + entry.tobuf(tarfile.USTAR_FORMAT)
        + pad(data)
        + bytes(2 * BLOCK)
    )


def test_a_pax_0_0_map_of_thousands_of_pairs_expands_in_order() -> None:
    count = 20_000  # about 0.8 MB of records: under the 1 MiB cap, and no quadratic copy
    pairs = [(i * 8 + 2, 3) for i in range(count)]
    data = b"abc" * count
    content = expanded(pax_0_0(pairs, count * 8, data))
    assert content == b"\0\0abc\0\0\0" * count


def test_a_pax_0_0_map_with_a_missing_length_is_refused() -> None:
    records = [("GNU.sparse.size", "8"), ("GNU.sparse.offset", "0"), ("GNU.sparse.offset", "5")]
    raw = pax_records([*records, ("GNU.sparse.numbytes", "3")], b"abc")
    with pytest.raises(LayerFormatError, match="odd count"):
        expanded(raw)


def test_diff_compares_sparse_files_by_their_content(tmp_path: Path) -> None:
    # The same stored chunk at two offsets: equal stored data, different files.
    import subprocess

    from regview.registry.image_diff import diff_filesystems
    from regview.registry.layers import LayerToc, merge_layers
    from tests.support.gnu_tar import gnu_tar

    tocs = []
    for side, offset in (("a", 1 * MiB), ("b", 2 * MiB)):
        src = tmp_path / side
        src.mkdir()
        with (src / "holes").open("wb") as f:
            f.truncate(4 * MiB)
            f.seek(offset)
            f.write(b"D" * 4096)
        archive = tmp_path / f"{side}.tar"
        subprocess.run(
            [gnu_tar(), "--sparse", "-cf", str(archive), "-C", str(src), "holes"], check=True
        )
        raw = archive.read_bytes()
        entries = tuple(parse(raw).entries)
        tocs.append(LayerToc("sha256:" + side * 64, entries, len(raw), len(raw), "none"))
    changes, unhashed = diff_filesystems(merge_layers(tocs[:1]), merge_layers(tocs[1:]))
    assert unhashed == ()
    assert [(c.path, c.attributes) for c in changes] == [("holes", ("content",))]
    same, unhashed = diff_filesystems(merge_layers(tocs[:1]), merge_layers(tocs[:1]))
    assert same == () and unhashed == ()
