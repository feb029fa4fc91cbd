"""The tar parser's fast paths (usual headers, names already normal, in-place sha256)
give exactly what the general path and Python's tarfile give."""

from __future__ import annotations

import hashlib
import io
import itertools
import posixpath
import tarfile

import pytest

from regview.registry.errors import LayerFormatError
from regview.registry.layers.entry import Entry, EntryType, normalize_path
from regview.registry.layers.tarstream import BLOCK, TarParser


def _reference_normalize(raw: str) -> str:
    """The definition: resolve against the root, as ``posixpath.normpath`` does."""
    return posixpath.normpath("/" + raw).lstrip("/") if raw else ""


def test_normalize_path_agrees_with_normpath_on_every_short_name() -> None:
    # Every name of up to 7 pieces from these: all the ways "." and "/" combine.
    pieces = ["a", ".", "/", "b", "..", ".b"]
    count = 0
    for length in range(1, 8):
        for combo in itertools.product(pieces, repeat=length):
            name = "".join(combo)
            assert normalize_path(name) == _reference_normalize(name), name
            count += 1
    assert count > 300_000


def _tar(*members: tuple[tarfile.TarInfo, bytes | None], fmt: int = tarfile.GNU_FORMAT) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def _file(name: str, data: bytes, **fields: object) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in fields.items():
        setattr(info, key, value)
    return info, data


def _parse(blob: bytes, *, piece: int = 100_000, **kwargs: object) -> list[Entry]:
    parser = TarParser(**kwargs)  # type: ignore[arg-type]
    for i in range(0, len(blob), piece):
        parser.feed(blob[i : i + piece])
    parser.finish()
    return parser.entries


def _rewrite_numbers(blob: bytes, style: str) -> bytes:
    """Rewrite every header's numeric fields in another spelling tar accepts, and fix the
    checksum: the general number parser then reads them, not the fast path."""
    out = bytearray(blob)
    pos = 0
    while pos + BLOCK <= len(out) and any(out[pos : pos + BLOCK]):
        header = out[pos : pos + BLOCK]
        size = int(header[124:135], 8)
        for start, width in ((100, 8), (108, 8), (116, 8), (124, 12), (136, 12)):
            value = int(bytes(header[start : start + width - 1]), 8)
            if style == "spaces":  # old tars: leading spaces, ended by a space
                text = f"{value:o}".rjust(width - 1).encode() + b" "
            else:  # "no-nul": all digits, no terminator
                text = f"{value:0{width}o}".encode()
            header[start : start + width] = text
        header[148:156] = b" " * 8
        header[148:156] = f"{sum(header):06o}\0 ".encode()
        assert len(header) == BLOCK
        out[pos : pos + BLOCK] = header
        pos += BLOCK + -(-size // BLOCK) * BLOCK
    return bytes(out)


def _members() -> list[tuple[tarfile.TarInfo, bytes | None]]:
    link = tarfile.TarInfo("usr/bin/sh")
    link.type, link.linkname = tarfile.SYMTYPE, "bash"
    hard = tarfile.TarInfo("usr/bin/rbash")
    hard.type, hard.linkname = tarfile.LNKTYPE, "./usr//bin/bash"
    dev = tarfile.TarInfo("dev/null")
    dev.type, dev.devmajor, dev.devminor = tarfile.CHRTYPE, 1, 3
    folder = tarfile.TarInfo("./usr/bin/")
    folder.type, folder.mode = tarfile.DIRTYPE, 0o755
    return [
        (folder, None),
        _file("usr/bin/bash", b"#!" * 3000, mode=0o4755, uid=1000, gid=1001, mtime=1_700_000_123),
        (link, None),
        (hard, None),
        (dev, None),
        _file("./etc/../etc/os-release", b"ID=test\n", uname="ünï", gname="grp"),
    ]


@pytest.mark.parametrize("style", ["spaces", "no-nul"])
def test_unusual_number_spellings_give_the_same_entries(style: str) -> None:
    usual = _tar(*_members())
    other = _rewrite_numbers(usual, style)
    assert other != usual
    with tarfile.open(fileobj=io.BytesIO(other)) as tar:  # tarfile reads them too
        expected = [(m.name, m.size, m.mode, m.uid, m.gid, m.mtime) for m in tar.getmembers()]
    for blob in (usual, other):
        entries = _parse(blob, piece=BLOCK - 1)
        got = [(e.path, e.size, e.mode, e.uid, e.gid, e.mtime) for e in entries]
        assert got == [(normalize_path(n), *rest) for n, *rest in expected]
    assert _parse(usual) == _parse(other)


def test_entries_of_a_usual_header_match_tarfile() -> None:
    entries = {e.path: e for e in _parse(_tar(*_members()))}
    assert entries["usr/bin"].type is EntryType.DIR and entries["usr/bin"].mode == 0o755
    bash = entries["usr/bin/bash"]
    assert (bash.mode, bash.uid, bash.gid, bash.mtime, bash.size) == (
        0o4755,
        1000,
        1001,
        1_700_000_123,
        6000,
    )
    assert entries["usr/bin/sh"].link == "bash"
    assert entries["usr/bin/rbash"].link == "usr/bin/bash"  # hard links are paths
    assert (entries["dev/null"].devmajor, entries["dev/null"].devminor) == (1, 3)
    assert entries["etc/os-release"].uname == "ünï"
    assert entries["etc/os-release"].gname == "grp"


def test_a_wrong_checksum_in_a_usual_header_is_still_refused() -> None:
    blob = bytearray(_tar(_file("a", b"x")))
    blob[0:1] = b"b"  # the name changes, the checksum does not
    with pytest.raises(LayerFormatError, match="checksum mismatch"):
        _parse(bytes(blob))


def test_a_signed_checksum_is_still_accepted() -> None:
    # Historic tars summed signed chars: a name byte over 127 counts negative.
    blob = bytearray(_tar(_file("caf\xe9", b"x"), fmt=tarfile.USTAR_FORMAT))
    header = blob[:BLOCK]
    header[148:156] = b" " * 8
    signed = sum(b - 256 if b > 127 else b for b in header)
    blob[148:156] = f"{signed:06o}\0 ".encode()
    (entry,) = _parse(bytes(blob))
    assert entry.size == 1


def test_file_sha256_without_a_hook_and_with_one() -> None:
    data = [b"", b"small", b"z" * 70_000]
    blob = _tar(*(_file(f"f{i}", d) for i, d in enumerate(data)))
    expected = [hashlib.sha256(d).hexdigest() for d in data]
    plain = _parse(blob, piece=333, hash_files=True)
    assert [e.sha256 for e in plain] == expected

    seen: list[Entry] = []

    def hook(entry: Entry) -> None:
        seen.append(entry)

    hooked = _parse(blob, piece=333, hash_files=True, on_entry=hook)
    assert [e.sha256 for e in hooked] == expected
    # What the hook was handed stays as it was, before the data was read.
    assert [e.sha256 for e in seen] == [None, None, None]
    assert [e.path for e in seen] == ["f0", "f1", "f2"]


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_pieces_of_any_bytes_type_give_the_same_entries(kind: type) -> None:
    blob = _tar(*_members())
    parser = TarParser(hash_files=True)
    parser.feed(kind(blob))
    parser.finish()
    assert parser.entries == _parse(blob, hash_files=True)
    bash = next(e for e in parser.entries if e.path == "usr/bin/bash")
    assert bash.sha256 == hashlib.sha256(b"#!" * 3000).hexdigest()
